// A jittered ramp that stops past the warning level cleared up to 18 minutes after the stop on seeds 1–60 and 40 on
// 61–140 (README Predictive alerts, Limits): its critical prediction fell back to warning ("already at or above 80
// and still rising") and was kept there while the flat's regime was significant by chance at 90 % (seed 83:
// lowered at minute 52, cleared at 85; seeds 53, 54, 58, 73: 15–20 minutes). A forecast past its level is now kept
// only at the family-wise level (src/analytics/raise-guard.ts), as a raise within the noise band needs.
//
// Real Analytics and AlertSystem on an injected clock, a reading every 10 s (predict-noise.ts `stopRun`, the flap
// test's ramp). The oracle is the generator: +0.5 % a minute from 60 % to minute 45 (82.5 %), flat after, so the
// prediction clears after minute 45 and nothing is forecast once the rise stopped.

import { describe, expect, it } from 'vitest';
import { stopRun } from './predict-noise.js';

const STOP = 45;
const factsOf = (seed: number) => {
  const calls = stopRun(seed);
  const after = calls.filter((c) => c.min >= STOP);
  const clear = after.find((c) => c.type === 'cleared');
  return {
    seed,
    clearAfter: clear ? clear.min - STOP : Number.POSITIVE_INFINITY,
    lowered: after.some((c) => c.type === 'deescalated'),
  };
};

describe('a jittered ramp stopped at 82.5 % (past warning 80) clears soon after the stop', () => {
  it.each([53, 54, 58, 73, 83])(
    'seed %i (cleared 15–40 min after the stop before): within 13 min, from critical',
    (seed) => {
      const f = factsOf(seed);
      expect(f.lowered).toBe(false);
      expect(f.clearAfter).toBeLessThanOrEqual(13);
    },
  );
  // Collected with the suite, as predict-flap.test.ts does (60 two-hour runs).
  const facts = Array.from({ length: 60 }, (_, i) => factsOf(i + 1));
  it('seeds 1–60: every one clears within 12 min of the stop (was 4–18) and none falls back to warning there (was 3)', () => {
    expect(facts.filter((f) => f.clearAfter > 12).map((f) => f.seed)).toEqual([]);
    expect(facts.filter((f) => f.lowered).map((f) => f.seed)).toEqual([]);
  });
});
