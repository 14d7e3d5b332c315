// Options of the monitor's reads: getMetrics, getHealth, getAlerts, getHistory (also the cluster's and the HTTP routes').

import type { HistoryPeriod } from '../history/periods.js';

/** Options of `monitor.getMetrics()`. */
export interface MetricsReadOptions {
  /**
   * Serve the cached snapshot when it is at most this old (ms); older, collect one now (concurrent
   * callers share it). `0` always collects unless a sample is in flight.
   * @defaultValue 1000
   */
  maxAgeMs?: number;
  /**
   * With `sampleIntervalMs: 0`: the probes, plugins and gauges' collect() run when they last ran longer ago than this
   * (default `maxAgeMs`); `Infinity`: not at all (a cluster transfer, outside review 12, F4).
   * @internal
   */
  callbacksMaxAgeMs?: number;
  /**
   * On `monitor.clusterSource` (`cluster: true`): one worker's figures (its instance id) instead of the cluster's.
   * The monitor's own reads answer for this process alone and ignore it.
   */
  instance?: string;
}

/** Options of `monitor.getHealth()`. */
export interface HealthReadOptions {
  /** Add the snapshot the status was derived from (`metrics`) and the alert channels' states. @defaultValue false */
  detailed?: boolean;
  /**
   * On `monitor.clusterSource` (`cluster: true`): one worker's figures (its instance id) instead of the cluster's.
   * The monitor's own reads answer for this process alone and ignore it.
   */
  instance?: string;
}

/** Options of `monitor.getAlerts()`. */
export interface AlertsReadOptions {
  /** The alert history (an event log, newest first) instead of the active alerts. @defaultValue false */
  history?: boolean;
  /** At most this many alerts. @defaultValue 100 */
  limit?: number;
  /**
   * On `monitor.clusterSource` (`cluster: true`): one worker's figures (its instance id) instead of the cluster's.
   * The monitor's own reads answer for this process alone and ignore it.
   */
  instance?: string;
}

/** Options of `monitor.getHistory()`. */
export interface HistoryReadOptions {
  /** `'1h'` (1-minute steps), `'24h'` (5 minutes) or `'7d'` (30 minutes). @defaultValue '1h' */
  period?: HistoryPeriod;
  /** An instance id sharing the store, or `'all'` for the fleet view merged across instances. @defaultValue this monitor's instanceId */
  instance?: string;
}
