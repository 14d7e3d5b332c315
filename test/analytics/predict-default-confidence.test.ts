// The default prediction raise (`predictConfidence` left out) paged on flat noisy series just under a level: 92 ± 2
// under critical 95 and 76 ± 3 under warning 80 paged in 3 and 2 of seeds 1–40 (Park–Miller on the raw seed,
// 240 min) and 1 and 1 (mulberry32), each a slope significant at 98 % by chance on the first 10–22 points (and one at
// minute 88). The family-wise raise guard (`predictConfidence: 'high'`, src/analytics/raise-guard.ts) is now the
// default: a false page at 3 a.m. is the worse error. Its cost, pinned here: a noisy slow ramp is raised later
// (docs/predictive.md, Confidence; bench/RESULTS.md 2026-12-07 "default confidence").
//
// Real Analytics and AlertSystem on an injected clock, one reading a minute, `cpu: { warning: 80, critical: 95,
// predict: '30m' }` (predict-noise.ts). The oracle is the generator: a flat series never reaches its level, so it
// never pages; a ramp's noise-free line crosses 80 at an exact minute (here 40), and must be raised before it.
// The exploration over seeds 1–140 and more is `npx tsx bench/predict-noise-table.ts` (counts, not this test).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from '../helpers/property.js';
import { flatRun, type Jitter, jitterOf, mulberry32, parkMiller, rampRun } from './predict-noise.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the default raise on a flat noisy series just under a level (the seeds that paged)', () => {
  // [generator, jitter, level, amplitude, seed, minutes]: each paged at the default before (minute in the comment);
  // the runs end a few minutes after that page.
  const cases: ReadonlyArray<[string, Jitter, number, number, number, number]> = [
    ['pm', parkMiller, 92, 2, 23, 40], // paged at minute 10
    ['pm', parkMiller, 92, 2, 24, 40], // 12
    ['pm', parkMiller, 92, 2, 38, 100], // 88
    ['pm', parkMiller, 76, 3, 23, 40], // 10
    ['pm', parkMiller, 76, 3, 24, 40], // 12
    ['mb', mulberry32, 92, 2, 27, 40], // 22
    ['mb', mulberry32, 76, 3, 27, 40], // 22
    // Found by `npm run fuzz` (2026-12-07): critical at minute 38, on the regime after a hinge at the bottom of a
    // chance dip (minutes 9–24 all under 92.5, then back to 93.9); the hinge's search now counts (raise-guard.ts Z_HINGE).
    ['mb', mulberry32, 92, 2, 331270, 45], // 38
  ];
  it.each(cases.map(([g, jitter, level, amp, seed, minutes]) => ({ g, jitter, level, amp, seed, minutes })))(
    '$g $level ± $amp seed $seed ($minutes min): raises nothing',
    ({ jitter, level, amp, seed, minutes }) => {
      expect(flatRun(level, amp, seed, minutes, jitter).events).toEqual([]);
    },
  );
});

describe('any seed (a property: 4 fixed runs in `npm test`, new seeds under `npm run fuzz`)', () => {
  // The exploration over many seeds: a flat series at one of the measured levels, 240 min, Park–Miller on the raw seed
  // or mulberry32. A failing seed is kept in test/property-seeds.jsonl (test/helpers/property.ts).
  it('a flat noisy series just under its level never pages at the default', async () => {
    const levels: ReadonlyArray<[number, number]> = [
      [92, 2],
      [76, 3],
      [78, 2],
      [75, 2],
    ];
    await assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(0, 1, 2, 3),
        fc.boolean(),
        (seed, k, pm) => {
          const [level, amp] = levels[k] as [number, number];
          const raised = flatRun(level, amp, seed, 240, pm ? parkMiller : mulberry32).raised;
          expect(raised, `${pm ? 'pm' : 'mb'} ${level} ± ${amp} seed ${seed}`).toEqual([]);
        },
      ),
      { numRuns: 4, fuzzRuns: 40 },
    );
  });
});

describe('ramps are still raised before they cross 80 (+0.5 %/min ± 2 from 60 %: due at minute 10, crossing at 40)', () => {
  it.each([
    { g: 'pm', jitter: parkMiller },
    { g: 'mb', jitter: mulberry32 },
  ])('$g seeds 1–20: raised before the crossing and still raised just before it', ({ jitter }) => {
    const runs = range(1, 20).map((seed) => ({ seed, ...rampRun(60, 0.5, 2, seed, jitter) }));
    const missed = runs.filter((r) => !(r.first < r.cross) || !r.activeAtEnd).map((r) => r.seed);
    expect(missed).toEqual([]);
  });
});

describe('the cost: a noisy slow ramp is raised later (+0.25 %/min ± 4 from 70 %: due at minute 10, crossing at 40)', () => {
  const runs = range(1, 20).map((seed) => ({ seed, ...rampRun(70, 0.25, 4, seed, jitterOf) }));
  // Measured: raised by the crossing in 19 of 20 (seed 18 not), median first raise minute 31 (18–38); with 'normal'
  // (the default before) 20 of 20, median minute 17 (10–32).
  it('raised and still raised just before the crossing in at least 18 of 20 seeds', () => {
    const missed = runs.filter((r) => !r.activeAtEnd).map((r) => r.seed);
    expect(missed.length, `missed: ${missed.join(', ')}`).toBeLessThanOrEqual(2);
  });
  it('the median first raise comes at least 8 minutes before the crossing', () => {
    const first = runs.map((r) => r.first).sort((a, b) => a - b);
    expect(first[9]).toBeLessThanOrEqual(32);
  });
});
