// SystemMonitor: wires collector, request stats, alerts, history and store; owns the timers; emits events.

import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { availableParallelism, hostname } from 'node:os';
import {
  type AlertObservation,
  AlertSystem,
  type AlertSystemOptions,
  DEFAULT_HISTORY_READ_LIMIT,
} from './alerts/engine.js';
import { type MetricRuleOptions, metricRuleSource, parseMetricRules } from './alerts/metric-rules.js';
import { predictRules } from './alerts/predict-rules.js';
import { type AlertRulesConfig, type AlertRulesOptions, parseRules } from './alerts/rules.js';
import { snapshotShape } from './alerts/snapshot-shape.js';
import { RULE_NAMES, type RuleLevels, type RuleName } from './alerts/thresholds.js';
import { Analytics } from './analytics/analytics.js';
import { type CapacityReport, computeCapacity } from './analytics/capacity.js';
import type { ChannelOptions } from './channels/channel-config.js';
import type { MaintenanceWindowOptions } from './channels/maintenance.js';
import { NotificationRouter } from './channels/router.js';
import type { RoutingOptions } from './channels/routing-config.js';
import { ClusterAgent } from './cluster/agent.js';
import { type ClusterOptions, parseClusterOptions } from './cluster/options.js';
import { ClusterSource } from './cluster/source.js';
import { listenThreads } from './cluster/thread.js';
import { type CollectorPlugin, MetricsCollector, type Probe } from './collector/index.js';
import { checkLevelsAgainstProbe } from './collector/probes.js';
import {
  type Counter,
  type CounterOptions,
  type CustomBucketEntry,
  type CustomHistogram,
  CustomMetrics,
  type Gauge,
  type GaugeOptions,
  type HistogramOptions,
} from './custom/index.js';
import { invalidOption, SysvitalsError } from './errors.js';
import { FunctionTimings } from './functions/function-stats.js';
import { adoptDefaultFunctionStats, releaseDefaultRecorder } from './functions/timing.js';
import { BucketAggregator } from './history/bucket-aggregator.js';
import type { HistoryResult } from './history/point.js';
import { queryHistory } from './history/query.js';
import { type ConnectionCounter, type TrackedServer, trackWebSockets } from './http/track-websockets.js';
import {
  attachWebSocket,
  type UpgradeServer,
  type WebSocketAttachment,
  type WebSocketOptions,
} from './http/websocket.js';
import { Lifecycle, type ProbeVerdict } from './lifecycle/lifecycle.js';
import type { LoadReader } from './lifecycle/load-watch.js';
import {
  type ProbeRulesOptions,
  parseProbeRules,
  parseShed,
  parseShutdown,
  type ShedOptions,
  type ShutdownConfig,
  type ShutdownOptions,
} from './lifecycle/options.js';
import { drainAndClose, type ShutdownReport } from './lifecycle/shutdown.js';
import { consoleLogger, errorMessage } from './logger.js';
import { checkInteger, rejectUnknownOptions } from './options/option-keys.js';
import type { ApdexOptions } from './profiling/apdex.js';
import { type EndpointRow, type EndpointSort, endpointRows, overallApdex } from './profiling/endpoints.js';
import { errorText, type JobOptions, JobStats, wrapJob } from './profiling/jobs.js';
import { QueryStats, type QueryStatsOptions, type QuerySystem } from './profiling/query-stats.js';
import {
  type RouteTotals,
  routeKey,
  SeriesHistory,
  type SeriesHistoryOptions,
} from './profiling/series-history.js';
import { RequestStats } from './requests/requests.js';
import { MemoryStore } from './stores/memory.js';
import type { MetricsStore } from './stores/store.js';
import type {
  Alert,
  AlertEvent,
  AlertRecord,
  AlertsReadOptions,
  ApdexGroup,
  Clock,
  ComponentStatus,
  HealthReadOptions,
  HealthStatus,
  HistoryPeriod,
  HistoryReadOptions,
  Logger,
  MetricsReadOptions,
  MetricsSnapshot,
} from './types.js';

/** The store state blob holding the per-route and per-job one-minute series. */
const SERIES_STATE = 'route-history';

export interface RequestRecord {
  method: string;
  /** The route template (`/users/:id`), never the raw URL. */
  route: string;
  status: number;
  durationMs: number;
}

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
  /** Longest wait for one metric group or probe. @defaultValue 1000 */
  groupTimeoutMs?: number;
  /** pino-compatible. @defaultValue warnings and errors to stderr */
  logger?: Logger;
  /** @defaultValue Date.now */
  clock?: Clock;
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
  /** Reads event-loop delay, utilisation and memory for probes and shedding (tests). @defaultValue the process */
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
  'groupTimeoutMs',
  'logger',
  'clock',
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

