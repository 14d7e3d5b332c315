// QueryStats options (the monitor's `queries` option): what a user may pass, and their parsing into a frozen config.

import { invalidOption } from '../errors.js';
import { checkInteger, rejectUnknownOptions } from '../options/option-keys.js';
import type { Clock } from '../types.js';

/** Options of QueryStats (the monitor's `queries` option): fingerprints tracked, the slow-query log, Prometheus histograms. */
export interface QueryStatsOptions {
  /** Distinct fingerprints tracked; later ones are counted under `other`. @defaultValue 100 */
  maxFingerprints?: number;
  /** A query at least this slow enters the slow-query log. @defaultValue 500 */
  slowThresholdMs?: number;
  /** Entries kept in the slow-query log (the newest). @defaultValue 50 */
  slowLogSize?: number;
  /** Export a duration histogram per fingerprint in the Prometheus text (one series set each). @defaultValue false */
  prometheus?: boolean;
  /** @defaultValue the monitor's clock */
  clock?: Clock;
}

export interface QueryStatsConfig {
  readonly maxFingerprints: number;
  readonly slowThresholdMs: number;
  readonly slowLogSize: number;
  readonly prometheus: boolean;
  readonly clock: Clock;
}

export const QUERY_STATS_DEFAULTS = Object.freeze({
  maxFingerprints: 100,
  slowThresholdMs: 500,
  slowLogSize: 50,
  prometheus: false,
});

const KNOWN_OPTIONS = ['maxFingerprints', 'slowThresholdMs', 'slowLogSize', 'prometheus', 'clock'];

/** Parses `queries` options once into a frozen config (coded errors, did-you-mean for unknown keys). */
export function parseQueryStatsOptions(options: QueryStatsOptions = {}, clock?: Clock): QueryStatsConfig {
  if (options === null || typeof options !== 'object')
    throw invalidOption('sysvitals: `queries` must be an object.');
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'sysvitals: queries');
  checkInteger(options.maxFingerprints, 'queries.maxFingerprints', 1, 10_000);
  checkInteger(options.slowLogSize, 'queries.slowLogSize', 0, 10_000);
  const slow = options.slowThresholdMs ?? QUERY_STATS_DEFAULTS.slowThresholdMs;
  if (typeof slow !== 'number' || !Number.isFinite(slow) || slow < 0) {
    throw invalidOption(
      `\`queries.slowThresholdMs\` must be a number of ms, 0 or more (got ${String(slow)}).`,
    );
  }
  if (options.prometheus !== undefined && typeof options.prometheus !== 'boolean') {
    throw invalidOption('`queries.prometheus` must be true or false.');
  }
  const c = options.clock ?? clock ?? { now: Date.now };
  if (c === null || typeof c !== 'object' || typeof c.now !== 'function') {
    throw invalidOption('`queries.clock` must be an object with a now() method returning milliseconds.');
  }
  return Object.freeze({
    maxFingerprints: options.maxFingerprints ?? QUERY_STATS_DEFAULTS.maxFingerprints,
    slowThresholdMs: slow,
    slowLogSize: options.slowLogSize ?? QUERY_STATS_DEFAULTS.slowLogSize,
    prometheus: options.prometheus ?? QUERY_STATS_DEFAULTS.prometheus,
    clock: c,
  });
}
