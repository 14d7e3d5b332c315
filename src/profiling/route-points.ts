// The points of the per-route and per-job one-minute series (series-history.ts), as history/?route= and ?job= serve them.

/**
 * One minute of one route. `count`, `count_5xx` and `count_aborted` are exact for the minute (differences
 * of the totals since start); percentiles and Apdex are the route's sliding window at the minute boundary
 * (the last 45–60 s for latency, 60 s for Apdex). A minute written in parts (a restart inside it with a
 * RedisStore, a flush inside it) is one point: counts summed, `error_percent` from the sums, the latency
 * figures the larger of the parts' (an upper bound, not exact) and Apdex weighted by count.
 */
export interface RoutePoint {
  /** Start of the minute, ISO 8601. */
  timestamp: string;
  count: number;
  count_5xx: number;
  count_aborted: number;
  error_percent: number;
  /**
   * null when the route's latency window held none of its requests at the minute boundary (requests only
   * in the minute's first seconds fall out of the 45-60 s latency window): unknown, not 0 ms.
   */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  apdex: number | null;
}

/** One minute of one job: runs and failures that finished in it. */
export interface JobPoint {
  timestamp: string;
  runs: number;
  failures: number;
}
