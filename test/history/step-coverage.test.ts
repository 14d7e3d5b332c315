// Red-team 18, F3: a history step only partly covered by the monitor (the first after a start, the one holding a
// restart gap, the last one, which holds "now") reads at its true rate on the dashboard's "Request rate" chart,
// not requests ÷ the whole step. Oracle: the requests sent, the seconds the monitor was up and had closed its
// buckets in each step, both computed here from the simulation's own timeline (fake clock, steady traffic).

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryPeriod } from '../../src/history/periods.js';
import type { HistoryResult } from '../../src/history/point.js';
import { CHARTS } from '../../src/http/dashboard/panels/charts.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { MetricsStore } from '../../src/stores/store.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const MIN = 60_000;
const at = (h: number, m: number, s = 0) => Date.UTC(2026, 11, 6, h, m, s);
/** Started mid-minute and mid-step of every period; read mid-step and mid-minute. */
const START = at(10, 3, 20);
const READ = at(11, 12, 30);
/** Instance a: 10 req/s until it stops at 10:41:30, down 10 minutes, back at 10:51:30 with 4 req/s. */
const A_RUNS = [
  { from: START, to: at(10, 41, 30), perSecond: 10 },
  { from: at(10, 51, 30), to: READ, perSecond: 4 },
];
/** Instance b: 2 req/s the whole time (the fleet view's union of coverage is b's). */
const B_RUN = { from: START, to: READ, perSecond: 2 };

const requestRate = CHARTS.find((c) => c.id === 'requests')!.series[0]!;

interface Timeline {
  /** Request times per instance. */
  sent: Map<string, number[]>;
  /** Per instance, the intervals its closed buckets cover: up, and before its last flush. */
  covered: Map<string, [number, number][]>;
}

/** The seconds of [s, e) inside `intervals`, and the requests sent in that part. */
function within(intervals: [number, number][], times: number[], s: number, e: number) {
  let ms = 0;
  let count = 0;
  for (const [a, b] of intervals) {
    const lo = Math.max(a, s);
    const hi = Math.min(b, e);
    if (hi <= lo) continue;
    ms += hi - lo;
    count += times.filter((t) => t >= lo && t < hi).length;
  }
  return { seconds: ms / 1000, count };
}

/**
 * Runs the simulation on `open()`'s stores: every instance's monitor flushes at each minute boundary (its bucket
 * timer), a's first run closes at 10:41:30 (the close flushes its last, partial minute), nothing is flushed after
 * 11:12:00, so the requests of 11:12:00–11:12:30 are in the open bucket, not in history.
 */
async function simulate(
  open: (instance: string, clock: { now(): number }) => MetricsStore,
): Promise<{ reader: SystemMonitor; tl: Timeline }> {
  let now = START;
  const clock = { now: () => now };
  const tl: Timeline = {
    sent: new Map([
      ['a', []],
      ['b', []],
    ]),
    covered: new Map([
      ['a', []],
      ['b', []],
    ]),
  };
  const make = (instance: string) =>
    createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock,
      store: open(instance, clock),
      instanceId: instance,
    });
  const b = make('b');
  let a: SystemMonitor | undefined = make('a');
  let run = 0;
  const alive = () => [...(a ? [['a', a] as const] : []), ['b', b] as const];
  for (let ms = START; ms < READ; ms += 50) {
    now = ms;
    if (ms % MIN === 0) for (const [, m] of alive()) await m.flush();
    const ra = A_RUNS[run];
    if (a && ra && ms === ra.to) {
      await a.close();
      tl.covered.get('a')!.push([ra.from, ms]);
      a = undefined;
      run++;
    }
    const next = A_RUNS[run];
    if (!a && next && ms === next.from) a = make('a');
    for (const [id, m] of alive()) {
      const r = id === 'b' ? B_RUN : (A_RUNS[run] as (typeof A_RUNS)[number]);
      if ((ms - r.from) % (1000 / r.perSecond) !== 0) continue;
      m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 5 });
      tl.sent.get(id)!.push(ms);
    }
  }
  now = READ;
  const lastFlush = READ - (READ % MIN);
  tl.covered.get('a')!.push([A_RUNS[1]!.from, lastFlush]);
  tl.covered.get('b')!.push([B_RUN.from, lastFlush]);
  monitors.push(b, a!);
  return { reader: a!, tl };
}

