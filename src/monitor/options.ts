// createMonitor's options: their types, names and defaults, the checks made before anything is built, and the events.

import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AlertEvent } from '../alerts/alert.js';
import type { AlertSystemOptions } from '../alerts/engine-options.js';
import type { MetricRuleOptions } from '../alerts/metric-rules.js';
import type { AlertRulesOptions } from '../alerts/rules.js';
import type { ChannelOptions } from '../channels/channel-config.js';
import type { MaintenanceWindowOptions } from '../channels/maintenance.js';
import type { RoutingOptions } from '../channels/routing-config.js';
import type { ClusterOptions } from '../cluster/options.js';
import type { CollectorPlugin } from '../collector/plugins.js';
import type { Probe } from '../collector/probes.js';
import { invalidOption, SysvitalsError } from '../errors.js';
import type { LoadReader } from '../lifecycle/load-watch.js';
import type { ProbeRulesOptions, ShedOptions, ShutdownOptions } from '../lifecycle/options.js';
import { clockOption } from '../options/clock.js';
import { checkInteger, rejectNullOptions, rejectUnknownOptions } from '../options/option-keys.js';
import type { ApdexOptions } from '../profiling/apdex.js';
import type { QueryStatsOptions } from '../profiling/query-options.js';
import type { SeriesHistoryOptions } from '../profiling/series-history.js';
import { checkStoreOption } from '../stores/options.js';
import type { MetricsStore } from '../stores/store.js';
import type { Clock, Logger, MetricsSnapshot } from '../types.js';

/** One finished request, as given to `monitor.recordRequest()`; duration in ms. */
export interface RequestRecord {
  method: string;
  /** The route template (`/users/:id`), never the raw URL. */
  route: string;
  status: number;
  durationMs: number;
  /**
   * With status 499 (the client closed before the response completed): true when the application had already ended
   * its response (`res.writableEnded` at the close), as the adapters tell. It is then an answered early close, counted
   * in `errors.count_aborted`, `count_aborted_early` and `count_aborted_answered` only: not a request, not a failure,
   * no latency, not toward `unanswered` (README, Recording requests by hand). Ignored with any other status.
   * @defaultValue false
   */
  answered?: boolean;
}

