// A flat autocorrelated (AR(1)) series paged past its first hour: its window's 61 readings read the noise's lag-1
// autocorrelation as 0 (the first differences' estimate under its 99 % bar, 2.326·√(2/n)), so a raise took the
// points for independent and a slope significant by chance forecast a crossing. A prediction's series now keeps its
// last 240 readings past the window (SeriesBuffer `past`), and a raise's regime intervals (the 98 % and the
// family-wise) are widened by the larger of the two estimates (src/analytics/shaped-fits.ts).
//
// Oracles: the generator (an AR(1) series about a flat level has slope 0: every raise on it is false), and the lag-1
// autocorrelation of the readings' first differences computed here from the raw points (ρ = 1 + 2r: for AR(1) noise φ
// the differences' lag-1 autocorrelation is (φ − 1)/2), against the same 99 % one-sided bar.

import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from '../../src/analytics/series-buffer.js';
import { ar1, flatRun, mulberry32, parkMiller } from './predict-noise.js';
import { MIN, predictRun } from './predict-run.js';

/** ρ read from the first differences of `v` (their lag-1 autocorrelation r, about their mean: 1 + 2r), and its bar. */
function differencesRho(v: readonly number[]): { rho: number; bar: number } {
  const d: number[] = [];
  for (let i = 1; i < v.length; i++) d.push((v[i] as number) - (v[i - 1] as number));
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < d.length; i++) {
    den += ((d[i] as number) - mean) ** 2;
    if (i > 0) num += ((d[i] as number) - mean) * ((d[i - 1] as number) - mean);
  }
  return { rho: 1 + (2 * num) / den, bar: 2.326 * Math.sqrt(2 / d.length) };
}

describe('SeriesBuffer keeps its last `memory` values past the window', () => {
  it('past() is the last 240 values pushed, oldest first; the window holds its hour only', () => {
    const b = new SeriesBuffer(3_600_000, 1024, 240);
    const pushed = Array.from({ length: 300 }, (_, i) => i * 0.5 + (i % 7));
    pushed.forEach((v, i) => {
      b.push(i * 60_000, v);
    });
    expect(b.past()).toEqual(pushed.slice(-240));
    expect(b.read().values).toEqual(pushed.slice(-61));
    const short = new SeriesBuffer(3_600_000, 1024, 240);
    short.push(0, 1);
    short.push(60_000, 2);
    expect(short.past()).toEqual([1, 2]);
    expect(new SeriesBuffer(3_600_000).past()).toEqual([]);
    b.clear();
    expect(b.past()).toEqual([]);
  });
});

describe('a flat AR(1) series 3 % under critical (92 ± 2 marginal, critical 95, mulberry32) past its first hour', () => {
  // [φ, seed, the minute it paged before]; each run is read 2 minutes past that minute.
  const cases: ReadonlyArray<[number, number, number]> = [
    [0.5, 61, 153],
    [0.5, 32, 203],
    [0.8, 66, 152],
    [0.8, 86, 209],
  ];
  it.each(cases.map(([phi, seed, minute]) => ({ phi, seed, minute })))(
    'φ $phi seed $seed: the window reads no correlation, the last 240 readings do, and nothing is raised (paged at minute $minute before)',
    ({ phi, seed, minute }) => {
      const noise = ar1(phi, mulberry32)(seed, minute + 1, 2);
      const readings = noise.map((e) => 92 + e);
      const window = differencesRho(readings.slice(-61));
      const past = differencesRho(readings.slice(-240));
      expect(window.rho).toBeLessThanOrEqual(window.bar);
      expect(past.rho).toBeGreaterThan(past.bar);
      expect(flatRun(92, 2, seed, minute + 2, ar1(phi, mulberry32)).raised).toEqual([]);
    },
  );
});

describe('a cut that has left the window is not read as correlated noise', () => {
  // Flat 70 ± 1 (Park–Miller) for 2 h, a drop to 40 at minute 120 (a cleanup), then a fill of +0.25 a minute: its
  // noise-free line is within 30 min of 80 from minute 250 (40 + 0.25 × 130 = 72.5) and crosses at 280. The drop left
  // the 60-minute window at minute 180 but not the 240 readings; unclipped, their moves read ρ 0.87–0.95.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: the fill is raised within 5 minutes of due (250)', (seed) => {
    const j = parkMiller(seed, 300, 1);
    const cpu = (m: number) => {
      const i = Math.floor(m);
      return (i < 120 ? 70 : 40 + 0.25 * (i - 120)) + (j[i] as number);
    };
    const raised = predictRun(cpu, 282, undefined, MIN)
      .calls.filter((c) => c.type === 'raised')
      .map((c) => c.s / 60);
    expect(raised[0]).toBeGreaterThanOrEqual(250);
    expect(raised[0]).toBeLessThanOrEqual(255);
  });
});
