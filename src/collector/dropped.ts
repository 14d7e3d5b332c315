// Observations ignored for bad input, counted per source so that none is dropped silently (the snapshot's `dropped_observations`).

/**
 * Observations ignored since start because their input was invalid: a duration that is NaN, negative or
 * infinite (or not a number), a request status outside 100–999, a custom metric amount that is not a
 * number, NaN, infinite, negative for a counter or histogram, or beyond what a histogram can count. Per process.
 */
export interface DroppedObservations {
  /** `recordRequest()` calls (the adapters never pass a bad one; a throwing injected clock counts here too). */
  requests: number;
  /** `@timed` / `timed(fn)` / `recordFunction()` calls. */
  functions: number;
  /** Database query timings (`recordQuery()`, the instrumentations). */
  queries: number;
  /** Job runs (`monitor.job()`); the run still counts as finished, its duration is not recorded. */
  jobs: number;
  /** Custom metric recordings: histogram `observe()` values, and counter and gauge amounts (the name predates them). */
  custom_histograms: number;
  /**
   * `analytics.observe()` values of a series past the 100 kept or named over 256 characters (this process's; not
   * in a cluster view).
   */
  observed_series?: number;
}

/** The sources in `DroppedObservations`, in the order Prometheus lists them. */
export const DROPPED_SOURCES: readonly (keyof DroppedObservations)[] = Object.freeze([
  'requests',
  'functions',
  'queries',
  'jobs',
  'custom_histograms',
]);
