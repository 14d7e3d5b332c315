// Capacity on short histories (outside review 14, F1): with 2 days of history the request-rate growth of a
// service that does not grow (a busier second day) read +30 req/s a day, interval [30, 30], confidence
// "high"; and headroom.cpu read 0 days, "already at or above 80 % (80.31 %)", a fitted figure, while no
// CPU reading had reached 80 %. The histories are generated with fixed seeds, written minute by minute
// through MemoryStore on an injected clock and read back by `monitor.capacity()`; the oracle is computed
// here from the generated minutes (the highest reading, the last day's peak-hour mean, the whole days)
// and from the README's promises.

import { afterEach, describe, expect, it } from 'vitest';
import type { CapacityFigure, CapacityReport } from '../../src/analytics/capacity.js';
import { theilSen } from '../../src/analytics/trend.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { Logger } from '../../src/types.js';
import { flatPoint } from '../helpers/history-points.js';
import { rng } from '../helpers/random.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 11, 6); // Sunday 2026-12-06 00:00 UTC: the history ends here
const quiet: Logger = { warn() {}, error() {}, info() {} };
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

interface Minute {
  readonly t: number;
  readonly requests: number;
  readonly cpu: number;
}

/** One minute a point over `days` days ending at END; `f` gives (req/s, CPU %) at t, `day` from the start. */
function generate(days: number, f: (t: number, day: number, hour: number) => [number, number]): Minute[] {
  const start = END - Math.round(days * 1440) * MIN;
  const out: Minute[] = [];
  for (let t = start; t < END; t += MIN) {
    const hour = (t % DAY) / HOUR;
    const [rate, cpu] = f(t, (t - start) / DAY, hour);
    out.push({ t, requests: Math.round(rate * 60), cpu });
  }
  return out;
}

/** Writes the minutes through MemoryStore and asks a monitor on the same clock for its capacity report. */
async function capacityOf(minutes: readonly Minute[]): Promise<CapacityReport> {
  const store = new MemoryStore({ clock: { now: () => END } });
  for (const m of minutes) {
    await store.appendPoint('cap', {
      ...flatPoint(m.t, m.requests),
      cpu_avg_percent: m.cpu,
      cpu_max_percent: m.cpu,
    });
  }
  const monitor = createMonitor({
    store,
    instanceId: 'cap',
    clock: () => END + 30_000,
    sampleIntervalMs: 0,
    logger: quiet,
  });
  closers.push(() => monitor.close());
  return monitor.capacity();
}

/** Oracle: the highest CPU reading of the history. */
const maxReading = (minutes: readonly Minute[]) => Math.max(...minutes.map((m) => m.cpu));

/** Oracle: the highest mean CPU of a UTC clock hour in the last 24 hours, from the minutes themselves. */
function lastDayPeakHour(minutes: readonly Minute[]): number {
  const hours = new Map<number, number[]>();
  for (const m of minutes) {
    if (m.t < END - DAY) continue;
    const h = Math.floor(m.t / HOUR);
    hours.set(h, [...(hours.get(h) ?? []), m.cpu]);
  }
  return Math.max(...[...hours.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length));
}