/** @internal Exported for the test that keeps it equal to the admin API's option list. */
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

const DAY_MS = 24 * 60 * 60 * 1000;
/** The store's name for the anomaly models' state. */
const ANALYTICS_STATE = 'anomaly';

export interface MonitorEvents {
  metrics: [snapshot: MetricsSnapshot];
  alert: [event: AlertEvent];
  /** The monitor closed: live streams and WebSocket attachments end. */
  close: [];
}

/** The rule levels (warning/critical) the collector uses for statuses and `threshold` fields. */
function levelsOf(rules: AlertRulesConfig): Record<RuleName, RuleLevels> {
  const levels = {} as Record<RuleName, RuleLevels>;
  for (const name of RULE_NAMES)
    levels[name] = { warning: rules[name].warning, critical: rules[name].critical };
  return levels;
}

export class SystemMonitor extends EventEmitter<MonitorEvents> {
  readonly collector: MetricsCollector;
  readonly alertSystem: AlertSystem;
  /** Channels, routing, silences and maintenance windows. */
  readonly notifications: NotificationRouter;
  /** Cluster mode: this worker's side of the cluster (role, id); null otherwise. */
  readonly cluster: ClusterAgent | null = null;
  /** Cluster mode: what the admin API reads (the cluster by default, `instance=` for one worker); null otherwise. */
  readonly clusterSource: ClusterSource | null = null;
  private decorator: ((snapshot: MetricsSnapshot) => MetricsSnapshot) | null = null;
  private stopThreads: (() => void) | null = null;
  private unusedStore: MetricsStore | null = null;
  readonly requests: RequestStats;
  readonly functions: FunctionTimings;
  /** Database query statistics by fingerprint, fed by instrumentPg / instrumentMysql / instrumentRedis. */
  readonly queries: QueryStats;
  /** Background job statistics, fed by `monitor.job()` and `@timed({ job: true })`. */
  readonly jobs: JobStats;
  /** Counters, gauges and histograms created with counter(), gauge() and histogram(). */
  readonly custom: CustomMetrics;
  /** One-minute points per route (the busiest) and per job, kept in the store's state blob. */
  readonly series: SeriesHistory;
  readonly store: MetricsStore;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly sampleIntervalMs: number;
  readonly resolutionMs: number;
  readonly retentionMs: number;
  /** Anomaly scores, trends and the analytics alert rules (src/analytics). */
  readonly analytics: Analytics;

  private readonly aggregator = new BucketAggregator();
  private bucketStart: number;
  /** `t` of the last point written (-Infinity before the first). */
  private lastLabel = Number.NEGATIVE_INFINITY;
  private latest: MetricsSnapshot | undefined;
  private latestAt = 0;
  private refreshing: Promise<MetricsSnapshot> | undefined;
  private sampling: Promise<MetricsSnapshot> | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private bucketTimer: NodeJS.Timeout | undefined;
  private websockets = 0;
  private closing: Promise<void> | undefined;
  private readonly ownsFunctions: boolean;
  /** Starting, serving or draining; in-flight requests; load shedding; the probes' verdicts. */
  readonly lifecycle: Lifecycle;
  private readonly shutdownConfig: ShutdownConfig;
  private shuttingDown: Promise<ShutdownReport> | undefined;
  private signalHandler: ((signal: NodeJS.Signals) => void) | undefined;
  /** Saved model state is read before the first save, so a restart does not overwrite it. */
  private stateLoaded = false;

