// Outside review 19, F10: a CPU prediction on a jittered steady ramp (+0.5 % a minute from 60 %, a uniform ±2 %
// jitter drawn once a minute, `cpu: { warning: 80, critical: 95, predict: '30m' }`, a reading every 10 s) still
// raised and cleared while the ramp rose, its clears carried the raise's forecast ("predicted to reach 80 in
// 23 min"), and where the ramp stops (minute 45, flat at 82.5 % ± 2 after) a critical prediction stepped down to
// warning ("still rising") before it cleared, and a flat series paged again.
//
// Real Analytics and AlertSystem on an injected clock; the jitter from a fixed-seed LCG (the reviewer's, seed 2
// included). The oracle is the README's "Predictive alerts" contract and CHANGELOG [Unreleased]: on a rising ramp
// the prediction is raised once and never cleared while it rises; a clear's notice describes the clear; a held
// critical prediction clears from critical (one notification for one end); a flat series does not page.

import { describe, expect, it } from 'vitest';
import { predictRun } from './predict-run.js';

/**
 * The reviewer's ramp (pred-min.cjs): 60 % + 0.5 %/min to minute 45, flat after, + a uniform ±2 % jitter drawn
 * once a minute from a fixed-seed LCG; `mins` minutes of readings (the last at minute `mins`).
 */
function run(seed: number, mins = 90) {
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const jitter = Array.from({ length: mins + 1 }, () => (rnd() * 2 - 1) * 2);
  const cpu = (min: number) =>
    Math.min(99, 60 + 0.5 * Math.min(min, 45) + (jitter[Math.floor(min)] as number));
  return predictRun(cpu, mins * 6 + 1).calls;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

// The level a clear names is that of the alert that clears: the rule's critical 95 for a critical prediction (outside
// review 23, RT23-5: it named the warning 80, "no longer predicted to reach 80 within 30 min (now 93.957, …)").
const LEVEL = { warning: 80, critical: 95 } as const;

describe('a prediction clear notice describes the clear (review 19, F10)', () => {
  it.each(SEEDS)('seed %i: every clear says the level is no longer forecast within the horizon', (seed) => {
    const cleared = run(seed).filter((c) => c.type === 'cleared');
    expect(cleared.length).toBeGreaterThan(0);
    for (const c of cleared) {
      // Was the raise's (or last active) forecast: "CPU usage predicted to reach 80 in 33 min (now 66.056, …)".
      expect(c.message).not.toMatch(/predicted to reach \d+ in|still rising|no significant trend/);
      const level = LEVEL[c.severity as keyof typeof LEVEL];
      expect(c.message).toMatch(
        new RegExp(
          `^CPU usage no longer predicted to reach ${level} within 30 min \\(now \\d+(\\.\\d+)?, [+-]?\\d+(\\.\\d+)?/h\\)$`,
        ),
      );
    }
  });
  it('a critical prediction that clears names the critical level, 95, not the warning 80 (review 23, RT23-5)', () => {
    // Seeds 1–10 of the ramp stopped at 82.5 %: the prediction escalated to critical and clears from it.
    const fromCritical = SEEDS.flatMap((seed) =>
      run(seed).filter((c) => c.type === 'cleared' && c.severity === 'critical'),
    );
    expect(fromCritical.length).toBeGreaterThan(0);
    for (const c of fromCritical) {
      expect(c.message.startsWith('CPU usage no longer predicted to reach 95 within 30 min (now ')).toBe(
        true,
      );
    }
  });
});

// The jittered ramp's faults, counted over seeds 1–20 of 120 minutes (docs/predictive.md, Limits), and over
// seeds 21–60, which were not looked at while the estimator was tuned. The oracle is the generator's noise-free
// line: it rises to the minute STOP (45) and is flat after; 80 % is 30 min ahead from minute DUE_WARN (10), 95 %
// from minute DUE_CRIT (40) while it rises, and never once it stopped.
const STOP = (() => {
  let m = 0;
  while (Math.min(99, 60 + 0.5 * Math.min(m + 1, 45)) > Math.min(99, 60 + 0.5 * Math.min(m, 45))) m++;
  return m;
})();
const DUE_CRIT = (95 - 30 * 0.5 - 60) / 0.5;
const factsOf = (seed: number) => {
  const calls = run(seed, 120);
  const rising = calls.filter((c) => c.s < STOP * 60);
  const after = calls.filter((c) => c.s >= STOP * 60);
  const firstClear = after.find((c) => c.type === 'cleared');
  const critical = calls.find((c) => c.severity === 'critical');
  return {
    seed,
    clearedRising: rising.some((c) => c.type === 'cleared'),
    loweredRising: rising.some((c) => c.type === 'deescalated'),
    loweredAtStop: after.some((c) => c.type === 'deescalated'),
    clearMinAfterStop: firstClear ? firstClear.s / 60 - STOP : Number.POSITIVE_INFINITY,
    pagedFlat: after.some((c) => c.type === 'raised'),
    criticalMin: critical ? critical.s / 60 : Number.POSITIVE_INFINITY,
  };
};
type Facts = ReturnType<typeof factsOf>;
const seeds = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => factsOf(from + i));
const facts = seeds(1, 20);
const fresh = seeds(21, 60);
const which = (all: Facts[], k: 'clearedRising' | 'loweredRising' | 'loweredAtStop' | 'pagedFlat') =>
  all.filter((f) => f[k]).map((f) => f.seed);

describe('the jittered ramp, seeds 1–20 over 120 min (docs/predictive.md Limits: the measured rates)', () => {
  it('never clears while it rises (was 9 of 20) nor falls back from critical while it rises (was 3)', () => {
    expect(which(facts, 'clearedRising')).toEqual([]);
    expect(which(facts, 'loweredRising')).toEqual([]);
  });
  it('escalates to critical no more than 4 min before 95 % is 30 min ahead (was from minute 19)', () => {
    for (const f of facts) expect(f.criticalMin, `seed ${f.seed}`).toBeGreaterThanOrEqual(DUE_CRIT - 4);
  });
  it('never falls back from critical at the stop (was 15 of 20)', () => {
    expect(which(facts, 'loweredAtStop')).toEqual([]);
  });
  it('clears within 10 min of the stop, every seed (was 2–17 min)', () => {
    for (const f of facts) expect(f.clearMinAfterStop, `seed ${f.seed}`).toBeLessThanOrEqual(10);
  });
  it('at most 3 of 20 page on the flat (was 15)', () => {
    expect(which(facts, 'pagedFlat').length).toBeLessThanOrEqual(3);
  });
});

describe('the same on seeds 21–60 (not used in tuning)', () => {
  it('never clears nor falls back while it rises (were 15 and 2 of 40)', () => {
    expect(which(fresh, 'clearedRising')).toEqual([]);
    expect(which(fresh, 'loweredRising')).toEqual([]);
  });
  it('escalates to critical no more than 4 min early (was from minute 22)', () => {
    for (const f of fresh) expect(f.criticalMin, `seed ${f.seed}`).toBeGreaterThanOrEqual(DUE_CRIT - 4);
  });
  it('at most 3 of 40 page on the flat (were 15) or fall back at the stop (were 2); every seed clears within 18 min', () => {
    expect(which(fresh, 'pagedFlat').length).toBeLessThanOrEqual(3);
    expect(which(fresh, 'loweredAtStop').length).toBeLessThanOrEqual(3);
    for (const f of fresh) expect(f.clearMinAfterStop, `seed ${f.seed}`).toBeLessThanOrEqual(18);
  });
});
