// Which Host and Origin headers the admin API answers: to a request let in by something a page cannot know
// (a loopback address, the authorize hook), only loopback names, addresses and allowedHosts (DNS rebinding),
// and WebSocket upgrades and streams from the server's own origin (scheme, host, port) only (cross-site
// WebSocket hijacking).

import type { IncomingMessage } from 'node:http';
import { nodeNet } from '../builtins.js';
import { invalidOption } from '../errors.js';
import type { OriginGuardOptions } from '../monitor/websocket-port.js';
import { isBrowserAgent } from './browser-agent.js';
import { forwardedHosts } from './forwarded-host.js';
import { isHttp10 } from './proxy-signals.js';

/** The `Host` and `Origin` allow-lists of the admin API and the WebSocket. */
export type { OriginGuardOptions } from '../monitor/websocket-port.js';

/** Why a request was refused for its `Host` (421) or an upgrade for its `Origin` (403). */
export type GuardRefusal =
  | { ok: false; status: 400; code: 'invalid_host'; message: string }
  | { ok: false; status: 421; code: 'host_not_allowed'; message: string }
  | { ok: false; status: 403; code: 'origin_not_allowed'; message: string };

/** The two checks, with the allow-lists parsed once. */
export interface OriginGuard {
  /**
   * Refuses a `Host` that is not a loopback name, an address or an allowed host: always in loopback mode,
   * and in the other modes for a request the authorize hook let in (`ambient`), since a rebound page
   * comes from the admin's own address and browser.
   */
  checkHost(req: IncomingMessage, ambient?: boolean): GuardRefusal | undefined;
  /**
   * The same Host rule for the dashboard's page and assets (served without credentials): in loopback mode, with
   * the authorize hook alone (the only way in, and it has the Host rule), and in every mode once allowedHosts is
   * set. A DNS name rebound to the server would otherwise serve the real page, which asks for the admin token
   * on the attacker's origin. With adminToken and no allowedHosts the API serves a bearer under any Host, so the
   * page is too.
   */
  checkPageHost(req: IncomingMessage): GuardRefusal | undefined;
  /** Refuses an upgrade whose `Origin` is another site's (not its own `Host`, not allowed). */
  checkOrigin(req: IncomingMessage): GuardRefusal | undefined;
  /**
   * Refuses what a browser marks as sent by another site's page (`Sec-Fetch-Site` cross-site or same-site)
   * without an allowed `Origin`, unless it is a top-level navigation (a link followed): asked of requests let
   * in by what a browser brings along, before they spend the served budget.
   */
  checkFetchSite(req: IncomingMessage): GuardRefusal | undefined;
  /**
   * Loopback mode only: refuses a browser's request (`User-Agent` `Mozilla/`, not PowerShell's) that carries no
   * `Sec-Fetch-Site` to a `Host` that is not potentially trustworthy (not `localhost`, `*.localhost`, 127.0.0.0/8
   * nor `[::1]`, over plain HTTP): browsers send no Fetch Metadata there, so another site's `<img>` or script
   * cannot be told from the dashboard's own fetch, and served by the address alone they spent its budget
   * (outside review G, F3).
   */
  checkUnmarkedBrowser(req: IncomingMessage): GuardRefusal | undefined;
}

const HOST_NAME = /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/;

/**
 * Parses `allowedHosts` and `allowedOrigins` once, with a coded error for a malformed entry. `trustProxy`
 * (validated by the authenticator) decides whether `X-Forwarded-Proto` names the scheme the client used, and
 * that every peer may be a proxy that rewrote Host (the Host rule then serves only allowedHosts names).
 */
