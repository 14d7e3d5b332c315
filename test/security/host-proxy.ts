// The harness of the authorize-host-proxy tests: a real monitor on each adapter behind a real HTTP proxy started
// in the test (headers rewritten as the test says, or an HTTP/1.0 hop), the admin paths a rebound page reads, and
// the refusal a Host the admin did not list gets.

import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import type { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target } from './fixture.js';
import { type RawResponse, rawRequest } from './raw-client.js';

/** The admin paths a rebound page reads. */
export const PATHS = ['metrics/', 'dashboard/', 'token/'];
export const ok = [200, 200, 200];
export const misdirected = [421, 421, 421];

/** How the proxy sends the browser's headers on: `up` is the upstream's `127.0.0.1:port`. */
export type ProxyHeaders = (h: IncomingHttpHeaders, up: string) => IncomingHttpHeaders;

/** What {@link hostProxyHarness} returns: each opens something that is closed after the test. */
export interface HostProxyHarness {
  /** The monitor on `harness`'s server with the admin API options `api`. */
  start(harness: (typeof harnesses)[number], api: Record<string, unknown>): Promise<Target>;
  /**
   * A real proxy in front of `port`, sending the request on with `headers`. `http10`: it writes its request head
   * by hand (node's client speaks only HTTP/1.1) and relays the answer's bytes as they come (an HTTP/1.0 answer
   * ends when the server closes). Resolves with its URL.
   */
  proxy(port: number, headers: ProxyHeaders, http10?: boolean): Promise<string>;
}

/** Registers the hooks (console.error silenced, everything opened closed after each test) and returns the harness. */
export function hostProxyHarness(): HostProxyHarness {
  beforeAll(() => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  return {
    async start(harness, api) {
      const target = await startTarget(harness, { api: api as unknown as AdminApiOptions<never> });
      cleanups.push(() => target.close());
      return target;
    },
    async proxy(port, rewrite, http10 = false) {
      const server: Server = createServer((req, res) => {
        const headers = rewrite(req.headers, `127.0.0.1:${port}`);
        if (http10) {
          const up = connect(port, '127.0.0.1', () => {
            let head = `${req.method} ${req.url} HTTP/1.0\r\n`;
            for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
            up.write(`${head}\r\n`);
          });
          up.on('error', () => req.socket.destroy());
          up.pipe(req.socket);
          return;
        }
        const up = request(
          { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: false },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        req.pipe(up);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}

/** What each path answers to a browser that opened `host` (a same-origin fetch, as a rebound page sends). */
export async function statuses(
  url: string,
  host: string,
  extra: Record<string, string> = {},
): Promise<number[]> {
  const out: number[] = [];
  for (const path of PATHS) {
    const headers = { host, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', ...extra };
    out.push((await rawRequest(url, { method: 'GET', path: `${BASE}/${path}`, headers })).status);
  }
  return out;
}

/** The answer is the Host refusal that says how to forward the Host and names allowedHosts. */
export function expectHostRefusal(res: RawResponse): void {
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('host_not_allowed');
  expect(body.error.message).toContain('proxy_set_header Host $host;');
  expect(body.error.message).toContain('allowedHosts');
}
