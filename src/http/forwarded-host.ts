// The hosts a request's proxies name besides Host, for the Host rule (origin-guard.ts): a proxy that rewrites
// `Host` to its upstream (nginx's default `proxy_pass http://127.0.0.1:3000;` sends `Host: 127.0.0.1:3000`) may
// keep the browser's in `X-Forwarded-Host` (a de-facto header, read first-entry by Express and Koa and last-entry
// by Fastify with trust proxy) or in RFC 7239's `Forwarded: host=` (one element per proxy, each with the `Host`
// that proxy received; a value with a port is a quoted-string, as `:` is no token character). A page can send
// both itself, so they are judged (each must be allowed) but never taken as proof of the browser's Host.

import type { IncomingMessage } from 'node:http';

/**
 * Every host the request's proxies name as the one the browser asked for (or a page claims): each entry of every `X-Forwarded-Host`
 * header and each `host=` of every `Forwarded` element, unquoted, in order. An empty entry, and a
 * `Forwarded` header that does not parse but mentions `host`, is kept as '' (no host name: the rule refuses
 * it), so a host a proxy wrote is never skipped as unreadable.
 */
export function forwardedHosts(req: IncomingMessage): string[] {
  const hosts: string[] = [];
  for (const value of headerValues(req, 'x-forwarded-host')) {
    for (const entry of value.split(',')) hosts.push(entry.trim());
  }
  for (const value of headerValues(req, 'forwarded')) {
    const pairs = forwardedPairs(value);
    // One that does not parse is refused only if it may name a host: a garbled `for=` says nothing of Host.
    if (pairs === undefined) {
      if (/host/i.test(value)) hosts.push('');
    } else for (const [name, v] of pairs) if (name === 'host') hosts.push(v);
  }
  return hosts;
}

/** Every value of a header (node joins some repeated headers and drops others: rawHeaders keeps them all). */
function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) {
    const v = req.headers[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string);
  }
  return values;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * RFC 7239 §4: `Forwarded = 1#forwarded-element`, `forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )`,
 * `forwarded-pair = token "=" value`, `value = token / quoted-string`. The pairs of every element (names lower
 * case, values unquoted), or undefined when the header does not parse.
 */
function forwardedPairs(header: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  while (i < n) {
    skipSpace();
    if (header[i] === ',' || header[i] === ';') {
      i++;
      continue;
    }
    if (i >= n) break;
    const eq = header.indexOf('=', i);
    if (eq === -1) return undefined;
    const name = header.slice(i, eq).trim();
    if (!TOKEN.test(name)) return undefined;
    i = eq + 1;
    let value = '';
    if (header[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = header[i] as string;
        if (c === '\\' && i + 1 < n) {
          value += header[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const start = i;
      // Lenient: an unquoted `for=[::1]` or `for=192.0.2.1:80` (brackets and `:` are no token characters) is a
      // common slip of proxies; the host values taken from here are judged as host names anyway.
      while (i < n && !/[,;"\s]/.test(header[i] as string)) i++;
      value = header.slice(start, i);
    }
    skipSpace();
    if (i < n && header[i] !== ',' && header[i] !== ';') return undefined;
    pairs.push([name.toLowerCase(), value]);
  }
  return pairs;
}
