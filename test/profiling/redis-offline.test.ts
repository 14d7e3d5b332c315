// ioredis commands and the offline queue (outside review rtC): a command issued while the server is not up waits in
// ioredis's offline queue and is written on connect; its time starts at that write (before, a GET issued 440 ms before
// the server came up read 429 ms, though the server answered it at once). A command never written (retries run out
// while down, enableOfflineQueue false, after quit() or disconnect()) is a failure with no duration (before, each had
// one, 0.08 to 325 ms). A private redis-server, real ioredis clients; the oracles are the server's own command counts
// (INFO commandstats) and the times the test measured around the client's write and reply.

import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { instrumentRedis } from '../../src/profiling/instrument-redis.js';
import { everyQueryMonitor } from '../helpers/query-monitor.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.message,
  );

describe.skipIf(!requireRedis())('instrumentRedis: the offline queue and commands never sent', () => {
  let server: RedisServer;
  let admin: Redis; // not instrumented: reads what the server saw
  const clients: Redis[] = [];
  const monitors: SystemMonitor[] = [];
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: null });
    admin.on('error', () => {});
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    admin?.disconnect();
    for (const m of monitors) await m.close();
    await server?.stop();
  });

  const monitor = (): SystemMonitor => everyQueryMonitor(monitors);

  function client(m: SystemMonitor, options: RedisOptions): Redis {
    const c = instrumentRedis(new Redis(server.port, '127.0.0.1', options), m);
    c.on('error', () => {});
    clients.push(c);
    return c;
  }

  /** The server's count of GET commands since the last CONFIG RESETSTAT. */
  async function serverGets(): Promise<number> {
    const info = await admin.info('commandstats');
    return Number(/cmdstat_get:calls=(\d+)/.exec(info)?.[1] ?? 0);
  }

  it('a GET queued while the server was down is timed from its write on connect', async () => {
    await server.kill('SIGTERM');
    const m = monitor();
    const c = client(m, { retryStrategy: () => 20, maxRetriesPerRequest: null });
    const get = c.get('k');
    // ioredis writes the queued command from sendCommand once ready (its offline-queue flush): note that moment just
    // before the instrumented sendCommand runs, so the recorded time is at most the reply minus it.
    let writtenAt = Number.NaN;
    const instrumented = c.sendCommand;
    c.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
      if (this.status === 'ready' && (args[0] as { name?: string }).name === 'get' && Number.isNaN(writtenAt))
        writtenAt = performance.now();
      return instrumented.apply(this, args);
    } as Redis['sendCommand'];
    const calledAt = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    await server.restart(); // a fresh server: its command counts start at zero
    expect(await get).toBeNull();
    const answeredAt = performance.now();
    // Oracle: the server saw the one GET.
    expect(await serverGets()).toBe(1);
    // The wait was real: the command was written ≥ 300 ms after the call.
    expect(writtenAt - calledAt).toBeGreaterThanOrEqual(300);
    const report = m.queries.report();
    const row = report.fingerprints.find((r) => r.fingerprint === 'GET');
    expect([row?.count, row?.errors]).toEqual([1, 0]);
    const slow = report.slow_queries.filter((s) => s.fingerprint === 'GET');
    expect(slow).toHaveLength(1);
    // Before: ~300+ ms (from the call). After: from the write, within the test's own bound.
    expect(slow[0]?.duration_ms).toBeLessThanOrEqual(answeredAt - writtenAt + 0.001);
    expect(report.window_count).toBe(1);
  });

  it('a command never written to the server counts as a failure with no duration', async () => {
    await admin.config('RESETSTAT');
    const m = monitor();
    const outcomes: string[] = [];

    // 1. Retries run out while the server is down: the offline queue is flushed with an error.
    const down = await startRedis();
    await down.stop();
    const gone = instrumentRedis(
      new Redis(down.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50 }),
      m,
    );
    gone.on('error', () => {});
    clients.push(gone);
    outcomes.push(await settle(gone.get('k')));

    // 2. enableOfflineQueue false, not connected yet: refused at once.
    const noQueue = client(m, { enableOfflineQueue: false, lazyConnect: true });
    outcomes.push(await settle(noQueue.get('k')));

    // 3. After quit(): the client is closed.
    const quitted = client(m, {});
    await quitted.ping();
    await quitted.quit();
    outcomes.push(await settle(quitted.get('k')));

    // 4. After disconnect(): queued offline, then flushed as the connection closes.
    const dropped = client(m, { maxRetriesPerRequest: 1 });
    await dropped.ping();
    dropped.disconnect();
    outcomes.push(await settle(dropped.get('k')));

    expect(outcomes).toEqual([
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'Connection is closed.',
      'Connection is closed.',
    ]);
    // Oracle: the server never saw a GET.
    expect(await serverGets()).toBe(0);
    const report = m.queries.report();
    const get = report.fingerprints.find((r) => r.fingerprint === 'GET');
    // Counted, as failures; no time, not in the window nor in the slow log (threshold 0).
    expect([get?.count, get?.errors, get?.total_ms]).toEqual([4, 4, 0]);
    expect(report.slow_queries.filter((s) => s.fingerprint === 'GET')).toEqual([]);
    expect(report.window_count).toBe(3); // the two PINGs and the QUIT, all sent
  });
});
