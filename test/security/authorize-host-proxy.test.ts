// Outside review B, RTB-1 (MEDIUM): DNS rebinding behind a reverse proxy that rewrites Host. nginx's default
// `proxy_pass http://127.0.0.1:PORT;` sends `Host: 127.0.0.1:PORT`, and an IP-literal Host was served as one a
// page cannot choose: a page on attacker.example rebound to the proxy, in an allow-listed admin's browser, read
// metrics/, dashboard/ and token/ through the authorize hook. Behind a trusted proxy the Host rule now serves
// only a Host listed in allowedHosts (an address or a loopback name may be the proxy's upstream; a page can send
// X-Forwarded-Host itself), and every X-Forwarded-Host / RFC 7239 Forwarded host= entry must be allowed too.
// Real servers on each adapter, behind a real HTTP proxy started here whose header rewriting imitates nginx's.

import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { forwardedHosts } from '../../src/http/forwarded-host.js';
import { harnesses } from '../adapters/harness.js';
import { BASE } from './fixture.js';
import { expectHostRefusal, hostProxyHarness, misdirected, ok, statuses } from './host-proxy.js';
import { rawRequest } from './raw-client.js';

const served = hostProxyHarness();

/** The office address the hook allows, as the proxy appends it to X-Forwarded-For (trustProxy: 1 reads it). */
const OFFICE = '10.1.2.3';
const hook = (r: { headers?: IncomingHttpHeaders; req?: { headers: IncomingHttpHeaders } }): boolean => {
  const h = r.headers ?? r.req?.headers ?? {};
  // The nearest proxy's X-Forwarded-For entry, or its Forwarded element's for= (RFC 7239).
  const forwardedFor = /for="?([^";,]+)"?[^,]*$/i.exec(String(h.forwarded ?? ''))?.[1];
  const last = String(h['x-forwarded-for'] ?? '')
    .split(',')
    .pop()
    ?.trim();
  return (last || forwardedFor) === OFFICE;
};

/** How a proxy rewrites the browser's headers: `up` is the upstream's `host:port`, `from` the browser's address. */
type Rewrite = (h: IncomingHttpHeaders, up: string, from: string) => IncomingHttpHeaders;
const xff = (h: IncomingHttpHeaders, from: string) =>
  h['x-forwarded-for'] ? `${h['x-forwarded-for']}, ${from}` : from;
const PROXIES: Record<string, Rewrite> = {
  // nginx `proxy_pass http://127.0.0.1:PORT;` + `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`
  'nginx default (Host rewritten)': (h, up, from) => ({ ...h, host: up, 'x-forwarded-for': xff(h, from) }),
  // ... + `proxy_set_header X-Forwarded-Host $host;` (replaces whatever the client sent)
  'Host rewritten, X-Forwarded-Host $host': (h, up, from) => ({
    ...h,
    host: up,
    'x-forwarded-for': xff(h, from),
    'x-forwarded-host': h.host,
  }),
  // RFC 7239: `Forwarded: for=...;host="..."` appended, Host rewritten, no X-Forwarded-For
  'Host rewritten, Forwarded host=': (h, up, from) => ({
    ...h,
    host: up,
    forwarded: `${h.forwarded ? `${h.forwarded}, ` : ''}for=${from};host="${h.host}";proto=http`,
  }),
  // ... + `proxy_set_header Host $host;` (SECURITY.md's example); the client's X-Forwarded-Host passed on
  'Host $host': (h, _up, from) => ({ ...h, 'x-forwarded-for': xff(h, from) }),
  // Apache mod_proxy with ProxyPreserveHost On: appends to X-Forwarded-For and X-Forwarded-Host
  'Host kept, X-Forwarded-Host appended': (h, _up, from) => ({
    ...h,
    'x-forwarded-for': xff(h, from),
    'x-forwarded-host': h['x-forwarded-host'] ? `${h['x-forwarded-host']}, ${h.host}` : h.host,
  }),
  // `proxy_pass http://app.internal:PORT;` with app.internal listed, recording the browser's Host
  'Host rewritten to a listed name, X-Forwarded-Host $host': (h, up, from) => ({
    ...h,
    host: `app.internal:${up.split(':')[1]}`,
    'x-forwarded-for': xff(h, from),
    'x-forwarded-host': h.host,
  }),
};

/** A real HTTP proxy in front of `port`, rewriting headers as `rewrite` says; the browser is at `from`. */
const proxy = (port: number, rewrite: Rewrite, from = OFFICE): Promise<string> =>
  served.proxy(port, (headers, up) => rewrite(headers, up, from));
const start = served.start;

