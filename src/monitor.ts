// SystemMonitor: wires collector, request stats, alerts, history and store; owns the timers; emits events.

import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Alert, AlertRecord } from './alerts/alert.js';
import type { AlertSystem } from './alerts/engine.js';
import type { Analytics } from './analytics/analytics.js';
import type { CapacityReport } from './analytics/capacity.js';
import type { NotificationRouter } from './channels/router.js';
import type { ClusterAgent } from './cluster/agent.js';
import type { ClusterSource } from './cluster/source.js';
import { listenThreads } from './cluster/thread.js';
import type { MetricsCollector } from './collector/index.js';
import { type TrackedServer, WebSocketCount } from './collector/websockets.js';
import type {
  Counter,
  CounterOptions,
  CustomHistogram,
  CustomMetrics,
  Gauge,
  GaugeOptions,
  HistogramOptions,
} from './custom/index.js';
import type { FunctionTimings } from './functions/function-stats.js';
import { releaseDefaultRecorder } from './functions/timing.js';
import type { HistoryResult } from './history/point.js';
import type { Lifecycle, ProbeVerdict } from './lifecycle/lifecycle.js';
import type { ShutdownReport } from './lifecycle/shutdown.js';
import { consoleLogger, safeLogger } from './logger.js';
import { closeMonitor, exitOnSignals, startShutdown } from './monitor/close.js';
import { loadClusterMode } from './monitor/cluster-loader.js';
import { markProcessOnly, startOfCluster } from './monitor/cluster-start.js';
import { emitSafely } from './monitor/events.js';
import {
  checkMonitorOptions,
  DEFAULT_MONITOR_OPTIONS,
  type MonitorEvents,
  type MonitorOptions,
  type MonitorShutdownOptions,
  type RequestRecord,
} from './monitor/options.js';
import { createParts, type MonitorParts } from './monitor/parts.js';
import { capacityNow, endpointsTable, healthWithDetails, readAlerts, readHistory } from './monitor/reads.js';
import { sampleEvery } from './monitor/sampler.js';
import {
  type UpgradeServer,
  type WebSocketAttachment,
  type WebSocketOptions,
  webSocketEndpoint,
} from './monitor/websocket-port.js';
import type {
  AlertsReadOptions,
  HealthReadOptions,
  HistoryReadOptions,
  MetricsReadOptions,
} from './options/read-options.js';
import { checkEndpointsQuery, type EndpointRow, type EndpointSort } from './profiling/endpoints.js';
import { wrapJob } from './profiling/job-wrap.js';
import { errorText, type JobOptions, type JobStats } from './profiling/jobs.js';
import type { QueryStats, QuerySystem } from './profiling/query-stats.js';
import type { SeriesHistory } from './profiling/series-history.js';
import { TicketPath } from './requests/request-ticket.js';
import type { RequestStats } from './requests/requests.js';
import type { MetricsStore } from './stores/store.js';
import type { ApdexGroup, Clock, ClusterModeOff, HealthStatus, Logger, MetricsSnapshot } from './types.js';

/**
 * The core monitor: samples host and application metrics, evaluates alerts, writes history to its store and
 * emits `metrics`, `alert` and `close`. Create it with `createMonitor(options)` (or an adapter's); `close()` stops it.
 */
