// A restart inside a minute (outside review 5, R4): two lives of one instance sharing a RedisStore write parts of
// the same minute; history/?route= reads it as one point whose counts are the sums of what each life recorded, as
// the instance history does. Private redis-server, injected clock.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { getJson, serve } from '../http/admin-fixture.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const ROUTE = '/r/:s';

/** What one life records on ROUTE: its requests and the oracle's figures for them. */
interface Life {
  requests: { status: number; durationMs: number }[];
}

function life(ok: number, failed5xx: number, abortedFailed: number, abortedEarly: number): Life {
  const requests = [
    ...Array.from({ length: ok }, (_, i) => ({ status: 200, durationMs: 5 + (i % 7) })),
    ...Array.from({ length: failed5xx }, () => ({ status: 500, durationMs: 40 })),
    // 499: aborted; failed when the client waited at least abortedFailureMs (1 s by default).
    ...Array.from({ length: abortedFailed }, () => ({ status: 499, durationMs: 2_000 })),
    ...Array.from({ length: abortedEarly }, () => ({ status: 499, durationMs: 20 })),
  ];
  return { requests };
}

/** The oracle: the minute's figures from every request of both lives. */
function oracle(lives: Life[]) {
  const all = lives.flatMap((l) => l.requests);
  const aborted = all.filter((r) => r.status === 499);
  const failedAborted = aborted.filter((r) => r.durationMs >= 1_000).length;
  // A route's count leaves out the aborted requests that are not failed (README: aborted only).
  const count = all.length - (aborted.length - failedAborted);
  const count5xx = all.filter((r) => r.status >= 500).length;
  const failed = count5xx + failedAborted;
  return {
    count,
    count_5xx: count5xx,
    count_aborted: aborted.length,
    error_percent: Math.round((failed / count) * 100 * 100) / 100,
  };
}

describe.skipIf(!requireRedis())('a restart inside a minute, RedisStore (private redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const loaded = (m: object) =>
    (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;

  function start(prefix: string, clock: { now(): number }, options: MonitorOptions = {}) {
    const store = new RedisStore({ url: server.url, prefix, instanceId: 'r5-restart', clock });
    return createMonitor({ sampleIntervalMs: 0, clock, store, ...options });
  }

  it("reads a route's minute written by two lives as one point with the sums (R4)", async () => {
    const prefix = `svr4:${process.pid}:`;
    const clock = { t: T0 + 5_000, now: () => clock.t };
    const a = life(23, 5, 1, 1); // 30 requests (one aborted early, not in the count)
    const b = life(16, 3, 0, 1); // 20 requests (likewise)
    const first = start(prefix, clock);
    await expect.poll(() => loaded(first), { timeout: 5000 }).toBe(true);
    const job = first.job('sync', () => undefined);
    for (const r of a.requests) first.recordRequest({ method: 'GET', route: ROUTE, ...r });
    job();
    clock.t = T0 + 20_000;
    await first.close(); // mid-minute: the minute's first part
    clock.t = T0 + 25_000;
    const second = start(prefix, clock);
    const api = createAdminApi(second, { rateLimit: false });
    const s = await serve(async (req, res) => {
      if (!(await api.handle(req, res))) res.end('app');
    });
    try {
      await expect.poll(() => loaded(second), { timeout: 5000 }).toBe(true);
      const job2 = second.job('sync', () => undefined);
      for (const r of b.requests) second.recordRequest({ method: 'GET', route: ROUTE, ...r });
      job2();
      job2();
      clock.t = T0 + 60_000;
      await second.flush(); // the minute's second part
      const base = `${s.url}/api/core/admin/system/history/`;
      const want = oracle([a, b]);
      expect(want).toEqual({ count: 48, count_5xx: 8, count_aborted: 3, error_percent: 18.75 });
      const r = await getJson(`${base}?period=1h&route=${encodeURIComponent(ROUTE)}`);
      expect(r.status).toBe(200);
      const points = r.body.data.points as Record<string, unknown>[];
      expect(points).toHaveLength(1);
      expect(points[0]).toMatchObject({ timestamp: new Date(T0).toISOString(), ...want });
      // Latency cannot be exact (each part is its life's sliding window): the larger part's, the max of maxima.
      expect(points[0]?.max_ms).toBe(2_000);
      expect(Object.keys(points[0] ?? {})).not.toContain('count_aborted_failed');
      // The instance history of the same minute: one point with the same requests (its writes are buffered).
      const instanceMinute = async () => {
        const h = await getJson(`${base}?period=1h`);
        return (h.body.data.points as { timestamp: string; requests: number }[])
          .filter((p) => p.timestamp === new Date(T0).toISOString())
          .map((p) => p.requests);
      };
      await expect.poll(instanceMinute, { timeout: 5000 }).toEqual([want.count]);
      // A job's minute too: runs summed.
      const j = await getJson(`${base}?job=sync`);
      expect(j.body.data.points).toEqual([{ timestamp: new Date(T0).toISOString(), runs: 3, failures: 0 }]);
      // The next minute is a point of its own.
      for (let i = 0; i < 4; i++)
        second.recordRequest({ method: 'GET', route: ROUTE, status: 200, durationMs: 3 });
      clock.t = T0 + 120_000;
      await second.flush();
      const next = await getJson(`${base}?period=1h&route=${encodeURIComponent(ROUTE)}`);
      expect((next.body.data.points as { count: number }[]).map((p) => p.count)).toEqual([want.count, 4]);
    } finally {
      await s.close();
      await second.close();
    }
  });

  it('a third life in the same minute adds its part to the merged point', async () => {
    const prefix = `svr4c:${process.pid}:`;
    const clock = { t: T0 + 1_000, now: () => clock.t };
    const lives = [life(7, 1, 0, 0), life(4, 0, 1, 0), life(9, 2, 0, 1)];
    for (const [i, l] of lives.entries()) {
      const m = start(prefix, clock);
      await expect.poll(() => loaded(m), { timeout: 5000 }).toBe(true);
      for (const r of l.requests) m.recordRequest({ method: 'GET', route: ROUTE, ...r });
      clock.t = i < lives.length - 1 ? clock.t + 15_000 : T0 + 60_000;
      if (i < lives.length - 1) await m.close();
      else {
        await m.flush();
        try {
          expect(m.series.route(ROUTE)?.points).toEqual([
            expect.objectContaining({ timestamp: new Date(T0).toISOString(), ...oracle(lives) }),
          ]);
        } finally {
          await m.close();
        }
      }
    }
  });
});

