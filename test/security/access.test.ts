// Who gets in: a genuinely non-loopback client (this machine's own non-loopback address, no other host) is
// refused on every admin route, the stream, the WebSocket and Prometheus without credentials; X-Forwarded-For
// counts only with trustProxy; the rate limit is on by default, per client, with 429 and Retry-After.

import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_RATE_LIMIT } from '../../src/http/rate-limit.js';
import { ADMIN_ROUTES } from '../../src/http/routes.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import type { WebSocketAttachment } from '../../src/monitor/websocket-port.js';
import { harnesses } from '../adapters/harness.js';
import { nonLoopbackAddress } from '../http/admin-fixture.js';
import { BASE, expectSafeAnswer, startTarget, type Target, TOKEN } from './fixture.js';
import { type RawResponse, rawRequest } from './raw-client.js';

const remote = await nonLoopbackAddress();
if (!remote) {
  console.warn(
    'test/security/access.test.ts: this machine has no non-loopback IPv4 address, so the non-loopback client ' +
      'tests are skipped; test/http/auth.test.ts covers the decision with a fake remote address.',
  );
}

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

/** Every route the table declares as needing credentials, with a request for it (prefix routes get a subpath). */
function protectedPaths(): string[] {
  const paths = ADMIN_ROUTES.filter((r) => !r.public).flatMap((r) =>
    r.prefix ? [`${r.path}/`, `${r.path}/x`] : [`${r.path}/`, r.path],
  );
  // Unknown paths are refused before they are found missing: no route list for strangers.
  return [...paths, '', 'nope/'];
}

/** Dashboard shell and other public assets: may be served to anyone, must hold no data. */
function publicPaths(): string[] {
  return ADMIN_ROUTES.filter((r) => r.public).map((r) => `${r.path}/`);
}

/** Refusals carry nothing of the monitor: no instance, no host name, no figures. */
function expectNoData(res: RawResponse, what: string): void {
  for (const secret of ['security-test', hostname(), '"cpu"', '"current_percent"', 'sysvitals_']) {
    expect(res.body.includes(secret), `${what} reveals ${secret}`).toBe(false);
  }
}

/** Public assets are code that names fields, so only this instance's own values are looked for. */
function expectNoInstanceData(res: RawResponse, what: string): void {
  for (const secret of ['security-test', hostname(), TOKEN]) {
    expect(res.body.includes(secret), `${what} reveals ${secret}`).toBe(false);
  }
}

/** A WebSocket upgrade from `localAddress`; resolves with the HTTP status of a refusal, or 101. */
function upgrade(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, headers });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