  constructor(options: MonitorOptions = {}) {
    super();
    if (options === null || typeof options !== 'object')
      throw invalidOption('sysvitals: options must be an object.');
    rejectAdminOptions(options);
    rejectUnknownOptions(options, MONITOR_OPTION_KEYS, 'sysvitals: createMonitor');
    checkInteger(options.sampleIntervalMs, 'sampleIntervalMs', 0, DAY_MS);
    checkInteger(options.resolutionMs, 'resolutionMs', 1000, DAY_MS);
    checkInteger(options.retentionMs, 'retentionMs', 60_000, 366 * DAY_MS);
    if (
      options.instanceId !== undefined &&
      (typeof options.instanceId !== 'string' || options.instanceId === '')
    ) {
      throw invalidOption('sysvitals: `instanceId` must be a non-empty string.');
    }
    if (options.instanceId === 'all') {
      throw invalidOption('sysvitals: `instanceId` cannot be "all": it names the fleet view.');
    }
    this.sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_MONITOR_OPTIONS.sampleIntervalMs;
    this.resolutionMs = options.resolutionMs ?? DEFAULT_MONITOR_OPTIONS.resolutionMs;
    this.retentionMs = options.retentionMs ?? DEFAULT_MONITOR_OPTIONS.retentionMs;
    this.clock = options.clock ?? { now: Date.now };
    this.logger = options.logger ?? consoleLogger;
    const clusterConfig = parseClusterOptions(options.cluster);
    // A store with an instance id of its own (RedisStore) names this process unless told otherwise,
    // so that points and alert records carry the same id. In cluster mode `instanceId` and the store
    // belong to the cluster's monitor (on the aggregator); the worker keeps its history in memory.
    const storeInstance = (options.store as { instanceId?: unknown } | undefined)?.instanceId;
    this.instanceId = clusterConfig
      ? `${hostname()}:${process.pid}`
      : (options.instanceId ??
        (typeof storeInstance === 'string' ? storeInstance : `${hostname()}:${process.pid}`));

    // `alerts.rules` (rules on any metric) is an array beside the built-in rules' object.
    const { rules: metricRulesOption, ...builtInRules } = (options.alerts ?? {}) as AlertRulesOptions & {
      rules?: unknown;
    };
    const rules = parseRules(builtInRules);
    const metricRules = parseMetricRules(
      metricRulesOption,
      snapshotShape(
        Array.isArray(options.collectors) ? options.collectors.map((c) => String(c?.name)) : [],
        Object.keys(rules),
      ),
    );
    const levels = levelsOf(rules);
    // Checked here with the monitor's option names; the collector checks the same for its own options.
    const database = options.probes?.database;
    if (database !== null && typeof database === 'object') {
      checkLevelsAgainstProbe(rules.db_latency, database, {
        levels: 'alerts.db_latency',
        probe: 'probes.database',
      });
    }
    this.alertSystem = new AlertSystem({
      rules,
      clock: this.clock,
      logger: this.logger,
      historyLimit: options.alertHistoryLimit,
      // In cluster mode alerts are delivered once, by the cluster's monitor.
      onAlert: clusterConfig ? undefined : options.onAlert,
      webhook: clusterConfig ? undefined : options.webhook,
    });
    if (metricRules.length > 0) this.alertSystem.addObservationSource(metricRuleSource(metricRules));
    this.notifications = new NotificationRouter({
      channels: clusterConfig ? undefined : options.channels,
      routing: clusterConfig ? undefined : options.routing,
      maintenance: options.maintenance,
      clock: this.clock,
      logger: this.logger,
      host: hostname(),
      instance: this.instanceId,
    });
    // Without an injected clock the @timed statistics keep the coarse clock (see RequestStats).
    const adopted = adoptDefaultFunctionStats(this, options.clock);
    this.ownsFunctions = adopted === null;
    this.functions = adopted ?? new FunctionTimings({ clock: options.clock });
    this.requests = new RequestStats({
      // Without an injected clock, the hot path reads the coarse clock rather than Date.now().
      clock: options.clock,
      windowMs: options.requestWindowMs,
      maxRoutes: options.maxRoutes,
      levels,
      minRequests: rules.error_rate.minRequests,
      functions: this.functions,
      apdex: options.apdex,
    });
    this.queries = new QueryStats(options.queries, options.clock);
    this.jobs = new JobStats({ ...(options.jobs ?? {}), clock: this.clock });
    if (clusterConfig && options.store) this.unusedStore = options.store;
    this.custom = new CustomMetrics(options.requestWindowMs ?? 60_000);
    this.series = new SeriesHistory(options.routeHistory);
    this.store =
      (clusterConfig ? undefined : options.store) ??
      new MemoryStore({
        retentionMs: this.retentionMs,
        resolutionMs: this.resolutionMs,
        alertLimit: options.alertHistoryLimit,
        clock: this.clock,
      });
    this.collector = new MetricsCollector({
      clock: this.clock,
      logger: this.logger,
      levels,
      probes: options.probes,
      groupTimeoutMs: options.groupTimeoutMs,
      procRoot: options.procRoot,
      sysRoot: options.sysRoot,
      plugins: options.collectors,
      sources: {
        custom: () => this.custom.snapshot(this.clock.now()),
        requests: () => this.requests.groups(),
        websocketConnections: () => this.websockets,
      },
    });
    // A store that talks to Redis reports its own health in the snapshot's `redis` group,
    // unless the user registered a redis probe of their own.
    if (!options.probes?.redis && this.store.probe) this.collector.setProbe('redis', this.store.probe());

    if (options.handleSignals !== undefined && typeof options.handleSignals !== 'boolean') {
      throw invalidOption('sysvitals: `handleSignals` must be true or false.');
    }
    const dependencies = Object.keys(options.probes ?? {}).concat(
      !options.probes?.redis && this.store.probe ? ['redis'] : [],
    );
    const probeRules = parseProbeRules(options.probeRules, dependencies);
    const shed = parseShed(options.shed);
    this.shutdownConfig = parseShutdown(options.shutdown);
    this.lifecycle = new Lifecycle({
      rules: probeRules,
      shed,
      reader: options.loadReader,
      dependencyStatus: (name) =>
        (this.latest as unknown as Record<string, { status?: ComponentStatus } | undefined> | undefined)?.[
          name
        ]?.status,
      onShedChange: (reason) => {
        if (reason) this.logger.warn({ reason }, `sysvitals: shedding load: ${reason}`);
        else this.logger.warn({}, 'sysvitals: load back under the limits; no longer shedding');
      },
    });
    if (options.handleSignals) this.handleSignals();
    this.analytics = new Analytics({
      anomaly: rules.anomaly,
      diskFull: rules.disk_full_in,
      memoryLeak: rules.memory_leak,
      predict: predictRules(rules),
    });
    this.alertSystem.addObservationSource(
      (snapshot) => this.analytics.observations(snapshot) as AlertObservation[],
    );

    this.alertSystem.on('alert', (event) => {
      this.emit('alert', event);
    });
    if (this.notifications.active) {
      const router = this.notifications;
      this.alertSystem.setSuppressor((alert, active) => router.classify(alert, active));
      this.alertSystem.on('alert', (event) => router.notify(event));
    }
    this.alertSystem.setRecorder((record) => this.store.appendAlert(record));

    this.bucketStart = this.alignedBucketStart(this.clock.now());
    void this.initStore();
    this.start();
    // Requests and @timed calls of this process's worker threads (connectThread()) count here.
    if (adopted !== null) this.stopThreads = listenThreads(this, this.logger);
    if (clusterConfig) this.startCluster(options, clusterConfig);
  }

