import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSpan, readDuration } from '../../src/analytics/durations.js';
import { forecast } from '../../src/analytics/predict.js';
import { SeriesBuffer } from '../../src/analytics/series-buffer.js';
import { isSignificant, selectRanks, theilSen, timeToReach } from '../../src/analytics/trend.js';

/** Oracle: the median of all pairwise slopes, computed the slow obvious way. */
function medianSlope(t: number[], v: number[]): number {
  const s: number[] = [];
  for (let i = 0; i < t.length; i++)
    for (let j = 0; j < t.length; j++) if (t[j]! > t[i]!) s.push((v[j]! - v[i]!) / (t[j]! - t[i]!));
  s.sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

describe('theilSen', () => {
  it('equals the median of the pairwise slopes (random series, fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 3, maxLength: 60 }),
        (vals) => {
          const t = vals.map((_, i) => i * 60_000);
          const fit = theilSen(t, vals)!;
          expect(fit.slope).toBeCloseTo(medianSlope(t, vals), 9);
          expect(fit.slopeLow).toBeLessThanOrEqual(fit.slope);
          expect(fit.slopeHigh).toBeGreaterThanOrEqual(fit.slope);
        },
      ),
      { seed: 17, numRuns: 200 },
    );
  });

  // The slopes are selected, not sorted (the sort was most of a predict rule's evaluation). Oracle: the sorted
  // pairwise slopes at Sen's ranks, computed here from the formula, over up to 120 points (the fit's ceiling).
  it("the interval's ends are the sorted pairwise slopes at Sen's ranks (random series with ties, fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 3, maxLength: 120 }),
        fc.integer({ min: 1, max: 3 }),
        (vals, gap) => {
          const t = vals.map((_, i) => i * gap * 60_000);
          const s: number[] = [];
          for (let i = 0; i < t.length; i++)
            for (let j = i + 1; j < t.length; j++) s.push((vals[j]! - vals[i]!) / (t[j]! - t[i]!));
          s.sort((a, b) => a - b);
          const n = t.length;
          const m = s.length;
          const c = 1.645 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
          const fit = theilSen(t, vals)!;
          expect(fit.slope).toBe(m % 2 ? s[m >> 1]! : (s[(m >> 1) - 1]! + s[m >> 1]!) / 2);
          expect(fit.slopeLow).toBe(s[Math.max(0, Math.floor((m - c) / 2))]!);
          expect(fit.slopeHigh).toBe(s[Math.min(m - 1, Math.ceil((m + c) / 2))]!);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('selectRanks puts at each asked rank what a numeric sort puts there, the rest on its sides (fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3000 }),
          fc.integer({ min: 1, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => n - i)),
        ),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        (values, picks) => {
          const sorted = Float64Array.from(values).sort();
          const a = Float64Array.from(values);
          const ranks = picks.map((p) => p % a.length);
          selectRanks(a, ranks);
          expect(a.slice().sort()).toEqual(sorted);
          for (const r of ranks) {
            expect(a[r]).toBe(sorted[r]);
            expect(a.findIndex((x, i) => (i < r ? x > a[r]! : x < a[r]!))).toBe(-1);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('ignores outliers: a line with 20 % wild points keeps its slope', () => {
    const t = Array.from({ length: 100 }, (_, i) => i * 60_000);
    const v = t.map((x, i) => (i % 5 === 0 ? 1e6 : 10 + x / 60_000));
    const fit = theilSen(t, v)!;
    expect(fit.slope * 60_000).toBeCloseTo(1, 9);
    expect(fit.level).toBeCloseTo(10 + 99, 9);
    expect(isSignificant(fit)).toBe(true);
  });

  it('needs 3 points and a time span', () => {
    expect(theilSen([0, 1], [1, 2])).toBeNull();
    expect(theilSen([5, 5, 5], [1, 2, 3])).toBeNull();
  });

  it('timeToReach: exact on a line, 0 when there and not heading back, Infinity when heading away', () => {
    const fit = theilSen([0, 1000, 2000, 3000], [10, 20, 30, 40])!;
    expect(timeToReach(fit, 100)).toBeCloseTo(6000, 9);
    expect(timeToReach(fit, 40)).toBe(0);
    expect(timeToReach(fit, 50, 'down')).toBe(Number.POSITIVE_INFINITY); // below 50 and rising back
    expect(timeToReach(fit, 0, 'down')).toBe(Number.POSITIVE_INFINITY);
    expect(timeToReach(fit, 10, 'down', 0)).toBe(Number.POSITIVE_INFINITY);
    expect(timeToReach(fit, 100, 'up', -1)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('forecast', () => {
  it('trusts a steady climb and gives its time to the level', () => {
    const b = new SeriesBuffer(3_600_000);
    for (let m = 0; m <= 60; m++) b.push(m * 60_000, 50 + m * 0.5); // 30 points/h
    const f = forecast(b, 80)!;
    expect(f.trusted).toBe(true);
    expect(f.perHour).toBeCloseTo(30, 9);
    expect(f.etaMs).toBeCloseTo(0, 6); // 50 + 30 = 80 already
    const g = forecast(b, 95)!;
    expect(g.etaMs / 60_000).toBeCloseTo(30, 6);
  });

  it('does not trust noise around a flat level (seeded)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const b = new SeriesBuffer(3_600_000);
    for (let m = 0; m <= 60; m++) b.push(m * 60_000, 50 + (rand() - 0.5) * 20);
    expect(forecast(b, 80)!.trusted).toBe(false);
  });

  it('keeps only the window', () => {
    const b = new SeriesBuffer(10 * 60_000);
    for (let m = 0; m <= 30; m++) b.push(m * 60_000, m);
    expect(b.read().times[0]).toBe(20 * 60_000);
    expect(b.length).toBe(11);
  });

  it("last() is the newest point's value read() ends with, across the ring's wrap; NaN when empty", () => {
    const b = new SeriesBuffer(60 * 60_000, 8);
    expect(b.last()).toBeNaN();
    for (let m = 0; m <= 20; m++) {
      b.push(m * 60_000, m * 1.5);
      expect(b.last()).toBe(b.read().values.at(-1));
      expect(b.last()).toBe(m * 1.5);
    }
    b.clear();
    expect(b.last()).toBeNaN();
  });
});

describe('readDuration / formatSpan', () => {
  it('reads units and numbers', () => {
    expect(readDuration('30m')).toBe(1_800_000);
    expect(readDuration('4h')).toBe(14_400_000);
    expect(readDuration('1d')).toBe(86_400_000);
    expect(readDuration('90s')).toBe(90_000);
    expect(readDuration(500)).toBe(500);
    expect(readDuration('soon')).toBeNull();
    expect(readDuration(-1)).toBeNull();
  });
  it('formats spans', () => {
    expect(formatSpan(45 * 60_000)).toBe('45 min');
    expect(formatSpan(200 * 60_000)).toBe('3 h 20 min');
    expect(formatSpan(52 * 3_600_000)).toBe('2 d 4 h');
    expect(formatSpan(Number.POSITIVE_INFINITY)).toBe('never');
  });
});
