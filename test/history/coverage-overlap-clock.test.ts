// Red-team 19, F8, F4, F11 and review 20: `covered_seconds` (what the rate chart and the capacity report divide by)
// for processes of one instanceId that overlap (a rolling deploy; two that both start and stop inside one minute), a
// wall clock stepped forward 150 s, and a zero-length bucket holding requests. Oracle: the seconds recorded and the
// requests sent, from each scenario's own timeline (the exact union of the processes' intervals; wall and monotonic
// clocks injected; flushes at each wall-clock minute boundary, as the bucket timer does).

import { describe, expect, it } from 'vitest';
import type { HistoryPeriod } from '../../src/history/periods.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import {
  at,
  expectExactCoverage,
  MIN,
  type Open,
  type Run,
  realRedis,
  requestRate,
  sharedMemory,
  simulate,
} from '../helpers/coverage-timeline.js';
import { rng } from '../helpers/random.js';
import { requireRedis } from '../helpers/redis-server.js';

const PERIODS: HistoryPeriod[] = ['1h', '24h', '7d'];
const READ = at(10, 40, 30);

/** Every period's points, own (each instance) and fleet, against the timeline's exact union. */
async function checkRuns(open: Open, runs: Run[], read = READ) {
  const monitors: SystemMonitor[] = [];
  const { reader, tl } = await simulate(open, runs, read, monitors);
  const ids = [...new Set(runs.map((r) => r.id))];
  for (const period of PERIODS) {
    expectExactCoverage(await reader.getHistory({ period }), tl, [reader.instanceId]);
    expectExactCoverage(await reader.getHistory({ period, instance: 'all' }), tl, ids);
  }
  return { reader, monitors };
}

/**
 * F8: a (old) 10 req/s from 10:03:20 until its close at 10:20:40; its replacement (same instanceId) from 10:20:10
 * (30 s of overlap) at 4 req/s, and b at 6 req/s from 10:20:10. Each process writes through its own store object.
 */
