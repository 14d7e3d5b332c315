// Shared by the severity hold tests (alerts/severity-hold.test.ts, analytics/severity-hold-analytics.test.ts): the
// oracle (the README's rules, "No flapping", walked over a sequence of readings each given by its flags), the run of
// a sequence of readings through a real AlertSystem on an injected clock, and the small helpers both files use.

import { AlertSystem } from '../../src/alerts/engine.js';
import type { AlertObservation } from '../../src/alerts/observations.js';
import { silentLogger } from '../../src/logger.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';

/** One reading's flags (null: no reading, a gap). */
export type Flags = {
  warn: boolean;
  crit: boolean;
  clear: boolean;
  down: boolean;
  unsure?: boolean;
} | null;

/**
 * The calls (`seconds type severity`, seconds from the first reading) the README's rules give on one reading's
 * flags every `step` ms: raise at once (critical if critical) once breached for `pending`; clear at once; a critical
 * alert falls back once every reading for `hold` was in its de-escalation band, at a reading that is not `unsure`; a warning alert escalates once
 * critical for `pending`, or, having fallen back, for max(pending, hold); a prediction whose trend is not
 * significant (`unsure`) clears once every reading for `hold` was so; a gap starts the pending and hold times again.
 */
export function expectedCalls(
  readings: readonly Flags[],
  o: { step: number; hold: number; pending: number },
): string[] {
  const { step, hold, pending } = o;
  const out: string[] = [];
  let severity: 'warning' | 'critical' | null = null;
  let warnSince: number | null = null;
  let critSince: number | null = null;
  let fallSince: number | null = null;
  let fellBack = false;
  let unsureSince: number | null = null;
  readings.forEach((f, i) => {
    const t = i * step;
    const call = (type: string) => out.push(`${t / 1000} ${type} ${severity}`);
    if (f === null) {
      warnSince = critSince = fallSince = unsureSince = null;
      return;
    }
    warnSince = f.warn ? (warnSince ?? t) : null;
    critSince = f.crit ? (critSince ?? t) : null;
    if (severity === null) {
      if (critSince !== null && t - critSince >= pending) severity = 'critical';
      else if (warnSince !== null && t - warnSince >= pending) severity = 'warning';
      if (severity) call('raised');
      return;
    }
    unsureSince = f.unsure ? (unsureSince ?? t) : null;
    if (f.clear || (unsureSince !== null && t - unsureSince >= hold)) {
      call('cleared');
      severity = null;
      fellBack = false;
      fallSince = unsureSince = null;
      return;
    }
    if (severity === 'critical') {
      fallSince = f.down ? (fallSince ?? t) : null;
      if (fallSince !== null && t - fallSince >= hold && f.unsure !== true) {
        severity = 'warning';
        fellBack = true;
        fallSince = null;
        call('deescalated');
      }
      return;
    }
    if (critSince !== null && t - critSince >= (fellBack ? Math.max(pending, hold) : pending)) {
      severity = 'critical';
      call('escalated');
    }
  });
  return out;
}

/**
 * Runs `n` readings, one every `step` ms from an injected clock's start, through a real AlertSystem with `rules`:
 * reading i judges `snapshot(i)` (an empty snapshot by default) with the observations `observe(i, snapshot)` adds to
 * the rules' own. Returns its calls (`seconds type severity`, seconds from the first reading).
 */
export function holdCalls(o: {
  rules: Record<string, unknown>;
  n: number;
  step: number;
  snapshot?: (i: number) => MetricsSnapshot;
  observe?: (i: number, snapshot: MetricsSnapshot) => AlertObservation[];
}): string[] {
  const clock = testClock();
  const t0 = clock.now();
  const calls: string[] = [];
  const system = new AlertSystem({
    clock,
    logger: silentLogger,
    rules: o.rules as never,
    onAlert: (e) => void calls.push(`${(clock.now() - t0) / 1000} ${e.type} ${e.alert.severity}`),
  });
  let i = 0;
  const { observe } = o;
  if (observe) system.addObservationSource((s) => observe(i, s));
  for (i = 0; i < o.n; i++) {
    system.checkThresholds(o.snapshot?.(i) ?? makeSnapshot());
    clock.advance(o.step);
  }
  system.close();
  return calls;
}

/** Fixed-seed generator in [0, 1) (the same LCG as the other seeded tests). */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** `n` readings alternating a, b, a, b, … */
export const alternate = <T>(a: T, b: T, n: number): T[] =>
  Array.from({ length: n }, (_, i) => (i % 2 ? b : a));
/** `n` readings of `v`. */
export const repeat = <T>(v: T, n: number): T[] => Array.from({ length: n }, () => v);

/** The code and message of the error `f` throws (undefined: it threw none). */
export function code(f: () => unknown): [code: string | undefined, message: string] | undefined {
  try {
    f();
  } catch (err) {
    return [(err as { code?: string }).code, (err as Error).message];
  }
  return undefined;
}