/** Options of createMonitor(): sampling, history, store, alerts, probes, custom metrics, cluster, … */
export interface MonitorOptions {
  /** How often host metrics are sampled, alerts evaluated and `metrics` emitted. 0 disables the timer. @defaultValue 5000 */
  sampleIntervalMs?: number;
  /** Width of one history bucket. @defaultValue 60000 */
  resolutionMs?: number;
  /** How long history is kept. @defaultValue 7 days */
  retentionMs?: number;
  /** Identifies this process in a shared store. @defaultValue `${hostname}:${pid}` */
  instanceId?: string;
  /** Where history points and alert history go. @defaultValue a MemoryStore bounded to the retention */
  store?: MetricsStore;
  /** Alert levels per rule (warning, critical, clear, for, enabled). */
  alerts?: AlertRulesOptions & {
    /** Rules on any metric by path (README "Rules on any metric"). */
    rules?: readonly MetricRuleOptions[];
  };
  /** Called for every alert event (raised, escalated, deescalated, cleared). */
  onAlert?: AlertSystemOptions['onAlert'];
  /** POST every alert event as JSON to this URL. */
  webhook?: AlertSystemOptions['webhook'];
  /**
   * Cluster mode (node:cluster, PM2 cluster mode): the workers elect one of themselves as aggregator
   * over a local socket, and the admin API of any worker answers for the whole cluster. Set it in
   * every worker; the primary needs nothing. See the README's "Cluster mode".
   */
  cluster?: boolean | ClusterOptions;
  /** Notification channels (Slack, email, SMS, Teams, Discord, PagerDuty, Alertmanager, webhook), each with its own filters. */
  channels?: ChannelOptions[];
  /** When channels are told: grouping window, repeat interval, inhibition, labels, dashboard link. */
  routing?: RoutingOptions;
  /** Maintenance windows (one-off or cron) during which matching alerts are not sent. */
  maintenance?: MaintenanceWindowOptions[];
  /** Alert history entries kept in memory. @defaultValue 1000 */
  alertHistoryLimit?: number;
  /** Dependency probes: `{ database: pgProbe(pool), redis: redisProbe(client) }`. */
  probes?: { database?: Probe; redis?: Probe };
  /** Request statistics window. @defaultValue 60000 */
  requestWindowMs?: number;
  /** Distinct method+route pairs tracked; the rest fold into `other`. @defaultValue 100 */
  maxRoutes?: number;
  /**
   * Request paths not monitored at all (README "Excluded routes"): neither counted, nor timed, nor in flight,
   * nor shed. A string is a path, excluding it and everything under it, in any letter case as Express and
   * @koa/router route (`'/events'`: `/events`, `/events/x`, `/EVENTS`); a RegExp is tested on the path with its
   * own flags (`/^\/poll\//i`). The query string is not matched.
   */
  excludeRoutes?: readonly (string | RegExp)[];
  /**
   * An aborted request (status 499: the connection closed before the response ended) counts as FAILED in the
   * error rates (error_rate alert, health) only when its client waited at least this long; every aborted
   * request is still counted (`count_aborted`, Prometheus). 0 counts them all as failed. @defaultValue 1000
   */
  abortedFailureMs?: number;
  /**
   * The `unanswered` verdict (no judged request completed in the window, at least `minRequests` early closes:
   * `errors` critical, error_rate alert, health 503) counts only the early closes whose client waited at least this
   * long. Quicker ones (a connection that sent `GET /<random>` and closed before the server could write even the
   * 404) are counted in `errors.count_aborted_quick` and not toward it. 0 counts every early close. Above
   * `abortedFailureMs` it acts as `abortedFailureMs`. @defaultValue 100
   */
  unansweredMinWaitMs?: number;
  /** Longest wait for one metric group or probe. @defaultValue 1000 */
  groupTimeoutMs?: number;
  /**
   * The event-loop delay histogram's resolution (`monitorEventLoopDelay`), ms: a stall at least this long is
   * always seen, a shorter one with a probability of its length over this (README "Runtime signals"). Finer
   * costs more: one native wake-up per resolution. At 50 or less a 100 ms histogram measures instead while nothing is
   * served (README "What the delay histogram sees"). @defaultValue 50
   */
  eventLoopResolutionMs?: number;
  /** pino-compatible. @defaultValue warnings and errors to stderr */
  logger?: Logger;
  /** The time source: an object with `now()` or a function (such as `Date.now`) returning ms since the epoch. @defaultValue Date.now */
  clock?: Clock | (() => number);
  /**
   * A monotonic time source in ms (an object with `now()` or a function), which times how long each history bucket
   * was recorded (`covered_seconds`), so that a wall clock stepped forward does not count the seconds it skipped, the
   * time since each job's last success (`expectEvery` staleness), and the liveness check's calls (docs/probes.md).
   * @defaultValue performance.now when `clock` is not given; with an injected `clock` and none here, that clock's differences
   */
  monotonicClock?: Clock | (() => number);
  /** Where procfs is mounted (tests). @defaultValue '/proc' */
  procRoot?: string;
  /** Collector plugins: groups of your own under `plugins.<name>` (see README "Collector plugins"). */
  collectors?: readonly CollectorPlugin[];
  /** Where sysfs is mounted, for container limits (tests). @defaultValue '/sys' */
  sysRoot?: string;
  /** Database query statistics (instrumentPg, instrumentMysql, instrumentRedis): bounds, slow log, Prometheus. */
  queries?: QueryStatsOptions;
  /** Apdex target time T in ms (default 500) and per-route overrides: `{ thresholdMs: 300, routes: { '/search': 1000 } }`. */
  apdex?: ApdexOptions;
  /** One-minute points for the busiest routes (`routes`, default 20) and the jobs, `minutes` (default 60) each; `history/?route=`. */
  routeHistory?: SeriesHistoryOptions;
  /** Background jobs: `maxJobs` (default 100; later names fold into `other`). */
  jobs?: { maxJobs?: number };
  /** What the liveness, readiness and startup probes check (README "Probes"). */
  probeRules?: ProbeRulesOptions;
  /** Opt-in load shedding: application requests get 503 with `Retry-After` while a limit is exceeded. */
  shed?: ShedOptions;
  /** Defaults for `shutdown()`: the delay before the server stops accepting, and the drain time. */
  shutdown?: ShutdownOptions;
  /**
   * On SIGTERM and SIGINT, run `shutdown()` (readiness 503, delay, drain, flush) and exit with code 0.
   * @defaultValue false
   */
  handleSignals?: boolean;
  /**
   * Reads event-loop delay, utilisation and memory for probes and shedding (tests).
   * @defaultValue the process
   * @internal
   */
  loadReader?: LoadReader;
}