  private startCluster(
    options: MonitorOptions,
    config: NonNullable<ReturnType<typeof parseClusterOptions>>,
  ): void {
    this.requests.trackRouteLatency();
    const clusterInstance = options.instanceId ?? `${hostname()}:${config.name}`;
    // The cluster's monitor: the user's store, alert delivery and probes; no process lifecycle.
    const clusterOptions: MonitorOptions = { ...options, cluster: false, instanceId: clusterInstance };
    for (const key of ['handleSignals', 'shed', 'shutdown', 'loadReader', 'probeRules'] as const) {
      delete clusterOptions[key];
    }
    const agent = new ClusterAgent(this, config, {
      logger: this.logger,
      now: () => this.clock.now(),
      createClusterMonitor: () => {
        this.unusedStore = null;
        return new SystemMonitor(clusterOptions);
      },
    });
    const self = this as { cluster: ClusterAgent | null; clusterSource: ClusterSource | null };
    self.cluster = agent;
    self.clusterSource = new ClusterSource(agent, this, {
      logger: this.logger,
      clock: this.clock,
      instanceId: clusterInstance,
      probe: (kind) => this.probe(kind),
      notifications: () =>
        (agent.clusterMonitor as SystemMonitor | null)?.notifications ?? this.notifications,
    });
  }

  /** @internal Cluster mode: the aggregator rewrites the cluster's snapshots (process sums, worker list). */
  decorateSnapshots(fn: (snapshot: MetricsSnapshot) => MetricsSnapshot): void {
    this.decorator = fn;
  }

  /** Hot path: O(1), never throws, never awaits. Called once per request by the adapters, when it ends. */
  recordRequest(r: RequestRecord): void {
    this.lifecycle.ended();
    this.requests.record(r.method, r.route, r.status, r.durationMs);
  }

  /**
   * Hot path, at the start of an application request (the adapters call it): counts it in flight, or,
   * while load is being shed, answers 503 with `Retry-After` and returns false.
   */
  admitRequest(req: IncomingMessage, res: ServerResponse): boolean {
    return this.lifecycle.admit(req, res);
  }

