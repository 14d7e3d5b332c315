// Outside review C: the first fix for DNS rebinding behind a Host-rewriting proxy (authorize-host-proxy.test.ts)
// switched its strict rule on only when the request carried X-Forwarded-For, Forwarded or X-Forwarded-Host. A
// proxy that rewrites Host to its upstream (nginx's default `proxy_pass http://127.0.0.1:PORT;`) and adds only
// X-Real-IP, only Via, only X-Forwarded-Proto (which the docs tell admins to set) or nothing at all (nginx sends
// HTTP/1.0 upstream by default) let a rebound page on attacker.example read metrics/, dashboard/ and token/ with
// 200. Under trustProxy every peer is now a proxy: an address or a loopback name in Host proves nothing, whatever
// headers came along, and only allowedHosts names are served. Real servers on each adapter, behind a real proxy.

import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE } from './fixture.js';
import { expectHostRefusal, hostProxyHarness, misdirected, ok, statuses } from './host-proxy.js';
import { rawRequest } from './raw-client.js';

const served = hostProxyHarness();

/** The admin's address, as the proxy reports it in X-Real-IP. */
const OFFICE = '10.1.2.3';
const headersOf = (r: { headers?: IncomingHttpHeaders; req?: { headers: IncomingHttpHeaders } }) =>
  r.headers ?? r.req?.headers ?? {};
/** `proxy_set_header X-Real-IP $remote_addr;` and a hook that allow-lists the admin's address by it. */
const byRealIp = (r: never) => headersOf(r)['x-real-ip'] === OFFICE;
/** A hook that checks something the rebound request carries too (a VPN, a client certificate at the proxy). */
const always = () => true;

interface Proxy {
  /** Headers the proxy adds (besides Host). */
  adds: (from: string) => Record<string, string>;
  hook: (r: never) => boolean;
  /** Speaks HTTP/1.0 upstream (nginx's default `proxy_http_version`). */
  http10?: boolean;
}
const PROXIES: Record<string, Proxy> = {
  'X-Real-IP only': { adds: (from) => ({ 'x-real-ip': from }), hook: byRealIp },
  'Via only': { adds: () => ({ via: '1.1 proxy.internal' }), hook: always },
  'X-Forwarded-Proto only': { adds: () => ({ 'x-forwarded-proto': 'https' }), hook: always },
  'HTTP/1.0, no proxy header': { adds: () => ({}), hook: always, http10: true },
};

/**
 * A real proxy in front of `port`: Host rewritten to `127.0.0.1:port` (`rewrite`) or passed on, plus what the
 * proxy adds, over HTTP/1.0 where `p` says so.
 */
const proxy = (port: number, p: Proxy, rewrite: boolean, from = OFFICE): Promise<string> =>
  served.proxy(
    port,
    (sent, up) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(sent))
        if (name !== 'connection' && typeof value === 'string') headers[name] = value;
      if (rewrite) headers.host = up;
      return Object.assign(headers, p.adds(from));
    },
    p.http10,
  );
const start = served.start;

describe.each(harnesses)(
  '$name adapter, authorize hook behind a proxy that adds no X-Forwarded-*',
  (harness) => {
    it('a rebound page is refused whatever headers the proxy adds; the admin is served where it passes Host on', async () => {
      const got: Record<string, Record<string, number[]>> = {};
      for (const [name, p] of Object.entries(PROXIES)) {
        const target = await start(harness, {
          authorize: p.hook,
          trustProxy: 1,
          allowedHosts: ['admin.example.com'],
        });
        const port = Number(new URL(target.url).port);
        const rewriting = await proxy(port, p, true);
        const keeping = await proxy(port, p, false);
        got[name] = {
          'rewriting, attacker': await statuses(rewriting, 'attacker.example'),
          'rewriting, admin': await statuses(rewriting, 'admin.example.com'),
          'keeping, attacker': await statuses(keeping, 'attacker.example'),
          'keeping, admin': await statuses(keeping, 'admin.example.com'),
        };
      }
      const expected = {
        'rewriting, attacker': misdirected,
        'rewriting, admin': misdirected,
        'keeping, attacker': misdirected,
        'keeping, admin': ok,
      };
      expect(got).toEqual(Object.fromEntries(Object.keys(PROXIES).map((name) => [name, expected])));
    });

    it('trustProxy makes every peer a proxy: an address in Host from it is refused, saying why; without trustProxy it is served', async () => {
      const proxied = await start(harness, { authorize: always, trustProxy: 1 });
      const port = new URL(proxied.url).port;
      for (const host of [`127.0.0.1:${port}`, '10.0.0.5', 'localhost', '[::1]']) {
        expect(await statuses(proxied.url, host), host).toEqual(misdirected);
      }
      const res = await rawRequest(proxied.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { host: `127.0.0.1:${port}` },
      });
      expectHostRefusal(res);
      // trustProxy true trusts every peer as well; 0 and false trust none (the browser named the address).
      const all = await start(harness, { authorize: always, trustProxy: true });
      expect(await statuses(all.url, `127.0.0.1:${new URL(all.url).port}`)).toEqual(misdirected);
      for (const trustProxy of [false, 0]) {
        const direct = await start(harness, { authorize: always, trustProxy });
        for (const host of [`127.0.0.1:${new URL(direct.url).port}`, '10.0.0.5', 'localhost']) {
          expect(await statuses(direct.url, host), `${host} trustProxy ${trustProxy}`).toEqual(ok);
        }
        expect(await statuses(direct.url, 'attacker.example')).toEqual(misdirected);
      }
    });
  },
);
