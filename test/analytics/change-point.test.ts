// The change point of a prediction's regime (src/analytics/change-point.ts). Oracles: noise-free broken lines,
// whose hinge and change of slope are known exactly, a straight line (no change), and a level shift against
// the jitter that once passed for a cut.

import { describe, expect, it } from 'vitest';
import { levelShift, slopeChange } from '../../src/analytics/change-point.js';

const MIN = 60_000;
const times = (n: number) => Array.from({ length: n }, (_, i) => i * MIN);

describe('slopeChange', () => {
  it('finds the hinge of a noise-free broken line and its change of slope', () => {
    // +0.5 a minute to minute 45, then +0.1: the hinge at index 45, the change −0.4 a minute
    const t = times(60);
    const v = t.map((_, m) => (m <= 45 ? 60 + 0.5 * m : 82.5 + 0.1 * (m - 45)));
    const c = slopeChange(t, v);
    expect(c?.index).toBe(45);
    expect((c?.change ?? 0) * MIN).toBeCloseTo(-0.4, 9);
  });

  it('a straight line, or too few points, has no change', () => {
    const t = times(60);
    expect(
      slopeChange(
        t,
        t.map((_, m) => 40 + m / 12),
      ),
    ).toBeNull();
    expect(
      slopeChange(
        times(11),
        times(11).map((_, m) => (m < 5 ? m : 5)),
      ),
    ).toBeNull();
  });
});

describe('levelShift', () => {
  it('a cut of 10 on a jittered line is a shift; the largest move of a ±2 % jittered ramp is not', () => {
    const t = times(25);
    const jitter = t.map((_, m) => (m % 2 ? -0.5 : 0.5));
    expect(
      levelShift(
        t,
        t.map((_, m) => 40 + 0.1 * m + jitter[m]! - (m >= 20 ? 10 : 0)),
        20,
      ),
    ).toBe(true);
    // seed 10 of test/analytics/predict-flap.test.ts, minutes 0–24: the jump detector's "jump" at minute 23
    const ramp = [
      59.0, 59.2, 61.7, 59.7, 60.2, 60.9, 63.6, 64.7, 64.4, 63.1, 64.3, 65.8, 65.5, 66.1, 66.2, 66.2, 67.0,
      68.4, 68.5, 69.5, 69.7, 69.2, 69.4, 73.4, 70.7,
    ];
    expect(levelShift(t, ramp, 23)).toBe(false);
  });
});
