// The snapshot's `queries` group: the instrumented database queries of the last minute (query-stats.ts).

/** Database queries of the last minute, all fingerprints. */
export interface QueriesGroup {
  /** Queries answered in the last minute, and those in flight for the `db_query_p95` critical level or more. */
  count: number;
  /** p95 of those (ms); `null` when there were none (no reading, never 0), as `queries/`' `window_p95_ms`. */
  p95_ms: number | null;
}
