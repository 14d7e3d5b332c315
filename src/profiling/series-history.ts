// One-minute points per route (the N busiest) and per background job, bounded in count and length,
// serialisable as one small blob so that a shared store (Redis) keeps them across restarts.

import { failedPercent } from '../alerts/status.js';
import { invalidOption } from '../errors.js';
import { checkInteger, rejectUnknownOptions } from '../options/option-keys.js';
import { OTHER_METHOD, OTHER_ROUTE, UNMATCHED_ROUTE } from '../requests/route-counters.js';
import { apdexScore } from './apdex.js';
import type { EndpointWindowLike } from './endpoints.js';
import {
  appendPoint,
  joinSeries,
  type KeptRoutePoint,
  mergeJobPoints,
  mergeRoutePoints,
  servedRoutePoint,
} from './route-point-merge.js';
import type { JobPoint, RoutePoint } from './route-points.js';

export type { JobPoint, RoutePoint } from './route-points.js';

/** The `routeHistory` option: how many routes get one-minute points, and how many minutes are kept. */
export interface SeriesHistoryOptions {
  /** Routes with points (the busiest at each minute; a quieter one gives way). @defaultValue 20 */
  routes?: number;
  /** Points kept per route and job (one a minute). @defaultValue 60 */
  minutes?: number;
}

/** A route's requests since start (RequestStats.routeTotals summed per route). */
export interface RouteTotals {
  count: number;
  count_5xx: number;
  count_aborted: number;
  /** Of count_aborted, the failed ones (waited at least `abortedFailureMs`); all of them when absent. */
  count_aborted_failed?: number;
}

interface JobTotals {
  name: string;
  runs: number;
  failures: number;
}

/** Routes absent from the totals whose last seen totals are kept at most (route-table.ts MAX_ENDED_SERIES). */
const MAX_ABSENT_SEEN = 4096;

export const SERIES_HISTORY_DEFAULTS = Object.freeze({ routes: 20, minutes: 60 });

/** Parses the `routeHistory` option. */
export function parseSeriesHistoryOptions(
  options: SeriesHistoryOptions | undefined,
): Required<SeriesHistoryOptions> {
  if (options === undefined) return { ...SERIES_HISTORY_DEFAULTS };
  if (options === null || typeof options !== 'object')
    throw invalidOption('`routeHistory` must be an object.');
  rejectUnknownOptions(options, ['routes', 'minutes'], 'routeHistory');
  checkInteger(options.routes, 'routeHistory.routes', 0, 200);
  checkInteger(options.minutes, 'routeHistory.minutes', 1, 1440);
  return {
    routes: options.routes ?? SERIES_HISTORY_DEFAULTS.routes,
    minutes: options.minutes ?? SERIES_HISTORY_DEFAULTS.minutes,
  };
}

/** The key of a route's series: `GET /users/:id`. */
export const routeKey = (method: string, route: string): string => `${method} ${route}`;

const FOLD_KEY = routeKey(OTHER_METHOD, OTHER_ROUTE);

// Rows that are no route of the app: requests that matched none, and the fold past maxRoutes. They rank after
// every matched route and never take a matched route's slot (anonymous junk must not evict real history).
const isJunk = (key: string): boolean => key.endsWith(` ${UNMATCHED_ROUTE}`) || key === FOLD_KEY;

/** Per-route and per-job one-minute series. */
export class SeriesHistory {
  private readonly maxRoutes: number;
  private readonly minutes: number;
  private readonly routes = new Map<string, KeptRoutePoint[]>();
  private readonly jobs = new Map<string, JobPoint[]>();
  private readonly jobSeen = new Map<string, { runs: number; failures: number }>();
  private routeSeen = new Map<string, RouteTotals>();

  /**
   * `stepMs`: the length of a point (the store's resolution). Two points of one route or job in the same step
   * (two lives of one instance sharing a RedisStore, restarted inside the minute; a flush inside the minute)
   * are merged into one (route-point-merge.ts): one point per step, whoever wrote its parts.
   */
  constructor(
    options?: SeriesHistoryOptions,
    private readonly stepMs = 60_000,
  ) {
    const o = parseSeriesHistoryOptions(options);
    this.maxRoutes = o.routes;
    this.minutes = o.minutes;
  }

