// Cluster history minutes (issue #13): the aggregator's monitor closed each history minute (history/ points,
// history/?route= points) over the reports that had arrived by then, so a request a worker recorded shortly before
// a minute's boundary, still held in a paced frame, counted in the next minute. Now each part of a frame (cut where
// the worker's windows turn: cuts.ts) is filed into the minute it was recorded in, and a minute closes once every
// worker answered a sync asked at its end (minute-gate.ts). Oracle: the count of requests recorded in each minute
// on the injected clock, from the raw observations. The cluster side is the real one: a SystemMonitor (its history
// writer and route series, on fake timers), the Merger, the gate; the workers are Cuts + ReportPacer as in
// window-cuts.test.ts, their sync answers coming 120 ms after the aggregator asks, while they keep recording.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { gateMinutes } from '../../src/cluster/minute-gate.js';
import { parsePoint, serializePoint } from '../../src/history/point-codec.js';
import { PointMerger } from '../../src/history/point-merger.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { rng } from '../helpers/random.js';
import { pacedWorkers } from './paced-workers.js';

const T0 = 1_700_000_003_700; // not on a minute's edge
const MINUTE = 60_000;
const minuteOf = (t: number) => t - (t % MINUTE);
/** A part the gate could not file is the test's failure. */
const fails = (o: unknown, m: string) => {
  throw new Error(`${m} ${JSON.stringify(o)}`);
};
const loud = { warn: fails, error: fails };

afterEach(() => {
  vi.useRealTimers();
});

async function run(gated: boolean) {
  vi.useFakeTimers({
    now: T0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  const clock = { now: () => Date.now() };
  const store = new MemoryStore();
  const { monitor, merger, workers, send } = pacedWorkers(clock, 2, store);
  if (gated) {
    // The sync round: every worker answers 120 ms after the aggregator asks (recording meanwhile).
    const sync = () =>
      new Promise<string[]>((resolve) =>
        setTimeout(() => {
          for (const w of workers) send(w);
          resolve([]);
        }, 120),
      );
    merger.gate = gateMinutes(monitor, clock, sync, loud);
    expect(merger.gate).toBeDefined();
  }
  const want = new Map<number, { requests: number; e5: number; a: number }>();
  const rand = rng(11);
  for (let ms = 0; ms <= 300_000; ms += 50) {
    await vi.advanceTimersByTimeAsync(ms === 0 ? 0 : 50);
    const now = Date.now();
    for (const [i, w] of workers.entries()) {
      // Dense near every boundary (the last and first 300 ms of each minute), sparser elsewhere.
      const edge = now % MINUTE < 300 || now % MINUTE >= MINUTE - 300;
      if (rand() < (edge ? 0.9 : 0.3)) {
        const route = rand() < 0.5 ? '/a' : '/b';
        const status = [200, 200, 201, 404, 500][Math.floor(rand() * 5)] as number;
        w.own.requests.record('GET', route, status, 1 + Math.floor(rand() * 400) + i * 100);
        const m = want.get(minuteOf(now)) ?? { requests: 0, e5: 0, a: 0 };
        m.requests++;
        if (status === 500) m.e5++;
        if (route === '/a') m.a++;
        want.set(minuteOf(now), m);
      }
      if (now % 1000 === 400 && w.pacer.due()) send(w);
    }
  }
  // The last minute closes too (flush(); its sync answers come on the fake timers).
  const flushed = monitor.flush();
  await vi.advanceTimersByTimeAsync(1000);
  await flushed;
  const points = await store.readPoints('c', 0, T0 + 10 * MINUTE);
  const got = new Map(points.map((p) => [p.t, { requests: p.requests, e5: p.errors_5xx }]));
  const route = new Map(
    (monitor.series.route('/a', 'GET')?.points ?? []).map((p) => [
      minuteOf(Date.parse(p.timestamp)),
      p.count,
    ]),
  );
  const mismatches: string[] = [];
  for (const [t, m] of want) {
    const g = got.get(t);
    if (g?.requests !== m.requests || g.e5 !== m.e5)
      mismatches.push(
        `${new Date(t).toISOString()}: point ${JSON.stringify(g)}, recorded ${m.requests}/${m.e5}`,
      );
  }
  // The route series closes a minute at the history timer; the last (partial) one is not in it.
  for (const [t, n] of route)
    if (n !== want.get(t)?.a)
      mismatches.push(`${new Date(t).toISOString()}: GET /a ${n}, recorded ${want.get(t)?.a}`);
  const closed = monitor.close();
  await vi.advanceTimersByTimeAsync(1000);
  await closed;
  return { minutes: want.size, points: points.length, routeMinutes: route.size, mismatches };
}

describe('cluster history minutes hold what the workers recorded in them', () => {
  it("each minute's point (requests, 5xx) and route point (count) equals the requests recorded in it", async () => {
    const r = await run(true);
    expect(r.minutes).toBe(6);
    expect(r.points).toBe(6);
    expect(r.routeMinutes).toBeGreaterThanOrEqual(5);
    expect(r.mismatches).toEqual([]);
  });

  it('filed by arrival (no gate, the previous behaviour) the same run puts requests into the wrong minute', async () => {
    const r = await run(false);
    expect(r.mismatches.length).toBeGreaterThan(3);
  });
});

describe('a minute a worker did not answer for', () => {
  it('is marked with the workers missing from it, in the store (codec) and in merged steps', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const store = new MemoryStore();
    const clock = { now: () => Date.now() };
    const monitor = new SystemMonitor({
      clock,
      store,
      sampleIntervalMs: 0,
      logger: silentLogger,
      instanceId: 'c',
    });
    monitor.historyWriter.gate = { before: async () => ['w1'], after: () => {} };
    monitor.requests.record('GET', '/a', 200, 5);
    await monitor.flush();
    const [point] = await store.readPoints('c', 0, T0 + MINUTE);
    expect(point?.missing).toEqual(['w1']);
    expect(parsePoint(serializePoint(point!))?.missing).toEqual(['w1']);
    const merger = new PointMerger();
    merger.add(point!);
    merger.add({ ...point!, missing: ['w2'] });
    expect(merger.toPoint(0).missing).toEqual(['w1', 'w2']);
    await monitor.close();
  });
});
