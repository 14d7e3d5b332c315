// Default alert levels. The seed's thresholds are the warning levels; critical levels and the
// error-rate rule are ours (README "Alert rules"). Statuses in the snapshot derive from these.

/** The level rules (thresholds on a snapshot figure: percent, or ms for db_latency, api_response_time, db_query_p95, event_loop_delay). */
export type RuleName =
  | 'cpu'
  | 'memory'
  | 'disk'
  | 'db_latency'
  | 'api_response_time'
  | 'error_rate'
  | 'db_query_p95'
  | 'event_loop_delay';

/** A rule's warning and critical levels (percent, or ms for latency rules). */
export interface RuleLevels {
  /** Raise a warning at or above this value. */
  warning: number;
  /** Raise (or escalate to) critical at or above this value. */
  critical: number;
}

export const RULE_NAMES: readonly RuleName[] = Object.freeze([
  'cpu',
  'memory',
  'disk',
  'db_latency',
  'api_response_time',
  'error_rate',
  'db_query_p95',
  'event_loop_delay',
]);

/** Percent for cpu/memory/disk/error_rate, milliseconds for db_latency/api_response_time/db_query_p95/event_loop_delay. */
export const DEFAULT_LEVELS: Readonly<Record<RuleName, Readonly<RuleLevels>>> = Object.freeze({
  cpu: Object.freeze({ warning: 80, critical: 95 }),
  memory: Object.freeze({ warning: 85, critical: 95 }),
  disk: Object.freeze({ warning: 90, critical: 95 }),
  // Both below the database probe's default timeout (2000 ms): a slower check is reported as down.
  db_latency: Object.freeze({ warning: 1000, critical: 1500 }),
  api_response_time: Object.freeze({ warning: 2000, critical: 5000 }),
  error_rate: Object.freeze({ warning: 5, critical: 10 }),
  // p95 of the instrumented database queries over the last minute (instrumentPg/Mysql/Redis).
  db_query_p95: Object.freeze({ warning: 500, critical: 2000 }),
  // process.event_loop_delay_p99_ms: how long a callback (a request's handler) waited for the loop, over
  // the sample interval. Request durations start when the handler runs, so this is the wait they miss:
  // 100 ms is the delay a user notices on every request, 500 ms a process that is no longer serving.
  event_loop_delay: Object.freeze({ warning: 100, critical: 500 }),
});

/**
 * With fewer requests than this in the request window the error-rate rule does not fire (and an
 * active error-rate alert clears), and the errors component stays healthy, so one failed request
 * out of one is not a 100 % error rate.
 */
export const DEFAULT_MIN_REQUESTS = 20;

export const PERCENT_RULES: ReadonlySet<RuleName> = new Set(['cpu', 'memory', 'disk', 'error_rate']);

/** The error_rate rule's `horizonMs` by default: 15 minutes (src/requests/error-horizon.ts). */
export const DEFAULT_ERROR_HORIZON_MS = 900_000;

/** The longest `horizonMs`: a day. */
export const MAX_ERROR_HORIZON_MS = 86_400_000;