  /**
   * Adds the bucket [startMs, endMs) (a minute, or the part of one a flush or close closed): the busiest routes'
   * windows, and the jobs' runs since last time. Its points' timestamp is the start of the step holding the
   * bucket's middle (as history points' `t`: a bucket closed a little late or early keeps its minute); a
   * series whose last point has that step gets this part merged into it.
   */
  addMinute(
    startMs: number,
    endMs: number,
    windows: readonly EndpointWindowLike[],
    totals: ReadonlyMap<string, RouteTotals>,
    jobs: Iterable<JobTotals> = [],
  ): void {
    const middle = startMs + Math.max(0, endMs - startMs) / 2;
    const timestamp = new Date(middle - (middle % this.stepMs)).toISOString();
    // The minute's requests per route: totals now minus totals a minute ago.
    const minute = new Map<string, RouteTotals>();
    for (const [key, t] of totals) {
      const seen = this.routeSeen.get(key) ?? { count: 0, count_5xx: 0, count_aborted: 0 };
      const count = t.count - seen.count;
      if (count > 0) {
        minute.set(key, {
          count,
          count_5xx: t.count_5xx - seen.count_5xx,
          count_aborted: t.count_aborted - seen.count_aborted,
          count_aborted_failed:
            (t.count_aborted_failed ?? t.count_aborted) - (seen.count_aborted_failed ?? seen.count_aborted),
        });
      }
    }
    // A route absent now (its slot reclaimed: route-table.ts) goes on from its counts if it comes back: what was seen
    // of it is kept (the newest MAX_ABSENT_SEEN absent ones, as the table remembers ended rows), or its first minute
    // back would count its whole past (outside review B, RTB-1).
    const seen = new Map(totals);
    let absent = 0;
    for (const [key, t] of this.routeSeen) {
      if (seen.has(key)) continue;
      if (++absent > MAX_ABSENT_SEEN) break;
      seen.set(key, t);
    }
    this.routeSeen = seen;
    const byKey = new Map(windows.map((w) => [routeKey(w.method, w.route), w]));
    // Matched routes first, busiest first; then the junk rows.
    const busiest = [...minute]
      .sort((a, b) => Number(isJunk(a[0])) - Number(isJunk(b[0])) || b[1].count - a[1].count)
      .slice(0, this.maxRoutes);
    const keep = new Set(busiest.map(([key]) => key));
    for (const [key, m] of busiest) {
      const w = byKey.get(key);
      // Latency read from a window that holds none of the route's requests would be 0 ms, a lie.
      const timed = w !== undefined && (w.latency.count ?? 1) > 0;
      let series = this.routes.get(key);
      if (series === undefined) {
        if (this.routes.size >= this.maxRoutes) this.evictQuietest(keep, isJunk(key));
        if (this.routes.size >= this.maxRoutes) continue;
        series = [];
        this.routes.set(key, series);
      }
      const failed = m.count_aborted_failed ?? m.count_aborted;
      const point: KeptRoutePoint = {
        timestamp,
        count: m.count,
        count_5xx: m.count_5xx,
        count_aborted: m.count_aborted,
        error_percent: failedPercent(m.count, m.count_5xx, failed),
        p50_ms: timed ? w.latency.p50_ms : null,
        p95_ms: timed ? w.latency.p95_ms : null,
        p99_ms: timed ? w.latency.p99_ms : null,
        max_ms: timed ? w.latency.max_ms : null,
        apdex: w ? apdexScore(w.satisfied, w.tolerating, w.count) : null,
        count_aborted_failed: failed,
      };
      appendPoint(series, point, this.minutes, this.stepMs, mergeRoutePoints);
    }
    for (const j of jobs) {
      const seen = this.jobSeen.get(j.name) ?? { runs: 0, failures: 0 };
      const runs = j.runs - seen.runs;
      const failures = j.failures - seen.failures;
      this.jobSeen.set(j.name, { runs: j.runs, failures: j.failures });
      if (runs <= 0 && !this.jobs.has(j.name)) continue;
      let series = this.jobs.get(j.name);
      if (series === undefined) {
        if (this.jobs.size >= 200) continue;
        series = [];
        this.jobs.set(j.name, series);
      }
      const point = { timestamp, runs: Math.max(0, runs), failures: Math.max(0, failures) };
      appendPoint(series, point, this.minutes, this.stepMs, mergeJobPoints);
    }
  }

