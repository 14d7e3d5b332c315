// A signed `?access_token=` never widens who may connect (red-team F0): in loopback mode every request, token
// or not, passes the loopback rule (address, Host, proxy headers); a token minted through the authorize hook
// opens nothing the hook refuses. Real servers on each adapter, a genuinely non-loopback client address.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { attachWebSocket } from '../../src/http/websocket.js';
import { harnesses } from '../adapters/harness.js';
import { nonLoopbackAddress } from '../http/admin-fixture.js';
import { upgrade } from './doors.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

const remote = await nonLoopbackAddress();
if (!remote)
  console.warn('test/security/token-widening.test.ts: no non-loopback IPv4 address; remote cases skipped');

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

/** Lets in requests carrying the cookie `session=ok` (whatever object the adapter hands the hook). */
const cookieHook = (r: unknown): boolean =>
  /(?:^|;\s*)session=ok(?:;|$)/.test(String((r as { headers?: { cookie?: string } }).headers?.cookie ?? ''));

describe.skipIf(!remote).each(harnesses)('$name adapter', (harness) => {
  const from = remote as string;

  async function start(options: Parameters<typeof startTarget>[1] = {}): Promise<Target> {
    const target = await startTarget(harness, { host: from, ...options });
    cleanups.push(() => target.close());
    const attached = attachWebSocket(target.monitor, target.running.server, {
      logger: target.logger,
      adminApi: target.adminApi,
    } as never);
    cleanups.push(() => attached.close());
    return target;
  }

  const get = (
    target: Target,
    path: string,
    options: { headers?: Record<string, string>; localAddress?: string; method?: string } = {},
  ) =>
    rawRequest(target.url, {
      method: options.method ?? 'GET',
      path: `${BASE}/${path}`,
      headers: options.headers,
      localAddress: options.localAddress ?? from,
    });

  async function mint(
    target: Target,
    headers: Record<string, string>,
    localAddress: string,
  ): Promise<string> {
    const res = await get(target, 'token/', { headers, localAddress });
    expect(res.status, res.body).toBe(200);
    return encodeURIComponent(JSON.parse(res.body).data.token);
  }

  it('loopback mode: a loopback-minted token lets in nobody the loopback rule refuses', async () => {
    const target = await start();
    const tok = await mint(target, {}, '127.0.0.1');
    // The loopback client itself keeps its token (EventSource, WebSocket).
    const own = await get(target, `stream/?access_token=${tok}`, { localAddress: '127.0.0.1' });
    expect(own.status).toBe(200);
    expect(
      (
        await upgrade(`ws://${from}:${new URL(target.url).port}${BASE}/ws?access_token=${tok}`, {
          localAddress: '127.0.0.1',
        })
      ).status,
    ).toBe(101);

    // Another address: refused on every kind of route, as without the token.
    for (const path of ['metrics/', 'stream/', 'metrics/prometheus', 'history/', 'silences/', 'alerts/']) {
      for (const method of ['GET', 'HEAD']) {
        const res = await get(target, `${path}?access_token=${tok}`, { method });
        expect(res.status, `${method} ${path} from ${from}`).toBe(403);
      }
    }
    const ws = await upgrade(`ws://${from}:${new URL(target.url).port}${BASE}/ws?access_token=${tok}`, {
      localAddress: from,
    });
    expect(ws.status).toBe(403);

    // From loopback, but with a name that is not this machine's: 421, as without the token.
    for (const path of ['metrics/', 'stream/']) {
      const res = await get(target, `${path}?access_token=${tok}`, {
        localAddress: '127.0.0.1',
        headers: { host: 'evil.com', origin: 'http://evil.com' },
      });
      expect(res.status, path).toBe(421);
      expect(JSON.parse(res.body).error.code).toBe('host_not_allowed');
    }
    const rebound = await upgrade(`ws://${from}:${new URL(target.url).port}${BASE}/ws?access_token=${tok}`, {
      localAddress: '127.0.0.1',
      headers: { host: 'evil.com' },
    });
    expect(rebound.status).toBe(421);

    // From loopback through a proxy: 403, as without the token.
    for (const [header, value] of [
      ['x-forwarded-for', '203.0.113.9'],
      ['forwarded', 'for=203.0.113.9'],
      ['x-real-ip', '203.0.113.9'],
    ] as const) {
      const res = await get(target, `metrics/?access_token=${tok}`, {
        localAddress: '127.0.0.1',
        headers: { [header]: value },
      });
      expect(res.status, header).toBe(403);
    }
  });

  it('authorize hook: a token minted by a caller the hook lets in opens nothing for a caller it refuses', async () => {
    const target = await start({ api: { authorize: cookieHook } });
    const session = { cookie: 'session=ok' };
    const tok = await mint(target, session, from);
    // With the session (the dashboard's EventSource and WebSocket send the cookie): served.
    expect((await get(target, `stream/?access_token=${tok}`, { headers: session })).status).toBe(200);
    const port = new URL(target.url).port;
    expect(
      (
        await upgrade(`ws://${from}:${port}${BASE}/ws?access_token=${tok}`, {
          localAddress: from,
          headers: session,
        })
      ).status,
    ).toBe(101);
    // Without it, the token alone: refused everywhere, as without the token.
    for (const path of ['metrics/', 'stream/', 'history/']) {
      expect((await get(target, `${path}?access_token=${tok}`)).status, path).toBe(403);
    }
    expect(
      (await upgrade(`ws://${from}:${port}${BASE}/ws?access_token=${tok}`, { localAddress: from })).status,
    ).toBe(403);
  });

  it('adminToken and authorize: a token minted with the bearer token stays usable without the hook', async () => {
    const target = await start({ api: { adminToken: TOKEN, authorize: cookieHook } });
    const tok = await mint(target, { authorization: `Bearer ${TOKEN}` }, from);
    expect((await get(target, `metrics/?access_token=${tok}`)).status).toBe(200);
    const hooked = await mint(target, { cookie: 'session=ok' }, from);
    expect((await get(target, `metrics/?access_token=${hooked}`)).status).toBe(403);
    expect(
      (await get(target, `metrics/?access_token=${hooked}`, { headers: { cookie: 'session=ok' } })).status,
    ).toBe(200);
  });
});
