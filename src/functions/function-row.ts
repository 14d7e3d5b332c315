// One decorated function's figures over the window, as the snapshot's `functions` group shows them.

/** Statistics of one `@timed` function over the window: calls, errors and durations in ms. */
export interface FunctionStats {
  name: string;
  count: number;
  errors: number;
  avg_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}
