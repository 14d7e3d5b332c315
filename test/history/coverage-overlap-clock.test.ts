// Red-team 19, F8, F4, F11: `covered_seconds` (what the rate chart and the capacity report divide by) for a rolling
// deploy (two processes of one instanceId overlapping), a wall clock stepped forward 150 s, and a zero-length bucket
// holding requests. Oracle: the seconds recorded and the requests sent, from each scenario's own timeline (wall and
// monotonic clocks injected; flushes at each wall-clock minute boundary, as the bucket timer does).

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
const requestRate = CHARTS.find((c) => c.id === 'requests')!.series[0]!;
type Open = (instance: string, clock: { now(): number }) => MetricsStore;

/** One MemoryStore for every process: a monitor's close would clear it, so close is a no-op here. */
function sharedMemory(): Open {
  let store: MemoryStore | undefined;
  return (_instance, clock) => {
    store ??= new MemoryStore({ clock });
    return new Proxy(store, {
      get(target, key) {
        if (key === 'close') return async () => {};
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
}

/** Measure of the union of `intervals` inside [s, e), ms. */
function unionWithin(intervals: [number, number][], s: number, e: number): number {
  const cut = intervals
    .map(([a, b]) => [Math.max(a, s), Math.min(b, e)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of cut) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

const READ = at(10, 40, 30);
const LAST_FLUSH = at(10, 40);

/**
 * F8: a (old) 10 req/s from 10:03:20 until its close at 10:20:40; its replacement (same instanceId) from 10:20:10
 * (30 s of overlap) at 4 req/s, and b at 6 req/s from 10:20:10. Each process writes through its own store object.
 */
async function rollingDeploy(open: Open, monitors: SystemMonitor[]) {
  let now = at(10, 3, 20);
  const clock = { now: () => now };
  const make = (id: string) =>
    createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock,
      monotonicClock: clock,
      store: open(id, clock),
      instanceId: id,
    });
  const runs = [
    { id: 'a', from: at(10, 3, 20), to: at(10, 20, 40), perSecond: 10 },
    { id: 'a', from: at(10, 20, 10), to: READ, perSecond: 4 },
    { id: 'b', from: at(10, 20, 10), to: READ, perSecond: 6 },
  ];
  const live = new Map<number, SystemMonitor>();
  const sent = new Map<string, number[]>([
    ['a', []],
    ['b', []],
  ]);
  for (let ms = runs[0]!.from; ms < READ; ms += 1000) {
    now = ms;
    if (ms % MIN === 0) for (const m of live.values()) await m.flush();
    for (const [i, r] of runs.entries()) {
      if (ms === r.from) live.set(i, make(r.id));
      const m = live.get(i);
      if (m && ms === r.to) {
        await m.close();
        live.delete(i);
      }
    }
    for (const [i, m] of live) {
      const r = runs[i]!;
      for (let k = 0; k < r.perSecond; k++) {
        m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 5 });
        if (ms < LAST_FLUSH) sent.get(r.id)!.push(ms);
      }
    }
  }
  now = READ;
  monitors.push(...live.values());
  const covered = new Map<string, [number, number][]>([
    [
      'a',
      [
        [runs[0]!.from, runs[0]!.to],
        [runs[1]!.from, LAST_FLUSH],
      ],
    ],
    ['b', [[runs[2]!.from, LAST_FLUSH]]],
  ]);
  return { reader: live.get(1)!, sent, covered };
}

function expectUnionRates(
  result: HistoryResult,
  tl: { sent: Map<string, number[]>; covered: Map<string, [number, number][]> },
  ids: string[],
) {
  const step = result.step_seconds * 1000;
  const got: unknown[] = [];
  const want: unknown[] = [];
  for (const p of result.points) {
    // Per instance the union of its processes' seconds; the fleet: the longest instance's (README).
    const seconds = Math.max(...ids.map((id) => unionWithin(tl.covered.get(id)!, p.t, p.t + step))) / 1000;
    const count = ids.reduce(
      (n, id) => n + tl.sent.get(id)!.filter((t) => t >= p.t && t < p.t + step).length,
      0,
    );
    got.push([p.timestamp, p.requests, p.covered_seconds, requestRate.history(p, result.step_seconds)]);
    want.push([p.timestamp, count, seconds, count / seconds]);
  }
  expect(got).toEqual(want);
}

async function checkRolling(open: Open) {
  const monitors: SystemMonitor[] = [];
  const { reader, sent, covered } = await rollingDeploy(open, monitors);
  const periods: HistoryPeriod[] = ['1h', '24h'];
  for (const period of periods) {
    expectUnionRates(await reader.getHistory({ period }), { sent, covered }, ['a']);
    expectUnionRates(await reader.getHistory({ period, instance: 'all' }), { sent, covered }, ['a', 'b']);
  }
  // The figures red-team 19 saw: minute 10:20 of a was 600 requests over 90 s (6.67 req/s); both processes
  // together served all 60 s of it, 10 req/s; the fleet's 900 requests in 60 s, 15 req/s (plotted 10).
  const own = (await reader.getHistory({ period: '1h' })).points.find((p) => p.t === at(10, 20))!;
  expect([own.requests, own.covered_seconds, requestRate.history(own, 60)]).toEqual([600, 60, 10]);
  const fleet = (await reader.getHistory({ period: '1h', instance: 'all' })).points.find(
    (p) => p.t === at(10, 20),
  )!;
  expect([fleet.requests, fleet.covered_seconds, requestRate.history(fleet, 60)]).toEqual([900, 60, 15]);
  await Promise.all(monitors.map((m) => m.close()));
}

/**
 * F4: 10 req/s from 10:03:20; at 10:20:40 the wall clock steps forward 150 s (the monotonic one does not), then
 * 4 req/s. Buckets run between flushes; the oracle's per bucket: its monotonic seconds and requests, placed at the
 * minute holding its middle (README: a point's `t`), steps summing their buckets.
 */
async function forwardStep(open: Open) {
  let wall = at(10, 3, 20);
  let mono = 1_000_000;
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: () => wall },
    monotonicClock: { now: () => mono },
    store: open('a', { now: () => wall }),
    instanceId: 'a',
  });
  const buckets: { from: number; to: number; ms: number; count: number }[] = [];
  let open0 = { wall, mono, count: 0 };
  const flush = async () => {
    await m.flush();
    buckets.push({ from: open0.wall, to: wall, ms: mono - open0.mono, count: open0.count });
    open0 = { wall, mono, count: 0 };
  };
  let stepped = false;
  const end = at(10, 40, 30);
  while (wall < end) {
    if (wall % MIN === 0) await flush();
    if (!stepped && wall === at(10, 20, 40)) {
      wall += 150_000;
      stepped = true;
    }
    const n = stepped ? 4 : 10;
    for (let k = 0; k < n; k++) m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 5 });
    open0.count += n;
    wall += 1000;
    mono += 1000;
  }
  const minute = (b: (typeof buckets)[number]) => Math.floor((b.from + b.to) / 2 / MIN) * MIN;
  const step = async (period: HistoryPeriod, stepMs: number) => {
    const expected = new Map<number, { ms: number; count: number }>();
    for (const b of buckets) {
      if (b.count === 0) continue;
      const s = Math.floor(minute(b) / stepMs) * stepMs;
      const e = expected.get(s) ?? { ms: 0, count: 0 };
      expected.set(s, { ms: e.ms + b.ms, count: e.count + b.count });
    }
    const h = await m.getHistory({ period });
    expect(
      h.points.map((p) => [
        p.timestamp,
        p.requests,
        p.covered_seconds,
        requestRate.history(p, stepMs / 1000),
      ]),
    ).toEqual(
      [...expected].map(([s, e]) => [
        new Date(s).toISOString(),
        e.count,
        e.ms / 1000,
        e.count / (e.ms / 1000),
      ]),
    );
  };
  await step('1h', MIN);
  await step('24h', 5 * MIN);
  // Red-team 19's figures: the bucket holding the step was 240 s "covered" (2.5 req/s) for 90 s recorded.
  const p = (await m.getHistory({ period: '1h' })).points.find((q) => q.t === at(10, 22))!;
  expect([p.requests, p.covered_seconds]).toEqual([600, 90]);
  await m.close();
}

