// The oracle's side: random workloads (requests with latencies, statuses and routes, aborted ones, flushes,
// clock steps) and the exact figures they must give, computed from the raw list alone.

import fc from 'fast-check';

export const ROUTES = ['/a', '/b/:id', '/c'] as const;
export const STATUSES = [200, 201, 304, 404, 499, 500, 503] as const;

export type Op =
  | { kind: 'request'; method: 'GET' | 'POST'; route: string; status: number; ms: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'back'; ms: number }
  | { kind: 'flush' };

/** Log-normal-ish latencies from 1 µs to 30 s: most small, a long tail. */
export const latencyArb = fc
  .tuple(fc.double({ min: -3, max: 4.47, noNaN: true }), fc.double({ min: 1, max: 9.99, noNaN: true }))
  .map(([exp, mant]) => Math.min(30_000, Math.max(0.001, Number((mant * 10 ** exp).toPrecision(6)))));

export const requestArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('request' as const),
  method: fc.constantFrom('GET' as const, 'POST' as const),
  route: fc.constantFrom(...ROUTES),
  status: fc.constantFrom(...STATUSES),
  ms: latencyArb,
});

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: requestArb },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('back' as const), ms: fc.integer({ min: 1, max: 120_000 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
);

/** Durations as sysvitals records them: integer microseconds, at least 1 (src/latency/latency-ring.ts). */
export const micros = (ms: number): number => Math.max(1, Math.round(ms * 1000));

/** The exact nearest-rank percentile (the value at rank ceil(p/100 · n)) of integer microseconds. */
export function nearestRank(sortedUs: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sortedUs.length));
  return sortedUs[rank - 1] as number;
}

/**
 * The histogram's stated precision: 2 significant digits (src/latency/histogram.ts), so a reported
 * percentile is the top of the slot holding the exact value: at most 2^-7 (0.78 %) above it, never below.
 */
export const RELATIVE_PRECISION = 2 ** -7;

export interface ExactLatency {
  n: number;
  minUs: number;
  maxUs: number;
  sumUs: number;
  sorted: number[];
}

export function exactLatency(ms: readonly number[]): ExactLatency {
  const sorted = ms.map(micros).sort((a, b) => a - b);
  return {
    n: sorted.length,
    minUs: sorted[0] ?? 0,
    maxUs: sorted.at(-1) ?? 0,
    sumUs: sorted.reduce((a, b) => a + b, 0),
    sorted,
  };
}

/**
 * Checks a reported percentile (ms, rounded to the µs) against the exact value: never below it, at most
 * the stated precision above it, never outside [min, max]. Returns a message, or '' when it holds.
 */
export function percentileError(reportedMs: number, exact: ExactLatency, p: number): string {
  const v = nearestRank(exact.sorted, p);
  const us = Math.round(reportedMs * 1000);
  const top = Math.min(exact.maxUs, Math.floor(v * (1 + RELATIVE_PRECISION)) + 1);
  if (us < v || us > top) return `p${p}: reported ${us} µs, exact ${v} µs, allowed [${v}, ${top}]`;
  if (us < exact.minUs || us > exact.maxUs) return `p${p}: ${us} µs outside [${exact.minUs}, ${exact.maxUs}]`;
  return '';
}

export const classOf = (status: number): string => `${Math.floor(status / 100)}xx`;

/** sysvitals' default `abortedFailureMs`: an aborted request (499) is failed only when its client waited this long. */
export const ABORTED_FAILURE_MS = 1_000;

/**
 * The error rate's rule from the raw request: answered 5xx, or aborted (499) after at least ABORTED_FAILURE_MS
 * (compared in whole µs, as durations are recorded).
 */
export function failed(r: { status: number; ms: number }): boolean {
  return classOf(r.status) === '5xx' || (r.status === 499 && micros(r.ms) >= ABORTED_FAILURE_MS * 1000);
}

/**
 * Whether the raw request counts as a request: every one but an early close (aborted, 499, before
 * ABORTED_FAILURE_MS), which is counted as aborted only: in no rate, count, error rate, latency or Apdex.
 */
export function isRequest(r: { status: number; ms: number }): boolean {
  return !(r.status === 499 && micros(r.ms) < ABORTED_FAILURE_MS * 1000);
}
