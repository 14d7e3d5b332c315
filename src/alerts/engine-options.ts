// AlertSystem options: the callbacks it takes, what a user may pass, and their checks at construction (coded errors).

import { invalidOption } from '../errors.js';
import { didYouMean, rejectUnknownKeys } from '../options/option-keys.js';
import type { Clock, Logger } from '../types.js';
import type { Alert, AlertEvent, AlertRecord } from './alert.js';
import { ALERT_HINTS, type AlertRulesConfig, type AlertRulesOptions } from './rules.js';
import type { WebhookOptions } from './webhook.js';

/** Receives each alert event (raise, escalation, de-escalation, clear); may be async; a throw is logged. */
export type AlertListener = (event: AlertEvent) => void | Promise<void>;
/** Receives every history entry as it is made; the monitor uses it to persist alert history to its store. */
export type AlertRecorder = (record: AlertRecord) => void | Promise<void>;
/**
 * Says whether an alert is held back from notification channels (silenced, in maintenance,
 * inhibited), given the active alerts; the history record is marked with the answer.
 */
export type AlertSuppressor = (
  alert: Alert,
  active: readonly Alert[],
) => Pick<AlertRecord, 'suppressed' | 'suppressed_by'> | null;

/** Options of an AlertSystem (the monitor's `alerts` option). */
export interface AlertSystemOptions {
  /** Per-rule levels, pending time and hysteresis; see AlertRulesOptions (or a config from parseRules). */
  rules?: AlertRulesOptions | AlertRulesConfig;
  /** @defaultValue Date.now */
  clock?: Clock;
  /** Times `for`, the holds and duration_seconds. @defaultValue performance.now (with a `clock` alone: that clock) */
  monotonicClock?: Clock;
  /** History entries kept in memory (each raise, escalation, de-escalation and clear is one). @defaultValue 1000 */
  historyLimit?: number;
  /** Called for every alert event; may be async. A throwing callback is logged, never propagated. */
  onAlert?: AlertListener;
  /** POST every alert event as JSON to this URL (or with these options). */
  webhook?: WebhookOptions | string;
  /** @defaultValue consoleLogger (warnings and errors to stderr) */
  logger?: Logger;
}

export const DEFAULT_HISTORY_LIMIT = 1000;
export const DEFAULT_HISTORY_READ_LIMIT = 100;

const OPTION_KEYS = ['rules', 'clock', 'monotonicClock', 'historyLimit', 'onAlert', 'webhook', 'logger'];

/**
 * Checks AlertSystem options (an object, known keys, each option's type) and returns the history limit;
 * throws ERR_SYSVITALS_* errors at setup, never later.
 */
export function checkAlertSystemOptions(options: AlertSystemOptions): number {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('sysvitals: AlertSystem options must be an object.');
  }
  rejectUnknownKeys(
    options,
    OPTION_KEYS,
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    (key) =>
      `sysvitals: AlertSystem has no option \`${key}\`.${didYouMean(key, OPTION_KEYS, ALERT_HINTS)} Supported: ${OPTION_KEYS.join(', ')}.`,
  );
  const limit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw invalidOption(`sysvitals: \`historyLimit\` must be an integer ≥ 1, got ${String(limit)}.`);
  }
  for (const key of ['clock', 'monotonicClock'] as const) {
    if (options[key] !== undefined && typeof options[key]?.now !== 'function') {
      throw invalidOption(
        `sysvitals: \`${key}\` must be an object with a now() method returning milliseconds.`,
      );
    }
  }
  if (options.onAlert !== undefined && typeof options.onAlert !== 'function') {
    throw invalidOption('sysvitals: `onAlert` must be a function (event) => void.');
  }
  if (
    options.logger !== undefined &&
    (typeof options.logger?.warn !== 'function' || typeof options.logger?.error !== 'function')
  ) {
    throw invalidOption('sysvitals: `logger` must have warn() and error() methods (pino-compatible).');
  }
  return limit;
}
