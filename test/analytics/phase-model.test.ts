// The detector's phase model on seeded synthetic series with a known answer: it finds the period a
// series was generated with (and none in white noise), and a business day that stays at its night level
// (every value and step seen before, only the time of day is wrong) reaches an onset, which the
// detector without the phase model (v9) misses; series created together spread their period estimates.

import { describe, expect, it } from 'vitest';
import {
  AnomalyDetector,
  DEFAULT_DETECTOR_PARAMS,
  ONSET_SCORE,
} from '../../src/analytics/anomaly-detector.js';
import { prng } from '../helpers/random.js';

/** The `anomaly` rule's default warning level (src/analytics/rule-options.ts). */
const ANOMALY_WARNING = 0.995;

const DAY = 1440; // one point a minute, as the monitor feeds it

/** Requests per minute of a business service: 200 at night, rising smoothly from 8:00 to 800 at 14:00 and back by 20:00, with noise. */
function business(minute: number, r: ReturnType<typeof prng>, skipDay = -1): number {
  const day = Math.floor(minute / DAY);
  const hour = (minute % DAY) / 60;
  const open = hour >= 8 && hour < 20 && day !== skipDay;
  return 200 + (open ? 600 * Math.sin((Math.PI * (hour - 8)) / 12) ** 2 : 0) + r.n() * 20;
}

/** Scores `days` days of `series` with a fresh detector; returns the scores. */
function scoreDays(days: number, series: (m: number) => number, params = DEFAULT_DETECTOR_PARAMS) {
  const det = new AnomalyDetector(params);
  const out = new Float64Array(days * DAY);
  for (let m = 0; m < out.length; m++) out[m] = det.update(series(m));
  return { det, out };
}

const max = (a: Float64Array, from: number, to: number) => Math.max(...a.subarray(from, to));

describe('phase model', () => {
  it('finds the daily period of a business cycle, and none in white noise', () => {
    const r = prng(11);
    // The period is found to the block (the autocorrelation is taken over means of phaseBlock points).
    const found = scoreDays(4, (m) => business(m, r)).det.period;
    expect(Math.abs(found - DAY)).toBeLessThanOrEqual(DEFAULT_DETECTOR_PARAMS.phaseBlock);
    const w = prng(12);
    expect(scoreDays(4, () => 500 + w.n() * 20).det.period).toBe(0);
  });

  it('a business day that stays at its night level reaches an onset; without the phase model it does not', () => {
    const skip = 8;
    const series = () => {
      const r = prng(13);
      const values = new Float64Array(10 * DAY);
      for (let m = 0; m < values.length; m++) values[m] = business(m, r, skip);
      return (m: number) => values[m] as number;
    };
    // The hours of the peak that does not come.
    const opening = skip * DAY + 9 * 60;
    const closing = skip * DAY + 17 * 60;
    const { out } = scoreDays(10, series());
    // The skipped day reaches an onset while the usual peak does not come.
    expect(max(out, opening, closing)).toBeGreaterThanOrEqual(ONSET_SCORE);
    // Without the phase model nothing in it does: each value and step has been seen at night.
    const without = scoreDays(10, series(), { ...DEFAULT_DETECTOR_PARAMS, phaseBlock: 0 }).out;
    expect(max(without, opening, closing)).toBeLessThan(ONSET_SCORE);
    // On the normal days before it the phase model raises nothing the monitor's rule would alert on
    // (its default warning); at NAB's operating point (0.99) the cycle's edges score an onset now and
    // then with or without the phase model.
    expect(max(out, 4 * DAY, skip * DAY)).toBeLessThan(ANOMALY_WARNING);
  });

  it('series created together estimate their period at different minutes (no stall of every series at once)', () => {
    // 20 series that all start at 0, then follow the same cycle with their own noise: each finds the period
    // at its own point of the 512-minute estimation cycle, not all in the same minute.
    const found = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const r = prng(100 + i);
      const det = new AnomalyDetector();
      det.update(0);
      for (let m = 1; m < 4 * DAY && det.period === 0; m++) {
        det.update(business(m, r));
        if (det.period !== 0) found.add(m);
      }
    }
    expect(found.size).toBeGreaterThanOrEqual(15);
  });
});
