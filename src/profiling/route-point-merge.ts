// One point per step for a route or job series: two parts of one step (two lives of one instance that restarted
// inside a minute and share a RedisStore, or a flush inside the minute) merged into one, counts summed exactly.

import { failedPercent } from '../alerts/status.js';
import type { JobPoint, RoutePoint } from './route-points.js';

/**
 * A route point as the series keeps it (and saves it in the store): with the minute's failed aborted
 * requests, which `error_percent` counts but the served point does not carry, so that a merge recomputes
 * `error_percent` exactly from the sums.
 */
export interface KeptRoutePoint extends RoutePoint {
  count_aborted_failed?: number;
}

/**
 * The failed aborted requests of a point: kept with it, or (a point saved by an earlier version) worked
 * back from its `error_percent`, within what it can be (0 to `count_aborted`).
 */
function failedAborted(p: KeptRoutePoint): number {
  if (typeof p.count_aborted_failed === 'number') return p.count_aborted_failed;
  const failed = Math.round((p.error_percent * p.count) / 100) - p.count_5xx;
  return Math.min(Math.max(0, failed), p.count_aborted);
}

/** The larger of two figures, null when neither is known. */
function larger(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/**
 * Two parts of one route's minute as one point: `count`, `count_5xx`, `count_aborted` summed and
 * `error_percent` recomputed from the sums (exact). The latency figures come from each part's sliding window,
 * not from counts kept per minute, so they cannot be merged exactly: the merged `p50_ms`/`p95_ms`/`p99_ms`
 * and `max_ms` are the larger of the two parts' (a percentile of the union lies between the parts' own, so
 * this is an upper bound; `max_ms` is exact for the two windows), `apdex` the parts' average weighted by
 * their counts. The timestamp is the earlier one.
 */
export function mergeRoutePoints(a: KeptRoutePoint, b: KeptRoutePoint): KeptRoutePoint {
  const count = a.count + b.count;
  const count5xx = a.count_5xx + b.count_5xx;
  const failed = failedAborted(a) + failedAborted(b);
  let apdex = a.apdex ?? b.apdex;
  if (a.apdex !== null && b.apdex !== null && count > 0)
    apdex = Math.round(((a.apdex * a.count + b.apdex * b.count) / count) * 1000) / 1000;
  return {
    timestamp: a.timestamp <= b.timestamp ? a.timestamp : b.timestamp,
    count,
    count_5xx: count5xx,
    count_aborted: a.count_aborted + b.count_aborted,
    error_percent: failedPercent(count, count5xx, failed),
    p50_ms: larger(a.p50_ms, b.p50_ms),
    p95_ms: larger(a.p95_ms, b.p95_ms),
    p99_ms: larger(a.p99_ms, b.p99_ms),
    max_ms: larger(a.max_ms, b.max_ms),
    apdex,
    count_aborted_failed: failed,
  };
}

/** Two parts of one job's minute as one point: runs and failures summed. */
export function mergeJobPoints(a: JobPoint, b: JobPoint): JobPoint {
  return {
    timestamp: a.timestamp <= b.timestamp ? a.timestamp : b.timestamp,
    runs: a.runs + b.runs,
    failures: a.failures + b.failures,
  };
}

/** The step (`stepMs`, epoch-aligned) a point's timestamp falls in; NaN for a malformed one (never merged). */
const stepOf = (timestamp: string, stepMs: number): number => Math.floor(Date.parse(timestamp) / stepMs);

/** True when two points fall in the same step: they are parts of one minute. */
export function sameStep(a: { timestamp: string }, b: { timestamp: string }, stepMs: number): boolean {
  return stepOf(a.timestamp, stepMs) === stepOf(b.timestamp, stepMs);
}

/**
 * Appends `point` to `series` (oldest first), merged into the last point when both fall in the same step,
 * and keeps the last `limit` points.
 */
export function appendPoint<T extends { timestamp: string }>(
  series: T[],
  point: T,
  limit: number,
  stepMs: number,
  merge: (a: T, b: T) => T,
): void {
  const last = series.at(-1);
  if (last !== undefined && sameStep(last, point, stepMs)) series[series.length - 1] = merge(last, point);
  else series.push(point);
  if (series.length > limit) series.splice(0, series.length - limit);
}

/** Points read back from the store, then the ones this life already wrote: one point per step, the last `limit`. */
export function joinSeries<T extends { timestamp: string }>(
  saved: readonly T[],
  own: readonly T[],
  limit: number,
  stepMs: number,
  merge: (a: T, b: T) => T,
): T[] {
  const out: T[] = [];
  for (const p of [...saved, ...own]) appendPoint(out, p, Number.POSITIVE_INFINITY, stepMs, merge);
  return out.slice(-limit);
}

/** The point as served (without what is kept only for merging). */
export function servedRoutePoint(p: KeptRoutePoint): RoutePoint {
  const { count_aborted_failed: _failed, ...served } = p;
  return served;
}