describe.each(harnesses)('$name adapter, authorize hook behind a proxy (trustProxy: 1)', (harness) => {
  it('a rebound page is refused through every proxy; the admin is served where the proxy passes Host on', async () => {
    const target = await start(harness, {
      authorize: hook,
      trustProxy: 1,
      allowedHosts: ['admin.example.com', 'app.internal'],
    });
    const got: Record<string, Record<string, number[]>> = {};
    for (const [name, rewrite] of Object.entries(PROXIES)) {
      const via = await proxy(Number(new URL(target.url).port), rewrite);
      got[name] = {
        attacker: await statuses(via, 'attacker.example'),
        // The page adds the header itself (no forbidden header name in fetch, no preflight same-origin).
        forging: await statuses(via, 'attacker.example', { 'x-forwarded-host': 'admin.example.com' }),
        admin: await statuses(via, 'admin.example.com'),
        'admin by address': await statuses(via, '10.0.0.5'),
      };
    }
    // Where Host is rewritten to an address, nothing the request carries tells the admin from the page: the
    // forged X-Forwarded-Host reaches the app as the proxy's own would, so neither is taken as proof.
    const refused = {
      attacker: misdirected,
      forging: misdirected,
      admin: misdirected,
      'admin by address': misdirected,
    };
    const kept = { attacker: misdirected, forging: misdirected, admin: ok, 'admin by address': misdirected };
    expect(got).toEqual({
      'nginx default (Host rewritten)': refused,
      'Host rewritten, X-Forwarded-Host $host': refused,
      'Host rewritten, Forwarded host=': refused,
      'Host $host': kept,
      'Host kept, X-Forwarded-Host appended': kept,
      // The recorded Host is judged: the page's name is refused, an address the browser opened is served.
      'Host rewritten to a listed name, X-Forwarded-Host $host': { ...kept, 'admin by address': ok },
    });
  });

  it('the refusal through a Host-rewriting proxy says how to forward the Host; direct IP access without trustProxy still works', async () => {
    const target = await start(harness, { authorize: hook, trustProxy: 1 });
    const via = await proxy(
      Number(new URL(target.url).port),
      PROXIES['nginx default (Host rewritten)'] as Rewrite,
    );
    for (const path of ['metrics/', 'dashboard/']) {
      const res = await rawRequest(via, {
        method: 'GET',
        path: `${BASE}/${path}`,
        headers: { host: 'admin.example' },
      });
      expect(res.status, path).toBe(421);
      expectHostRefusal(res);
    }
    // Without trustProxy a request is judged as a direct one (the admin has not said a proxy is there): the
    // browser itself named the address (an address cannot be rebound). With it, every peer is a proxy whatever
    // headers it sends (outside review C: a proxy may add none): authorize-host-proxy-headers.test.ts.
    const direct = await start(harness, { authorize: () => true, trustProxy: false });
    for (const host of [`127.0.0.1:${new URL(direct.url).port}`, '10.0.0.5', 'localhost']) {
      expect(await statuses(direct.url, host), host).toEqual(ok);
    }
    expect(await statuses(direct.url, 'attacker.example')).toEqual(misdirected);
    // With adminToken and allowedHosts the dashboard page is checked in every mode: through the proxy too.
    const paged = await start(harness, {
      adminToken: 'x'.repeat(40),
      trustProxy: 1,
      allowedHosts: ['admin.example.com'],
    });
    const port = Number(new URL(paged.url).port);
    const rewriting = await proxy(port, PROXIES['nginx default (Host rewritten)'] as Rewrite);
    const keeping = await proxy(port, PROXIES['Host $host'] as Rewrite);
    const page = async (via: string, host: string) =>
      (await rawRequest(via, { method: 'GET', path: `${BASE}/dashboard/`, headers: { host } })).status;
    expect({
      rewritingAttacker: await page(rewriting, 'attacker.example'),
      rewritingAdmin: await page(rewriting, 'admin.example.com'),
      keepingAttacker: await page(keeping, 'attacker.example'),
      keepingAdmin: await page(keeping, 'admin.example.com'),
    }).toEqual({ rewritingAttacker: 421, rewritingAdmin: 421, keepingAttacker: 421, keepingAdmin: 200 });
  });
});

describe('forwardedHosts (X-Forwarded-Host entries, RFC 7239 Forwarded host=)', () => {
  const of = (rawHeaders: string[]) => {
    const headers: IncomingHttpHeaders = {};
    for (let i = 0; i < rawHeaders.length; i += 2)
      headers[(rawHeaders[i] as string).toLowerCase()] = rawHeaders[i + 1];
    return forwardedHosts({ rawHeaders, headers } as never);
  };
  it('reads every entry of every header, unquoted; a Forwarded header that does not parse but names a host is ""', () => {
    expect(of(['X-Forwarded-Host', 'a.example, b.example:8080', 'x-forwarded-host', 'c.example'])).toEqual([
      'a.example',
      'b.example:8080',
      'c.example',
    ]);
    // RFC 7239 §4 examples, and §7.1's case-insensitive names; quoted-string with a quoted-pair.
    expect(of(['Forwarded', 'for=192.0.2.43, for="[2001:db8:cafe::17]";host="ex\\ample.com:80"'])).toEqual([
      'example.com:80',
    ]);
    expect(of(['Forwarded', 'For=192.0.2.60;Proto=http;By=203.0.113.43;HOST=ex.example'])).toEqual([
      'ex.example',
    ]);
    expect(of(['Forwarded', 'for=[::1];host=a.example', 'Forwarded', 'host=b.example'])).toEqual([
      'a.example',
      'b.example',
    ]);
    expect(of(['Forwarded', 'for=192.0.2.1;host="unterminated'])).toEqual(['']);
    expect(of(['Forwarded', 'for=192.0.2.1 junk'])).toEqual([]);
    expect(of(['X-Forwarded-Host', 'a.example,,'])).toEqual(['a.example', '', '']);
  });
});
