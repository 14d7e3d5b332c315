// Red-team 18, F3 in the capacity report: a step the history covers only in part (the first after a start,
// one around an outage, a minute not written) is read at the rate of the seconds it covers, not its requests
// spread over the whole step. Oracle: the week of capacity.test.ts, whose answers are known, with every step
// covered for a random share of it (fixed seed): the same answers as with every step whole.

import { describe, expect, it } from 'vitest';
import { type CapacityPoint, computeCapacity } from '../../src/analytics/capacity.js';
import { prng } from '../helpers/random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = 30 * 60_000;
const MONDAY = Date.UTC(2026, 10, 23);
// Peaks at 14:30 UTC, inside hour 14: a peak at 14:00 gives hours 13 and 14 the same cycle mean, and only the
// growth (outside review 34, RT34-2, now removed) made it hour 14.
const daily = (t: number) => Math.sin((2 * Math.PI * ((t % DAY) / HOUR - 8.5)) / 24);

/** `days` of 30-min points; each covers `cover()` seconds of its step, at the rate and CPU of f(step middle). */
function history(
  f: (t: number, days: number) => [number, number, number],
  cover: () => number,
  days = 7,
): CapacityPoint[] {
  const out: CapacityPoint[] = [];
  for (let t = MONDAY; t < MONDAY + days * DAY; t += STEP) {
    const mid = t + STEP / 2;
    const [rate, cpu, mem] = f(mid, (mid - MONDAY) / DAY);
    const seconds = cover();
    out.push({
      t,
      requests: rate * seconds,
      covered_seconds: seconds,
      cpu_avg_percent: cpu,
      memory_avg_percent: mem,
    });
  }
  return out;
}

describe('computeCapacity over partly covered steps (red-team 18, F3)', () => {
  const cores = 4;
  const grows = (t: number, d: number): [number, number, number] => {
    const rate = 100 + 10 * d + 50 * daily(t);
    const perRequest = 0.002 + 0.0001 * d;
    return [rate, ((rate * perRequest) / cores) * 100, 40 + 2 * d];
  };
  const opts = { stepMs: STEP, cores, cpuWarning: 80, memoryWarning: 80 };

  it('reads the growth, CPU per request and busiest hour of the covered seconds (seed 18003)', () => {
    const { u } = prng(18003);
    // A quarter of the steps partly covered, 60-1 740 s of their 1 800.
    const r = computeCapacity({
      points: history(grows, () => (u() < 0.25 ? 60 + 1680 * u() : 1800)),
      ...opts,
    });
    expect(r.growth_per_day.request_rate.value).toBeCloseTo(10, 6);
    // The trailing day's ratio of sums weighs busy hours (RT37-6): the model's 0.1 to 3 decimals (0.100151).
    expect(r.growth_per_day.cpu_per_request.value).toBeCloseTo(0.1, 3);
    expect(r.busiest.hour_of_day.value).toBe(14);
    expect(r.busiest.hour_of_day.confidence).toBe('high');
  });

  it('requests per core: 1 / the marginal CPU per request (seed 18004)', () => {
    const { u } = prng(18004);
    const flat = history(
      (t) => {
        const rate = 100 + 80 * daily(t);
        return [rate, ((0.2 + 0.002 * rate) / cores) * 100, 50];
      },
      () => (u() < 0.4 ? 60 + 1680 * u() : 1800),
      3,
    );
    const c = computeCapacity({ points: flat, ...opts });
    expect(c.requests_per_core.value).toBeCloseTo(500, 3); // 2 core-ms per request
    expect(c.growth_per_day.request_rate.value).toBeCloseTo(0, 6);
  });
});
