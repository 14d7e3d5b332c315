// RequestStats options: what a user may pass, and their parsing into a frozen config (coded errors, did-you-mean).

import {
  DEFAULT_ERROR_HORIZON_MS,
  DEFAULT_LEVELS,
  DEFAULT_MIN_REQUESTS,
  MAX_ERROR_HORIZON_MS,
  PERCENT_RULES,
  RULE_NAMES,
  type RuleLevels,
  type RuleName,
} from '../alerts/thresholds.js';
import { invalidOption, SysvitalsError } from '../errors.js';
import type { FunctionStats } from '../functions/function-row.js';
import { coarseClock } from '../latency/coarse-clock.js';
import { checkInteger, rejectUnknownKeys, rejectUnknownOptions } from '../options/option-keys.js';
import { type ApdexConfig, type ApdexOptions, parseApdexOptions } from '../profiling/apdex.js';
import type { Clock } from '../types.js';
import { DEFAULT_ABORTED_FAILURE_MS } from './route-counters.js';

/** How long a client must have waited for its early close to count toward `unanswered`, by default (ms). */
export const DEFAULT_UNANSWERED_MIN_WAIT_MS = 100;

/** Anything that can report `@timed` statistics (a FunctionTimings from src/functions/function-stats.ts). */
export interface FunctionStatsSource {
  snapshot(): Record<string, FunctionStats>;
}

export interface RequestStatsOptions {
  /** Time source, ms. @defaultValue `Date.now` */
  clock?: Clock;
  /** Sliding window of `per_minute`, error counts and rate, latency and routes. @defaultValue 60_000 */
  windowMs?: number;
  /**
   * Sub-windows of the request counters (requests, 4xx, 5xx). The window slides by `windowMs / slots`.
   * @defaultValue 60 (one second each)
   */
  slots?: number;
  /**
   * Sub-windows of the latency histograms (global and per route); must divide `slots`. The window's
   * figures (counts, error rate, Apdex, routes and latency alike: the same requests) cover the last
   * `windowMs * (latencySlots - 1) / latencySlots` to `windowMs`. Fewer sub-windows keep memory small:
   * each one is a 13 KB counts array (32-bit) per route, allocated on first use.
   * @defaultValue 4 (15 s each: the window covers the last 45–60 s)
   */
  latencySlots?: number;
  /** Distinct method + route pairs tracked; later ones fold into method `*`, route `other`. @defaultValue 100 */
  maxRoutes?: number;
  /** Levels for the `errors` (error_rate, %) and `latency` (api_response_time, p95 ms) statuses. @defaultValue DEFAULT_LEVELS */
  levels?: Partial<Record<RuleName, Partial<RuleLevels>>>;
  /**
   * The minimum-requests guard of the `errors` status (the error_rate rule's `minRequests`): with fewer
   * requests in the window than this, `errors.status` is unknown (not judged, with `errors.reason`), as in `/health`; the alert engine does not fire.
   * @defaultValue 20
   */
  minRequests?: number;
  /** Where the snapshot's `functions` group comes from (the `@timed` statistics). */
  functions?: FunctionStatsSource | null;
  /** Apdex target time T (default 500 ms) and per-route overrides. */
  apdex?: ApdexOptions;
  /**
   * An aborted request (status 499) counts as failed in the error rates only when its client waited at least
   * this long; earlier closes are counted as aborted only. 0 counts every aborted request as failed.
   * @defaultValue 1000
   */
  abortedFailureMs?: number;
  /**
   * The `unanswered` verdict (no judged request completed, at least `minRequests` early closes: critical) counts
   * only the early closes whose client waited at least this long; quicker ones are counted apart
   * (`count_aborted_quick`): a client that closes before the server could have answered is no evidence of an
   * outage. 0 counts every early close. Above `abortedFailureMs` it acts as `abortedFailureMs` (a close that waited
   * that long is a failed request, not an early close).
   * @defaultValue 100
   */
  unansweredMinWaitMs?: number;
  /**
   * The error horizon (the error_rate rule's `horizonMs`): when the window cannot judge the error rate, it is judged
   * on the judged requests of this longer time (error-horizon.ts). 0, or no longer than `windowMs`: off.
   * @defaultValue 900_000
   */
  errorHorizonMs?: number;
}

export interface RequestStatsConfig {
  readonly clock: Clock;
  readonly windowMs: number;
  readonly slots: number;
  readonly latencySlots: number;
  readonly maxRoutes: number;
  readonly levels: Readonly<{ error_rate: Readonly<RuleLevels>; api_response_time: Readonly<RuleLevels> }>;
  readonly minRequests: number;
  readonly functions: FunctionStatsSource | null;
  readonly apdex: ApdexConfig;
  readonly abortedFailureMs: number;
  /** `unansweredMinWaitMs` as it applies: never above abortedFailureMs. */
  readonly unansweredMinWaitMs: number;
  readonly errorHorizonMs: number;
}

export const REQUEST_STATS_DEFAULTS = Object.freeze({
  windowMs: 60_000,
  slots: 60,
  latencySlots: 4,
  maxRoutes: 100,
});

