// The monitor's composite reads: health with its details, alerts (active, or the stored history), history,
// capacity planning, the endpoints table.

import { availableParallelism } from 'node:os';
import type { Alert, AlertRecord } from '../alerts/alert.js';
import type { AlertSystem } from '../alerts/engine.js';
import { DEFAULT_HISTORY_READ_LIMIT } from '../alerts/engine-options.js';
import { type CapacityReport, computeCapacity } from '../analytics/capacity.js';
import type { NotificationRouter } from '../channels/router.js';
import { invalidOption, SysvitalsError } from '../errors.js';
import { HISTORY_PERIODS, historyStepMs, parsePeriod } from '../history/periods.js';
import type { HistoryResult } from '../history/point.js';
import { queryHistory } from '../history/query.js';
import { errorMessage } from '../logger.js';
import type { AlertsReadOptions, HealthReadOptions, HistoryReadOptions } from '../options/read-options.js';
import { type ApdexConfig, thresholdFor } from '../profiling/apdex.js';
import {
  type EndpointRow,
  type EndpointSort,
  type EndpointWindowLike,
  endpointRows,
  overallApdex,
} from '../profiling/endpoints.js';
import { routeKey } from '../profiling/series-history.js';
import type { RouteInFlight } from '../requests/in-flight-routes.js';
import type { EndpointWindow } from '../requests/request-figures.js';
import type { RequestStats } from '../requests/requests.js';
import type { MetricsStore } from '../stores/store.js';
import type { ApdexGroup, HealthStatus, Logger, MetricsSnapshot } from '../types.js';

