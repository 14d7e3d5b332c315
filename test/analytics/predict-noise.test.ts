// Outside review 24: a prediction on a noisy series. (1) A ramp whose jitter is large for its slope (+0.25 % a minute,
// ±4) was raised, cleared and raised again while it rose (9 of 20 seeds in the review): one low reading put the time
// to the level (measured from a level capped at the last reading) past the 1.1× band, and such a clear was not held.
// (2) A flat series just under a level paged now and then (1–3 of 20 four-hour runs), mostly on one forecast.
//
// Real Analytics and AlertSystem on an injected clock, one reading a minute, `cpu: { warning: 80, critical: 95,
// predict: '30m' }` (predict-noise.ts). The oracle is the noise-free line: a flat series never reaches its level; the
// ramp from 55 % reaches 80 % at minute 100, is due (80 % within 30 minutes) from minute 70, and is read until
// minute 99, so it should be raised once, before the crossing, and never cleared. Seeds 1–20 were looked at while
// the method was chosen; 61–100 were not.

import { describe, expect, it } from 'vitest';
import { rampRun } from './predict-noise.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a ramp whose jitter is large for its slope (+0.25 %/min, ±4, from 55 %)', () => {
  const runs = [...range(1, 20), ...range(61, 100)].map((seed) => ({ seed, ...rampRun(55, 0.25, 4, seed) }));
  it('is never cleared once due, and raised, cleared and raised again in at most 4 of 60 seeds', () => {
    // The 4 measured (seeds 11, 14, 19, 63): three raised on their first 10-12 points, 60 min before due (the short
    // window's slope, by chance steep), cleared, then raised when due; one (63) raised 5 min early, cleared at 68.
    const clearedDue = runs.filter((r) => r.clearedWhileDue).map((r) => r.seed);
    const flapped = runs.filter((r) => r.flapped).map((r) => r.seed);
    expect(clearedDue).toEqual([]);
    expect(flapped.length, `flapped: ${flapped.join(', ')}`).toBeLessThanOrEqual(4);
  });
  it('is raised before its line crosses 80 % in every seed', () => {
    const silent = runs.filter((r) => !Number.isFinite(r.late)).map((r) => r.seed);
    expect(silent).toEqual([]);
  });
});
