// Outside review 35, RT35-5: a compounding growth (no weekly or daily pattern) is no busiest day or hour;
// a real weekday or hour peak on top of a compounding or linear growth is still found.
import { describe, expect, it } from 'vitest';
import { type CapacityPoint, computeCapacity } from '../../src/analytics/capacity.js';

const STEP = 30 * 60_000;
const DAY = 86_400_000;
const END = Date.UTC(2026, 11, 7); // a Monday 00:00 UTC: the window starts on Monday, Nov 30

/** 7 days of 30-minute steps whose request rate is `f(t, days since start)` (ground truth). */
function report(f: (t: number, d: number) => number) {
  const points: CapacityPoint[] = [];
  const start = END - 7 * DAY;
  for (let t = start; t < END; t += STEP) {
    points.push({
      t,
      requests: Math.round(f(t, (t - start) / DAY) * 1800),
      cpu_avg_percent: 30,
      memory_avg_percent: 50,
    });
  }
  return computeCapacity({ points, stepMs: STEP, cores: 4, cpuWarning: 80, memoryWarning: 85 });
}
const weekday = (t: number) => new Date(t).getUTCDay();
const hour = (t: number) => new Date(t).getUTCHours();

describe('capacity busiest day and hour on a compounding growth (RT35-5)', () => {
  for (const g of [0.05, 0.1, 0.3, 0.5]) {
    it(`+${g * 100} % a day, no pattern: no busiest day, no busiest hour`, () => {
      const r = report((_, d) => 100 * (1 + g) ** d);
      expect(r.busiest.day_of_week.value).toBeNull();
      expect(r.busiest.day_of_week.note).toMatch(/^no peak/);
      expect(r.busiest.hour_of_day.value).toBeNull();
      expect(r.busiest.hour_of_day.note).toMatch(/^no peak/);
    });
  }

  it('Wednesday 1.3 times the rest on top of +30 % a day: Wednesday, high, ~30 % above the trend', () => {
    const r = report((t, d) => 100 * 1.3 ** d * (weekday(t) === 3 ? 1.3 : 1));
    expect(r.busiest.day_of_week.value).toBe('Wednesday');
    expect(r.busiest.day_of_week.confidence).toBe('high');
    const above = Number(/([\d.]+) % above the next day/.exec(r.busiest.day_of_week.note)?.[1]);
    expect(above).toBeGreaterThan(25);
    expect(above).toBeLessThan(35);
  });

  it('hour 14 1.3 times the rest on top of +30 % a day: hour 14, high', () => {
    const r = report((t, d) => 100 * 1.3 ** d * (hour(t) === 14 ? 1.3 : 1));
    expect(r.busiest.hour_of_day.value).toBe(14);
    expect(r.busiest.hour_of_day.confidence).toBe('high');
    expect(r.busiest.day_of_week.value).toBeNull();
  });

  it('a linear growth keeps its line: Wednesday 1.3 times the rest on +10 req/s a day', () => {
    const r = report((t, d) => (100 + 10 * d) * (weekday(t) === 3 ? 1.3 : 1));
    expect(r.busiest.day_of_week.value).toBe('Wednesday');
    expect(r.busiest.day_of_week.note).toContain('req/s per day');
    const plain = report((_, d) => 100 + 10 * d);
    expect(plain.busiest.day_of_week.value).toBeNull();
    expect(plain.busiest.hour_of_day.value).toBeNull();
  });
});
