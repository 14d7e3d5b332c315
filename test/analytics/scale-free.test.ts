// Anomaly scores do not depend on the series' unit (outside review 1, finding F5): the same series in
// seconds, milliseconds or microseconds scores the same, so a 20x latency jump in seconds or an error ratio
// going from 0.1 % to 4.5 % in base units is alerted like the same series in ms or percent. An absolute
// floor is left only as far as a series reads 0 (it has no scale of its own then).

import { describe, expect, it } from 'vitest';
import { AnomalyDetector } from '../../src/analytics/anomaly-detector.js';
import { prng } from '../helpers/random.js';

/** The anomaly rule's default warning level (rule-options.ts). */
const WARNING = 0.995;
const LEARN = 2000;

/**
 * Scores of `level` with ±10 % seeded noise for LEARN points, then `after` times the level (same noise),
 * the whole series multiplied by `scale`.
 */
function stepScores(level: number, after: number, scale: number, points = LEARN + 30): number[] {
  const r = prng(3);
  const det = new AnomalyDetector();
  const out: number[] = [];
  for (let i = 0; i < points; i++) {
    const noise = 1 + 0.2 * (r.u() - 0.5);
    out.push(det.update(level * (i < LEARN ? 1 : after) * noise * scale));
  }
  return out;
}

const close = (a: readonly number[], b: readonly number[]) =>
  a.every((x, i) => Math.abs(x - (b[i] as number)) <= 1e-9);

describe('the same series in another unit scores the same (F5)', () => {
  it.each([
    ['a latency of 2 ms jumping 20x', 2, 20],
    ['an error rate of 0.1 % jumping to 4.5 %', 0.1, 45],
    ['a gauge of 50 rising by half', 50, 1.5],
  ])('%s: the series x 1e-3, x 1 and x 1e3 give the same scores, point by point', (_name, level, after) => {
    const unit = stepScores(level, after, 1);
    // Before: the absolute floor (0.05 in the series' unit) made the x1e-3 series score 0.672 on the latency jump.
    expect(close(stepScores(level, after, 1e-3), unit)).toBe(true);
    expect(close(stepScores(level, after, 1e3), unit)).toBe(true);
  });

  it('a 20x latency jump in seconds (0.002 -> 0.04) and an error ratio 0.001 -> 0.045 reach the warning', () => {
    for (const [level, after] of [
      [0.002, 20],
      [0.001, 45],
    ] as const) {
      const scores = stepScores(level, after, 1);
      // Was 0.672 and 0.773: below the warning, no alert.
      expect(Math.max(...scores.slice(LEARN))).toBeGreaterThanOrEqual(WARNING);
      // The noise before it is no anomaly.
      expect(Math.max(...scores.slice(1440, LEARN))).toBeLessThan(WARNING);
    }
  });

  it('a non-zero series with a daily cycle, noise and a jump scores the same in s, ms and us, minute by minute (RT27-6)', () => {
    // Outside review 27's series: about 20 ms with a daily sine (x1.3 at its top), +-2.5 % seeded noise, x20
    // for 20 minutes at minute 1700. The phase model estimated its period at a point hashed from a value's
    // bits, so each unit estimated at another minute and found another period (0, 0 and 40 points): the
    // scores were up to 0.533 apart. The oracle: the series is the same, only its unit differs.
    const r = prng(27);
    const dets = [new AnomalyDetector(), new AnomalyDetector(), new AnomalyDetector()];
    let widest = 0;
    for (let m = 0; m < 1800; m++) {
      const daily = 1 + 0.3 * Math.sin((2 * Math.PI * (m % 1440)) / 1440);
      const v = 0.02 * daily * (1 + 0.05 * (r.u() - 0.5)) * (m >= 1700 && m < 1720 ? 20 : 1);
      for (const [i, unit] of [1, 1e3, 1e6].entries()) dets[i]?.update(v * unit);
      const [s, ms, us] = dets.map((d) => d.monitorScore) as [number, number, number];
      widest = Math.max(widest, Math.abs(s - ms), Math.abs(s - us), Math.abs(ms - us));
    }
    expect(widest).toBeLessThanOrEqual(1e-9);
    expect(new Set(dets.map((d) => d.period)).size).toBe(1);
  });

  it('a series that has only read 0 keeps the absolute floor: 0 -> 0.01 is no surprise, 0 -> 5 is', () => {
    const first = (v: number) => {
      const det = new AnomalyDetector();
      for (let i = 0; i < LEARN; i++) det.update(0);
      return det.update(v);
    };
    expect(first(0.01)).toBeLessThan(0.5);
    expect(first(5)).toBe(1);
  });
});