export class SystemMonitor extends EventEmitter<MonitorEvents> {
  /** Collects each snapshot: host metric groups, probes, plugins and the request figures. */
  readonly collector: MetricsCollector;
  /** Evaluates the rules on each snapshot; holds active alerts and the in-memory alert history. */
  readonly alertSystem: AlertSystem;
  /** Channels, routing, silences and maintenance windows. */
  readonly notifications: NotificationRouter;
  /** Cluster mode: this worker's side of the cluster (role, id); null otherwise. */
  readonly cluster: ClusterAgent | null = null;
  /** Cluster mode: what the admin API reads, the cluster's figures (the monitor's own reads: this process); else null. */
  readonly clusterSource: ClusterSource | null = null;
  /** `cluster` was set but cluster mode is off in this process (no private directory: see `reason`); else null. */
  readonly clusterModeOff: ClusterModeOff | null;
  private unusedStore: MetricsStore | null = null;
  /** Request rate, errors and latency over the request window (`requestWindowMs`), per route too. @internal */
  readonly requests: RequestStats;
  /** Per-name statistics of `@timed` / `timed(fn)` calls. @internal */
  readonly functions: FunctionTimings;
  /** Database query statistics by fingerprint, fed by instrumentPg / instrumentMysql / instrumentRedis. */
  readonly queries: QueryStats;
  /** Background job statistics, fed by `monitor.job()` and `@timed({ job: true })`. */
  readonly jobs: JobStats;
  /** Counters, gauges and histograms created with counter(), gauge() and histogram(). */
  readonly custom: CustomMetrics;
  /** One-minute points per route (the busiest) and per job, kept in the store's state blob. @internal */
  readonly series: SeriesHistory;
  /** Where history points and alert records go (the `store` option, or a MemoryStore). */
  readonly store: MetricsStore;
  /** Names this process in the store's points and alert records (the `instanceId` option). */
  readonly instanceId: string;
  /** Where runtime failures are reported (the `logger` option). */
  readonly logger: Logger;
  /** The time source of snapshots, buckets and alerts (the `clock` option). */
  readonly clock: Clock;
  /** Milliseconds between samples; 0 when the sample timer is off. */
  readonly sampleIntervalMs: number;
  /** Width of one history bucket, in milliseconds. */
  readonly resolutionMs: number;
  /** How long history is kept, in milliseconds. */
  readonly retentionMs: number;
  /** Anomaly scores, trends and the analytics alert rules (src/analytics). */
  readonly analytics: Analytics;
  /** The parts createParts built, the private ones (history writer, sampler, shutdown config) included. */
  private readonly parts: MonitorParts;
  private stopSampling: () => void = () => {};
  private readonly websockets = new WebSocketCount();
  private closing: Promise<void> | undefined;
  /** Starting, serving or draining; in-flight requests; load shedding; the probes' verdicts. @internal */
  readonly lifecycle: Lifecycle;
  /** admitRequest() and recordRequest() with a ticket the adapters keep (requests/request-ticket.ts). @internal */
  readonly tickets: TicketPath;
  private shuttingDown: Promise<ShutdownReport> | undefined;
  /** What close() detaches first: the signal handlers, then the worker threads' listener. */
  private readonly detachers: Array<() => void> = [];

  /** Checks the options (throwing a {@link SysvitalsError} with a stable code), builds the parts, starts the timers. */
  constructor(input: MonitorOptions = {}) {
    super();
    const options = checkMonitorOptions(input);
    this.sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_MONITOR_OPTIONS.sampleIntervalMs;
    this.resolutionMs = options.resolutionMs ?? DEFAULT_MONITOR_OPTIONS.resolutionMs;
    this.retentionMs = options.retentionMs ?? DEFAULT_MONITOR_OPTIONS.retentionMs;
    this.clock = options.clock ?? { now: Date.now };
    this.logger = safeLogger(options.logger ?? consoleLogger);
    const start = startOfCluster(options, this.logger);
    ({ off: this.clusterModeOff, instanceId: this.instanceId } = start);
    const parts = createParts(options, this, {
      clustered: start.config !== null,
      latest: () => this.parts?.sampler.latest,
      websocketConnections: () => this.websockets.count,
      closing: () => this.closing !== undefined,
      // A listener that throws must not abort the sample cycle (nor reach the host).
      alert: (event) => emitSafely(this, this.logger, 'alert', event),
      sampled: (snapshot) => emitSafely(this, this.logger, 'metrics', snapshot),
    });
    this.alertSystem = parts.alertSystem;
    this.notifications = parts.notifications;
    this.functions = parts.functions;
    this.requests = parts.requests;
    this.queries = parts.queries;
    this.jobs = parts.jobs;
    this.unusedStore = parts.unusedStore;
    this.custom = parts.custom;
    this.series = parts.series;
    this.store = parts.store;
    this.collector = parts.collector;
    this.lifecycle = parts.lifecycle;
    this.tickets = new TicketPath(parts);
    this.analytics = parts.analytics;
    this.parts = parts;
    if (start.off) parts.sampler.decorate(markProcessOnly(start.off));
    if (options.handleSignals) this.detachers.push(exitOnSignals(this.logger, () => this.shutdown()));
    void parts.history.initStore();
    this.stopSampling = sampleEvery(this.sampleIntervalMs, this.logger, () => this.sample(), parts.history);
    parts.history.scheduleBucket();
    // Requests and @timed calls of this process's worker threads (connectThread()) count here.
    if (parts.adopted) this.detachers.push(listenThreads(this, this.logger));
    if (start.config) {
      const started = loadClusterMode().startClusterMode(this, options, start.config, (clusterOptions) => {
        this.unusedStore = null;
        return new SystemMonitor(clusterOptions);
      });
      this.cluster = started.cluster;
      this.clusterSource = started.clusterSource;
    }
  }