/** F11: 5 requests, 10 s, flush; 5 requests, flush in the same millisecond (both clocks still); 10:04 and 10:05. */
async function zeroLength(open: Open) {
  let wall = at(10, 3, 20);
  const clock = { now: () => wall };
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock,
    monotonicClock: clock,
    store: open('a', clock),
    instanceId: 'a',
  });
  const five = () => {
    for (let k = 0; k < 5; k++) m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 5 });
  };
  five();
  wall += 10_000;
  await m.flush();
  five();
  await m.flush();
  wall = at(10, 4);
  await m.flush();
  wall = at(10, 5);
  await m.flush();
  // 10 requests in the 10 s + 0 s the two buckets recorded (the empty bucket to 10:04 writes no point).
  for (const period of ['1h', '24h'] as const) {
    const [p, ...rest] = (await m.getHistory({ period })).points;
    expect([rest.length, p?.requests, p?.covered_seconds]).toEqual([0, 10, 10]);
  }
  await m.close();
}

describe('covered_seconds: rolling deploy, forward clock step, zero-length bucket (red-team 19)', () => {
  it('MemoryStore: a rolling deploy counts the union of one instanceId`s processes (F8)', async () => {
    await checkRolling(sharedMemory());
  }, 60_000);
  it('MemoryStore: a forward clock step is not covered time (F4)', async () => {
    await forwardStep(sharedMemory());
  }, 60_000);
  it('MemoryStore: a zero-length bucket with requests covers 0 s, the minute keeps its coverage (F11)', async () => {
    await zeroLength(sharedMemory());
  });

  describe.skipIf(!requireRedis())('RedisStore', () => {
    let server: RedisServer;
    let client: Redis;
    beforeAll(async () => {
      server = await startRedis();
      client = new Redis(server.url);
      await client.ping();
    });
    afterAll(async () => {
      client?.disconnect();
      await server?.stop();
    });
    const redis =
      (prefix: string): Open =>
      (instanceId, clock) =>
        new RedisStore({
          client,
          prefix: `${prefix}-${process.pid}`,
          instanceId,
          logger: silentLogger,
          clock,
        });

    it('a rolling deploy (F8)', async () => {
      await checkRolling(redis('sv-cov-roll'));
    }, 60_000);
    it('a forward clock step (F4)', async () => {
      await forwardStep(redis('sv-cov-fwd'));
    }, 60_000);
    it('a zero-length bucket (F11)', async () => {
      await zeroLength(redis('sv-cov-zero'));
    }, 60_000);
  });
});
