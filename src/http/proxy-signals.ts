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

/** Request headers that name a proxy hop or the client a proxy relays for (lower case, as Node keys them). */
export const PROXY_HEADERS: readonly string[] = [
  'x-forwarded-for',
  'forwarded', // RFC 7239
  'x-real-ip', // nginx
  'via', // RFC 9110: nginx (proxy_set_header), Varnish, Squid, Apache, CDNs
  'x-client-ip',
  'cf-connecting-ip', // Cloudflare
  'true-client-ip', // Akamai, Cloudflare Enterprise
  'fastly-client-ip', // Fastly
  'x-cluster-client-ip', // Rackspace, Riverbed
  'x-original-forwarded-for', // ingress-nginx, behind another proxy
  'x-forwarded-host', // Apache mod_proxy, Traefik, Envoy, load balancers
  'x-forwarded-server', // Apache mod_proxy
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-envoy-external-address', // Envoy, Istio
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
