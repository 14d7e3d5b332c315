// Issue 12, doors 1 and 2, from outside: a page on another site cannot open the WebSocket (cross-site
// WebSocket hijacking) nor read the API or the stream, and in loopback mode a rebound DNS name is refused
// (DNS rebinding). Real servers on each adapter, raw requests, ws clients and a real Chromium.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { harnesses } from '../adapters/harness.js';
import { launchChromium, skipBrowser, upgrade } from './doors.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

if (skipBrowser) console.warn('test/security/origin-host.test.ts: browser tests skipped: install chromium');

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

async function start(
  harness: (typeof harnesses)[number],
  api: NonNullable<Parameters<typeof startTarget>[1]>['api'] = {},
): Promise<Target & { ws: string; port: number }> {
  const target = await startTarget(harness, { api });
  cleanups.push(() => target.close());
  const attachment = attachWebSocket(target.monitor, target.running.server, { adminApi: target.adminApi });
  cleanups.push(() => attachment.close());
  const port = Number(new URL(target.url).port);
  return Object.assign(target, { ws: `ws://127.0.0.1:${port}${attachment.path}`, port });
}

/** A second web site: one page, on another origin (localhost vs 127.0.0.1, another port). */
async function otherSite(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>another site</title><p>hello</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://localhost:${(server.address() as AddressInfo).port}/`, server };
}