describe.each(harnesses)('$name adapter', (harness) => {
  async function start(options: Parameters<typeof startTarget>[1] = {}): Promise<Target> {
    const target = await startTarget(harness, options);
    cleanups.push(() => target.close());
    return target;
  }

  function ws(target: Target, options: Parameters<typeof attachWebSocket>[2] = {}): WebSocketAttachment {
    const attachment = attachWebSocket(target.monitor, target.running.server, {
      logger: target.logger,
      ...options,
    });
    cleanups.push(() => attachment.close());
    return attachment;
  }

  describe.skipIf(!remote)('a non-loopback client', () => {
    const from = remote as string;
    const get = (target: Target, path: string, headers: Record<string, string> = {}, method = 'GET') =>
      rawRequest(target.url, { method, path: `${BASE}/${path}`, headers, localAddress: from });

    it('without credentials configured: 403 on every admin route, HEAD included, and the app still answers', async () => {
      const target = await start({ host: from });
      const paths = protectedPaths();
      expect(paths).toEqual(expect.arrayContaining(['metrics/', 'stream/', 'metrics/prometheus/', 'token/']));
      for (const path of paths) {
        for (const method of ['GET', 'HEAD']) {
          const res = await get(target, path, {}, method);
          const what = `${method} ${path} from ${from}`;
          expect(res.status, what).toBe(403);
          expectSafeAnswer(res, what);
          expectNoData(res, what);
        }
      }
      // Spoofing the proxy headers does not help: the socket is remote and trustProxy is off.
      for (const header of ['x-forwarded-for', 'x-real-ip', 'forwarded']) {
        const value = header === 'forwarded' ? 'for=127.0.0.1' : '127.0.0.1';
        expect((await get(target, 'metrics/', { [header]: value })).status, header).toBe(403);
      }
      // A forged signed token is no way in either.
      expect(
        (await get(target, 'stream/?access_token=sv1.zzzzzzz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))
          .status,
      ).toBe(403);
      const app = await rawRequest(target.url, { method: 'GET', path: '/', localAddress: from });
      expect(app.status).toBe(200);
    });

    it('the same client from the loopback address is served (the rule is the address, not the server)', async () => {
      const target = await start({ host: from });
      const res = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        localAddress: '127.0.0.1',
      });
      expect(res.status).toBe(200);
    });

    it('public dashboard assets, when present, hold no data', async () => {
      const target = await start({ host: from });
      const paths = publicPaths();
      for (let i = 0; i < paths.length; i++) {
        const path = paths[i] as string;
        const res = await get(target, path);
        expect(res.status, path).toBeLessThan(500);
        expectSafeAnswer(res, `GET ${path}`, `${BASE}/${path}`);
        expectNoInstanceData(res, path);
        // Follow the page's own relative asset links (scripts, styles) once.
        if (String(res.headers['content-type']).startsWith('text/html')) {
          for (const [, link] of res.body.matchAll(/(?:src|href)="([^"#][^"]*)"/g)) {
            if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(link as string)) continue; // data:, https:, //host
            const resolved = new URL(link as string, `http://h${BASE}/${path}`).pathname.slice(
              BASE.length + 1,
            );
            if (!paths.includes(resolved)) paths.push(resolved);
          }
        }
      }
    });

    it('with adminToken: 401 with WWW-Authenticate without it, 403 when wrong, 200 with it', async () => {
      const target = await start({ host: from, api: { adminToken: TOKEN } });
      for (const path of protectedPaths().filter(
        (p) => !p.startsWith('nope') && p !== '' && !p.startsWith('dashboard'),
      )) {
        const none = await get(target, path);
        expect(none.status, path).toBe(401);
        expect(none.headers['www-authenticate'], path).toBe('Bearer realm="sysvitals"');
        expectNoData(none, path);
        expect((await get(target, path, { authorization: `Bearer ${TOKEN}x` })).status, path).toBe(403);
        const ok = await get(target, path, { authorization: `Bearer ${TOKEN}` });
        // A prefix route's made-up subpath (`silences/x`: no such silence) is a 404 once let in.
        const made = path.endsWith('/x');
        expect(made ? [200, 404] : [200], path).toContain(ok.status);
        if (ok.status === 404) expect(JSON.parse(ok.body).error.code, path).toBe('not_found');
      }
    });

    it('a signed access token opens the stream for a browser and dies at its expiry', async () => {
      let now = Date.parse('2026-01-05T10:00:00.000Z');
      const target = await start({ host: from, api: { adminToken: TOKEN }, clock: { now: () => now } });
      const issued = await get(target, 'token/', { authorization: `Bearer ${TOKEN}` });
      const { token, expires_at } = JSON.parse(issued.body).data;
      expect(Date.parse(expires_at) - now).toBe(5 * 60_000);
      const stream = await get(target, `stream/?access_token=${encodeURIComponent(token)}`);
      expect(stream.status).toBe(200);
      expect(stream.streaming).toBe(true);
      // It cannot mint a successor.
      expect((await get(target, `token/?access_token=${encodeURIComponent(token)}`)).status).toBe(401);
      now += 5 * 60_000;
      const expired = await get(target, `stream/?access_token=${encodeURIComponent(token)}`);
      expect(expired.status).toBe(401);
      expect(JSON.parse(expired.body).error.code).toBe('token_expired');
    });

    it('WebSocket: refused without credentials, served with the token, other upgrade paths untouched', async () => {
      const target = await start({ host: from });
      const attached = ws(target);
      const url = `ws://${from}:${new URL(target.url).port}${attached.path}`;
      expect(await upgrade(url, from)).toBe(403);
      expect(await upgrade(url, from, { 'x-forwarded-for': '127.0.0.1' })).toBe(403);
      expect(await upgrade(url, '127.0.0.1')).toBe(101);

      const tokenTarget = await start({ host: from });
      const tokenWs = ws(tokenTarget, { adminToken: TOKEN });
      const tokenUrl = `ws://${from}:${new URL(tokenTarget.url).port}${tokenWs.path}`;
      expect(await upgrade(tokenUrl, from)).toBe(401);
      expect(await upgrade(tokenUrl, from, { authorization: 'Bearer wrong' })).toBe(403);
      expect(await upgrade(tokenUrl, from, { authorization: `Bearer ${TOKEN}` })).toBe(101);
    });
  });

  describe('X-Forwarded-For', () => {
    it('is ignored without trustProxy: a forwarded request is refused in loopback mode, whatever it names', async () => {
      const target = await start();
      for (const xff of ['127.0.0.1', '::1', '203.0.113.7']) {
        const res = await rawRequest(target.url, {
          method: 'GET',
          path: `${BASE}/metrics/`,
          headers: { 'x-forwarded-for': xff },
        });
        expect(res.status, xff).toBe(403);
        // The reason is the operator's (logged once), not the stranger's (outside review D5).
        expect(JSON.parse(res.body).error.message).toBe('not authorized to read the admin API');
      }
    });

    it('decides with trustProxy: the client the proxy names is the client', async () => {
      // A reverse proxy on this machine: the socket is loopback, the real client is in the header.
      const target = await start({ api: { trustProxy: 1 } });
      const via = (xff: string) =>
        rawRequest(target.url, {
          method: 'GET',
          path: `${BASE}/metrics/`,
          headers: { 'x-forwarded-for': xff },
        });
      expect((await via('203.0.113.7')).status).toBe(403);
      expect((await via('127.0.0.1')).status).toBe(200);
      // One proxy: only the entry it appended counts; what the client wrote before it does not.
      expect((await via('127.0.0.1, 203.0.113.7')).status).toBe(403);
    });

    it.skipIf(!remote)(
      'with trustProxy, a remote socket is never taken for loopback, whatever the header says',
      async () => {
        const from = remote as string;
        for (const trustProxy of [true, 1, 2] as const) {
          const target = await start({ host: from, api: { trustProxy } });
          for (const xff of ['127.0.0.1', '127.0.0.1, 127.0.0.1', '::1']) {
            const res = await rawRequest(target.url, {
              method: 'GET',
              path: `${BASE}/metrics/`,
              headers: { 'x-forwarded-for': xff },
              localAddress: from,
            });
            expect(res.status, `trustProxy ${trustProxy}, X-Forwarded-For ${xff}`).toBe(403);
          }
        }
      },
    );

    it('with trustProxy: true, a spoofed left-most loopback entry behind a proxy does not pass', async () => {
      // nginx's $proxy_add_x_forwarded_for appends the real client to whatever the client sent.
      const target = await start({ api: { trustProxy: true } });
      const res = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { 'x-forwarded-for': '127.0.0.1, 203.0.113.7' },
      });
      expect(res.status).toBe(403);
      const local = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      expect(local.status).toBe(200);
    });
  });

  describe('rate limit', () => {
    it('is on by default: 300 admin requests a minute per client, then 429 with Retry-After; the app is not limited', async () => {
      expect(DEFAULT_RATE_LIMIT).toMatchObject({ max: 300, windowMs: 60_000 });
      let now = Date.parse('2026-01-05T10:00:00.000Z');
      const target = await start({ api: { adminToken: TOKEN }, host: remote, clock: { now: () => now } });
      const send = (localAddress: string, authorization = `Bearer ${TOKEN}x`) =>
        rawRequest(target.url, {
          method: 'GET',
          path: `${BASE}/metrics/`,
          headers: { authorization },
          localAddress,
        });
      // Wrong tokens count too: guessing is limited to the same budget.
      for (let i = 0; i < DEFAULT_RATE_LIMIT.max; i++) expect((await send('127.0.0.1')).status).toBe(403);
      const limited = await send('127.0.0.1', `Bearer ${TOKEN}`);
      expect(limited.status).toBe(429);
      expectSafeAnswer(limited, 'request 301');
      expect(JSON.parse(limited.body).error.code).toBe('rate_limited');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // The application's own routes are not the limiter's business.
      expect(
        (await rawRequest(target.url, { method: 'GET', path: '/', localAddress: '127.0.0.1' })).status,
      ).toBe(200);
      // Another client has its own budget.
      if (remote) expect((await send(remote, `Bearer ${TOKEN}`)).status).toBe(200);
      // After Retry-After the client is served again.
      now += retryAfter * 1000;
      expect((await send('127.0.0.1', `Bearer ${TOKEN}`)).status).toBe(200);
    });

    it('covers WebSocket upgrades served with the adapter’s admin API: guessing there spends the same budget', async () => {
      const target = await start({ api: { adminToken: TOKEN, rateLimit: { max: 3 } } });
      const attached = ws(target, { adminApi: target.adminApi });
      const url = `ws://127.0.0.1:${new URL(target.url).port}${attached.path}`;
      for (let i = 0; i < 3; i++)
        expect(await upgrade(url, '127.0.0.1', { authorization: 'Bearer guess' })).toBe(403);
      expect(await upgrade(url, '127.0.0.1', { authorization: `Bearer ${TOKEN}` })).toBe(429);
      const http = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(http.status).toBe(429);
    });

    it('per client behind a proxy with trustProxy, and not per forged header without it', async () => {
      const target = await start({ api: { adminToken: TOKEN, rateLimit: { max: 2 } } });
      const send = (xff: string) =>
        rawRequest(target.url, {
          method: 'GET',
          path: `${BASE}/health/`,
          headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': xff },
        });
      // Without trustProxy, rotating the header does not buy a fresh budget.
      expect((await send('198.51.100.1')).status).toBe(200);
      expect((await send('198.51.100.2')).status).toBe(200);
      expect((await send('198.51.100.3')).status).toBe(429);

      const proxied = await start({ api: { adminToken: TOKEN, rateLimit: { max: 2 }, trustProxy: 1 } });
      const sendProxied = (xff: string) =>
        rawRequest(proxied.url, {
          method: 'GET',
          path: `${BASE}/health/`,
          headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': xff },
        });
      expect((await sendProxied('198.51.100.1')).status).toBe(200);
      expect((await sendProxied('198.51.100.1')).status).toBe(200);
      expect((await sendProxied('198.51.100.1')).status).toBe(429);
      expect((await sendProxied('198.51.100.2')).status).toBe(200);
    });
  });

  describe('browsers', () => {
    it('no CORS: a cross-origin preflight is refused and no response carries Access-Control-Allow-Origin', async () => {
      const target = await start({ api: { adminToken: TOKEN } });
      const origin = { origin: 'https://evil.example' };
      const preflight = await rawRequest(target.url, {
        method: 'OPTIONS',
        path: `${BASE}/metrics/`,
        headers: {
          ...origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      // A preflight carries no credentials: refused before the method is even looked at.
      expect(preflight.status).toBe(401);
      expectSafeAnswer(preflight, 'OPTIONS preflight');
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
      const get = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { ...origin, authorization: `Bearer ${TOKEN}` },
      });
      expect(get.status).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      expect(get.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  it('warns once at startup when neither adminToken nor authorize is set', async () => {
    const open = await start();
    const warnings = open.logger.lines.filter((l) => String(l).includes('loopback clients only'));
    expect(warnings).toHaveLength(1);
    const closed = await start({ api: { adminToken: TOKEN } });
    expect(closed.logger.lines.filter((l) => String(l).includes('loopback'))).toEqual([]);
  });
});
