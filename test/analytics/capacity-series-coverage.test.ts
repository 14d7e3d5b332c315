// Outside review 34. RT34-2: the busiest hour of a service that only grows (no daily cycle) read "23", high:
// the last hour of every day is the busiest by raw means; hours are now compared against the trend, as the
// weekdays were. RT34-5: capacity judged coverage by the history's points, not by each series' readings:
// CPU null (nothing measured) for all but the last 30 h of a week gave a CPU growth and headroom with
// "high" confidence and an interval, where those 30 h alone are "too little data: needs 36 h"; and the
// request rate's "current" read 0 while the last 24 h ran 10 req/s. The histories are generated minute by
// minute (fixed seeds), written through MemoryStore and read back by `monitor.capacity()`; the oracle is the
// generator's ground truth and the README's rules.

import { afterEach, describe, expect, it } from 'vitest';
import type { CapacityFigure, CapacityReport } from '../../src/analytics/capacity.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { Logger } from '../../src/types.js';
import { flatPoint } from '../helpers/history-points.js';
import { rng } from '../helpers/random.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 11, 7); // Monday 2026-12-07 00:00 UTC: the history ends here
const quiet: Logger = { warn() {}, error() {}, info() {} };
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** (req/s, CPU % or null, memory % or null) at minute t, `day` days from the history's start. */
type Gen = (t: number, day: number) => [number, number | null, number | null];

/** `days` of one-minute points ending at END through MemoryStore, then `monitor.capacity()` on the same clock. */
async function capacityOf(days: number, f: Gen): Promise<CapacityReport> {
  const store = new MemoryStore({ clock: { now: () => END } });
  const start = END - Math.round(days * 1440) * MIN;
  for (let t = start; t < END; t += MIN) {
    const [rate, cpu, mem] = f(t, (t - start) / DAY);
    await store.appendPoint('cap', {
      ...flatPoint(t, Math.round(rate * 60)),
      cpu_avg_percent: cpu,
      cpu_max_percent: cpu,
      memory_avg_percent: mem,
      memory_max_percent: mem,
    });
  }
  const monitor = createMonitor({
    store,
    instanceId: 'cap',
    clock: () => END + 1000,
    sampleIntervalMs: 0,
    logger: quiet,
  });
  closers.push(() => monitor.close());
  return monitor.capacity();
}

const TOO_LITTLE_36H = 'too little data: needs 36 h of history with no more than 20 % of any day missing';
const noInterval = (f: CapacityFigure) => f.low === undefined && f.high === undefined;

describe('RT34-2: the busiest hour is read against the growth, as the weekday is', () => {
  it('a pure growth with no daily cycle (10 + 1 req/s a day): no busiest hour, not hour 23', async () => {
    // Ground truth: every hour of a day is the same but for the growth; the report's own weekday says no peak.
    const r = await capacityOf(7, (_t, day) => [10 + day, 40 + 2 * day, 40]);
    expect(r.busiest.day_of_week.value).toBeNull();
    expect(r.busiest.hour_of_day).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.hour_of_day.note).toMatch(/^no peak: /);
    expect(r.busiest.hour_of_day.note).toMatch(/once the trend \(\+1 req\/s per day\) is removed$/);
  });

  it('a real daily peak on the same growth (hour 14 at +30 %, noise ±10 %, seed 34): hour 14, high', async () => {
    const u = rng(34);
    const r = await capacityOf(7, (t, day) => {
      const peak = Math.floor((t % DAY) / HOUR) === 14 ? 1.3 : 1;
      return [(10 + day) * peak * (0.9 + 0.2 * u()), 40, 40];
    });
    expect(r.busiest.hour_of_day.value).toBe(14);
    expect(r.busiest.hour_of_day.confidence).toBe('high');
    expect(r.busiest.hour_of_day.note).toMatch(
      /^busiest on \d+ of \d+ full days; mean [\d.]+ req\/s; hours compared against the trend/,
    );
  });

  it('a pure growth with noise (seed 3402): whichever hour wins does so by noise, never with high confidence', async () => {
    const u = rng(3402);
    const r = await capacityOf(7, (_t, day) => [(10 + day) * (0.9 + 0.2 * u()), 40, 40]);
    expect(r.busiest.hour_of_day.confidence).not.toBe('high');
  });
});

describe('RT34-5: each series is judged by its own readings', () => {
  // The review's case: 7 days of points; CPU and memory measured only in the last 30 h (CPU rising 5 points
  // a day there), nothing before (null); 10 req/s in those 30 h, none before.
  const last30h: Gen = (t) => (t < END - 30 * HOUR ? [0, null, null] : [10, 50 + ((t - END) / DAY) * 5, 50]);

  it('CPU and memory read over 30 h: too little data, as the same 30 h alone are', async () => {
    const week = await capacityOf(7, last30h);
    const alone = await capacityOf(1.25, last30h); // the control: the same 30 h as the whole history
    for (const r of [week, alone]) {
      expect(r.growth_per_day.cpu_per_request).toMatchObject({
        value: null,
        confidence: null,
        note: TOO_LITTLE_36H,
      });
      expect(r.growth_per_day.memory).toMatchObject({ value: null, confidence: null, note: TOO_LITTLE_36H });
      expect(r.headroom.cpu).toMatchObject({ value: null, confidence: null, note: TOO_LITTLE_36H });
      expect(r.headroom.memory).toMatchObject({ value: null, confidence: null, note: TOO_LITTLE_36H });
    }
  });

  it('the request rate: "current" is the last trailing day’s mean (10 req/s), not 0', async () => {
    const g = (await capacityOf(7, last30h)).growth_per_day.request_rate;
    expect(g.note).toMatch(/; current 10(?:$|;)/);
  });

  it('CPU read over the last 3 days of a week: a growth, but low confidence and no interval (before 5 days)', async () => {
    const u = rng(3405);
    const r = await capacityOf(7, (t) => {
      const rate = 100 * (0.9 + 0.2 * u());
      if (t < END - 3 * DAY) return [rate, null, null];
      return [rate, 30 + ((t - END) / DAY) * 2 + u(), 40 + u()];
    });
    for (const f of [r.growth_per_day.cpu_per_request, r.headroom.cpu, r.growth_per_day.memory]) {
      expect(f.confidence).toBe('low');
      expect(noInterval(f)).toBe(true);
    }
    expect(r.growth_per_day.cpu_per_request.note).toMatch(
      /no 90 % interval before 5 whole days \(the history covers 3\)$/,
    );
    // The requests were measured all week: their growth has its interval.
    expect(r.growth_per_day.request_rate.low).toBeDefined();
  });
});