export function createOriginGuard(
  options: OriginGuardOptions & { trustProxy?: boolean | number },
  loopbackMode: boolean,
  /** The authorize hook is the only credential (no adminToken): every way in has the Host rule. */
  authorizeOnly = false,
): OriginGuard {
  const trustProxy = options.trustProxy ?? false;
  // trustProxy (true or a hop count; validated by the authenticator) trusts every peer as a proxy: any request may
  // come through one, whatever headers it carries. A proxy need not add X-Forwarded-For (only X-Real-IP or Via,
  // or nothing at all over HTTP/1.0, nginx's default upstream version), so no header proves a request came direct
  // (outside review C).
  const behindProxy = trustProxy !== false && trustProxy !== 0;
  const hosts = parseList(options.allowedHosts, 'allowedHosts', (entry) => {
    const host = entry.toLowerCase().replace(/\.$/, '');
    if (!HOST_NAME.test(host)) {
      throw invalidOption(
        `\`allowedHosts\` entries are host names without scheme or port, such as 'devbox.local' (got ${JSON.stringify(entry)}).`,
      );
    }
    return host;
  });
  const origins = parseList(options.allowedOrigins, 'allowedOrigins', (entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const bare =
      url !== undefined &&
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.pathname === '/' &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      !entry.endsWith('/');
    if (!url || !bare) {
      throw invalidOption(
        `\`allowedOrigins\` entries are origins such as 'https://admin.example.com' (scheme, host and optional port; no path; got ${JSON.stringify(entry)}).`,
      );
    }
    return url.origin;
  });

  /** A name the browser may have asked for: an IP address cannot be rebound, only a DNS name by its owner. */
  const allowed = (name: string | undefined): boolean =>
    name !== undefined && (isLoopbackName(name) || isAddress(name) || hosts.has(name));

  /** A name listed in allowedHosts that no proxy writes as its upstream: neither an address nor localhost. */
  const listedName = (name: string): boolean => hosts.has(name) && !isAddress(name) && !isLoopbackName(name);

  /** The Host rule; `page` words the refusal for the dashboard's page. */
  function judgeHost(req: IncomingMessage, page: boolean): GuardRefusal | undefined {
    const header = requestAuthority(req);
    if (typeof header !== 'string') return header;
    const name = hostName(header);
    if (!allowed(name)) return misdirected('Host', header, page);
    // Loopback mode trusts the host and the proxies on it (docs/access-control.md): served as before there.
    if (loopbackMode) return undefined;
    // Without trustProxy a request is judged as a direct one, but an HTTP/1.0 request naming an address or
    // localhost is what nginx's default proxy_pass sends (HTTP/1.0 upstream, Host: 127.0.0.1:PORT), and no
    // browser speaks HTTP/1.0: a page rebound to the proxy's name read metrics/ and minted a token through it
    // (outside review E, F4). Judged as proxied: only an allowedHosts name proves what the browser opened.
    if (!behindProxy) return isHttp10(req) && !listedName(name as string) ? http10Proxy(header) : undefined;
    // Behind a trusted proxy (outside review B, RTB-1; with trustProxy every peer, whatever headers it sends:
    // outside review C) Host may be the proxy's upstream (nginx's default
    // `proxy_pass http://127.0.0.1:PORT;` sends `Host: 127.0.0.1:PORT`): an address or a loopback name there
    // says nothing of what the browser asked for. Only a Host a page cannot write proves it: a name listed in
    // allowedHosts, which the proxy passed on (`proxy_set_header Host $host;`). X-Forwarded-Host and Forwarded
    // host= cannot prove it, as a page may send them itself and a proxy that does not set them (nginx's
    // default) passes them on; but every host they name must be allowed, for a proxy that records the
    // browser's Host there after rewriting Host to a listed name.
    for (const h of forwardedHosts(req))
      if (!allowed(hostName(h))) return misdirected('X-Forwarded-Host', h, page);
    if (listedName(name as string)) return undefined;
    return {
      ok: false,
      status: 421,
      code: 'host_not_allowed',
      message:
        `with trustProxy set every client may be a proxy, and this request has Host ${JSON.stringify(cut(header))}: a proxy may ` +
        'rewrite Host to its upstream address or to localhost, so only a name listed in allowedHosts says which ' +
        'name the browser opened (DNS rebinding; X-Forwarded-Host does not: a page can send it); have the proxy ' +
        'pass the Host on (nginx: proxy_set_header Host $host;) and list the name the dashboard is opened under ' +
        'in allowedHosts (with no proxy in front, leave trustProxy unset), or send Authorization: Bearer',
    };
  }

  function http10Proxy(header: string): GuardRefusal {
    return {
      ok: false,
      status: 421,
      code: 'host_not_allowed',
      message:
        `an HTTP/1.0 request with Host ${JSON.stringify(cut(header))} is what a reverse proxy sends by default ` +
        "(nginx's proxy_pass: HTTP/1.0 upstream, Host rewritten to its upstream address), and no browser speaks " +
        'HTTP/1.0: behind a proxy set trustProxy, have it pass the Host on (nginx: proxy_set_header Host $host;) ' +
        'and list the name the dashboard is opened under in allowedHosts; a direct client can speak HTTP/1.1 ' +
        'or send Authorization: Bearer',
    };
  }

  function misdirected(what: 'Host' | 'X-Forwarded-Host', value: string, page: boolean): GuardRefusal {
    const shown = `${what} ${JSON.stringify(cut(value))}`;
    let message: string;
    if (loopbackMode) {
      message =
        `the admin API answers ${shown} only with adminToken or authorize set; ` +
        'in loopback mode only localhost, IP addresses and allowedHosts are served';
    } else if (page) {
      message =
        `${shown} is not in allowedHosts: the dashboard is served only for localhost, ` +
        'IP addresses and the names listed in allowedHosts (DNS rebinding: a rebound name would serve the page that ' +
        'asks for your credentials); add the name the dashboard is opened under to allowedHosts';
    } else {
      message =
        `${shown} is not in allowedHosts: a request the authorize hook lets in is ` +
        'served only for localhost, IP addresses and the names listed in allowedHosts (DNS rebinding); ' +
        'add the name the dashboard is opened under to allowedHosts, or send Authorization: Bearer';
    }
    return { ok: false, status: 421, code: 'host_not_allowed', message };
  }

  function checkHost(req: IncomingMessage, ambient = false): GuardRefusal | undefined {
    if (!loopbackMode && !ambient) return undefined;
    return judgeHost(req, false);
  }

  const pageChecked = loopbackMode || authorizeOnly || hosts.size > 0;
  function checkPageHost(req: IncomingMessage): GuardRefusal | undefined {
    return pageChecked ? judgeHost(req, true) : undefined;
  }

  function checkOrigin(req: IncomingMessage): GuardRefusal | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    if (origins.has(origin.toLowerCase())) return undefined;
    const scheme = requestScheme(req, trustProxy);
    const authority = requestAuthority(req);
    const same = sameOrigin(origin, scheme, typeof authority === 'string' ? authority : undefined);
    if (same === true) return undefined;
    const hint =
      same === 'other-scheme'
        ? `; this request came over ${scheme}: behind a proxy that terminates TLS set trustProxy and have it send X-Forwarded-Proto, or`
        : ';';
    return {
      ok: false,
      status: 403,
      code: 'origin_not_allowed',
      message: `a page from ${JSON.stringify(cut(origin))} may not read nor write this admin API nor open its WebSocket or stream${hint} list it in allowedOrigins to allow it`,
    };
  }

  function checkFetchSite(req: IncomingMessage): GuardRefusal | undefined {
    const site = req.headers['sec-fetch-site'];
    if (site !== 'cross-site' && site !== 'same-site') return undefined;
    // An allowed Origin (allowedOrigins, the own one) is served as checkOrigin serves it.
    if (req.headers.origin !== undefined && checkOrigin(req) === undefined) return undefined;
    // A link followed from a chat, a wiki or an alert: one request per click, seen by the user. Only a navigation
    // the user started (Sec-Fetch-User: ?1, Fetch Metadata §2.4): a page that opened a window navigated it 320
    // times by script, each without it, and spent the admin's served budget (outside review E, F2).
    if (isUserNavigation(req)) return undefined;
    return {
      ok: false,
      status: 403,
      code: 'origin_not_allowed',
      message:
        `another site's page sent this request (Sec-Fetch-Site: ${site}) without an allowed Origin: what the ` +
        'browser brings along (a loopback address, cookies) does not serve it; open the URL itself, list the ' +
        "page's origin in allowedOrigins, or send Authorization: Bearer",
    };
  }

  function checkUnmarkedBrowser(req: IncomingMessage): GuardRefusal | undefined {
    if (!loopbackMode || req.headers['sec-fetch-site'] !== undefined) return undefined;
    // A page cannot set User-Agent (a preflight, never answered here): a browser's says Mozilla/, tools' don't.
    if (!isBrowserAgent(req.headers['user-agent'])) return undefined;
    if (requestScheme(req, trustProxy) === 'https') return undefined;
    const authority = requestAuthority(req);
    const name = typeof authority === 'string' ? hostName(authority) : undefined;
    if (name !== undefined && (isLoopbackName(name) || name.endsWith('.localhost'))) return undefined;
    const port = typeof authority === 'string' ? /:(\d{1,5})$/.exec(authority)?.[1] : undefined;
    return {
      ok: false,
      status: 403,
      code: 'origin_not_allowed',
      message:
        'a browser sent this request over plain HTTP to a name it sends no Fetch Metadata to, so another ' +
        `site's page cannot be told from yours: open it at http://localhost${port ? `:${port}` : ''}/ (the ` +
        "browser then marks other sites' requests), or set adminToken or authorize",
    };
  }

  return { checkHost, checkPageHost, checkOrigin, checkFetchSite, checkUnmarkedBrowser };
}