  /**
   * Requests added to a route's totals that are no minute's (a new cluster aggregator taking over the totals its
   * predecessor counted): the next minute's count is the totals' difference less these, as the history bucket.
   */
  skipTotals(key: string, t: RouteTotals): void {
    const seen = this.routeSeen.get(key) ?? {
      count: 0,
      count_5xx: 0,
      count_aborted: 0,
      count_aborted_failed: 0,
    };
    this.routeSeen.set(key, {
      count: seen.count + t.count,
      count_5xx: seen.count_5xx + t.count_5xx,
      count_aborted: seen.count_aborted + t.count_aborted,
      count_aborted_failed:
        (seen.count_aborted_failed ?? seen.count_aborted) + (t.count_aborted_failed ?? t.count_aborted),
    });
  }

  /**
   * Runs and failures added to a job's totals that are no minute's (a new cluster aggregator taking over the totals
   * its predecessor counted): the next minute's runs are the totals' difference less these.
   */
  skipJobTotals(name: string, runs: number, failures: number): void {
    const seen = this.jobSeen.get(name) ?? { runs: 0, failures: 0 };
    this.jobSeen.set(name, { runs: seen.runs + runs, failures: seen.failures + failures });
  }

  /** A route's points, oldest first: by `route` alone (every method summed is not done: the first match) or `METHOD route`. */
  route(route: string, method?: string): { method: string; route: string; points: RoutePoint[] } | null {
    if (method !== undefined) {
      const points = this.routes.get(routeKey(method, route));
      return points ? { method, route, points: points.map(servedRoutePoint) } : null;
    }
    for (const [key, points] of this.routes) {
      const space = key.indexOf(' ');
      if (key.slice(space + 1) === route)
        return { method: key.slice(0, space), route, points: points.map(servedRoutePoint) };
    }
    return null;
  }

  /** A job's points, oldest first, or null. */
  job(name: string): JobPoint[] | null {
    const points = this.jobs.get(name);
    return points ? points.map((p) => ({ ...p })) : null;
  }

  /** The keys with points: `GET /x` routes and job names. */
  keys(): { routes: string[]; jobs: string[] } {
    return { routes: [...this.routes.keys()], jobs: [...this.jobs.keys()] };
  }

  /** The whole history as JSON (for the store's saveState). */
  export(): string {
    return JSON.stringify({ v: 1, routes: [...this.routes], jobs: [...this.jobs] });
  }

  /**
   * Restores what export() wrote (bounded again on the way in); bad input is ignored. Points this life has
   * already written (a read that came late: the store did not answer at start-up) are kept after the saved
   * ones, and a step written by both lives is one point.
   */
  import(text: string): void {
    try {
      const data = JSON.parse(text) as {
        v?: number;
        routes?: [string, KeptRoutePoint[]][];
        jobs?: [string, JobPoint[]][];
      };
      if (data?.v !== 1) return;
      for (const [key, points] of (data.routes ?? []).slice(0, this.maxRoutes)) {
        if (typeof key !== 'string' || !Array.isArray(points)) continue;
        const own = this.routes.get(key);
        if (own === undefined && this.routes.size >= this.maxRoutes) continue;
        this.routes.set(key, joinSeries(points, own ?? [], this.minutes, this.stepMs, mergeRoutePoints));
      }
      for (const [name, points] of (data.jobs ?? []).slice(0, 200)) {
        if (typeof name !== 'string' || !Array.isArray(points)) continue;
        const own = this.jobs.get(name);
        if (own === undefined && this.jobs.size >= 200) continue;
        this.jobs.set(name, joinSeries(points, own ?? [], this.minutes, this.stepMs, mergeJobPoints));
      }
    } catch {
      // a corrupt blob: start fresh
    }
  }

  // Makes room for a new series: a junk series goes first (the quietest; for a matched route even one of this
  // minute's), else the matched series whose last minute saw the fewest requests and is not among this
  // minute's busiest. A junk newcomer may only take a junk series' place.
  private evictQuietest(keep: ReadonlySet<string>, forJunk: boolean): void {
    const victim =
      this.quietest((key) => isJunk(key) && !keep.has(key)) ??
      (forJunk ? undefined : (this.quietest(isJunk) ?? this.quietest((key) => !keep.has(key))));
    if (victim !== undefined) this.routes.delete(victim);
  }

  private quietest(eligible: (key: string) => boolean): string | undefined {
    let victim: string | undefined;
    let least = Number.POSITIVE_INFINITY;
    for (const [key, points] of this.routes) {
      if (!eligible(key)) continue;
      const last = points.at(-1)?.count ?? 0;
      if (last < least) {
        least = last;
        victim = key;
      }
    }
    return victim;
  }
}