describe('one point per minute per route, without a store', () => {
  const window = (count: number, maxMs: number) => ({
    method: 'GET',
    route: ROUTE,
    count,
    satisfied: count,
    tolerating: 0,
    latency: { count, p50_ms: maxMs / 2, p95_ms: maxMs, p99_ms: maxMs, max_ms: maxMs },
  });
  const totals = (count: number, count5xx: number) =>
    new Map([[`GET ${ROUTE}`, { count, count_5xx: count5xx, count_aborted: 0, count_aborted_failed: 0 }]]);

  it('a flush inside the minute, or a bucket closed a little early, adds to the minute it belongs to', async () => {
    const { SeriesHistory } = await import('../../src/profiling/series-history.js');
    const s = new SeriesHistory(undefined, 60_000);
    const w = [window(1, 10)] as never;
    s.addMinute(T0, T0 + 31_000, w, totals(6, 1)); // monitor.flush() at :31
    s.addMinute(T0 + 31_000, T0 + 59_999, w, totals(10, 1)); // the timer fired 1 ms early
    s.addMinute(T0 + 59_999, T0 + 120_000, w, totals(13, 2)); // the next minute, from 1 ms before it
    expect(s.route(ROUTE)?.points.map((p) => [p.timestamp, p.count, p.count_5xx, p.error_percent])).toEqual([
      [new Date(T0).toISOString(), 10, 1, 10],
      [new Date(T0 + 60_000).toISOString(), 3, 1, 33.33],
    ]);
  });

  it("a saved series read after this life's first minute (the store answered late) joins it, one point a minute", async () => {
    const { SeriesHistory } = await import('../../src/profiling/series-history.js');
    const before = new SeriesHistory(undefined, 60_000);
    before.addMinute(T0, T0 + 20_000, [window(1, 30)] as never, totals(30, 5));
    const saved = before.export();
    const after = new SeriesHistory(undefined, 60_000);
    after.addMinute(T0, T0 + 60_000, [window(1, 10)] as never, totals(20, 3));
    after.import(saved);
    expect(after.route(ROUTE)?.points).toEqual([
      expect.objectContaining({
        timestamp: new Date(T0).toISOString(),
        count: 50,
        count_5xx: 8,
        error_percent: 16,
      }),
    ]);
    expect(after.route(ROUTE)?.points[0]?.max_ms).toBe(30);
  });
});