/** `monitor.shutdown()` options: the servers to drain, and overrides of the `shutdown` option. */
export interface MonitorShutdownOptions extends ShutdownOptions {
  /** Servers to stop and drain, besides those the adapters saw serving requests. */
  server?: Server | readonly Server[];
}

/** The option names createMonitor takes (the adapters add the admin API's). */
export const MONITOR_OPTION_KEYS: readonly string[] = Object.freeze([
  'sampleIntervalMs',
  'resolutionMs',
  'retentionMs',
  'instanceId',
  'store',
  'alerts',
  'onAlert',
  'webhook',
  'cluster',
  'channels',
  'routing',
  'maintenance',
  'alertHistoryLimit',
  'probes',
  'requestWindowMs',
  'maxRoutes',
  'excludeRoutes',
  'abortedFailureMs',
  'unansweredMinWaitMs',
  'groupTimeoutMs',
  'eventLoopResolutionMs',
  'logger',
  'clock',
  'monotonicClock',
  'procRoot',
  'sysRoot',
  'collectors',
  'probeRules',
  'shed',
  'shutdown',
  'handleSignals',
  'loadReader',
  'queries',
  'jobs',
  'apdex',
  'routeHistory',
]);

/**
 * Options of the admin API (http/api.ts ADMIN_API_OPTION_KEYS; test/monitor.test.ts checks the two lists
 * agree). The core monitor serves no HTTP, so it refuses them saying where they belong.
 */
const ADMIN_OPTION_NAMES: readonly string[] = Object.freeze([
  'basePath',
  'basePathShared',
  'adminToken',
  'authorize',
  'trustProxy',
  'rateLimit',
  'metricsMaxAgeMs',
  'accessTokenTtlMs',
  'prometheus',
  'probePaths',
  'allowedHosts',
  'allowedOrigins',
]);

/** Not public (the core entry does not export it): for the test that keeps it equal to the admin API's option list. */
export const ADMIN_OPTIONS_OF_CORE_MONITOR = ADMIN_OPTION_NAMES;

function rejectAdminOptions(options: object): void {
  if (options === null || typeof options !== 'object') return;
  const key = Object.keys(options).find((k) => ADMIN_OPTION_NAMES.includes(k));
  if (key === undefined) return;
  throw new SysvitalsError(
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    `sysvitals: createMonitor: \`${key}\` is an admin API option, and the core monitor serves no HTTP. ` +
      `Pass it to createMonitor from sysvitals/express, sysvitals/fastify or sysvitals/koa, ` +
      `or to createAdminApi(monitor, { ${key} }) with a plain Node server.`,
  );
}

export const DEFAULT_MONITOR_OPTIONS = Object.freeze({
  sampleIntervalMs: 5000,
  resolutionMs: 60_000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
});

