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
  /** Latency over the window; `null` when the window holds no request of the route (its aborted ones closed early: no reading, never 0). */
  avg_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  /**
   * Cluster mode only, present when true: a worker may have folded some of this route's requests into its `* other`
   * (its `maxRoutes` slots were full), so the row may lack them (they count in `* other`).
   */
  folded?: boolean;
}
