// Capacity figures in the situations where they used to lie (outside review, issue 17): equal hours
// or days read as a busiest hour 00 with high confidence and "Sunday, 0 % above the next day"; zero
// traffic read as Sunday with too_little_data false; a CPU that does not measurably rise with the
// request rate gave a finite requests-per-core. The inputs are built so the answers are arithmetic.

import { describe, expect, it } from 'vitest';
import { type CapacityPoint, computeCapacity } from '../../src/analytics/capacity.js';
import { theilSen } from '../../src/analytics/trend.js';
import { prng } from '../helpers/random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = 30 * 60_000;
const MONDAY = Date.UTC(2026, 10, 23); // 2026-11-23 was a Monday

/** `days` of 30-minute points from Monday 00:00 UTC; f gives (rate req/s, cpu %, memory %) at the step's start. */
function points(
  f: (t: number, day: number, hour: number) => [number, number | null, number | null],
  days = 7,
): CapacityPoint[] {
  const out: CapacityPoint[] = [];
  for (let t = MONDAY; t < MONDAY + days * DAY; t += STEP) {
    const [rate, cpu, mem] = f(t, Math.floor((t - MONDAY) / DAY), new Date(t).getUTCHours());
    out.push({ t, requests: rate * (STEP / 1000), cpu_avg_percent: cpu, memory_avg_percent: mem });
  }
  return out;
}

const report = (pts: CapacityPoint[]) =>
  computeCapacity({ points: pts, stepMs: STEP, cores: 4, cpuWarning: 80, memoryWarning: 80 });

describe('busiest hour and day: no peak, no answer', () => {
  it('equal traffic every hour of every day: neither a busiest hour nor a busiest day', () => {
    const r = report(points(() => [100, 10, 50]));
    expect(r.busiest.hour_of_day).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.hour_of_day.note).toBe('no peak: every hour has the same mean request rate (100 req/s)');
    expect(r.busiest.day_of_week).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.day_of_week.note).toBe('no peak: every day has the same mean request rate (100 req/s)');
  });

  it('one day of equal traffic: no peak is a finding, not too little data', () => {
    const r = report(points(() => [100, 10, 50], 1));
    expect(r.busiest.hour_of_day.note).toMatch(/^no peak: every hour/);
    expect(r.busiest.day_of_week.note).toMatch(/^too little data/);
    expect(r.too_little_data).toBe(false);
  });

  it('two hours tie for the top (09 and 17 at 200 req/s, the rest 100): no busiest hour', () => {
    const r = report(points((_t, _d, h) => [h === 9 || h === 17 ? 200 : 100, 10, 50]));
    expect(r.busiest.hour_of_day).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.hour_of_day.note).toBe(
      'no peak: hours 9, 17 have the same mean request rate (200 req/s)',
    );
  });

  it('one hour above the rest on every day: that hour, high (won 7 of 7 days)', () => {
    const r = report(points((_t, _d, h) => [h === 17 ? 200 : 100, 10, 50]));
    expect(r.busiest.hour_of_day).toMatchObject({ value: 17, confidence: 'high' });
    expect(r.busiest.hour_of_day.note).toBe('busiest on 7 of 7 full days; mean 200 req/s');
  });

  it('a day that ties its own top hours is not a win for either', () => {
    // Hour 9 is the busiest on average (days 0-3: 9 alone at 300; days 4-6: 9 and 17 both at 200):
    // it wins 4 of 7 days, not 7 (a tied day used to count for the first of its top hours).
    const r = report(
      points((_t, d, h) => [h === 9 ? (d < 4 ? 300 : 200) : h === 17 && d >= 4 ? 200 : 100, 10, 50]),
    );
    expect(r.busiest.hour_of_day.value).toBe(9);
    const mean = Math.round(((4 * 300 + 3 * 200) / 7) * 1000) / 1000;
    expect(r.busiest.hour_of_day.note).toBe(`busiest on 4 of 7 full days; mean ${mean} req/s`);
    expect(r.busiest.hour_of_day.confidence).toBe('medium'); // 4/7 = 57 %: under 60 % of 3+ days, over 50 %
  });

  it('Monday and Friday tie for the top: no busiest day', () => {
    const r = report(points((_t, d) => [d === 0 || d === 4 ? 150 : 100, 10, 50]));
    expect(r.busiest.day_of_week).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.day_of_week.note).toBe(
      'no peak: Monday, Friday have the same mean request rate (150 req/s)',
    );
  });
});

