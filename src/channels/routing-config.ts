// Parses `routing` (grouping, repeat, inhibition, labels, dashboard link, close timeout) once into a frozen config.

import { invalidOption } from '../errors.js';
import { LABEL_NAME } from './matchers.js';
import { boolean, checkKeys, httpUrl, integer, isObject, stringRecord } from './validate.js';

/** How alerts reach the notification channels: grouping, repeats, routes by severity or rule. */
export interface RoutingOptions {
  /** Alerts that start within this window of the first go out as one message per channel. @defaultValue 30000 */
  groupWaitMs?: number;
  /** A still-firing alert is sent again after this long. @defaultValue 14_400_000 (4 h) */
  repeatIntervalMs?: number;
  /** A critical alert on a component mutes the warnings on that component. @defaultValue true */
  inhibit?: boolean;
  /** Labels added to every alert (`{ env: 'prod', service: 'api' }`), for silences and Alertmanager. */
  labels?: Record<string, string>;
  /** The dashboard's public URL, linked from every message. @defaultValue no link */
  dashboardUrl?: string;
  /** How long `close()` keeps delivering what is queued. @defaultValue 5000 */
  closeTimeoutMs?: number;
}

/** `RoutingOptions` parsed: every field set, frozen. */
export interface RoutingConfig {
  readonly groupWaitMs: number;
  readonly repeatIntervalMs: number;
  readonly inhibit: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly dashboardUrl: string | null;
  readonly closeTimeoutMs: number;
}

/** The `routing` defaults: 30 s grouping, 4 h repeat, inhibition on, 5 s close timeout. */
export const DEFAULT_ROUTING_OPTIONS = Object.freeze({
  groupWaitMs: 30_000,
  repeatIntervalMs: 4 * 60 * 60 * 1000,
  inhibit: true,
  closeTimeoutMs: 5000,
});

const KEYS = ['groupWaitMs', 'repeatIntervalMs', 'inhibit', 'labels', 'dashboardUrl', 'closeTimeoutMs'];
/** Labels the router sets itself. */
const RESERVED = ['alertname', 'rule', 'component', 'severity', 'instance', 'host', 'alert_id'];

/** Checks `routing` at setup (coded errors, did-you-mean) and fills in the defaults. */
export function parseRouting(options: unknown): RoutingConfig {
  const opts = options ?? {};
  if (!isObject(opts)) throw invalidOption('sysvitals: `routing` must be an object.');
  checkKeys(opts, KEYS, 'routing');
  const labels = stringRecord(opts.labels, 'routing.labels');
  for (const k of Object.keys(labels)) {
    if (!LABEL_NAME.test(k)) {
      throw invalidOption(`sysvitals: \`routing.labels\`: ${JSON.stringify(k)} is not a valid label name.`);
    }
    if (RESERVED.includes(k)) {
      throw invalidOption(
        `sysvitals: \`routing.labels\`: ${k} is set by sysvitals (${RESERVED.join(', ')}).`,
      );
    }
  }
  return Object.freeze({
    groupWaitMs: integer(
      opts.groupWaitMs,
      'routing.groupWaitMs',
      0,
      600_000,
      DEFAULT_ROUTING_OPTIONS.groupWaitMs,
    ),
    repeatIntervalMs: integer(
      opts.repeatIntervalMs,
      'routing.repeatIntervalMs',
      1000,
      30 * 24 * 60 * 60 * 1000,
      DEFAULT_ROUTING_OPTIONS.repeatIntervalMs,
    ),
    inhibit: boolean(opts.inhibit, 'routing.inhibit', DEFAULT_ROUTING_OPTIONS.inhibit),
    labels: Object.freeze(labels),
    dashboardUrl: opts.dashboardUrl === undefined ? null : httpUrl(opts.dashboardUrl, 'routing.dashboardUrl'),
    closeTimeoutMs: integer(
      opts.closeTimeoutMs,
      'routing.closeTimeoutMs',
      0,
      600_000,
      DEFAULT_ROUTING_OPTIONS.closeTimeoutMs,
    ),
  });
}