const KNOWN_OPTIONS = [
  'clock',
  'windowMs',
  'slots',
  'latencySlots',
  'maxRoutes',
  'levels',
  'minRequests',
  'functions',
  'apdex',
  'abortedFailureMs',
  'unansweredMinWaitMs',
  'errorHorizonMs',
];

export function parseRequestStatsOptions(options: RequestStatsOptions = {}): RequestStatsConfig {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('RequestStats options must be an object.');
  }
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'RequestStats');
  const { clock = coarseClock, functions = null } = options;
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
    throw invalidOption('`clock` must be an object with a now() method returning milliseconds.');
  }
  if (functions !== null && typeof functions?.snapshot !== 'function') {
    throw invalidOption('`functions` must have a snapshot() method (a FunctionTimings).');
  }
  const windowMs = options.windowMs ?? REQUEST_STATS_DEFAULTS.windowMs;
  checkInteger(windowMs, 'windowMs', 1_000, 3_600_000);
  const slots = options.slots ?? REQUEST_STATS_DEFAULTS.slots;
  checkInteger(slots, 'slots', 1, Math.min(3_600, Math.floor(windowMs / 10)));
  const latencySlots = options.latencySlots ?? Math.min(REQUEST_STATS_DEFAULTS.latencySlots, slots);
  checkInteger(latencySlots, 'latencySlots', 1, slots);
  if (slots % latencySlots !== 0) {
    throw invalidOption(
      `\`latencySlots\` (${latencySlots}) must divide \`slots\` (${slots}), e.g. 60 and 4.`,
    );
  }
  const maxRoutes = options.maxRoutes ?? REQUEST_STATS_DEFAULTS.maxRoutes;
  checkInteger(maxRoutes, 'maxRoutes', 0, 10_000);
  const levels = parseLevels(options.levels);
  const minRequests = options.minRequests ?? DEFAULT_MIN_REQUESTS;
  checkInteger(minRequests, 'minRequests', 0, Number.MAX_SAFE_INTEGER);
  const apdex = parseApdexOptions(options.apdex);
  const abortedFailureMs = options.abortedFailureMs ?? DEFAULT_ABORTED_FAILURE_MS;
  checkInteger(abortedFailureMs, 'abortedFailureMs', 0, 3_600_000);
  const minWaitMs = options.unansweredMinWaitMs ?? DEFAULT_UNANSWERED_MIN_WAIT_MS;
  checkInteger(minWaitMs, 'unansweredMinWaitMs', 0, 3_600_000);
  const errorHorizonMs = options.errorHorizonMs ?? DEFAULT_ERROR_HORIZON_MS;
  checkInteger(errorHorizonMs, 'errorHorizonMs', 0, MAX_ERROR_HORIZON_MS);
  return Object.freeze({
    clock,
    windowMs,
    slots,
    latencySlots,
    maxRoutes,
    levels,
    minRequests,
    functions,
    apdex,
    abortedFailureMs,
    unansweredMinWaitMs: Math.min(minWaitMs, abortedFailureMs),
    errorHorizonMs,
  });
}

function parseLevels(levels: RequestStatsOptions['levels']): RequestStatsConfig['levels'] {
  if (levels === undefined) {
    return Object.freeze({
      error_rate: DEFAULT_LEVELS.error_rate,
      api_response_time: DEFAULT_LEVELS.api_response_time,
    });
  }
  if (levels === null || typeof levels !== 'object') throw invalidOption('`levels` must be an object.');
  rejectUnknownKeys(
    levels,
    RULE_NAMES,
    'ERR_SYSVITALS_UNKNOWN_RULE',
    (key) => `levels: unknown rule \`${key}\`. Known rules: ${RULE_NAMES.join(', ')}.`,
  );
  const one = (rule: 'error_rate' | 'api_response_time'): Readonly<RuleLevels> => {
    const given = levels[rule];
    if (given === undefined) return DEFAULT_LEVELS[rule];
    if (given === null || typeof given !== 'object') throw invalidOption(`levels.${rule} must be an object.`);
    const warning = given.warning ?? DEFAULT_LEVELS[rule].warning;
    const critical = given.critical ?? DEFAULT_LEVELS[rule].critical;
    const top = PERCENT_RULES.has(rule) ? 100 : Number.MAX_SAFE_INTEGER;
    for (const [name, v] of [
      ['warning', warning],
      ['critical', critical],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > top) {
        throw new SysvitalsError(
          'ERR_SYSVITALS_INVALID_RULE',
          `levels.${rule}.${name} must be a number from 0 to ${top === 100 ? '100 (percent)' : 'any (ms)'} (got ${String(v)}).`,
        );
      }
    }
    if (warning > critical) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_INVALID_RULE',
        `levels.${rule}: warning (${warning}) must not be above critical (${critical}).`,
      );
    }
    return Object.freeze({ warning, critical });
  };
  return Object.freeze({ error_rate: one('error_rate'), api_response_time: one('api_response_time') });
}
