// The figures RequestStats hands out: a history bucket's, a route's since start, a route's window, and the rate spans.

import type { Histogram, LatencySummary } from '../latency/histogram.js';
import type { CountsView } from '../latency/latency-ring.js';

/** `per_second` is the average over the last complete seconds spanning this long (rates.ts perSecond). */
export const RATE_WINDOW_MS = 5_000;
/** Rates are never taken over less time than this (3 requests in the first 10 ms are not 300/s). */
export const MIN_RATE_SPAN_MS = 1_000;

/** One route's figures since start (src/cluster/ reports them to the aggregator). */
export interface RouteState {
  method: string;
  route: string;
  /** Requests by status class 1xx … 5xx. */
  classes: Float64Array;
  /** The route's latency since start (live view), or null when route latency is not tracked. */
  latency: Readonly<CountsView> | null;
  /** Of those, the requests not judged (apart.ts): values (kept out of `latency`'s max) and Apdex; null: none. */
  apart: { latency: Readonly<CountsView>; satisfied: number; tolerating: number } | null;
  /**
   * Since start: aborted requests (also among the 4xx), Apdex satisfied and tolerating, then the aborted
   * requests that count as failed (their client waited at least `abortedFailureMs`), then the early closes of
   * responses the application had ended (answered closes), then those while the request's body was still arriving,
   * then those before `unansweredMinWaitMs` (quick closes).
   */
  extra: [
    aborted: number,
    satisfied: number,
    tolerating: number,
    failedAborted: number,
    answered: number,
    body: number,
    quick: number,
  ];
}

/** What was recorded since the previous takeBucket() (one history point's request figures). */
export interface RequestBucket {
  requests: number;
  count_4xx: number;
  count_5xx: number;
  /**
   * The requests judged (the live figures' rule, route-counters.ts unjudgedOf): all but an `unmatched` row's 4xx. The
   * histogram and latency below are theirs: the values an `unmatched` or catch-all row kept apart left out (apart.ts).
   */
  count_judged?: number;
  /** Responses that did not complete (status 499, also among count_4xx). */
  count_aborted?: number;
  /** Of those, the failed ones (the client waited at least `abortedFailureMs`): with the 5xx in error rates. */
  count_aborted_failed?: number;
  /**
   * Latency, microseconds, the shared HDR config; a new histogram owned by the caller. Absent when no request
   * was recorded: an idle minute never loads hdr-histogram-js (200-280 ms of CPU once, issue 18).
   */
  histogram?: Histogram;
  /**
   * The bucket's latency figures from its exact counts: avg from the exact sum, max exact, percentiles
   * within the histogram's precision and never above the max (an HDR slot's upper edge can be).
   */
  latency?: LatencySummary;
}

/** One route's window as the endpoints table reads it. */
export interface EndpointWindow {
  method: string;
  route: string;
  count: number;
  count_4xx: number;
  count_5xx: number;
  count_aborted: number;
  /** Of the aborted requests, the failed ones (the client waited at least `abortedFailureMs`). */
  count_aborted_failed: number;
  latency: LatencySummary;
  /** Sum of the requests' durations, ms. */
  time_ms: number;
  /** Successful requests at or under T, and over T up to 4T. */
  satisfied: number;
  tolerating: number;
  apdex_t_ms: number;
  /** Of its requests not judged (unjudgedOf), those recorded apart, and their satisfied and tolerating (absent: none). */
  count_apart?: number;
  apart_satisfied?: number;
  apart_tolerating?: number;
}
