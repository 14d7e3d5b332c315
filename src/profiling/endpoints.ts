// The endpoints table: one row per method + route template over the request window, with rate,
// counts, error %, latency percentiles, share of server time and Apdex; sortable, limited.

import { failedPercent } from '../alerts/status.js';
import { invalidOption } from '../errors.js';
import { unjudgedOf } from '../requests/route-counters.js';
import type { ApdexGroup } from '../types.js';
import { apdexScore, TOLERATING_FACTOR } from './apdex.js';

/** What one route's window holds (RequestStats.endpointWindows()). */
export interface EndpointWindowLike {
  method: string;
  route: string;
  count: number;
  count_4xx: number;
  count_5xx: number;
  count_aborted: number;
  /** Of the aborted requests, those that count as failed (waited at least `abortedFailureMs`); all of them when absent. */
  count_aborted_failed?: number;
  /** `count`: requests in the latency window (it can be shorter than the counters' window). */
  latency: { p50_ms: number; p95_ms: number; p99_ms: number; avg_ms: number; max_ms: number; count?: number };
  time_ms: number;
  satisfied: number;
  tolerating: number;
  apdex_t_ms: number;
  /** Of its requests not judged, those recorded apart, and their satisfied and tolerating (absent: none). */
  count_apart?: number;
  apart_satisfied?: number;
  apart_tolerating?: number;
  /** Requests of the route in flight now, and the age of the oldest (ms); absent or 0 when none. */
  in_flight?: number;
  oldest_in_flight_ms?: number;
}

/** One row of `GET routes/`. */
export interface EndpointRow {
  method: string;
  route: string;
  /** Requests per second: the window's count over the time it covers (since start, in the first minute). */
  rate_per_second: number;
  count: number;
  count_4xx: number;
  count_5xx: number;
  /** Requests whose response did not complete: the client or the server closed the connection first (recorded as 499, also among the 4xx). */
  count_aborted: number;
  /** Failed share of the route's requests, percent: (5xx + aborted after `abortedFailureMs`) ÷ count, as the server-wide error rate. */
  error_percent: number;
  /** Latency over the window; `null` when the window holds no request of the route (its aborted ones closed early: no reading, never 0). */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  avg_ms: number | null;
  max_ms: number | null;
  /** Sum of this route's durations, ms, and its share of all routes' time, percent. */
  time_ms: number;
  time_percent: number;
  /** `null` when the window holds no request of the route (as its latency): no reading, sorted last. */
  apdex: number | null;
  apdex_t_ms: number;
  /**
   * Requests of the route in flight when the table was read (not in the counts above until they end), present
   * only when there are some: a hang names its route. Event streams, bodies still arriving and responses the
   * application has ended or is writing while blocked on its client (waiting for their client to read them) are
   * left out, as from `latency`'s requests in flight.
   */
  in_flight?: number;
  /** With `in_flight`: the age of the oldest of them so far, ms (a lower bound of its duration). */
  oldest_in_flight_ms?: number;
  /**
   * Cluster mode only, present when true: a worker may have folded some of this route's requests into its `* other`
   * (its `maxRoutes` slots were full), so the row may lack them (they count in `* other`).
   */
  folded?: boolean;
}

/** How `GET routes/` orders its rows: by p95, request rate, errors, total time, Apdex, or requests in flight. */
export type EndpointSort = 'p95' | 'rate' | 'errors' | 'time' | 'apdex' | 'in_flight';
export const ENDPOINT_SORTS: readonly EndpointSort[] = Object.freeze([
  'p95',
  'rate',
  'errors',
  'time',
  'apdex',
  'in_flight',
]);

/** A refused value as a message shows it: a number as is, a string quoted and named (`"10", a string`), else its type. */
function shown(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `${JSON.stringify(v)}, a string`;
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'bigint') return `${String(v)}, a ${typeof v}`;
  return Array.isArray(v) ? 'an array' : `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}`;
}

/**
 * The endpoints table's `sort` and `limit` as `monitor.endpoints()` and `clusterSource.endpoints()` take them,
 * `null` or `undefined` for the default (`'time'`, 100; as getHistory(null) takes its defaults): an
 * unknown sort or a limit that is not a whole number of 1 or more (at most `max`: 1000 for the cluster's, as its
 * question carries) throws `ERR_SYSVITALS_INVALID_OPTION`
 * (outside review 34, RT34-3: the cluster source threw "k is not a function"; review 35, RT35-7: a string limit
 * is shown quoted, not as the number asked for).
 */
export function checkEndpointsQuery(
  sort: unknown,
  limit: unknown,
  max = Number.POSITIVE_INFINITY,
): { sort: EndpointSort; limit: number } {
  const s = sort ?? 'time';
  const l = limit ?? 100;
  if (typeof s !== 'string' || !(ENDPOINT_SORTS as readonly string[]).includes(s)) {
    throw invalidOption(
      `endpoints(sort, limit): \`sort\` must be one of ${ENDPOINT_SORTS.join(', ')} (got ${typeof s === 'string' ? JSON.stringify(s) : shown(s)})`,
    );
  }
  if (typeof l !== 'number' || !Number.isInteger(l) || l < 1 || l > max) {
    const range = max === Number.POSITIVE_INFINITY ? 'of 1 or more' : `from 1 to ${max}`;
    throw invalidOption(
      `endpoints(sort, limit): \`limit\` must be a whole number ${range} (got ${shown(l)})`,
    );
  }
  return { sort: s as EndpointSort, limit: l };
}