  /** Tells the startup probe the application is ready (needed when `probeRules.waitForReady` is set). */
  ready(): void {
    this.lifecycle.markReady();
  }

  /** The verdict of the liveness, readiness or startup probe, from state already held (never collects). */
  probe(kind: 'live' | 'ready' | 'startup'): ProbeVerdict | Promise<ProbeVerdict> {
    if (kind === 'live') return this.lifecycle.live();
    return kind === 'ready' ? this.lifecycle.ready() : this.lifecycle.startup();
  }

  /**
   * Graceful shutdown: readiness fails at once; after `delayMs` the servers stop accepting; in-flight
   * requests get `drainMs` to finish (keep-alive responses carry `Connection: close`); then the last
   * history bucket and queued alerts are flushed and the monitor closes. Idempotent.
   */
  shutdown(options: MonitorShutdownOptions = {}): Promise<ShutdownReport> {
    if (!this.shuttingDown) {
      const { server, ...rest } = options ?? {};
      const config = parseShutdown({ ...this.shutdownConfig, ...rest }, 'shutdown()');
      const servers = server === undefined ? [] : Array.isArray(server) ? server : [server as Server];
      this.shuttingDown = drainAndClose({
        lifecycle: this.lifecycle,
        servers,
        config,
        logger: this.logger,
        closeMonitor: () => this.close(),
      });
    }
    return this.shuttingDown;
  }

  /**
   * A custom counter (`custom.<name>` in snapshots, `<prefix><name>` in Prometheus, a dashboard panel).
   * Creating the same name again with the same options returns the same counter.
   */
  counter(name: string, options?: CounterOptions): Counter {
    return this.custom.counter(name, options);
  }

  /** A custom gauge: set/inc/dec, or a `collect` callback read at each sample. */
  gauge(name: string, options?: GaugeOptions): Gauge {
    return this.custom.gauge(name, options);
  }

  /** A custom HDR histogram: percentiles over the request window, since-start totals for Prometheus. */
  histogram(name: string, options?: HistogramOptions): CustomHistogram {
    return this.custom.histogram(name, options);
  }

  /** Called by `@timed` for every call of a decorated function. */
  recordFunction(name: string, durationMs: number, failed: boolean): void {
    this.functions.record(name, durationMs, failed);
  }

  /**
   * Called by the database instrumentations for every finished query: its fingerprint (never its
   * text or values), duration, whether it failed, and the route that issued it when known.
   */
  recordQuery(
    system: QuerySystem,
    fingerprint: string,
    durationMs: number,
    failed: boolean,
    route?: string,
  ): void {
    this.queries.record(system, fingerprint, durationMs, failed, route);
  }

  /**
   * Wraps a background job: every call of the returned function is a run, timed and recorded under
   * `name` (runs, failures, duration, last success, last failure with its message). The wrapper keeps
   * the arguments, `this` and the result (a promise settles with the same value or error). With
   * `expectEvery: '5m'`, the `job_stale` alert fires when no run has succeeded for about twice that.
   * Works for `setInterval(monitor.job('cleanup', fn), …)` and queue workers alike
   * (`new Worker('mail', monitor.job('mail', handler))`).
   */
  job<F extends (...args: never[]) => unknown>(name: string, fn: F, options?: JobOptions): F {
    return wrapJob(this.jobs, name, fn, options);
  }

  /**
   * The endpoints table over the request window: one row per method + route template with rate,
   * counts (4xx, 5xx, aborted), error %, p50/p95/p99/max, share of server time and Apdex, sorted by
   * `sort` (`time`, `p95`, `rate`, `errors`, or `apdex` worst first), at most `limit` rows; with the
   * server-wide Apdex.
   */
  endpoints(
    sort: EndpointSort = 'time',
    limit = 100,
  ): { window_seconds: number; apdex: ApdexGroup; routes: EndpointRow[] } {
    const windows = this.requests.endpointWindows();
    const spanMs = this.requests.windowSpanMs(); // less than the window's length in the first minute
    return {
      window_seconds: spanMs / 1000,
      apdex: overallApdex(windows, this.requests.config.apdex.thresholdUs / 1000),
      routes: endpointRows(windows, spanMs, sort, limit),
    };
  }

