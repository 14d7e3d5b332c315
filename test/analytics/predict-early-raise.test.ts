// A flat autocorrelated (AR(1)) series paged in its first hour: its noise's lag-1 autocorrelation was read from the
// readings so far (fewer than the 240 a prediction's series keeps) and counted only over the 99 % bar of that many
// (2.326·√(2/n): 0.74 at 20 readings, 0.43 at 60), so it read 0, a raise took the points for independent, and a slope
// significant by chance forecast a crossing (65 of the 73 pages of 800 flat AR(1) four-hour runs were before minute
// 60). Until its memory is full a raise now counts the estimate over the bar the full memory sets (2.326·√(2/239),
// 0.21): the estimate is the same; a positive one is no longer dismissed for want of readings (src/analytics/
// shaped-fits.ts `pastCorrelation`).
//
// Oracles: the generator (an AR(1) series about a flat level has slope 0: every raise on it is false), and the lag-1
// autocorrelation of the readings' first differences computed here from the raw points (ρ = 1 + 2r: for AR(1) noise φ
// the differences' lag-1 autocorrelation is (φ − 1)/2) against the two bars.

import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from '../../src/analytics/series-buffer.js';
import { ar1, flatRun, mulberry32, rampRun } from './predict-noise.js';

/** ρ read from the first differences of `v` (their lag-1 autocorrelation r, about their mean: 1 + 2r), and n. */
function differencesRho(v: readonly number[]): { rho: number; n: number } {
  const d: number[] = [];
  for (let i = 1; i < v.length; i++) d.push((v[i] as number) - (v[i - 1] as number));
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < d.length; i++) {
    den += ((d[i] as number) - mean) ** 2;
    if (i > 0) num += ((d[i] as number) - mean) * ((d[i - 1] as number) - mean);
  }
  return { rho: 1 + (2 * num) / den, n: d.length };
}

const bar = (n: number) => 2.326 * Math.sqrt(2 / n);

describe('a flat AR(1) series in its first hour (mulberry32, 240-reading memory not yet full)', () => {
  // [φ, level, amplitude, seed, the minute it paged before]; each run is read 2 minutes past that minute.
  const cases: ReadonlyArray<[number, number, number, number, number]> = [
    [0.5, 92, 2, 6, 28],
    [0.5, 92, 2, 29, 20],
    [0.5, 78, 2, 23, 36],
    [0.8, 92, 2, 23, 32],
    [0.8, 92, 2, 54, 18],
    [0.8, 78, 2, 65, 20],
    [0.8, 76, 3, 85, 21],
    [0.8, 78, 2, 99, 42],
  ];
  it.each(cases.map(([phi, level, amp, seed, minute]) => ({ phi, level, amp, seed, minute })))(
    'φ $phi $level ± $amp seed $seed: ρ under its own bar, over the full memory’s, and nothing is raised (paged at minute $minute before)',
    ({ phi, level, amp, seed, minute }) => {
      const readings = ar1(phi, mulberry32)(seed, minute + 1, amp).map((e) => level + e);
      const { rho, n } = differencesRho(readings);
      expect(n).toBeLessThan(239);
      expect(rho).toBeLessThanOrEqual(bar(n));
      expect(rho).toBeGreaterThan(bar(239));
      expect(flatRun(level, amp, seed, minute + 2, ar1(phi, mulberry32)).raised).toEqual([]);
    },
  );
});

describe('a white-noise ramp is still raised well before its crossing', () => {
  // +0.5 %/min ± 2 from 60 % (mulberry32): the noise-free line is due (80 within 30 min) at minute 10, crosses at 40.
  it('seeds 1–20: every one raised by minute 30 (10 minutes before the crossing) and still raised at the end', () => {
    const late = Array.from({ length: 20 }, (_, i) => ({
      seed: i + 1,
      ...rampRun(60, 0.5, 2, i + 1, mulberry32),
    }))
      .filter((r) => !(r.first <= r.cross - 10) || !r.activeAtEnd)
      .map((r) => r.seed);
    expect(late).toEqual([]);
  });
});

describe('SeriesBuffer.memory', () => {
  it('is the count of values past() keeps when full', () => {
    expect(new SeriesBuffer(60_000, 16, 240).memory).toBe(240);
    expect(new SeriesBuffer(60_000).memory).toBe(0);
  });
});