  /** @internal Cluster mode: the aggregator rewrites the cluster's snapshots (process sums, worker list). */
  decorateSnapshots(fn: (snapshot: MetricsSnapshot, sample: boolean) => MetricsSnapshot): void {
    this.parts.sampler.decorate(fn);
  }
  /** @internal Cluster mode: the aggregator gates its buckets; a worker's reads close an overdue one. */
  get historyWriter(): import('./monitor/history-writer.js').HistoryWriter {
    return this.parts.history;
  }

  /**
   * Hot path: O(1), never throws, never awaits. With the `res` given to admitRequest(), its time in flight ends;
   * without it, the oldest request admitRequest() admitted still in flight ends, if any: never an adapter's (README,
   * Recording requests by hand). An excluded path's request, or an event stream open 1 s or more, records nothing.
   */
  recordRequest(r: RequestRecord, res?: ServerResponse): void {
    this.parts.exclusion.record(r, res, this.lifecycle, this.requests);
  }

  /**
   * Hot path, at the start of an application request (the adapters call it): counts it in flight, or, while
   * load is being shed, answers 503 with `Retry-After` and returns false. An excluded path goes by uncounted.
   */
  admitRequest(req: IncomingMessage, res: ServerResponse): boolean {
    return this.parts.exclusion.excludes(req, res) || this.lifecycle.admit(req, res);
  }