  /** Requests since start per `METHOD route` (for the one-minute route series). */
  private routeTotals(): Map<string, RouteTotals> {
    const out = new Map<string, RouteTotals>();
    const get = (method: string, route: string) => {
      const key = routeKey(method, route);
      let t = out.get(key);
      if (t === undefined) {
        t = { count: 0, count_5xx: 0, count_aborted: 0 };
        out.set(key, t);
      }
      return t;
    };
    for (const r of this.requests.routeTotals()) {
      const t = get(r.method, r.route);
      t.count += r.count;
      if (r.status_class === '5xx') t.count_5xx += r.count;
    }
    for (const a of this.requests.abortedTotals()) get(a.method, a.route).count_aborted += a.count;
    return out;
  }

  /** Records one finished job run (what `monitor.job` and `@timed({ job: true })` call). Never throws. */
  recordJob(name: string, durationMs: number, failed: boolean, error?: unknown): void {
    this.jobs.record(name, durationMs, failed, failed ? errorText(error) : undefined);
  }

  /** One sample cycle now: collect, evaluate alerts, emit `metrics`, add to the current bucket. */
  sample(): Promise<MetricsSnapshot> {
    this.sampling ??= this.sampleNow().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  /**
   * The latest snapshot, collected on demand when older than `maxAgeMs`; concurrent callers share
   * one collection. Alerts are evaluated on it, but it is not added to history (samples are).
   */
  getMetrics(options: MetricsReadOptions = {}): Promise<MetricsSnapshot> {
    const maxAgeMs = options.maxAgeMs ?? 1000;
    if (this.latest && this.clock.now() - this.latestAt <= maxAgeMs) return Promise.resolve(this.latest);
    if (this.sampling) return this.sampling;
    this.refreshing ??= this.collector
      .collect()
      .then((snapshot) => this.accept(snapshot))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** The green/yellow/red status and 0-100 score, derived from the latest snapshot and the active alerts. */
  async getHealth(options: HealthReadOptions = {}): Promise<HealthStatus> {
    const detailed = options.detailed ?? false;
    const snapshot = await this.getMetrics();
    const health = this.alertSystem.getHealthStatus(snapshot);
    if (!detailed) return health;
    return this.notifications.active
      ? { ...health, metrics: snapshot, channels: this.notifications.status() }
      : { ...health, metrics: snapshot };
  }

  /** Active alerts, or the history (newest first) from the store, which outlives the process with Redis. */
  async getAlerts(options: AlertsReadOptions = {}): Promise<Alert[] | AlertRecord[]> {
    const opts = { history: options.history ?? false, limit: options.limit ?? DEFAULT_HISTORY_READ_LIMIT };
    if (!opts.history) return this.alertSystem.getActiveAlerts().slice(0, opts.limit);
    try {
      return (await this.store.readAlerts(opts.limit)) as AlertRecord[];
    } catch (err) {
      this.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: alert history unavailable from the store; serving memory',
      );
      return this.alertSystem.getAlertHistory(opts.limit);
    }
  }

  /** History for a period, downsampled; `instance: 'all'` merges every instance sharing the store. */
  getHistory(options: HistoryReadOptions = {}): Promise<HistoryResult> {
    const instance = options.instance ?? this.instanceId;
    return queryHistory(this.store, {
      period: options.period ?? '1h',
      instance,
      now: this.clock.now(),
      resolutionMs: this.resolutionMs,
    });
  }

  /**
   * Capacity planning over the stored history (up to 7 days): growth per day, headroom to the CPU
   * and memory warning levels, busiest hour and weekday, requests per second per core; each figure
   * with its confidence, or null with "too little data".
   */
  async capacity(): Promise<CapacityReport> {
    const h = await this.getHistory({ period: '7d' });
    const snapshot = this.latest;
    const cores = snapshot?.cpu?.limit_cores ?? snapshot?.cpu?.core_count ?? availableParallelism();
    const rules = this.alertSystem.rules;
    return {
      generated_at: new Date(this.clock.now()).toISOString(),
      ...computeCapacity({
        points: h.points,
        stepMs: h.step_seconds * 1000,
        cores,
        cpuWarning: rules.cpu.warning,
        memoryWarning: rules.memory.warning,
      }),
    };
  }

  /**
   * Closes the current bucket into a history point now and writes it. Buckets partition time, whatever
   * the order of flushes, closes and clock steps: each one runs from the previous flush to this one, so
   * nothing is counted twice or lost, and each point's `t` (see bucketLabel) is later than the last
   * one's, so no bucket is written twice and none goes backwards. A clock that stands still or steps
   * back is taken as 1 ms later than the bucket's start.
   */
  async flush(): Promise<void> {
    const start = this.bucketStart;
    const now = this.clock.now();
    const end = now > start ? now : start + 1;
    this.bucketStart = end;
    const label = this.bucketLabel(start, end);
    // Before the bucket closes: each route's window is then the minute just ended.
    this.series.addMinute(
      start,
      this.requests.endpointWindows(),
      this.routeTotals(),
      this.jobs.totalCounts(),
    );
    if (this.stateLoaded) {
      await this.store.saveState?.(this.instanceId, SERIES_STATE, this.series.export()).catch(() => {});
    }
    const bucket = this.requests.takeBucket();
    const custom = this.custom.takeBucket(now);
    if (this.aggregator.samples === 0 && bucket.requests === 0 && !hasCustomFigures(custom)) return;
    this.lastLabel = label;
    const point = this.aggregator.close(label, bucket, custom);
    try {
      const scores = this.analytics.scorePoint(point);
      if (Object.keys(scores).length > 0) point.anomaly = scores;
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'sysvitals: anomaly scoring failed');
    }
    try {
      await this.store.appendPoint(this.instanceId, point);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'sysvitals: could not write a history point');
    }
    // The models survive a restart with a shared store (RedisStore); a failed save is retried next minute.
    if (this.stateLoaded) {
      await this.store
        .saveState?.(this.instanceId, ANALYTICS_STATE, this.analytics.exportState())
        .catch(() => {});
    }
  }

  /**
   * Counts the connections of your WebSocket server in the snapshot's `websocket.active_connections`:
   * a `ws` WebSocketServer, a socket.io Server, or any emitter of `connection` whose argument emits
   * `close` or `disconnect`. Returns a function that stops counting.
   */
  trackWebSockets(server: TrackedServer): () => void {
    return trackWebSockets(this.connections, server);
  }

  /**
   * Serves the live events (`metrics`, `alert`, `health`) over WebSocket on `<basePath>/ws` (or `path`) of
   * your HTTP server; other upgrade paths stay yours. Upgrades are checked as the admin API checks requests
   * (`adminToken`, `authorize`, `trustProxy`; loopback only without them). Adapter monitors use their
   * mounted admin API's checks. Needs the optional peer `ws`.
   */
  attachWebSocket(server: UpgradeServer, options?: WebSocketOptions): WebSocketAttachment {
    return attachWebSocket(this, server, options);
  }

  // Connection counting for trackWebSockets (not public: the count follows the tracked servers).
  private readonly connections: ConnectionCounter = {
    websocketOpened: () => {
      this.websockets++;
    },
    websocketClosed: () => {
      if (this.websockets > 0) this.websockets--;
    },
  };

  /** Stops the timers, writes the last bucket, closes the store. Idempotent; lets the process exit. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  private handleSignals(): void {
    const handler = (signal: NodeJS.Signals): void => {
      this.logger.warn({ signal }, `sysvitals: ${signal} received; draining before exit`);
      void this.shutdown().then((report) => {
        process.exit(report.dropped > 0 ? 1 : 0);
      });
    };
    this.signalHandler = handler;
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }

  private async closeNow(): Promise<void> {
    if (this.signalHandler) {
      process.off('SIGTERM', this.signalHandler);
      process.off('SIGINT', this.signalHandler);
    }
    this.lifecycle.beginDrain();
    this.lifecycle.close();
    this.stopThreads?.();
    // The last interval goes to the aggregator (or, on the aggregator, into the ledger) first.
    await this.cluster?.close();
    if (this.unusedStore) {
      try {
        await this.unusedStore.close();
      } catch (err) {
        this.logger.warn({ err: errorMessage(err) }, 'sysvitals: store did not close cleanly');
      }
    }
    clearInterval(this.sampleTimer);
    clearTimeout(this.bucketTimer);
    releaseDefaultRecorder(this);
    // A sample under way belongs to the last bucket: let it land (it cannot hang: groups have deadlines).
    await this.sampling?.catch(() => undefined);
    await this.flush();
    // Queued notifications are delivered, side by side: the `webhook` option's queue (the last sample's
    // alerts included) bounded by its timeoutMs, the channels bounded by routing.closeTimeoutMs.
    await Promise.all([this.alertSystem.drainAndClose(), this.notifications.close()]);
    this.collector.close();
    await this.collector.closePlugins();
    this.requests.close();
    this.queries.close();
    if (this.ownsFunctions) this.functions.close();
    try {
      await this.store.close();
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'sysvitals: store did not close cleanly');
    }
    this.clusterSource?.emit('close');
    try {
      this.emit('close');
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'sysvitals: a close listener threw');
    }
    this.removeAllListeners();
  }

  private start(): void {
    if (this.sampleIntervalMs > 0) {
      this.sampleTimer = setInterval(() => void this.sample(), this.sampleIntervalMs);
      this.sampleTimer.unref();
    }
    this.scheduleBucket();
  }

  private scheduleBucket(): void {
    // At the next resolution boundary after now, whenever the last bucket ended (a flush in between
    // must not leave the schedule a bucket late).
    const now = this.clock.now();
    const next = this.alignedBucketStart(now) + this.resolutionMs - now;
    const delay = Number.isFinite(next) ? Math.max(0, next) : this.resolutionMs;
    this.bucketTimer = setTimeout(() => {
      if (this.closing) return;
      void this.flush().finally(() => {
        if (!this.closing) this.scheduleBucket();
      });
    }, delay);
    this.bucketTimer.unref();
  }

  private async initStore(): Promise<void> {
    try {
      await this.store.init?.();
    } catch (err) {
      this.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: store init failed; points are buffered until it answers',
      );
    }
    try {
      const series = await this.store.loadState?.(this.instanceId, SERIES_STATE);
      if (series) this.series.import(series);
    } catch {
      // route history is a cache: start fresh
    }
    try {
      const saved = await this.store.loadState?.(this.instanceId, ANALYTICS_STATE);
      if (saved) this.analytics.importState(saved);
    } catch (err) {
      this.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: anomaly model state could not be read from the store; the models start fresh',
      );
    } finally {
      this.stateLoaded = true;
    }
  }

  private async sampleNow(): Promise<MetricsSnapshot> {
    const snapshot = this.accept(await this.collector.collect());
    this.lifecycle.markSampled();
    this.aggregator.add(snapshot);
    this.emitSafely('metrics', snapshot);
    return snapshot;
  }

  private accept(collected: MetricsSnapshot): MetricsSnapshot {
    let snapshot = collected;
    if (this.decorator) {
      try {
        snapshot = this.decorator(collected);
      } catch (err) {
        this.logger.error({ err: errorMessage(err) }, 'sysvitals: cluster snapshot decoration failed');
      }
    }
    const shedding = this.lifecycle.takeShedding();
    const requests = snapshot.requests;
    if (requests) {
      requests.in_flight = this.lifecycle.inFlight;
      requests.shed_total = this.lifecycle.shedTotal;
      requests.shedding = shedding;
    }
    snapshot.apdex = overallApdex(
      this.requests.endpointWindows(),
      this.requests.config.apdex.thresholdUs / 1000,
    );
    snapshot.queries = this.queries.windowSummary();
    snapshot.jobs = this.jobs.group();
    try {
      this.analytics.sample(snapshot, this.clock.now());
      snapshot.anomaly = this.analytics.getScores();
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'sysvitals: analytics failed on a sample');
    }
    this.alertSystem.checkThresholds(snapshot);
    this.latest = snapshot;
    this.latestAt = this.clock.now();
    return snapshot;
  }

  private emitSafely(event: 'metrics', snapshot: MetricsSnapshot): void {
    try {
      this.emit(event, snapshot);
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'sysvitals: a metrics listener threw');
    }
  }

  // The `t` of the point for the bucket [start, end): the start of the resolution bucket holding its
  // middle (a timer a little late keeps its minute; a bucket flushed a minute late gets the minute it
  // mostly covers); when the last point already has that `t` (a flush inside a minute split it), the
  // bucket's own start, which is later. So `t` strictly increases from one written point to the next.
  private bucketLabel(start: number, end: number): number {
    const minute = this.alignedBucketStart(start + (end - start) / 2);
    return minute > this.lastLabel ? minute : start;
  }

  private alignedBucketStart(now: number): number {
    return now - (now % this.resolutionMs);
  }
}

/** True when a counter moved or a histogram recorded in the bucket: worth a point even without samples. */
function hasCustomFigures(custom: ReadonlyMap<string, CustomBucketEntry>): boolean {
  for (const e of custom.values()) {
    if (e.type === 'counter' ? e.increase > 0 : e.histogram.totalCount > 0) return true;
  }
  return false;
}

/** Creates a monitor: `createMonitor(options)` is `new SystemMonitor(options)`. */
export function createMonitor(options?: MonitorOptions): SystemMonitor {
  return new SystemMonitor(options);
}
