// The errors group's `horizon` (error-horizon.ts computes it), in a file of its own: types.ts imports it.

/**
 * The errors group's `horizon`: present when the request window could not judge the error rate (fewer than
 * `minRequests` judged requests in it, and fewer than 5 failed or a bound under the warning level) and the horizon
 * holds requests older than the window. Judged by the window's rule below `minRequests`: the 95 % Wilson lower bound
 * against the error_rate levels, with at least 5 failed requests.
 */
export interface ErrorHorizonMetrics {
  /**
   * The horizon, ms (the error_rate rule's `horizonMs`). The figures cover it less up to one latency sub-window (15 s
   * by default), as the window covers 45–60 s; a horizon of over 240 of them banks several together.
   */
  ms: number;
  /** The judged requests in the horizon, the window's among them (once). */
  count_judged: number;
  /** Of them, the failed ones (5xx, aborted after `abortedFailureMs`). */
  count_failed: number;
  /**
   * count_failed ÷ count_judged, percent, two decimals (as `errors.error_rate_percent` is the window's): the rate a
   * verdict judged on the horizon is shown with (health+json, the dashboard), beside the window's own.
   */
  error_rate_percent: number;
  /** The lower end of the 95 % Wilson score interval of count_failed ÷ count_judged, percent, two decimals. */
  error_rate_lower_percent: number;
  /** The horizon's verdict: warning or critical (then `errors.status` too, and the error_rate alert), else unknown. */
  status: 'warning' | 'critical' | 'unknown';
}