/** The peak-hour percentage a headroom note quotes. */
function quotedPeak(f: CapacityFigure): number {
  const m = /peak hour (?:is already at or above \d+ % \()?(\d+(?:\.\d+)?) %/.exec(f.note);
  if (!m) throw new Error(`no peak hour in "${f.note}"`);
  return Number(m[1]);
}

/** True when the figure's interval lies wholly on one side of zero. */
const excludesZero = (f: CapacityFigure) =>
  (f.low !== undefined && f.low > 0) || (f.high !== undefined && f.high < 0);

const cycle = (hour: number) => Math.cos(((hour - 14) / 24) * 2 * Math.PI); // peaks at 14:00 UTC

/** The review's case: no growth, days alternating 100 and 130 req/s (±30 a day), CPU 5 + 0.45·rate + 0..2 %. */
function alternatingDays(days: number, cpuBase = 5): Minute[] {
  const u = rng(14);
  return generate(days, (_t, day, hour) => {
    const rate = (Math.floor(day) % 2 ? 130 : 100) + 30 * cycle(hour);
    return [rate * (0.98 + 0.04 * u()), cpuBase + 0.45 * rate + 2 * u()];
  });
}

/** A real growth of 10 req/s a day, ±50 a day, each minute ×0.8–1.2 (seeded). */
function noisyGrowth(days: number): Minute[] {
  const u = rng(7);
  return generate(days, (_t, day, hour) => {
    const rate = (100 + 10 * day + 50 * cycle(hour)) * (0.8 + 0.4 * u());
    return [rate, 5 + 0.2 * rate];
  });
}

describe('growth before five whole days of history: given, with low confidence, its interval not excluding 0', () => {
  it('2 days, no growth but a busier second day: low, not "high" over [30, 30]', async () => {
    const r = await capacityOf(alternatingDays(2));
    const g = r.growth_per_day.request_rate;
    expect(g.value).toBeCloseTo(30, 0); // the second day's extra 30 req/s, given as the growth
    expect(g.confidence).toBe('low');
    expect(excludesZero(g)).toBe(false);
    // Sen's 90 % interval for 2 independent days has no ends: none is given, the note says why.
    expect(g.low).toBeUndefined();
    expect(g.high).toBeUndefined();
    expect(g.note).toMatch(/no 90 % interval before 5 whole days \(the history covers 2\)/);
  });

  for (const days of [2, 3, 4, 4.9]) {
    it(`a real, noisy growth over ${days} days: low (README: before five days)`, async () => {
      const minutes = noisyGrowth(days);
      const whole = Math.floor((END - (minutes[0] as Minute).t) / DAY);
      const r = await capacityOf(minutes);
      for (const g of [r.growth_per_day.request_rate, r.growth_per_day.cpu_per_request]) {
        expect(g.confidence).toBe('low');
        expect(excludesZero(g)).toBe(false);
        expect(g.note).toContain(`(the history covers ${whole})`);
      }
      expect(r.growth_per_day.request_rate.value).toBeGreaterThan(5); // the point estimate is still given
    });
  }

  it('2 days of a noise-free growth: low too (the interval, not the fit, needs the days)', async () => {
    const r = await capacityOf(generate(2, (_t, day, hour) => [100 + 10 * day + 50 * cycle(hour), 30]));
    expect(r.growth_per_day.request_rate.value).toBeCloseTo(10, 1);
    expect(r.growth_per_day.request_rate.confidence).toBe('low');
    expect(excludesZero(r.growth_per_day.request_rate)).toBe(false);
  });

  it('from five whole days the same noisy growth is found: an interval above 0', async () => {
    for (const days of [5, 7]) {
      const g = (await capacityOf(noisyGrowth(days))).growth_per_day.request_rate;
      expect(g.confidence).not.toBe('low');
      expect(g.low).toBeGreaterThan(0);
      expect(g.high).toBeGreaterThanOrEqual(g.value as number);
      expect(g.value).toBeGreaterThan(g.low as number);
    }
  });
});

describe('headroom: the peak hour is the last 24 hours’ busiest clock hour, as observed', () => {
  it('2 alternating days: not "already at or above 80 %" when no reading reached 80 %', async () => {
    const minutes = alternatingDays(2);
    const peak = lastDayPeakHour(minutes);
    expect(maxReading(minutes)).toBeLessThan(80); // the oracle: nothing was ever at 80 %
    const h = (await capacityOf(minutes)).headroom.cpu;
    expect(h.note).not.toMatch(/already/);
    expect(h.value).not.toBe(0);
    expect(Math.abs(quotedPeak(h) - peak)).toBeLessThanOrEqual(0.01);
    expect(h.confidence).toBe('low'); // its growth rests on 2 days
  });

  it('3 alternating days (a quieter last day): not growing, the last day’s peak hour quoted', async () => {
    const minutes = alternatingDays(3);
    const h = (await capacityOf(minutes)).headroom.cpu;
    expect(h.value).toBeNull();
    expect(h.note).toMatch(/not growing/);
    expect(Math.abs(quotedPeak(h) - lastDayPeakHour(minutes))).toBeLessThanOrEqual(0.01);
  });

  it('a peak hour observed over the warning: 0 days, the observed peak-hour mean quoted', async () => {
    const minutes = alternatingDays(2, 10);
    const peak = lastDayPeakHour(minutes);
    expect(peak).toBeGreaterThanOrEqual(80);
    const h = (await capacityOf(minutes)).headroom.cpu;
    expect(h.value).toBe(0);
    expect(h.note).toMatch(/^CPU peak hour is already at or above 80 % \(/);
    expect(Math.abs(quotedPeak(h) - peak)).toBeLessThanOrEqual(0.01);
  });

  it('a growing CPU: the days to the warning are counted from the observed peak hour', async () => {
    const minutes = noisyGrowth(7);
    const peak = lastDayPeakHour(minutes);
    const h = (await capacityOf(minutes)).headroom.cpu;
    expect(Math.abs(quotedPeak(h) - peak)).toBeLessThanOrEqual(0.01);
    const perDay = Number(/growing (-?[\d.]+) points a day/.exec(h.note)?.[1]);
    expect(perDay).toBeGreaterThan(0);
    expect(h.value).toBeCloseTo((80 - quotedPeak(h)) / perDay, 1);
  });
});

describe('theilSen with fewer than five independent observations', () => {
  it('has an unbounded interval (Sen’s ranks do not exist at 90 %), bounded from five', () => {
    const times = Array.from({ length: 48 }, (_, i) => i * HOUR);
    const values = times.map((t) => t / DAY); // a perfect line: every pairwise slope the same
    for (const k of [1, 2, 3, 4]) {
      const fit = theilSen(times, values, { independent: k });
      expect(fit?.slope).toBeCloseTo(1 / DAY, 15);
      expect(fit?.slopeLow).toBe(Number.NEGATIVE_INFINITY);
      expect(fit?.slopeHigh).toBe(Number.POSITIVE_INFINITY);
    }
    const five = theilSen(times, values, { independent: 5 });
    expect(five?.slopeLow).toBeCloseTo(1 / DAY, 15);
    expect(five?.slopeHigh).toBeCloseTo(1 / DAY, 15);
  });
});
