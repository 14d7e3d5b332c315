// Regression (outside review, figures 4): the rolling windows other than the requests' (@timed functions,
// database queries, custom histograms and counter rates) read the clock as a monotonic view too, so a wall
// clock stepped back an hour does not hold their windows open for the size of the step. Oracle: the calls
// and values recorded, each at its true time (the clock is stepped at an instant it is read, so the monotonic
// view equals true time exactly).

import { afterEach, describe, expect, it } from 'vitest';
import type { CounterSnapshot, HistogramSnapshot } from '../src/custom/types.js';
import { silentLogger } from '../src/logger.js';
import { createMonitor, type SystemMonitor } from '../src/monitor.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute boundary
const HOUR = 3_600_000;
const SUB_MS = 15_000; // the functions' window: 4 sub-windows of 15 s (the last 45-60 s)

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A monitor on a clock `wall` stepped back an hour at true time `stepAt` (ms since T0). */
function stepped(stepAt: number) {
  let t = 0;
  let offset = 0;
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: () => T0 + t - offset },
  });
  monitors.push(monitor);
  return {
    monitor,
    async to(ms: number): Promise<void> {
      if (t < stepAt && ms >= stepAt) {
        t = stepAt;
        // Read just before and just after the step, at the same true instant: the step takes no time.
        await monitor.getMetrics();
        offset = HOUR;
        await monitor.getMetrics();
      }
      t = ms;
    },
  };
}

/** The snapshot of custom metric `name` (a fresh collection when the clock moved; with `sample`, a sample's). */
async function custom<T>(monitor: SystemMonitor, name: string, sample = false): Promise<T> {
  return ((await (sample ? monitor.sample() : monitor.getMetrics())).custom ?? {})[name] as T;
}

/** Calls whose true time falls in the 4 sub-windows ending with the one of `now` (the functions' window). */
function inFunctionWindow(times: number[], now: number): number {
  const sub = Math.floor((T0 + now) / SUB_MS);
  return times.filter((s) => Math.floor((T0 + s) / SUB_MS) > sub - 4).length;
}

describe('rolling windows across a wall clock stepped back an hour', () => {
  it('@timed functions and the queries window count the calls of true time (before: 2 minutes in a 45-60 s window)', async () => {
    const c = stepped(70_000);
    const times: number[] = [];
    for (let ms = 0; ms <= 180_000; ms += 1_000) {
      await c.to(ms);
      if (ms % 5_000 === 0) {
        const m = await c.monitor.getMetrics();
        const expected = inFunctionWindow(times, ms);
        expect(m.functions.work?.count ?? 0, `at ${ms} ms`).toBe(expected);
        expect(c.monitor.queries.windowSummary().count, `at ${ms} ms`).toBe(expected);
      }
      // Calls between the reads (a snapshot read twice at one instant is served from the cache).
      await c.to(ms + 500);
      c.monitor.recordFunction('work', 3, false);
      c.monitor.recordQuery('postgresql', 'SELECT 1', 2, false);
      times.push(ms + 500);
    }
  });

  it('a custom histogram window rotates on elapsed time (before: it held the pre-step values for an hour)', async () => {
    const c = stepped(10_000);
    const h = c.monitor.histogram('payload_kb');
    await c.to(1_000);
    for (let i = 1; i <= 10; i++) h.observe(i);
    await c.to(5_000);
    expect((await custom<HistogramSnapshot>(c.monitor, 'payload_kb')).count).toBe(10);
    // Two windows (2 x 60 s) of true time with nothing observed: the window is empty.
    for (const ms of [30_000, 70_000, 130_000, 200_000]) {
      await c.to(ms);
      const snap = await custom<HistogramSnapshot>(c.monitor, 'payload_kb');
      expect(snap.count, `at ${ms} ms`).toBe(ms >= 130_000 ? 0 : 10);
      expect(snap.count_total).toBe(10);
    }
  });

  it('a custom counter rate is the increase over true elapsed time (before: null, then a rate over a shortened interval)', async () => {
    const c = stepped(10_000);
    const jobs = c.monitor.counter('jobs_done');
    await c.to(10_000);
    // Samples end the rate intervals (reads do not: outside review 9b F14).
    const at10 = await custom<CounterSnapshot>(c.monitor, 'jobs_done', true);
    expect(at10.value).toBe(0);
    for (let s = 11; s <= 20; s++) {
      await c.to(s * 1_000);
      jobs.inc(5);
    }
    // 50 in the 10 s since the last rate update (at 10 s, the instant of the step).
    const at20 = await custom<CounterSnapshot>(c.monitor, 'jobs_done', true);
    expect(at20.value).toBe(50);
    expect(at20.rate_per_second).toBe(5);
  });
});