/**
 * A top-level GET navigation the user started (a link clicked, a URL typed): `Sec-Fetch-Mode: navigate`,
 * `Sec-Fetch-Dest: document` and `Sec-Fetch-User: ?1`, which browsers send only for a user-activated
 * navigation (Fetch Metadata, §2.4); a script navigating a window it opened sends none.
 */
export function isUserNavigation(req: IncomingMessage): boolean {
  const h = req.headers;
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    h['sec-fetch-mode'] === 'navigate' &&
    h['sec-fetch-dest'] === 'document' &&
    h['sec-fetch-user'] === '?1'
  );
}

/**
 * The one authority (host[:port]) the request was sent to, or why there is none certain to judge. HTTP/1
 * carries it in `Host`: none (a hand-written HTTP/1.0 request) or two (node keeps the first, a proxy may
 * forward the second) leave nothing certain, so both are refused (RFC 9112 §3.2: 400). HTTP/2 carries it in
 * `:authority` (node's compat API: `req.headers[':authority']`) and sends no `Host`; a `Host` beside it must
 * say the same (RFC 9113 §8.3.1), or which one the app and a proxy read is uncertain: refused as well.
 */
function requestAuthority(req: IncomingMessage): string | GuardRefusal {
  const count = hostHeaderCount(req);
  const host = req.headers.host;
  const authority = req.httpVersionMajor === 2 ? req.headers[':authority'] : undefined;
  if (typeof authority === 'string' && authority !== '') {
    if (count === 0) return authority;
    if (count === 1 && host?.trim().toLowerCase() === authority.trim().toLowerCase()) return authority;
    return {
      ok: false,
      status: 400,
      code: 'invalid_host',
      message:
        count === 1
          ? `an HTTP/2 request's Host header must repeat its :authority (got :authority ${JSON.stringify(cut(authority))}, Host ${JSON.stringify(cut(host ?? ''))})`
          : `an HTTP/2 request may carry at most one Host header, the same as its :authority (got ${count})`,
    };
  }
  if (host === undefined || count !== 1) {
    return {
      ok: false,
      status: 400,
      code: 'invalid_host',
      message: `exactly one Host header is required (got ${count})`,
    };
  }
  return host;
}

