// A command written behind a blocking one on the same ioredis connection (outside review rtA, t25): the server
// reads it only once the BLPOP / XREAD BLOCK / WAIT answers, so its time starts then; before, a GET behind a 3 s
// BLPOP read 3 s and raised db_query_p95. A private redis-server, real ioredis clients; the oracle is the time the
// test sees between the blocking command's answer and the command's own.

import { Command, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentRedis } from '../../src/profiling/instrument-redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

describe.skipIf(!requireRedis())('instrumentRedis: a command queued behind a blocking one', () => {
  let server: RedisServer;
  let m: SystemMonitor;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
    m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      queries: { slowThresholdMs: 0, slowLogSize: 100 },
    });
    m.queries.inFlightMinMs = 0; // a ticket left open would show in window_count
    client = instrumentRedis(new Redis(server.port, '127.0.0.1', { keyPrefix: 'behind:' }), m);
    await client.set('k', 'v');
  });
  afterAll(async () => {
    client?.disconnect();
    await m?.close();
    await server?.stop();
  });

  /**
   * Sends `blocking`, then `behind` at once on the same connection; returns when the test saw each answer. The
   * test's reaction on the blocking command is attached before sendCommand (so it runs before the clock starts),
   * its reaction on the command behind after (so it runs after the clock stops): the recorded time is at most
   * `behindAt - freeAt`.
   */
  async function behindBlocking(blocking: Command, behind: Command) {
    const sentAt = performance.now();
    let freeAt = Number.NaN;
    const free = blocking.promise.then(() => {
      freeAt = performance.now();
    });
    client.sendCommand(blocking);
    client.sendCommand(behind);
    let behindAt = Number.NaN;
    const answered = behind.promise.then((reply) => {
      behindAt = performance.now();
      return reply;
    });
    await free;
    const reply = await answered;
    return { sentAt, freeAt, behindAt, reply };
  }

  it('times the command from the blocking one’s answer (BLPOP, XREAD BLOCK, BZPOPMIN), counts exact, none in flight', async () => {
    const cases = [
      new Command('blpop', ['behind:empty-list', '0.4'], { replyEncoding: 'utf8' }),
      new Command('xread', ['BLOCK', '400', 'STREAMS', 'behind:stream', '$'], { replyEncoding: 'utf8' }),
      new Command('bzpopmin', ['behind:empty-zset', '0.4'], { replyEncoding: 'utf8' }),
    ];
    const bounds: number[] = [];
    for (const blocking of cases) {
      const get = new Command('get', ['behind:k'], { replyEncoding: 'utf8' });
      const t = await behindBlocking(blocking, get);
      expect(t.reply).toBe('v');
      // The blocking command did wait (its timeout, ~400 ms), so the GET's wait behind it was real.
      expect(t.freeAt - t.sentAt).toBeGreaterThan(300);
      bounds.push(t.behindAt - t.freeAt);
    }
    const report = m.queries.report();
    // Oracle: the commands sent: SET once, GET three times; the blocking ones are not timed.
    expect(Object.fromEntries(report.fingerprints.map((r) => [r.fingerprint, [r.count, r.errors]]))).toEqual({
      SET: [1, 0],
      GET: [3, 0],
    });
    expect(report.window_count).toBe(4);
    const gets = report.slow_queries.filter((s) => s.fingerprint === 'GET').reverse(); // oldest first
    expect(gets).toHaveLength(3);
    // Before: each GET read the blocking wait (~400 ms, well above its bound).
    gets.forEach((s, i) => {
      expect(s.duration_ms).toBeGreaterThan(0);
      expect(s.duration_ms).toBeLessThanOrEqual((bounds[i] as number) + 0.001);
    });
  });
  it('a command behind a blocking one whose connection closes is a failure with no duration (never served)', async () => {
    const other = instrumentRedis(new Redis(server.port, '127.0.0.1', { keyPrefix: 'behind:' }), m);
    await other.get('k');
    const before = m.queries.report();
    const blocking = other.blpop('empty-list', 5);
    const behind = other.get('k');
    const outcomes = Promise.all(
      [blocking, behind].map((p) =>
        p.then(
          () => 'ok',
          () => 'error',
        ),
      ),
    );
    other.disconnect(); // both still waiting: the BLPOP for data, the GET behind it
    expect(await outcomes).toEqual(['error', 'error']);
    const after = m.queries.report();
    const get = (r: typeof after) => r.fingerprints.find((f) => f.fingerprint === 'GET');
    // Counted, as a failure; not in the window nor in the slow log (threshold 0), no time added.
    expect([after.total - before.total, after.errors - before.errors]).toEqual([1, 1]);
    expect(after.window_count).toBe(before.window_count);
    expect(after.slow_queries.length).toBe(before.slow_queries.length);
    expect(get(after)?.total_ms).toBe(get(before)?.total_ms);
  });
});