/**
 * The table over a window covering `spanMs` (RequestStats.windowSpanMs(): the window's length once full,
 * the time since start before), sorted (worst or busiest first), at most `limit` rows.
 */
export function endpointRows(
  windows: readonly EndpointWindowLike[],
  spanMs: number,
  sort: EndpointSort = 'time',
  limit = 100,
): EndpointRow[] {
  let totalTime = 0;
  for (const w of windows) totalTime += w.time_ms;
  const rows = windows.map((w): EndpointRow => {
    const frustrated = w.count - w.satisfied - w.tolerating;
    // A row of early closes (or of requests in flight, or of a dead cluster worker's lost requests) only has no latency reading.
    const timed = w.count > 0 && (w.latency.count ?? 1) > 0;
    const row: EndpointRow = {
      method: w.method,
      route: w.route,
      rate_per_second: Math.round((w.count * 1000 * 1000) / spanMs) / 1000,
      count: w.count,
      count_4xx: w.count_4xx,
      count_5xx: w.count_5xx,
      count_aborted: w.count_aborted,
      error_percent: failedPercent(w.count, w.count_5xx, w.count_aborted_failed ?? w.count_aborted),
      p50_ms: timed ? w.latency.p50_ms : null,
      p95_ms: timed ? w.latency.p95_ms : null,
      p99_ms: timed ? w.latency.p99_ms : null,
      avg_ms: timed ? w.latency.avg_ms : null,
      max_ms: timed ? w.latency.max_ms : null,
      time_ms: w.time_ms,
      time_percent: totalTime > 0 ? Math.round((w.time_ms / totalTime) * 10_000) / 100 : 0,
      // Over zero requests no reading (a row of early closes: a hang), as its latency: null, never a perfect 1.
      apdex: apdexScore(w.satisfied, w.tolerating, w.satisfied + w.tolerating + Math.max(0, frustrated)),
      apdex_t_ms: w.apdex_t_ms,
    };
    if (w.in_flight !== undefined && w.in_flight > 0) {
      row.in_flight = w.in_flight;
      row.oldest_in_flight_ms = w.oldest_in_flight_ms ?? 0;
    }
    return row;
  });
  const key: Record<EndpointSort, (r: EndpointRow) => number> = {
    p95: (r) => -(r.p95_ms ?? Number.NEGATIVE_INFINITY),
    rate: (r) => -r.count,
    errors: (r) => -r.count_5xx - r.error_percent / 1000,
    time: (r) => -r.time_ms,
    apdex: (r) => r.apdex ?? Number.POSITIVE_INFINITY, // worst first; no reading last, as a null p95
    in_flight: (r) => -(r.in_flight ?? 0),
  };
  const k = key[sort] ?? key.time; // checked by the callers; a peer's unknown sort is not a crash
  // By requests in flight, the oldest one breaks ties: the longest hang first.
  const oldest = (r: EndpointRow) => (sort === 'in_flight' ? (r.oldest_in_flight_ms ?? 0) : 0);
  rows.sort(
    (a, b) =>
      k(a) - k(b) ||
      oldest(b) - oldest(a) ||
      b.count - a.count ||
      compare(a.route, b.route) ||
      compare(a.method, b.method),
  );
  return rows.slice(0, limit);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The server-wide Apdex over the judged requests in the window (each route judged against its own T): an `unmatched`
 * or catch-all row's requests answered 4xx, and its OPTIONS row's answered below 500, are left out (unjudgedOf) with
 * their own Apdex counts, recorded apart (`apart_satisfied`, `apart_tolerating`); those not recorded apart (an older
 * cluster worker's) out of its satisfied first, then tolerating, then frustrated.
 */
export function overallApdex(windows: readonly EndpointWindowLike[], defaultTMs: number): ApdexGroup {
  let satisfied = 0;
  let tolerating = 0;
  let total = 0;
  let unjudged = 0;
  let options = 0;
  for (const w of windows) {
    const failed = w.count_aborted_failed ?? w.count_aborted;
    const out = unjudgedOf(w.method, w.route, [w.count, w.count_4xx, w.count_5xx, w.count_aborted, failed]);
    const known = Math.min(out, w.count_apart ?? 0);
    const ks = Math.min(w.satisfied, w.apart_satisfied ?? 0);
    const kt = Math.min(w.tolerating, w.apart_tolerating ?? 0);
    const s = Math.min(w.satisfied - ks, out - known);
    const t = Math.min(w.tolerating - kt, out - known - s);
    satisfied += w.satisfied - ks - s;
    tolerating += w.tolerating - kt - t;
    total += w.count - out;
    if (w.method === 'OPTIONS') options += out;
    else unjudged += out;
  }
  return {
    score: apdexScore(satisfied, tolerating, total),
    t_ms: defaultTMs,
    satisfied,
    tolerating,
    frustrated: total - satisfied - tolerating,
    count_unmatched_4xx: unjudged,
    count_unmatched_options: options,
  };
}

/** For documentation and tests: the tolerating limit of a T. */
export const toleratingLimitMs = (tMs: number): number => tMs * TOLERATING_FACTOR;
