// One route's figures over the request window, as the snapshot's `routes` rows show them.

/** Statistics of one route (method and route pattern) over the window; durations in ms. */
export interface RouteStats {
  method: string;
  route: string;
  count: number;
  count_4xx: number;
  count_5xx: number;
  /** Aborted requests (status 499: the response did not complete, client or server closed first), also counted in count_4xx. */
  count_aborted: number;
  avg_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}
