// Outside review D1 (HIGH): DNS rebinding past an authorize hook used as an IP allow-list. A page on
// attacker.example rebound to the server comes from the admin's allowed address, same-origin with itself, so
// the hook said yes and the page read every route, minted token/ and wrote silences (201). A request let in by
// the hook (ambient authority) must name an allowed Host (localhost, an address, allowedHosts): else 421.
// Real servers on each adapter, the Host header set directly; a real Chromium with a rebound name.

import { isIP } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { harnesses } from '../adapters/harness.js';
import { launchChromium, skipBrowser, upgrade } from './doors.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

if (skipBrowser) console.warn('test/security/authorize-host.test.ts: browser test skipped: install chromium');

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

/** SECURITY.md's IP allow-list hook: 127.0.0.0/8 stands for the office range the admin's browser is on. */
const ipAllowList = (r: { socket: { remoteAddress?: string } }): boolean => {
  const a = (r.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return isIP(a) === 4 && a.startsWith('127.');
};

async function start(
  harness: (typeof harnesses)[number],
  api: Record<string, unknown> = {},
): Promise<Target & { ws: string; port: number }> {
  const target = await startTarget(harness, {
    api: { authorize: ipAllowList, ...api } as unknown as AdminApiOptions<never>,
  });
  cleanups.push(() => target.close());
  const attachment = attachWebSocket(target.monitor, target.running.server, { adminApi: target.adminApi });
  cleanups.push(() => attachment.close());
  const port = Number(new URL(target.url).port);
  return Object.assign(target, { ws: `ws://127.0.0.1:${port}${attachment.path}`, port });
}

const silence = JSON.stringify({ rule: 'cpu', duration_ms: 31_622_400_000 });

describe.each(harnesses)('$name adapter, authorize hook as an IP allow-list', (harness) => {
  it('a rebound Host gets 421 on reads, token/, stream/, the WebSocket and writes; no silence is created', async () => {
    const target = await start(harness);
    const host = `attacker.example:${target.port}`;
    const origin = `http://${host}`;
    for (const path of [
      'metrics/',
      'routes/',
      'history/?period=7d',
      'metrics/prometheus',
      'token/',
      'stream/',
    ]) {
      const res = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/${path}`,
        headers: { host, origin },
      });
      expect(res.status, path).toBe(421);
      const body = JSON.parse(res.body);
      expect(body.error.code, path).toBe('host_not_allowed');
      expect(body.error.message, path).toContain('allowedHosts');
    }
    const post = await rawRequest(target.url, {
      method: 'POST',
      path: `${BASE}/silences/`,
      headers: { host, origin, 'content-type': 'application/json' },
      body: silence,
    });
    expect(post.status).toBe(421);
    expect(await upgrade(target.ws, { headers: { host }, origin })).toEqual({
      status: 421,
      code: 'host_not_allowed',
    });
    const list = await rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/silences/`,
      headers: { host: `localhost:${target.port}` },
    });
    expect(list.status).toBe(200);
    expect(list.body).not.toContain('"cpu"');
    // The verbose probe is admin data too.
    const probe = await rawRequest(target.url, { method: 'GET', path: '/readyz?verbose', headers: { host } });
    expect(probe.status).toBe(421);
    // Logged once, naming the option, so an existing deployment learns why.
    const warned = target.logger.lines.filter((l) => String(l).includes('allowedHosts'));
    expect(warned).toHaveLength(1);
  });

  it('serves localhost, addresses and allowedHosts names; a bearer token needs no Host rule', async () => {
    const target = await start(harness, { allowedHosts: ['admin.internal'], adminToken: TOKEN });
    const get = (host: string, headers: Record<string, string> = {}) =>
      rawRequest(target.url, { method: 'GET', path: `${BASE}/metrics/`, headers: { host, ...headers } });
    for (const host of [`localhost:${target.port}`, `127.0.0.1:${target.port}`, `[::1]:${target.port}`]) {
      expect((await get(host)).status, host).toBe(200);
    }
    expect((await get(`Admin.Internal:${target.port}`)).status).toBe(200);
    expect((await get('admin.internal.')).status).toBe(200);
    expect((await get(`other.internal:${target.port}`)).status).toBe(421);
    // A bearer token is not ambient: a page cannot know it, whatever Host it names.
    expect((await get('attacker.example', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Writes from an allowed Host, same origin, still work through the hook.
    const post = await rawRequest(target.url, {
      method: 'POST',
      path: `${BASE}/silences/`,
      headers: {
        host: `admin.internal:${target.port}`,
        origin: `http://admin.internal:${target.port}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ rule: 'cpu', duration_ms: 60_000 }),
    });
    expect(post.status).toBe(201);
  });

  it('a refused hook answers 403 before any Host question (no Host oracle for strangers)', async () => {
    const target = await start(harness, { authorize: () => false });
    const res = await rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/metrics/`,
      headers: { host: 'attacker.example' },
    });
    expect(res.status).toBe(403);
  });
});

describe.skipIf(skipBrowser)('real Chromium, a name rebound to the server', () => {
  it('the attacker page reads nothing and opens nothing (authorize IP allow-list)', async () => {
    const browser = await launchChromium(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
    cleanups.push(() => browser.close());
    for (const harness of harnesses) {
      const target = await start(harness);
      const page = await browser.context.newPage();
      await page.goto(`http://rebind.test:${target.port}/`);
      const got = await page.evaluate(async (base) => {
        const out: Record<string, number> = {};
        for (const path of ['metrics/', 'token/']) out[path] = (await fetch(`${base}/${path}`)).status;
        const post = await fetch(`${base}/silences/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rule: 'cpu', duration_ms: 60_000 }),
        });
        out.post = post.status;
        return out;
      }, `http://rebind.test:${target.port}${BASE}`);
      expect(got, harness.name).toEqual({ 'metrics/': 421, 'token/': 421, post: 421 });
      await page.close();
    }
  }, 60_000);
});
