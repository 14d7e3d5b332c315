// The server-wide Apdex group of a metrics snapshot (src/types.ts's MetricsSnapshot.apdex).

/** Apdex = (satisfied + tolerating / 2) / total, over the request window; `score` null without requests. */
export interface ApdexGroup {
  score: number | null;
  /** The server-wide target T in ms (routes may have their own). */
  t_ms: number;
  satisfied: number;
  tolerating: number;
  frustrated: number;
  /**
   * `unmatched` requests answered 4xx in the window, left out of the score and its counts (as from the error rate's
   * `count_judged`); from a route row that also holds judged requests, counted out of satisfied first, then
   * tolerating (the score is then a lower bound). OPTIONS ones are in `count_unmatched_options`, left out alike.
   */
  count_unmatched_4xx?: number;
  /** `unmatched` OPTIONS answered below 500 in the window (errors.count_unmatched_options), left out alike. */
  count_unmatched_options?: number;
}