describe('zero traffic is too little data for every request-derived figure', () => {
  it('a week with no requests and no host readings: too_little_data, no weekday', () => {
    const r = report(points(() => [0, null, null]));
    expect(r.busiest.day_of_week).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.day_of_week.note).toBe('too little data: no requests in the history');
    expect(r.too_little_data).toBe(true);
  });

  it('a week with no requests but memory readings: the request figures null, memory still answered', () => {
    const r = report(points(() => [0, 10, 50]));
    for (const f of [
      r.growth_per_day.request_rate,
      r.growth_per_day.cpu_per_request,
      r.busiest.hour_of_day,
      r.busiest.day_of_week,
      r.requests_per_core,
    ]) {
      expect(f).toMatchObject({
        value: null,
        confidence: null,
        note: 'too little data: no requests in the history',
      });
    }
    expect(r.growth_per_day.memory.value).toBe(0); // constant 50 %: exactly no growth
    expect(r.too_little_data).toBe(false);
  });
});

describe('a figure with no readings behind it says so, not "needs 36 h"', () => {
  it('a week of requests with no host readings: CPU and memory figures name the missing readings', () => {
    const r = report(points(() => [100, null, null]));
    const none = (what: string) => `too little data: no ${what} readings in the history`;
    expect(r.growth_per_day.cpu_per_request.note).toBe(none('CPU'));
    expect(r.growth_per_day.memory.note).toBe(none('memory'));
    expect(r.headroom.cpu.note).toBe(none('CPU'));
    expect(r.headroom.memory.note).toBe(none('memory'));
    expect(r.requests_per_core.note).toBe(none('CPU'));
    expect(r.growth_per_day.request_rate.value).toBe(0); // 100 req/s throughout: exactly no growth
  });
});

describe('requests per core only from a CPU that measurably rises with the rate', () => {
  it('CPU noise unrelated to the request rate: null, not 1 / a slope indistinguishable from 0', () => {
    const z = prng(11).n;
    const pts = points((t) => [100 + 80 * Math.sin((2 * Math.PI * (t % DAY)) / DAY), 20 + z(), 50], 3);
    // Oracle: the Theil–Sen fit of core use against the rate, on the raw points (ascending rate).
    const xy = pts
      .map((p) => [p.requests / 1800, ((p.cpu_avg_percent as number) / 100) * 4] as const)
      .sort((a, b) => a[0] - b[0]);
    const fit = theilSen(
      xy.map((p) => p[0]),
      xy.map((p) => p[1]),
    );
    // This seed is the lying case: a slope above 0 whose 90 % interval reaches 0.
    expect(fit?.slope).toBeGreaterThan(0);
    expect(fit?.slopeLow).toBeLessThanOrEqual(0);
    const r = report(pts);
    expect(r.requests_per_core).toMatchObject({ value: null, confidence: null });
    expect(r.requests_per_core.note).toMatch(/^too little data: CPU does not rise measurably/);
  });
});

describe('headroom', () => {
  it('memory falling 1 point a day under its warning: never (null), not a time', () => {
    const r = report(points((t) => [100, 10, 60 - (t - MONDAY) / DAY]));
    expect(r.headroom.memory.value).toBeNull();
    expect(r.headroom.memory.note).toMatch(/not growing/);
  });

  it('memory over its warning and falling: no headroom left (0), the fall in the note', () => {
    const r = report(points((t) => [100, 10, 95 - (t - MONDAY) / DAY]));
    // the last trailing day's peak is its first hour (steps at 6 d and 6 d 30 min): 95 − (6 d + 15 min) / 1 d
    const level = 95 - (6 * DAY + 15 * 60_000) / DAY;
    expect(r.headroom.memory.value).toBe(0);
    expect(r.headroom.memory.note).toBe(
      `memory peak hour is already at or above 80 % (${Math.round(level * 100) / 100} %, -1 points a day)`,
    );
  });
});
