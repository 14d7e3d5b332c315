// What marks a request as relayed by a proxy, for the loopback rule (auth.ts): behind a reverse proxy on the
// same host every client arrives from 127.0.0.1, so loopback-only mode refuses what a proxy would send.
//
// Headers: only proxies, load balancers and CDNs write these; a browser, curl or a Prometheus scrape on the
// host sends none of them, so refusing them costs a local client nothing (outside review 5, R5: a CDN's
// CF-Connecting-IP or True-Client-IP alone was let through).
// HTTP/1.0: nginx's default `proxy_pass http://127.0.0.1:3000;` adds no header at all, but speaks HTTP/1.0
// upstream (`proxy_http_version` defaults to 1.0), as HAProxy's and Apache's older defaults can; browsers,
// curl, wget, Prometheus and the dashboard speak HTTP/1.1 or later. It is only a signal: a same-host proxy
// speaking 1.1 and adding no header is indistinguishable from a local client, which is why README says to
// pair any proxy that forwards outside traffic with adminToken.

import type { IncomingMessage } from 'node:http';
import { viewerHost } from './client-address.js';

/**
 * Request headers in which a proxy, load balancer or CDN names the client it relays for (lower case, as Node
 * keys them), besides X-Forwarded-For, which trustProxy reads. Each holds one address or a comma-separated
 * list of them; `forwarded` and `x-forwarded` are RFC 7239 elements (`for=`). sysvitals never takes the client
 * from these, but in loopback mode one that names anything but a loopback address refuses the request
 * whatever X-Forwarded-For says (outside review 29, RT29-1: a same-host nginx setting X-Real-IP and passing
 * the client's own `X-Forwarded-For: 127.0.0.1` through let the internet read the API with trustProxy: 1).
 */
export const CLIENT_HEADERS: readonly string[] = [
  'forwarded', // RFC 7239
  'x-forwarded', // RFC 7239's draft name, still sent by some balancers
  'forwarded-for',
  'x-real-ip', // nginx
  'x-client-ip',
  'cf-connecting-ip', // Cloudflare
  'cf-connecting-ipv6', // Cloudflare (pseudo-IPv4 on)
  'cf-pseudo-ipv4', // Cloudflare
  'true-client-ip', // Akamai, Cloudflare Enterprise
  'fastly-client-ip', // Fastly
  'x-cluster-client-ip', // Rackspace, Riverbed
  'fly-client-ip', // Fly.io
  'x-appengine-user-ip', // Google App Engine
  'x-azure-clientip', // Azure Front Door
  'x-azure-socketip', // Azure Front Door
  'x-nf-client-connection-ip', // Netlify
  'x-vercel-forwarded-for', // Vercel
  'x-original-forwarded-for', // ingress-nginx, behind another proxy
  'x-envoy-external-address', // Envoy, Istio
  'cloudfront-viewer-address', // AWS CloudFront: `ip:port`, IPv6 unbracketed (viewerHost)
];

/** Request headers that name a proxy hop or the client a proxy relays for (lower case, as Node keys them). */
export const PROXY_HEADERS: readonly string[] = [
  'x-forwarded-for',
  ...CLIENT_HEADERS,
  'via', // RFC 9110: nginx (proxy_set_header), Varnish, Squid, Apache, CDNs
  'x-forwarded-host', // Apache mod_proxy, Traefik, Envoy, load balancers
  'x-forwarded-server', // Apache mod_proxy
  'x-forwarded-proto',
  'x-forwarded-port',
  'cdn-loop', // RFC 8586: every CDN hop
];

/** The request carries a header only a proxy writes (PROXY_HEADERS). */
export function isForwarded(req: IncomingMessage): boolean {
  const h = req.headers;
  for (const name of PROXY_HEADERS) if (h[name] !== undefined) return true;
  return false;
}

/** An HTTP/1.0 request: nginx's default upstream version, which no browser or current client speaks. */
export function isHttp10(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 1 && req.httpVersionMinor === 0;
}

/**
 * The first CLIENT_HEADERS header that names anything but a loopback address, or undefined. Every address of
 * every such header counts; a value that is not an address (empty, `unknown`, an obfuscated RFC 7239 name, a
 * Forwarded element without `for=`) counts as not loopback: the proxy did not say the client is local.
 */
export function remoteClientHeader(
  req: IncomingMessage,
  isLoopbackAddress: (address: string) => boolean,
): string | undefined {
  const h = req.headers;
  for (const name of CLIENT_HEADERS) {
    const value = h[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const addresses =
      name === 'forwarded' || name === 'x-forwarded'
        ? forwardedFor(text)
        : name === 'cloudfront-viewer-address'
          ? text.split(',').map(viewerHost)
          : text.split(',');
    if (addresses.length === 0 || !addresses.every((a) => isLoopbackAddress(a))) return name;
  }
  return undefined;
}

/**
 * The `for=` value of every element of an RFC 7239 Forwarded header (quotes removed), with '' for an element
 * that has none. Elements are split at commas and pairs at semicolons outside quoted strings. An empty element
 * (blanks only: `,,for=127.0.0.1,`) is no element: RFC 7239's `1#forwarded-element` is RFC 7230 §7's list syntax,
 * whose recipients ignore empty elements. An element that is only `;` (an empty pair list) is an element without
 * `for=` ('').
 */
export function forwardedFor(header: string): string[] {
  const out: string[] = [];
  let element: string | undefined;
  let pair = '';
  let quoted = false;
  /** The element holds more than blanks (an empty one is skipped). */
  let content = false;
  const endPair = () => {
    if (pair.trim() !== '') content = true;
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === 'for') {
      let v = pair.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
      // A second `for=` in one element (RFC 7239 forbids it) leaves the client uncertain: no address.
      element = element === undefined ? v : '';
    }
    pair = '';
  };
  for (let i = 0; i < header.length; i++) {
    const c = header[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < header.length) {
        pair += c + header[++i];
        continue;
      }
      if (c === '"') quoted = false;
      pair += c;
    } else if (c === '"') {
      quoted = true;
      pair += c;
    } else if (c === ';') {
      // A `;` makes an element (RFC 7239: `[pair] *(";" [pair])`) with no `for=`, not an empty one (review 32, RT32-4).
      endPair();
      content = true;
    } else if (c === ',') {
      endPair();
      if (content) out.push(element ?? '');
      element = undefined;
      content = false;
    } else pair += c;
  }
  endPair();
  if (content) out.push(element ?? '');
  return out;
}
