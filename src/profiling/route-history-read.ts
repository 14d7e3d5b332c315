// What `history/?route=` and `history/?job=` answer from one monitor (a process's, or the cluster's merged on the aggregator).

import type { JobPoint, RoutePoint } from './series-history.js';

/** A route's one-minute points, as `history/?route=` serves them. */
export interface RouteHistory {
  method: string;
  route: string;
  points: RoutePoint[];
}

/** What a route's history is read from: the one-minute series and the routes recorded since start. */
export interface RouteHistorySource {
  readonly series?: { route(route: string, method?: string): RouteHistory | null };
  readonly requests?: {
    routeTotals(): Iterable<{ method: string; route: string }>;
    abortedTotals?(): Iterable<{ method: string; route: string }>;
  };
}

/**
 * A route's points (by `method` too when given). A route recorded (it is in routes/) but without points (none
 * of its minutes has closed yet, or it is not among the busiest) is known: `points: []` with its method (the
 * first one when none is given). null for a route never recorded, or a monitor without series.
 */
export function readRouteHistory(
  source: RouteHistorySource,
  route: string,
  method?: string,
): RouteHistory | null {
  const series = source.series;
  if (series === undefined) return null;
  const found = series.route(route, method);
  if (found) return found;
  const requests = source.requests;
  if (requests === undefined) return null;
  for (const rows of [requests.routeTotals(), requests.abortedTotals?.() ?? []]) {
    for (const r of rows)
      if (r.route === route && (method === undefined || r.method === method))
        return { method: r.method, route, points: [] };
  }
  return null;
}

/** What a job's history is read from: the one-minute series and the jobs known since start (those `jobs/` lists). */
export interface JobHistorySource {
  readonly series?: { job(name: string): JobPoint[] | null };
  readonly jobs?: { has(name: string): boolean };
}

/**
 * A job's points. A job recorded (it is in jobs/: declared, running or run) but without points (none of its minutes
 * has closed yet, or it is not among the kept ones) is known: `[]`, as a route recorded without points (outside
 * review 31, RT31-6: it was a 404 until its first minute closed). null for a job never recorded, or a monitor
 * without series.
 */
export function readJobHistory(source: JobHistorySource, name: string): JobPoint[] | null {
  const series = source.series;
  if (series === undefined) return null;
  return series.job(name) ?? (source.jobs?.has(name) === true ? [] : null);
}

/**
 * For a 404 on a route no row holds: where its requests are when routes past `maxRoutes` were folded into `* other`
 * (the names folded are not kept, so a route never requested reads the same); '' when nothing was folded.
 */
export function routeFoldNote(source: RouteHistorySource): string {
  for (const r of source.requests?.routeTotals() ?? []) {
    if (r.method === '*' && r.route === 'other') {
      return '; routes past maxRoutes are recorded under `* other`, not their own name: its figures are at history/?route=other';
    }
  }
  return '';
}

/**
 * For a 404 on a job no entry holds: where its runs are when jobs past `jobs.maxJobs` were folded into `other` (the
 * names folded are not kept, so a job never run reads the same); '' when nothing was folded.
 */
export function jobFoldNote(source: JobHistorySource): string {
  return source.jobs?.has('other') === true
    ? '; jobs past jobs.maxJobs are recorded under `other`, not their own name: its figures are at history/?job=other'
    : '';
}