async function checkRolling(open: Open) {
  const { reader, monitors } = await checkRuns(open, [
    { id: 'a', from: at(10, 3, 20), to: at(10, 20, 40), perSecond: 10 },
    { id: 'a', from: at(10, 20, 10), to: Number.POSITIVE_INFINITY, perSecond: 4 },
    { id: 'b', from: at(10, 20, 10), to: Number.POSITIVE_INFINITY, perSecond: 6 },
  ]);
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
 * Review 20: two processes of a that both start and stop inside 10:20 (A 0-20 s, B 10-30 s: 30 s covered, not 40;
 * A 0-10 s, B 40-50 s: 20 s), then seeded sets of up to four processes of a inside a few minutes (each run 1-59 s,
 * at any second), each read in every period, the stores' rollups included.
 */
async function checkWithinMinute(fresh: (k: number) => Open) {
  const run = (from: number, to: number): Run => ({
    id: 'a',
    from: at(10, 20, from),
    to: at(10, 20, to),
    perSecond: 5,
  });
  const cases: Run[][] = [
    [run(0, 20), run(10, 30)],
    [run(0, 10), run(40, 50)],
  ];
  const random = rng(20);
  for (let k = 0; k < 6; k++) {
    cases.push(
      Array.from({ length: 2 + Math.floor(random() * 3) }, () => {
        const from = Math.floor(random() * 150);
        return run(from, from + 1 + Math.floor(random() * 59));
      }),
    );
  }
  const first = async (runs: Run[], k: number) => {
    const { reader, monitors } = await checkRuns(fresh(k), runs, at(10, 30, 30));
    const p = (await reader.getHistory({ period: '1h' })).points[0];
    await Promise.all(monitors.map((m) => m.close()));
    return p?.covered_seconds;
  };
  expect([await first(cases[0]!, 0), await first(cases[1]!, 1)]).toEqual([30, 20]);
  for (const [k, runs] of cases.entries()) if (k > 1) await first(runs, k);
}

/**
 * F4: 10 req/s from 10:03:20; at 10:20:40 the wall clock steps forward 150 s (the monotonic one does not), then
 * 4 req/s. Buckets run between flushes; the oracle's per bucket: its monotonic seconds and requests, placed at the
 * minute holding the middle of its live time (the wall seconds it recorded in, not the 150 s skipped: outside review
 * A, t27), steps summing their buckets.
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
  const buckets: { live: number[]; ms: number; count: number }[] = [];
  let open0 = { wall, mono, count: 0, live: [] as number[] };
  const flush = async () => {
    await m.flush();
    buckets.push({ live: open0.live, ms: mono - open0.mono, count: open0.count });
    open0 = { wall, mono, count: 0, live: [] };
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
    open0.live.push(wall); // the wall second [wall, wall + 1 s) was live
    wall += 1000;
    mono += 1000;
  }
  // The wall time halfway through the bucket's live seconds.
  const minute = (b: (typeof buckets)[number]) => {
    const half = (b.live.length * 1000) / 2;
    const middle = b.live[Math.floor(half / 1000)]! + (half % 1000);
    return Math.floor(middle / MIN) * MIN;
  };
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
  // Red-team 19's figures: the bucket holding the step was 240 s "covered" (2.5 req/s) for 90 s recorded. Its 90 s
  // live (10:20:00-10:20:40, 10:23:10-10:24:00) have their middle at 10:23:15: not 10:22, skipped by the step.
  const p = (await m.getHistory({ period: '1h' })).points.find((q) => q.t === at(10, 23))!;
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
  // 10 requests in the 10 s + 0 s the two buckets recorded; the idle bucket to 10:04 is the rest of that minute the
  // monitor was up for (30 s: 10:03 covers 40 s in all), and 10:04 an idle minute it was up for (outside review 33,
  // RT33-1: before, an idle bucket with sampleIntervalMs 0 wrote no point and 10:03 read 10 s, 10:04 a gap).
  const read = async (period: '1h' | '24h') =>
    (await m.getHistory({ period })).points.map((p) => [
      p.timestamp.slice(11, 16),
      p.requests,
      p.covered_seconds,
    ]);
  expect(await read('1h')).toEqual([
    ['10:03', 10, 40],
    ['10:04', 0, 60],
  ]);
  expect(await read('24h')).toEqual([['10:00', 10, 100]]);
  await m.close();
}

describe('covered_seconds: overlapping processes, forward clock step, zero-length bucket (red-team 19, review 20)', () => {
  it('MemoryStore: a rolling deploy counts the union of one instanceId`s processes (F8)', async () => {
    await checkRolling(sharedMemory());
  }, 60_000);
  it('MemoryStore: processes of one instanceId inside one minute count their exact union (review 20)', async () => {
    await checkWithinMinute(() => sharedMemory());
  }, 60_000);
  it('MemoryStore: a forward clock step is not covered time (F4)', async () => {
    await forwardStep(sharedMemory());
  }, 60_000);
  it('MemoryStore: a zero-length bucket with requests covers 0 s, the minute keeps its coverage (F11)', async () => {
    await zeroLength(sharedMemory());
  });

  describe.skipIf(!requireRedis())('RedisStore', () => {
    const redis = realRedis();

    it('a rolling deploy (F8)', async () => {
      await checkRolling(redis('sv-cov-roll'));
    }, 60_000);
    it('processes of one instanceId inside one minute (review 20)', async () => {
      await checkWithinMinute((k) => redis(`sv-cov-minute-${k}`));
    }, 60_000);
    it('a forward clock step (F4)', async () => {
      await forwardStep(redis('sv-cov-fwd'));
    }, 60_000);
    it('a zero-length bucket (F11)', async () => {
      await zeroLength(redis('sv-cov-zero'));
    }, 60_000);
  });
});