describe.each(harnesses)('$name adapter', (harness) => {
  describe('door 1: cross-site WebSocket hijacking', () => {
    it('refuses an upgrade from another site’s page (Origin) in loopback mode, serves scripts and its own pages', async () => {
      const target = await start(harness);
      const evil = await upgrade(target.ws, { origin: 'https://evil.example' });
      expect(evil).toEqual({ status: 403, code: 'origin_not_allowed' });
      expect(await upgrade(target.ws, { origin: 'null' })).toMatchObject({ status: 403 });
      // Same host, other port: another origin.
      expect(await upgrade(target.ws, { origin: `http://127.0.0.1:${target.port + 1}` })).toMatchObject({
        status: 403,
      });
      // No Origin: not a browser (a script, curl); the server's own page: its own Origin.
      expect((await upgrade(target.ws)).status).toBe(101);
      expect((await upgrade(target.ws, { origin: target.url })).status).toBe(101);
    });

    it('refuses it with a token too, and allowedOrigins lets a listed site in', async () => {
      const target = await start(harness, { adminToken: TOKEN, allowedOrigins: ['https://ops.example'] });
      const headers = { authorization: `Bearer ${TOKEN}` };
      expect(await upgrade(target.ws, { headers, origin: 'https://evil.example' })).toMatchObject({
        status: 403,
        code: 'origin_not_allowed',
      });
      expect((await upgrade(target.ws, { headers, origin: 'https://ops.example' })).status).toBe(101);
    });
  });

  describe('door 2: DNS rebinding', () => {
    it('in loopback mode, a Host that is not a loopback name or an address gets 421 on every route and the WebSocket', async () => {
      const target = await start(harness);
      for (const path of ['metrics/', 'health/', 'stream/', 'token/', 'metrics/prometheus', 'dashboard/']) {
        const res = await rawRequest(target.url, {
          method: 'GET',
          path: `${BASE}/${path}`,
          headers: { host: `attacker.example:${target.port}` },
        });
        expect(res.status, path).toBe(421);
        expect(JSON.parse(res.body).error.code, path).toBe('host_not_allowed');
        expect(res.body).not.toContain('"cpu"');
      }
      const ws = await upgrade(target.ws, {
        headers: { host: `attacker.example:${target.port}` },
        origin: `http://attacker.example:${target.port}`,
      });
      expect(ws).toEqual({ status: 421, code: 'host_not_allowed' });
      for (const host of [
        `localhost:${target.port}`,
        `127.0.0.1:${target.port}`,
        'localhost',
        `[::1]:${target.port}`,
      ]) {
        const res = await rawRequest(target.url, {
          method: 'GET',
          path: `${BASE}/metrics/`,
          headers: { host },
        });
        expect(res.status, host).toBe(200);
      }
    });

    it('a rebinding page hammering the API spends none of the local user’s budget', async () => {
      const target = await start(harness, { rateLimit: { max: 3 } });
      const get = (host: string) =>
        rawRequest(target.url, { method: 'GET', path: `${BASE}/metrics/`, headers: { host } });
      for (let i = 0; i < 10; i++) expect((await get(`attacker.example:${target.port}`)).status).toBe(421);
      expect((await get(`localhost:${target.port}`)).status).toBe(200);
    });

    it('allowedHosts adds names; with a token the Host is not the guard’s business', async () => {
      const listed = await start(harness, { allowedHosts: ['devbox.test'] });
      const get = (t: Target, host: string, headers: Record<string, string> = {}) =>
        rawRequest(t.url, { method: 'GET', path: `${BASE}/metrics/`, headers: { host, ...headers } });
      expect((await get(listed, 'DevBox.test:8080')).status).toBe(200);
      expect((await get(listed, 'other.test')).status).toBe(421);
      const tokened = await start(harness, { adminToken: TOKEN });
      expect((await get(tokened, 'attacker.example')).status).toBe(401);
      expect((await get(tokened, 'app.example.com', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });
  });
});

describe('bad options are refused at setup with a coded error', () => {
  const source = { logger: { warn() {}, error() {} } } as never;
  it.each([
    { allowedHosts: ['http://devbox.test'] },
    { allowedHosts: 'devbox.test' },
    { allowedHosts: [''] },
    { allowedOrigins: ['ops.example'] },
    { allowedOrigins: ['https://ops.example/path'] },
    { allowedOrigins: [42] },
  ])('%j', (options) => {
    expect(() => createAdminApi(source, options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }),
    );
  });
});

describe.skipIf(skipBrowser)('in a real browser (Chromium)', () => {
  /** What a page can get: a WebSocket message, an SSE event, a fetch it can read. */
  async function probe(
    page: import('playwright-core').Page,
    urls: { ws: string; sse: string; metrics: string },
  ): Promise<{ ws: string; sse: string; fetch: string }> {
    return page.evaluate(async ({ ws, sse, metrics }) => {
      const wsResult = await new Promise<string>((resolve) => {
        const s = new WebSocket(ws);
        s.onmessage = () => {
          resolve('message');
          s.close();
        };
        s.onerror = () => resolve('error');
        s.onclose = () => resolve('closed');
      });
      const sseResult = await new Promise<string>((resolve) => {
        const es = new EventSource(sse);
        es.addEventListener('metrics', () => {
          resolve('message');
          es.close();
        });
        es.onerror = () => {
          resolve('error');
          es.close();
        };
      });
      let fetchResult: string;
      try {
        const r = await fetch(metrics);
        fetchResult = `read ${r.status}`;
      } catch {
        fetchResult = 'blocked';
      }
      return { ws: wsResult, sse: sseResult, fetch: fetchResult };
    }, urls);
  }

  it('a page on another site gets nothing (WebSocket, stream, fetch); the dashboard’s own origin gets all three', async () => {
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const site = await otherSite();
    for (const harness of harnesses) {
      const target = await start(harness);
      const urls = { ws: target.ws, sse: `${target.base}/stream/`, metrics: `${target.base}/metrics/` };
      const attacker = await browser.context.newPage();
      await attacker.goto(site.url);
      expect(await probe(attacker, urls), `${harness.name}: another site`).toEqual({
        ws: 'error',
        sse: 'error',
        fetch: 'blocked',
      });
      const own = await browser.context.newPage();
      await own.goto(`${target.base}/dashboard/`);
      expect(await probe(own, urls), `${harness.name}: own origin`).toEqual({
        ws: 'message',
        sse: 'message',
        fetch: 'read 200',
      });
      await attacker.close();
      await own.close();
    }
  }, 60_000);

  it('a page whose DNS name is rebound to 127.0.0.1 cannot read the API or open the WebSocket (loopback mode)', async () => {
    const browser = await launchChromium(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
    cleanups.push(() => browser.close());
    for (const harness of harnesses) {
      const target = await start(harness);
      const page = await browser.context.newPage();
      // The attacker's page, served from "its" name, which now points at the user's machine: the app's `/`.
      await page.goto(`http://rebind.test:${target.port}/`);
      const origin = `rebind.test:${target.port}`;
      const got = await probe(page, {
        ws: `ws://${origin}${BASE}/ws`,
        sse: `http://${origin}${BASE}/stream/`,
        metrics: `http://${origin}${BASE}/metrics/`,
      });
      expect(got, harness.name).toEqual({ ws: 'error', sse: 'error', fetch: 'read 421' });
      await page.close();
    }
  }, 60_000);
});
