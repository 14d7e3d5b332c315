// Test helper: seeded noisy series whose truth is known, through the real Analytics and AlertSystem (predict-run.ts,
// one reading a minute, `cpu: { warning: 80, critical: 95, predict: '30m' }`), and what the prediction did on them.
// A flat series never crosses a level; a ramp's noise-free line crosses 80 at an exactly computable minute, and is
// due (80 within the 30-minute horizon) from the minute it reaches 80 − 30 × slope. The jitter is uniform, drawn once
// a minute from a Park–Miller generator (16807 mod 2^31 − 1) with the given seed, as in outside review 24.

import { MIN, predictRun } from './predict-run.js';

/**
 * `n` uniform draws in [−amp, amp] from a Park–Miller generator whose state starts at a hash of `seed` (seeded with
 * the seed itself, consecutive seeds' k-th draws differ by the same constant mod 1: shifted copies, not independent
 * series; and the first draw of every seed up to 60 is under 0.0005, a rise by construction).
 */
export function jitterOf(seed: number, n: number, amp: number): number[] {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  let s = ((h >>> 0) % 2147483646) + 1;
  return Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return ((s / 2147483647) * 2 - 1) * amp;
  });
}

/** A jitter generator: `n` draws in [−amp, amp] for a seed (`jitterOf`; bench/predict-noise-table.ts has others). */
export type Jitter = (seed: number, n: number, amp: number) => number[];

/**
 * Park–Miller (16807 mod 2^31 − 1) on the raw seed, uniform in [−amp, amp] (outside review 28's pred1.cjs): for seeds
 * up to 140 the first draw is under 0.0011, the bottom of the jitter.
 */
export const parkMiller: Jitter = (seed, n, amp) => {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return ((s / 2147483647) * 2 - 1) * amp;
  });
};

/** mulberry32 on the raw seed, uniform in [−amp, amp]. */
export const mulberry32: Jitter = (seed, n, amp) => {
  let a = seed >>> 0;
  return Array.from({ length: n }, () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * amp;
  });
};

/**
 * AR(1) noise from a base generator: x₀ = e₀, xₜ = φ·xₜ₋₁ + √(1 − φ²)·eₜ, with eₜ the base's uniform draws in
 * [−amp, amp]: the same marginal standard deviation (amp/√3) as the base, each minute correlated φ with the last (a
 * real CPU or memory series' minutes are). Its slope is zero by construction: every prediction raised on a flat
 * series with it is false.
 */
export const ar1 =
  (phi: number, base: Jitter = parkMiller): Jitter =>
  (seed, n, amp) => {
    const e = base(seed, n, amp);
    const k = Math.sqrt(1 - phi * phi);
    let x = 0;
    return e.map((d, i) => {
      x = i === 0 ? d : phi * x + k * d;
      return x;
    });
  };

/** What the prediction did on one series: each call as `minute type severity`. */
export interface Calls {
  readonly raised: number[];
  readonly cleared: number[];
  readonly events: ReadonlyArray<{ min: number; type: string; severity: string }>;
}

/** The rule's `predictConfidence` (left out: the default, 'normal'). */
export type Confidence = 'normal' | 'high' | undefined;

function callsOf(cpu: (m: number) => number, minutes: number, confidence: Confidence): Calls {
  const { calls } = predictRun(cpu, minutes + 1, undefined, MIN, confidence);
  const events = calls.map((c) => ({ min: c.s / 60, type: c.type, severity: c.severity }));
  return {
    raised: events.filter((e) => e.type === 'raised').map((e) => e.min),
    cleared: events.filter((e) => e.type === 'cleared').map((e) => e.min),
    events,
  };
}

/** A series flat at `level` with a ±`amp` jitter, `minutes` long (240 by default). */
export function flatRun(
  level: number,
  amp: number,
  seed: number,
  minutes = 240,
  jitter: Jitter = jitterOf,
  confidence?: Confidence,
): Calls {
  const j = jitter(seed, minutes + 1, amp);
  return callsOf((m) => level + (j[Math.floor(m)] as number), minutes, confidence);
}

/** A ramp from `start` rising `slope` a minute with a ±`amp` jitter, read until its line is just under 80. */
export function rampRun(
  start: number,
  slope: number,
  amp: number,
  seed: number,
  jitter: Jitter = jitterOf,
  confidence?: Confidence,
) {
  const minutes = Math.min(240, Math.ceil((80 - start) / slope) - 1);
  const j = jitter(seed, minutes + 1, amp);
  const calls = callsOf(
    (m) => start + slope * Math.floor(m) + (j[Math.floor(m)] as number),
    minutes,
    confidence,
  );
  // Due: the line is within the horizon's 30 minutes of 80 (at the earliest after the guards' 10 minutes).
  const due = Math.max(10, Math.ceil((80 - 30 * slope - start) / slope));
  const first = calls.raised[0];
  return {
    calls,
    minutes,
    due,
    /** The minute the noise-free line crosses 80. */
    cross: (80 - start) / slope,
    /** The minute of the first raise (Infinity: none). */
    first: first ?? Number.POSITIVE_INFINITY,
    /** Raised, cleared and raised again. */
    flapped: calls.cleared.some((c) => calls.raised.some((r) => r > c)),
    /** Cleared at or after the due minute (the forecast was right and the alert went). */
    clearedWhileDue: calls.cleared.some((c) => c >= due),
    /** Minutes from due to the first raise at or after it, Infinity when none. */
    late: (() => {
      const r = calls.raised.find((x) => x >= due) ?? (first !== undefined && first < due ? due : undefined);
      return r === undefined ? Number.POSITIVE_INFINITY : r - due;
    })(),
    /** Raised (and not cleared since) when the run ends, just before the line crosses 80. */
    activeAtEnd: calls.events.length > 0 && calls.events[calls.events.length - 1]?.type !== 'cleared',
    /** Raised before the due minute. */
    early: first !== undefined && first < due,
  };
}

/**
 * The flap test's stopped ramp (outside review 19, F10; predict-flap.test.ts): 60 % + 0.5 % a minute to minute 45
 * (82.5 %), flat after, a uniform ±2 % jitter drawn once a minute from a fixed-seed LCG, read every 10 s for
 * `mins` minutes. Returns the prediction's calls with their minute.
 */
export function stopRun(seed: number, mins = 120) {
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const j = Array.from({ length: mins + 1 }, () => (rnd() * 2 - 1) * 2);
  const cpu = (m: number) => Math.min(99, 60 + 0.5 * Math.min(m, 45) + (j[Math.floor(m)] as number));
  const { calls } = predictRun(cpu, mins * 6 + 1);
  return calls.map((c) => ({ min: c.s / 60, type: c.type, severity: c.severity }));
}

/**
 * The stopped ramp read once a minute (outside review 28's harness): 60 % + 0.5 % a minute to minute 45 (82.5 %),
 * flat after, a uniform ±2 jitter from `jitter` (Park–Miller on the raw seed by default), `minutes` long. The
 * noise-free line is due (80 within 30 minutes) from minute 10 and reaches 95 never: the prediction should be raised
 * once, kept while the ramp rises (to minute 45), and cleared after it stops.
 */
export function stopRunMinute(
  seed: number,
  jitter: Jitter = parkMiller,
  minutes = 120,
  confidence?: Confidence,
): Calls {
  const j = jitter(seed, minutes + 1, 2);
  return callsOf(
    (m) => 60 + 0.5 * Math.min(Math.floor(m), 45) + (j[Math.floor(m)] as number),
    minutes,
    confidence,
  );
}