/** The monitor's events and their arguments (`monitor.on('metrics', fn)`, …). */
export interface MonitorEvents {
  metrics: [snapshot: MetricsSnapshot];
  alert: [event: AlertEvent];
  /** The monitor closed: live streams and WebSocket attachments end. */
  close: [];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The checks createMonitor makes before it builds anything: an options object, no admin API option (with
 * where it belongs), no unknown name, the intervals in range, a usable `instanceId`.
 */
/** The options once checked: `clock`, when given, is a Clock (a function was wrapped). */
export type CheckedMonitorOptions = MonitorOptions & { clock?: Clock; monotonicClock?: Clock };

/** Checks the options (a coded SysvitalsError when bad); returns them with a `clock` function wrapped as a Clock. */
export function checkMonitorOptions(options: MonitorOptions): CheckedMonitorOptions {
  if (options === null || typeof options !== 'object')
    throw invalidOption('sysvitals: options must be an object.');
  rejectAdminOptions(options);
  rejectUnknownOptions(options, MONITOR_OPTION_KEYS, 'sysvitals: createMonitor');
  // `alerts: null` has its own message, with the rule-level way to turn one off.
  rejectNullOptions(options, 'sysvitals: createMonitor', ['alerts']);
  checkInteger(options.sampleIntervalMs, 'sampleIntervalMs', 0, DAY_MS);
  checkInteger(options.resolutionMs, 'resolutionMs', 1000, DAY_MS);
  checkResolutionAligned(options.resolutionMs);
  checkInteger(options.retentionMs, 'retentionMs', 60_000, 366 * DAY_MS);
  checkInteger(options.eventLoopResolutionMs, 'eventLoopResolutionMs', 1, 60_000);
  // Before anything is built (RequestStats checks them again, for its own callers).
  checkInteger(options.abortedFailureMs, 'abortedFailureMs', 0, 3_600_000);
  checkInteger(options.unansweredMinWaitMs, 'unansweredMinWaitMs', 0, 3_600_000);
  if (
    options.instanceId !== undefined &&
    (typeof options.instanceId !== 'string' || options.instanceId === '')
  ) {
    throw invalidOption('sysvitals: `instanceId` must be a non-empty string.');
  }
  if (!/^[\x21-\x7e]{1,256}$/.test(options.instanceId ?? 'x')) {
    throw invalidOption(
      `sysvitals: \`instanceId\` ${JSON.stringify(options.instanceId)} must be printable ASCII without spaces, ` +
        'at most 256 characters, as `?instance=` takes it (for example `api-1` or `host:3000`).',
    );
  }
  if (options.instanceId === 'all') {
    throw invalidOption('sysvitals: `instanceId` cannot be "all": it names the fleet view.');
  }
  checkStoreOption('sysvitals', options.store);
  const clock = clockOption('sysvitals', options.clock);
  const monotonicClock = clockOption('sysvitals (monotonicClock)', options.monotonicClock);
  if (clock === undefined && monotonicClock === undefined) return options as CheckedMonitorOptions;
  return {
    ...options,
    ...(clock === undefined ? {} : { clock }),
    ...(monotonicClock === undefined ? {} : { monotonicClock }),
  } as CheckedMonitorOptions;
}

/** The history periods' steps (history/periods.ts PERIODS): 1, 5 and 30 minutes. */
const STEPS_MS = [60_000, 300_000, 1_800_000];

/**
 * History steps (1, 5 and 30 minutes) are whole numbers of buckets aligned to the clock only when, for each step,
 * the smaller of it and the resolution divides the larger, and the resolution divides a day.
 */
function checkResolutionAligned(ms: number | undefined): void {
  if (ms === undefined) return;
  const aligned =
    DAY_MS % ms === 0 && STEPS_MS.every((step) => (ms <= step ? step % ms === 0 : ms % step === 0));
  if (aligned) return;
  throw invalidOption(
    `sysvitals: \`resolutionMs\` ${ms} does not fit the history's clock-aligned steps (1, 5 and 30 minutes): use ` +
      'a divisor of 60000 (1000, 5000, 10000, 15000, 30000, 60000 …), 300000, 600000, 900000, 1800000, or whole ' +
      'half-hours dividing a day (3600000 … 86400000).',
  );
}

/**
 * The instance id: the option, else a store's own (RedisStore names this process, so that points and alert
 * records carry the same id), else `host:pid`. In cluster mode `instanceId` and the store belong to the
 * cluster's monitor (on the aggregator), and the worker, which keeps its history in memory, is `host:pid`.
 */
export function instanceIdOf(options: MonitorOptions, clustered: boolean): string {
  const storeInstance = (options.store as { instanceId?: unknown } | undefined)?.instanceId;
  return clustered
    ? `${hostname()}:${process.pid}`
    : (options.instanceId ??
        (typeof storeInstance === 'string' ? storeInstance : `${hostname()}:${process.pid}`));
}
