import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { SysvitalsError } from '../../src/errors.js';
import { createStreamHandler, createStreamRoute, parseStreamOptions } from '../../src/http/stream.js';
import {
  alertEvent,
  BASE,
  body,
  FakeMonitor,
  listen,
  open,
  routesWith,
  type Served,
  SseReader,
  seqOf,
  serveAdmin,
} from './stream-helpers.js';

let served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.map((s) => s.close()));
  served = [];
});

async function start(
  source: FakeMonitor,
  options: Parameters<typeof serveAdmin>[1] = {},
  route = createStreamRoute(),
) {
  const s = await serveAdmin(source, options, routesWith(route));
  served.push(s);
  return `${s.url}${BASE}`;
}

async function connect(url: string, headers: Record<string, string> = {}) {
  const res = await open(url, headers);
  return new SseReader(res);
}

describe('GET stream/ (Server-Sent Events)', () => {
  it('sends the retry hint, the latest snapshot at once, then every event in order', async () => {
    const source = new FakeMonitor();
    source.latest = { ...source.latest, timestamp: 'initial' };
    const base = await start(source);
    const reader = await connect(`${base}/stream/`);
    expect(reader.res.statusCode).toBe(200);
    expect(reader.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(reader.res.headers['cache-control']).toBe('no-store, no-transform');
    expect(await reader.next()).toEqual({ retry: 3000 });
    const first = await reader.nextEvent();
    expect(first.event).toBe('metrics');
    expect((first.data as { timestamp: string }).timestamp).toBe('initial');

    source.sample(1);
    source.emit('alert', alertEvent('raised'));
    source.sample(2);
    source.emit('alert', alertEvent('cleared'));
    source.sample(3);
    const received = [];
    for (let i = 0; i < 5; i++) received.push(await reader.nextEvent());
    expect(received.map((e) => e.event)).toEqual(['metrics', 'alert', 'metrics', 'alert', 'metrics']);
    expect(received.filter((e) => e.event === 'metrics').map((e) => seqOf(e.data))).toEqual([1, 2, 3]);
    expect(received.filter((e) => e.event === 'alert').map((e) => (e.data as AlertEvent).type)).toEqual([
      'raised',
      'cleared',
    ]);
  });

  it('sends a heartbeat comment while nothing else happens', async () => {
    const source = new FakeMonitor();
    const base = await start(source, {}, createStreamRoute({ heartbeatMs: 20, retryMs: 500 }));
    const reader = await connect(`${base}/stream`);
    expect(await reader.next()).toEqual({ retry: 500 });
    let block = await reader.next();
    while (block.comment === undefined) block = await reader.next(); // the initial metrics and health come first
    expect(block).toEqual({ comment: 'heartbeat' });
  });

  it('sends health at once and again after every sample and alert', async () => {
    const source = new FakeMonitor();
    const base = await start(source);
    const reader = await connect(`${base}/stream/`);
    const initial = [await reader.nextEvent(true), await reader.nextEvent(true)];
    expect(initial.map((e) => e.event).sort()).toEqual(['health', 'metrics']);
    source.healthScore = 42;
    source.emit('alert', alertEvent('raised'));
    source.sample(1);
    const after = [await reader.nextEvent(true), await reader.nextEvent(true), await reader.nextEvent(true)];
    // One health read per cycle, after everything the cycle emitted.
    expect(after.map((e) => e.event)).toEqual(['alert', 'metrics', 'health']);
    expect(after[2]?.data).toMatchObject({ health_score: 42 });
  });

  it('removes its monitor listeners when the last client leaves', async () => {
    const source = new FakeMonitor();
    const base = await start(source);
    const a = await connect(`${base}/stream/`);
    const b = await connect(`${base}/stream/`);
    await a.nextEvent();
    await b.nextEvent();
    expect(source.listenerCount('metrics')).toBe(1); // one subscription, shared
    a.res.destroy();
    b.res.destroy();
    await vi.waitFor(() => expect(source.listenerCount('metrics') + source.listenerCount('alert')).toBe(0));
  });

  it('ends every stream when the monitor emits close', async () => {
    const source = new FakeMonitor();
    const base = await start(source);
    const reader = await connect(`${base}/stream/`);
    await reader.nextEvent();
    source.emit('close');
    await reader.closed();
    expect(source.listenerCount('metrics')).toBe(0);
  });

  it('answers 503 with Retry-After beyond maxClients', async () => {
    const source = new FakeMonitor();
    const base = await start(source, {}, createStreamRoute({ maxClients: 1 }));
    const first = await connect(`${base}/stream/`);
    await first.nextEvent();
    const second = await open(`${base}/stream/`);
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('30');
    expect(JSON.parse(await body(second))).toMatchObject({ success: false, error: { code: 'unavailable' } });
  });

  it('refuses invalid options at setup', () => {
    expect(() => parseStreamOptions({ heartbeatMs: 0 })).toThrow(SysvitalsError);
    expect(() => createStreamRoute({ maxBufferedBytes: 1.5 })).toThrow(/maxBufferedBytes/);
  });
});

describe('GET stream/ auth', () => {
  it('401 without credentials, 403 with a wrong token, 200 with the bearer token', async () => {
    const source = new FakeMonitor();
    const base = await start(source, { adminToken: 'secret' });
    const none = await open(`${base}/stream/`);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="sysvitals"');
    expect(JSON.parse(await body(none))).toMatchObject({ success: false, error: { code: 'unauthorized' } });
    const wrong = await open(`${base}/stream/`, { authorization: 'Bearer nope' });
    expect(wrong.statusCode).toBe(403);
    await body(wrong);
    const ok = await connect(`${base}/stream/`, { authorization: 'Bearer secret' });
    expect(ok.res.statusCode).toBe(200);
    expect((await ok.nextEvent()).event).toBe('metrics');
  });

  it('accepts a token from GET token/ as ?access_token=, and refuses it once expired (injected clock)', async () => {
    const source = new FakeMonitor();
    const base = await start(source, { adminToken: 'secret', accessTokenTtlMs: 60_000 });
    const tokenRes = await open(`${base}/token/`, { authorization: 'Bearer secret' });
    const { data } = JSON.parse(await body(tokenRes));
    const url = `${base}/stream/?access_token=${encodeURIComponent(data.token)}`;

    const ok = await connect(url);
    expect(ok.res.statusCode).toBe(200);
    expect((await ok.nextEvent()).event).toBe('metrics');

    const forged = await open(`${base}/stream/?access_token=${encodeURIComponent(`${data.token}x`)}`);
    expect(forged.statusCode).toBe(403);
    await body(forged);

    source.clock.t += 60_001;
    const expired = await open(url);
    expect(expired.statusCode).toBe(401);
    expect(JSON.parse(await body(expired))).toMatchObject({ error: { code: 'token_expired' } });
  });
});

describe('a client that stops reading', () => {
  it('is dropped once its buffer is full, while another client gets every event in order', async () => {
    const source = new FakeMonitor();
    const handler = createStreamHandler(source, { maxBufferedBytes: 256 * 1024, heartbeatMs: 60_000 });
    const s = await listen(createServer((req, res) => handler(req, res)));
    served.push(s);

    const stalled = await open(s.url);
    stalled.pause();
    stalled.socket.pause(); // reads nothing more from the kernel: its buffers fill, then the server's
    const reader = await connect(s.url);
    await reader.nextEvent();
    expect(handler.clients).toBe(2);

    // 64 KiB per event; loopback socket buffers hold a few MiB, so this bounds the loop generously.
    let seq = 0;
    while (handler.clients === 2 && seq < 2000) {
      seq += 1;
      source.sample(seq, 64 * 1024);
      const e = await reader.nextEvent();
      expect(seqOf(e.data)).toBe(seq);
    }
    expect(handler.clients).toBe(1);
    // The reader keeps receiving after the drop.
    source.sample(seq + 1);
    expect(seqOf((await reader.nextEvent()).data)).toBe(seq + 1);
    handler.close();
    await reader.closed();
  });
});