/** How many Host headers the request carried (node's `headers.host` keeps only the first). */
function hostHeaderCount(req: IncomingMessage): number {
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) return req.headers.host === undefined ? 0 : 1;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === 'host') n++;
  return n;
}

function parseList(
  value: readonly string[] | undefined,
  name: string,
  parse: (entry: string) => string,
): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw invalidOption(`\`${name}\` must be an array of non-empty strings.`);
  }
  return new Set(value.map(parse));
}

/** The host name of a Host header, lowercase, without port or trailing dot; undefined when malformed. */
function hostName(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  const bracket = /^(\[[0-9a-f:.]+\])(?::\d{1,5})?$/.exec(h);
  if (bracket) return bracket[1];
  const plain = /^([a-z0-9.-]+?)\.?(?::\d{1,5})?$/.exec(h);
  return plain ? plain[1] : undefined;
}

function isAddress(name: string): boolean {
  return nodeNet().isIP(name.startsWith('[') ? name.slice(1, -1) : name) !== 0;
}

/** `localhost`, a 127.0.0.0/8 address, `[::1]` or an IPv4-mapped 127 address: names only this machine answers. */
function isLoopbackName(name: string): boolean {
  if (name === 'localhost') return true;
  if (nodeNet().isIP(name) === 4) return name.startsWith('127.');
  if (name.startsWith('[')) {
    const a = name.slice(1, -1);
    if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^(?:0:0:0:0:0|):ffff:(.+)$/.exec(a);
    return (
      mapped !== null && nodeNet().isIP(mapped[1] as string) === 4 && (mapped[1] as string).startsWith('127.')
    );
  }
  return false;
}

/**
 * The scheme the client used: `https` on a TLS socket, else `http`; with `trustProxy`, the proxy's
 * `X-Forwarded-Proto` (the entry the nearest trusted proxy wrote, as for X-Forwarded-For) when it is one.
 */
function requestScheme(req: IncomingMessage, trustProxy: boolean | number): 'http' | 'https' {
  const own = (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http';
  if (trustProxy === false || trustProxy === 0) return own;
  const header = req.headers['x-forwarded-proto'];
  if (typeof header !== 'string') return own;
  const entries = header.split(',').map((e) => e.trim().toLowerCase());
  const index = trustProxy === true ? 0 : Math.max(0, entries.length - trustProxy);
  const proto = entries[index];
  return proto === 'https' || proto === 'wss' ? 'https' : proto === 'http' || proto === 'ws' ? 'http' : own;
}

/**
 * The web's same-origin rule: true when `origin` has the scheme, host and port the request was sent to
 * (`scheme://Host`, a default port spelt out or not); 'other-scheme' when only the scheme differs.
 */
function sameOrigin(
  origin: string,
  scheme: 'http' | 'https',
  host: string | undefined,
): true | 'other-scheme' | false {
  if (host === undefined) return false;
  let page: URL;
  let server: URL;
  try {
    page = new URL(origin);
    server = new URL(`${scheme}://${host.trim()}`);
  } catch {
    return false; // `null` (sandboxed frames, file://) and garbage are never the server's own page.
  }
  if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
  if (server.username !== '' || server.pathname !== '/') return false; // not a bare host[:port]
  if (page.origin === server.origin) return true;
  return page.hostname === server.hostname && page.protocol !== server.protocol ? 'other-scheme' : false;
}

function cut(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}