/** Active alerts, or the history (newest first) from the store, falling back to memory when it fails. */
export async function readAlerts(
  alertSystem: AlertSystem,
  store: MetricsStore,
  logger: Logger,
  options: AlertsReadOptions,
): Promise<Alert[] | AlertRecord[]> {
  const opts = { history: options.history ?? false, limit: options.limit ?? DEFAULT_HISTORY_READ_LIMIT };
  if (!opts.history) return alertSystem.getActiveAlerts().slice(0, opts.limit);
  try {
    return (await store.readAlerts(opts.limit)) as AlertRecord[];
  } catch (err) {
    // The monitor closed (its store with it): rejected as getHistory() is, not served from memory (a part of it).
    if (err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_CLOSED') throw err;
    logger.warn(
      { err: errorMessage(err) },
      'sysvitals: alert history unavailable from the store; serving memory',
    );
    return alertSystem.getAlertHistory(opts.limit);
  }
}

/** The capacity report over a week of history, with the cores of the latest snapshot (or of the machine). */
export function capacityReport(
  history: HistoryResult,
  latest: MetricsSnapshot | undefined,
  alertSystem: AlertSystem,
  now: number,
  machineCores: number,
): CapacityReport {
  const cores = latest?.cpu?.limit_cores ?? latest?.cpu?.core_count ?? machineCores;
  const rules = alertSystem.rules;
  return {
    generated_at: new Date(now).toISOString(),
    ...computeCapacity({
      points: history.points,
      stepMs: history.step_seconds * 1000,
      cores,
      cpuWarning: rules.cpu.warning,
      memoryWarning: rules.memory.warning,
    }),
  };
}

/**
 * The capacity report's history: the last 336 whole 30-min steps of the 7-day view, the current
 * partial step left out. The 7-day view's own window (ending with the current step) dropped the week's
 * first step and kept a partial one, so one hour's (one day's) mean mixed other days: a flat profile
 * read as "busiest hour 10", seven identical days as "Monday, 0 % above the next day".
 */
export function capacityHistory(
  store: MetricsStore,
  instanceId: string,
  now: number,
  resolutionMs: number,
): Promise<HistoryResult> {
  const step = historyStepMs('7d', resolutionMs);
  return historyFor(store, { period: '7d' }, instanceId, Math.floor(now / step) * step - 1, resolutionMs);
}

/** monitor.capacity(): the stored week of history at `now`, the latest snapshot and this machine's cores. */
export async function capacityNow(
  monitor: { store: MetricsStore; instanceId: string; resolutionMs: number; alertSystem: AlertSystem },
  now: number,
  latest: MetricsSnapshot | undefined,
): Promise<CapacityReport> {
  const history = await capacityHistory(monitor.store, monitor.instanceId, now, monitor.resolutionMs);
  return capacityReport(history, latest, monitor.alertSystem, now, availableParallelism());
}

/**
 * The endpoints table over the request window, with the server-wide Apdex; `inFlight` (TicketPath.routesInFlight())
 * adds each route's requests in flight now to its row, or as a row of its own (counts 0, latency null).
 */
export function endpointsTable(
  requests: RequestStats,
  sort: EndpointSort,
  limit: number,
  inFlight: ReadonlyMap<string, RouteInFlight> = new Map(),
): { window_seconds: number; apdex: ApdexGroup; routes: EndpointRow[] } {
  const windows = requests.endpointWindows();
  const spanMs = requests.windowSpanMs(); // less than the window's length in the first minute
  return {
    window_seconds: spanMs / 1000,
    apdex: overallApdex(windows, requests.config.apdex.thresholdUs / 1000),
    routes: endpointRows(withInFlight(windows, inFlight, requests.config.apdex), spanMs, sort, limit),
  };
}

/**
 * The window's rows with the requests in flight: on the row of their method and route, or on a row of their own
 * when the window holds none of that route (with the route's Apdex T). A route folded into `* other` (past
 * `maxRoutes`) is in flight under its own name: read now, nothing is kept.
 */
function withInFlight(
  windows: EndpointWindow[],
  inFlight: ReadonlyMap<string, RouteInFlight>,
  apdex: ApdexConfig,
): EndpointWindowLike[] {
  if (inFlight.size === 0) return windows;
  const rows: EndpointWindowLike[] = [];
  const seen = new Set<string>();
  for (const w of windows) {
    const key = routeKey(w.method, w.route);
    const f = inFlight.get(key);
    if (f === undefined) rows.push(w);
    else {
      seen.add(key);
      rows.push({ ...w, in_flight: f.count, oldest_in_flight_ms: f.oldestMs });
    }
  }
  for (const [key, f] of inFlight) {
    if (seen.has(key)) continue;
    rows.push({
      method: f.method,
      route: f.route,
      count: 0,
      count_4xx: 0,
      count_5xx: 0,
      count_aborted: 0,
      latency: { p50_ms: 0, p95_ms: 0, p99_ms: 0, avg_ms: 0, max_ms: 0 }, // not shown: count 0 reads null
      time_ms: 0,
      satisfied: 0,
      tolerating: 0,
      apdex_t_ms: thresholdFor(apdex, f.method, f.route) / 1000,
      in_flight: f.count,
      oldest_in_flight_ms: f.oldestMs,
    });
  }
  return rows;
}

/** The health of `snapshot` (marked `cluster_mode` and `instance_conflict` as it is); with `detailed`, the snapshot itself and the channels' status (when any) beside it. */
export function healthWithDetails(
  snapshot: MetricsSnapshot,
  alertSystem: AlertSystem,
  notifications: NotificationRouter,
  options: HealthReadOptions,
): HealthStatus {
  const detailed = options.detailed ?? false;
  let health = alertSystem.getHealthStatus(snapshot);
  // Cluster mode asked for but off in this process: its health is this process's alone (cluster-start.ts).
  if (snapshot.cluster_mode) health = { ...health, cluster_mode: snapshot.cluster_mode };
  if (snapshot.instance_conflict) health = { ...health, instance_conflict: snapshot.instance_conflict };
  if (!detailed) return health;
  return notifications.active
    ? { ...health, metrics: snapshot, channels: notifications.status() }
    : { ...health, metrics: snapshot };
}

/** History for a period (1h by default) of this instance (by default) or `instance: 'all'`, downsampled. */
export function historyFor(
  store: MetricsStore,
  options: HistoryReadOptions,
  instanceId: string,
  now: number,
  resolutionMs: number,
): Promise<HistoryResult> {
  return queryHistory(store, {
    period: options.period ?? '1h',
    instance: options.instance ?? instanceId,
    now,
    resolutionMs,
  });
}

/**
 * monitor.getHistory(): as history/ answers it (outside review 34, RT34-3). A period other than 1h, 24h or 7d, or
 * an `instance` that is not this one, `'all'` or one with history in the store for the period (a typo), throws a
 * SysvitalsError `ERR_SYSVITALS_INVALID_OPTION` naming the known ones, not a TypeError or an empty series.
 */
export async function readHistory(
  store: MetricsStore,
  options: HistoryReadOptions | undefined,
  instanceId: string,
  now: number,
  resolutionMs: number,
): Promise<HistoryResult> {
  const opts = options ?? {};
  if (typeof opts !== 'object') throw invalidOption('getHistory(options): `options` must be an object');
  if (opts.period !== undefined && parsePeriod(opts.period) === null) {
    throw invalidOption(
      `getHistory(): \`period\` must be one of ${HISTORY_PERIODS.join(', ')} (got ${JSON.stringify(opts.period)})`,
    );
  }
  const instance = opts.instance;
  if (instance !== undefined && (typeof instance !== 'string' || instance === '')) {
    throw invalidOption('getHistory(): `instance` must be a non-empty string');
  }
  const history = await historyFor(store, opts, instanceId, now, resolutionMs);
  if (instance === undefined || instance === 'all' || instance === instanceId || history.points.length > 0) {
    return history;
  }
  const period = opts.period ?? '1h';
  const known =
    (await historyFor(store, { period, instance: 'all' }, instanceId, now, resolutionMs)).instances ?? [];
  const names = [...new Set(['all', instanceId, ...known])].map((n) => JSON.stringify(n)).join(', ');
  throw invalidOption(
    `getHistory(): \`instance\` ${JSON.stringify(instance)} is not this monitor's instance and has no history in the store for period ${period}; known: ${names}`,
  );
}
