// Issue 12, doors 5, 6 and 7, from outside: a stream ends when the access token it was opened with expires;
// a token opens only the admin API that minted it; one client cannot take every stream slot, and a client
// that stops reading is dropped after a few seconds whatever the bytes. Real servers on every adapter.

import { type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createAdminApi } from '../../src/http/api.js';
import { createStreamRoute } from '../../src/http/stream.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { CLOSE_POLICY_VIOLATION } from '../../src/http/ws-peer.js';
import { harnesses } from '../adapters/harness.js';
import { FakeMonitor, open, routesWith, SseReader } from '../http/stream-helpers.js';
import { upgrade } from './doors.js';
import { BASE, TOKEN } from './fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

type Source = FakeMonitor & { recordRequest(): void };

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

describe.each(harnesses)('$name adapter', (harness) => {
  async function start(
    options: Parameters<typeof createAdminApi>[1] = {},
    streamOptions?: Parameters<typeof createStreamRoute>[0],
  ) {
    const source = Object.assign(new FakeMonitor(), { recordRequest() {} }) as Source;
    const routes = streamOptions ? routesWith(createStreamRoute(streamOptions)) : undefined;
    const api = createAdminApi(source, { adminToken: TOKEN, rateLimit: false, ...options }, { routes });
    const running = await harness.start({ source, api: api as never });
    cleanups.push(() => running.close());
    const port = new URL(running.url).port;
    return { source, api, running, base: `${running.url}${BASE}`, ws: `ws://127.0.0.1:${port}` };
  }

  async function mint(base: string): Promise<{ token: string; expires_at: string }> {
    const res = await fetch(`${base}/token/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.json()).data;
  }

  function attach(t: Awaited<ReturnType<typeof start>>, options: Parameters<typeof attachWebSocket>[2] = {}) {
    const attachment = attachWebSocket(t.source, t.running.server, { adminApi: t.api, ...options });
    cleanups.push(() => attachment.close());
    return attachment;
  }

  describe('door 5: streams end with their access token', () => {
    it('SSE: the next event after expiry (injected clock) is `token_expired`, then the stream ends', async () => {
      const t = await start({ accessTokenTtlMs: 60_000 });
      const { token } = await mint(t.base);
      const stream = new SseReader(await open(`${t.base}/stream/?access_token=${token}`));
      expect((await stream.nextEvent()).event).toBe('metrics');
      t.source.clock.t += 30_000;
      t.source.sample(1);
      expect((await stream.nextEvent()).event).toBe('metrics');
      t.source.clock.t += 30_000; // exactly the expiry
      t.source.sample(2);
      expect(await stream.nextEvent()).toMatchObject({
        event: 'token_expired',
        data: { code: 'token_expired' },
      });
      await stream.closed();
      // A stream opened with the bearer token has no expiry.
      const bearer = new SseReader(await open(`${t.base}/stream/`, { authorization: `Bearer ${TOKEN}` }));
      expect((await bearer.nextEvent()).event).toBe('metrics');
      t.source.clock.t += 3_600_000;
      t.source.sample(3);
      expect((await bearer.nextEvent()).event).toBe('metrics');
      bearer.res.destroy();
    });

    it('SSE: with no event at all, the stream ends at expiry (fake timers)', async () => {
      const t = await start({ accessTokenTtlMs: 300_000 });
      const { token } = await mint(t.base);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const stream = new SseReader(await open(`${t.base}/stream/?access_token=${token}`));
      expect((await stream.nextEvent()).event).toBe('metrics');
      vi.advanceTimersByTime(299_000);
      await new Promise((r) => setImmediate(r));
      expect(stream.ended).toBe(false);
      vi.advanceTimersByTime(1_000);
      expect((await stream.nextEvent()).event).toBe('token_expired');
      await stream.closed();
    });

    it('WebSocket: closed with 1008 at expiry, on the next event or by its timer', async () => {
      const t = await start({ accessTokenTtlMs: 60_000 });
      const attachment = attach(t);
      const { token } = await mint(t.base);
      const ws = new WebSocket(`${t.ws}${attachment.path}?access_token=${token}`);
      const messages: string[] = [];
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      ws.on('message', (m) => messages.push(JSON.parse(String(m)).event));
      await until(() => messages.includes('metrics'), 'the first sample');
      t.source.clock.t += 60_000;
      t.source.sample(1);
      expect(await closed).toBe(CLOSE_POLICY_VIOLATION);
      expect(messages.filter((m) => m === 'metrics')).toHaveLength(1);
    });
  });

  describe('door 6: a token opens only the admin API that minted it', () => {
    it('a token of one admin API is refused by another in the same process, accepted by its own WebSocket', async () => {
      const a = await start();
      const b = await start({ basePath: '/ops' });
      const { token } = await mint(a.base);
      expect((await fetch(`${a.base}/metrics/?access_token=${token}`)).status).toBe(200);
      const other = await fetch(`${b.running.url}/ops/metrics/?access_token=${token}`);
      expect(other.status).toBe(403);
      expect((await other.json()).error.code).toBe('forbidden');
      // The same monitor with a second admin API (another mount): still another key.
      const second = createAdminApi(a.source, { adminToken: TOKEN, basePath: '/second' });
      const req = {
        url: `/second/ws?access_token=${token}`,
        headers: {},
        socket: { remoteAddress: '127.0.0.1' },
      };
      expect(await second.authenticate(req as never)).toMatchObject({ ok: false, status: 403 });
      const own = attach(a);
      expect((await upgrade(`${a.ws}${own.path}?access_token=${token}`)).status).toBe(101);
      const foreign = attach(b);
      expect((await upgrade(`${b.ws}${foreign.path}?access_token=${token}`)).status).toBe(403);
    });
  });

  describe('door 7: per-client stream slots and the stalled-reader deadline', () => {
    it('one client gets at most 10 streams (429 beyond); another client still gets one', async () => {
      const t = await start();
      const auth = { authorization: `Bearer ${TOKEN}` };
      const held = [];
      for (let i = 0; i < 10; i++) {
        const res = await open(`${t.base}/stream/`, auth);
        expect(res.statusCode).toBe(200);
        held.push(res);
      }
      const refused = await open(`${t.base}/stream/`, auth);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('30');
      refused.resume();
      const other = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        import('node:http').then(({ get }) =>
          get(`${t.base}/stream/`, { headers: auth, agent: false, localAddress: '127.0.0.2' }, resolve).on(
            'error',
            reject,
          ),
        );
      });
      expect(other.statusCode).toBe(200);
      // A slot is given back when a stream closes (once the server has seen the close).
      held.pop()?.destroy();
      let again = await open(`${t.base}/stream/`, auth);
      for (let i = 0; i < 200 && again.statusCode === 429; i++) {
        again.resume();
        await new Promise((r) => setTimeout(r, 10));
        again = await open(`${t.base}/stream/`, auth);
      }
      expect(again.statusCode).toBe(200);
      for (const res of [...held, other, again]) res.destroy();
    });

    it('one client gets at most 10 WebSocket connections (429 beyond)', async () => {
      const t = await start();
      const attachment = attach(t);
      const url = `${t.ws}${attachment.path}`;
      const headers = { authorization: `Bearer ${TOKEN}` };
      const sockets: WebSocket[] = [];
      for (let i = 0; i < 10; i++) {
        const ws = new WebSocket(url, { headers });
        await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
        sockets.push(ws);
      }
      expect(await upgrade(url, { headers })).toMatchObject({ status: 429, code: 'rate_limited' });
      expect((await upgrade(url, { headers, localAddress: '127.0.0.2' })).status).toBe(101);
      for (const ws of sockets) ws.terminate();
    });

    it('SSE: a client that stops reading is dropped after stalledMs, long before maxBufferedBytes', async () => {
      const t = await start({}, { stalledMs: 300, maxBufferedBytes: 512 * 1024 * 1024 });
      await rawStream(t.base, `${BASE}/stream/`);
      await until(() => t.source.listenerCount('metrics') === 1, 'the stream is subscribed');
      // 1 MB events until the client is dropped (the feed unsubscribes): at most 60 MB, far below
      // maxBufferedBytes, and far more than the kernel's socket buffers hold.
      let seq = 1;
      const pump = setInterval(() => t.source.sample(seq++, 1_000_000), 20);
      cleanups.push(() => clearInterval(pump));
      await until(() => t.source.listenerCount('metrics') === 0 || seq > 60, 'the stalled client is dropped');
      clearInterval(pump);
      expect(t.source.listenerCount('metrics')).toBe(0);
    });

    it('WebSocket: a client that stops reading is dropped after stalledMs', async () => {
      const t = await start();
      const attachment = attach(t, { stalledMs: 300, maxBufferedBytes: 512 * 1024 * 1024 });
      const ws = new WebSocket(`${t.ws}${attachment.path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
      (ws as unknown as { _socket: Socket })._socket.pause(); // reads nothing more
      let seq = 1;
      const pump = setInterval(() => t.source.sample(seq++, 1_000_000), 20);
      cleanups.push(() => clearInterval(pump));
      await until(() => attachment.clients === 0 || seq > 60, 'the stalled client is dropped');
      clearInterval(pump);
      expect(attachment.clients).toBe(0);
      ws.terminate();
    });
  });
});

/** Opens the stream on a raw socket, waits for the response head, then stops reading. */
function rawStream(base: string, path: string): Promise<Socket> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(url.port), url.hostname);
    socket.on('error', () => socket.destroy());
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    });
    socket.once('data', (head) => {
      if (!String(head).startsWith('HTTP/1.1 200')) reject(new Error(String(head).slice(0, 200)));
      socket.pause();
      resolve(socket);
    });
    cleanups.push(() => void socket.destroy());
  });
}