/** Every step with covered time has a point, plotted at requests in the covered seconds ÷ those seconds. */
function expectExactRates(result: HistoryResult, tl: Timeline, instances: string[]) {
  const step = result.step_seconds * 1000;
  const start = Date.parse(result.start);
  const rows: { t: string; plotted: number | null; exact: number; covered: [number | undefined, number] }[] =
    [];
  const expectedTimes: number[] = [];
  for (let s = start; s < Date.parse(result.end); s += step) {
    // The fleet: requests of all instances over the union of their coverage (b's, which holds a's).
    const cover = instances.map((id) => within(tl.covered.get(id)!, tl.sent.get(id)!, s, s + step));
    const seconds = Math.max(...cover.map((c) => c.seconds));
    if (seconds === 0) continue;
    expectedTimes.push(s);
    const count = cover.reduce((n, c) => n + c.count, 0);
    const p = result.points.find((q) => q.t === s);
    expect(p?.requests, new Date(s).toISOString()).toBe(count);
    rows.push({
      t: new Date(s).toISOString(),
      plotted: p ? requestRate.history(p, result.step_seconds) : null,
      exact: count / seconds,
      covered: [p?.covered_seconds, seconds],
    });
  }
  expect(result.points.map((p) => p.t)).toEqual(expectedTimes);
  for (const r of rows) {
    expect(r.plotted, r.t).not.toBeNull();
    expect(r.plotted! / r.exact, `${r.t}: plotted ${r.plotted}, exact ${r.exact}`).toBeCloseTo(1, 9);
  }
  // The API says how many seconds each point covers (what the chart divides by).
  for (const r of rows) expect(r.covered[0], r.t).toBe(r.covered[1]);
  return rows;
}

const monitors: SystemMonitor[] = [];
const PERIODS: HistoryPeriod[] = ['1h', '24h', '7d'];

async function checkAll(reader: SystemMonitor, tl: Timeline) {
  for (const period of PERIODS) {
    const own = await reader.getHistory({ period });
    const rows = expectExactRates(own, tl, ['a']);
    // The partial steps are there: a's first step (10:03:20 on), its restart gap, and the last one.
    expect(rows.length).toBeGreaterThan(0);
    expectExactRates(await reader.getHistory({ period, instance: 'all' }), tl, ['a', 'b']);
  }
  // The figures red-team 18 plotted wrong (4.00 and 9.00 req/s for a steady 10): the 24h view's first step
  // 10:00 holds 10:03:20-10:05:00 (1 000 requests in 100 s), the 7d view's last 11:00-11:12 (2 880 in 720 s).
  const day = await reader.getHistory({ period: '24h' });
  const first = day.points[0]!;
  expect([first.timestamp, first.requests, requestRate.history(first, 300)]).toEqual([
    '2026-12-06T10:00:00.000Z',
    1000,
    10,
  ]);
  const week = await reader.getHistory({ period: '7d' });
  const last = week.points.at(-1)!;
  expect([last.timestamp, last.requests, requestRate.history(last, 1800)]).toEqual([
    '2026-12-06T11:00:00.000Z',
    2880,
    4,
  ]);
}

describe('history rates over partly covered steps (red-team 18, F3)', () => {
  it('MemoryStore: every point of 1h, 24h and 7d, own and fleet, plots the exact rate', async () => {
    let store: MemoryStore | undefined;
    // One store for both instances and both of a's runs: a monitor's close would clear a MemoryStore.
    const shared = (clock: { now(): number }) => {
      store ??= new MemoryStore({ clock });
      return new Proxy(store, {
        get(target, key) {
          if (key === 'close') return async () => {};
          const v = Reflect.get(target, key, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    };
    const { reader, tl } = await simulate((_instance, clock) => shared(clock));
    await checkAll(reader, tl);
    await Promise.all(monitors.splice(0).map((m) => m.close()));
  }, 60_000);

  describe.skipIf(!requireRedis())('RedisStore', () => {
    let server: RedisServer;
    let client: Redis;
    beforeAll(async () => {
      server = await startRedis();
      client = new Redis(server.url);
      // Ready before the simulation: its loop yields only at flushes, and a store whose client is still
      // connecting keeps the points in its outage buffer.
      await client.ping();
    });
    afterAll(async () => {
      client?.disconnect();
      await server?.stop();
    });

    it('every point of 1h, 24h and 7d (rollups), own and fleet, plots the exact rate', async () => {
      const prefix = `sv-steprate-${process.pid}`;
      const { reader, tl } = await simulate(
        (instanceId, clock) => new RedisStore({ client, prefix, instanceId, logger: silentLogger, clock }),
      );
      await checkAll(reader, tl);
      await Promise.all(monitors.splice(0).map((m) => m.close()));
    }, 60_000);
  });
});