  /**
   * A server this monitor serves, known before its first request: drained on shutdown, and on node:http2 each session
   * it opens from now on is sent GOAWAY then, one that carried no request too (the Koa adapter learns its server from
   * its first request, too late for those). Call it before `listen()`. README, Graceful shutdown.
   */
  serves(server: import('node:net').Server): void {
    this.lifecycle.addServer(server as Server);
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
    this.shuttingDown ??= startShutdown(options, this.parts.shutdownConfig, this.lifecycle, this.logger, () =>
      this.close(),
    );
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
   * `expectEvery: '5m'`, the `job_stale` alert fires when no run has succeeded for about twice that. Works
   * for `setInterval(monitor.job('cleanup', fn), …)` and queue workers (`new Worker('mail', monitor.job('mail', fn))`).
   * @typeParam F - The job function's type, kept by the wrapper.
   */
  job<F extends (...args: never[]) => unknown>(name: string, fn: F, options?: JobOptions): F {
    return wrapJob(this.jobs, name, fn, options, this.logger);
  }

  /**
   * The endpoints table over the request window: one row per method + route template with rate, counts (4xx,
   * 5xx, aborted), error %, p50/p95/p99/max, share of server time, Apdex and its requests in flight now, sorted
   * by `sort` (`time`, `p95`, `rate`, `errors`, `in_flight`, or `apdex` worst first), at most `limit` rows.
   */
  endpoints(
    sort: EndpointSort = 'time',
    limit = 100,
  ): { window_seconds: number; apdex: ApdexGroup; routes: EndpointRow[] } {
    const q = checkEndpointsQuery(sort, limit);
    return endpointsTable(this.requests, q.sort, q.limit, this.tickets.routesInFlight());
  }

  /** Records one finished job run (what `monitor.job` and `@timed({ job: true })` call). Never throws. */
  recordJob(name: string, durationMs: number, failed: boolean, error?: unknown): void {
    this.jobs.record(name, durationMs, failed, failed ? errorText(error) : undefined);
  }

  /** One sample cycle now: collect, evaluate alerts, emit `metrics`, add to the bucket. After close(): a read. */
  sample(): Promise<MetricsSnapshot> {
    return this.parts.sampler.sample();
  }

  /** The latest snapshot, collected when older than `maxAgeMs`; with sampling on, probes/plugins/gauges as sampled. */
  getMetrics(options: MetricsReadOptions = {}): Promise<MetricsSnapshot> {
    return this.parts.sampler.getMetrics(options);
  }

  /** The green/yellow/red status and 0-100 score, derived from the latest snapshot and the active alerts. */
  async getHealth(options: HealthReadOptions = {}): Promise<HealthStatus> {
    return healthWithDetails(await this.getMetrics(), this.alertSystem, this.notifications, options);
  }

  /** Active alerts, or the history (newest first) from the store, which outlives the process with Redis. */
  getAlerts(options: AlertsReadOptions = {}): Promise<Alert[] | AlertRecord[]> {
    return readAlerts(this.alertSystem, this.store, this.logger, options);
  }

  /** History for a period, downsampled; `instance: 'all'` merges every instance sharing the store. */
  getHistory(options: HistoryReadOptions = {}): Promise<HistoryResult> {
    const now = this.parts.history.readNow(this.clock.now());
    return readHistory(this.store, options, this.instanceId, now, this.resolutionMs);
  }

  /**
   * Capacity planning over the stored history (up to 7 days): growth per day, headroom to the CPU and memory
   * warning levels, busiest hour and weekday, requests per core; each with its confidence, or "too little data".
   */
  async capacity(): Promise<CapacityReport> {
    return capacityNow(this, this.parts.history.readNow(this.clock.now()), this.parts.sampler.latest);
  }

  /**
   * Closes the current bucket into a history point now and writes it. Buckets partition time, whatever
   * the order of flushes, closes and clock steps: nothing is counted twice or lost, and each point's `t`
   * is later than the last one's. A clock that stands still or steps back is taken as 1 ms after its start.
   */
  flush(): Promise<void> {
    return this.parts.history.flush();
  }

  /**
   * Counts the connections of your WebSocket server in the snapshot's `websocket.active_connections`: a `ws`
   * WebSocketServer, a socket.io Server, or any emitter of `connection` whose argument emits `close` or `disconnect`.
   * Returns a function that stops counting.
   */
  trackWebSockets(server: TrackedServer): () => void {
    return this.websockets.track(server);
  }

  /**
   * Serves the live events (`metrics`, `alert`, `health`) over WebSocket on `<basePath>/ws` (or `path`) of your HTTP
   * server; other upgrade paths stay yours. Upgrades are checked as the admin API checks requests (`adminToken`,
   * `authorize`, `trustProxy`; loopback only without them; adapter monitors: their admin API's). Needs the peer `ws`.
   */
  attachWebSocket(server: UpgradeServer, options?: WebSocketOptions): WebSocketAttachment {
    return webSocketEndpoint()(this, server, options);
  }

  /** Stops the timers, writes the last bucket, closes the store. Idempotent; lets the process exit. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  /** True once `close()` (or `shutdown()`) has been called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  private closeNow(): Promise<void> {
    return closeMonitor(this, {
      ownFunctions: this.parts.adopted ? null : this.functions,
      detach: this.detachers,
      closeCluster: () => this.cluster?.close(),
      unusedStore: () => this.unusedStore,
      stopTimers: () => {
        this.stopSampling();
        this.parts.history.stopTimer();
        releaseDefaultRecorder(this);
      },
      sampling: () => this.parts.sampler.stop(),
      flush: () => this.parts.history.flush(true),
      emitClose: () => {
        this.clusterSource?.emit('close');
        emitSafely(this, this.logger, 'close');
        this.removeAllListeners();
      },
    });
  }
}

/** Creates a monitor: `createMonitor(options)` is `new SystemMonitor(options)`. */
export function createMonitor(options?: MonitorOptions): SystemMonitor {
  return new SystemMonitor(options);
}
