// What the admin API reads in cluster mode: the same questions as a monitor answers, for the whole
// cluster by default (`instance=all`) or one worker (`instance=<id or pid>`), from any worker.

import { EventEmitter } from 'node:events';
import type { Alert, AlertEvent, AlertRecord } from '../alerts/alert.js';
import type { CapacityReport } from '../analytics/capacity.js';
import type { ChannelStatus } from '../channels/channel-status.js';
import type { NotificationRouter } from '../channels/router.js';
import { type Silence, SilenceInputError } from '../channels/silences.js';
import { SysvitalsError } from '../errors.js';
import type { Lifecycle, ProbeVerdict } from '../lifecycle/lifecycle.js';
import type {
  AlertsReadOptions,
  HealthReadOptions,
  HistoryReadOptions,
  MetricsReadOptions,
} from '../options/read-options.js';
import { checkEndpointsQuery, type EndpointSort } from '../profiling/endpoints.js';
import type { RouteHistory } from '../profiling/route-history-read.js';
import type { JobPoint } from '../profiling/series-history.js';
import type { Clock, ClusterSummary, HealthStatus, Logger, MetricsSnapshot } from '../types.js';
import { type BudgetBook, type BudgetName, type CountingBudget, SharedBudget } from './admin-guesses.js';
import type { ClusterAgent } from './agent.js';
import {
  answer,
  type MonitorLike,
  type PrometheusWire,
  prometheusFromWire,
  type Question,
  type SilenceQuestion,
} from './answers.js';
import { RemoteError } from './peer.js';
import { sharedTokenKey } from './token-key.js';

/**
 * An AdminSource (src/http/route.ts) over a cluster. When no aggregator can be reached (an
 * election under way), cluster questions are answered from this worker alone, marked
 * `cluster.complete: false`.
 */
export class ClusterSource extends EventEmitter<{
  metrics: [snapshot: MetricsSnapshot];
  alert: [event: AlertEvent];
  close: [];
}> {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly instanceId: string;
  /** The reads take `{ instance }` (see src/http/route.ts AdminSource). */
  readonly supportsInstances = true;
  private degraded = false;
  private tokenSecret: Buffer | null | undefined;

  /** @internal */
  constructor(
    private readonly agent: ClusterAgent,
    private readonly own: MonitorLike,
    private readonly deps: {
      logger: Logger;
      clock: Clock;
      instanceId: string;
      /** This worker's own probes: liveness and readiness are per process. */
      probe(kind: 'live' | 'ready' | 'startup'): ProbeVerdict | Promise<ProbeVerdict>;
      /** This worker's lifecycle: its probe and admin responses close their connection while it drains. */
      lifecycle?: Pick<Lifecycle, 'drainConnection' | 'adminInFlight'>;
      /** The router that delivers the cluster's alerts (the aggregator's), else this worker's. */
      notifications(): NotificationRouter;
      /** This process's admin APIs' cluster budgets, answered while it is the aggregator (admin-guesses.ts). */
      budgets?: BudgetBook;
    },
  ) {
    super();
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.instanceId = deps.instanceId;
    agent.onEvent = (event, payload) => {
      try {
        this.emit(event as 'metrics', payload as MetricsSnapshot);
      } catch (err) {
        this.logger.error({ err: String(err) }, 'sysvitals: a cluster event listener threw');
      }
    };
    // Subscribe to the aggregator's live events only while a stream or WebSocket listens.
    const plain = this as unknown as EventEmitter;
    plain.on('newListener', (event: string | symbol) => {
      if (event === 'metrics' || event === 'alert') this.agent.subscribe(true);
    });
    plain.on('removeListener', () => {
      if (this.listenerCount('metrics') + this.listenerCount('alert') === 0) this.agent.subscribe(false);
    });
  }

  /** This worker's lifecycle (AdminSource.lifecycle): per process, as the probes. @internal */
  get lifecycle(): Pick<Lifecycle, 'drainConnection' | 'adminInFlight'> | undefined {
    return this.deps.lifecycle;
  }

  /** The verdict of one probe (live, ready, startup) for this process. */
  probe(kind: 'live' | 'ready' | 'startup'): ProbeVerdict | Promise<ProbeVerdict> {
    return this.deps.probe(kind);
  }

  /**
   * Silences are the cluster's, kept and applied by the aggregator (which delivers the cluster's
   * alerts), whichever worker is asked, and so is the channels' status (a worker's own router has no channels
   * in cluster mode); maintenance windows are this worker's router's (the same configuration on every worker).
   */
  readonly notifications = {
    silences: {
      /** Every silence of the cluster (kept by the aggregator). */
      list: () => this.silence({ op: 'silences', action: 'list' }) as Promise<Silence[]>,
      /** One silence by id, or undefined. */
      get: (id: string) =>
        this.silence({ op: 'silences', action: 'get', id }) as Promise<Silence | undefined>,
      /** Creates a silence; rejects with SilenceInputError on invalid input. */
      create: (input: unknown) =>
        this.silence({ op: 'silences', action: 'create', input }) as Promise<Silence>,
      /** Ends a silence now; resolves to it, or undefined if unknown. */
      expire: (id: string) =>
        this.silence({ op: 'silences', action: 'expire', id }) as Promise<Silence | undefined>,
    },
    /** Status of the notification channels of the delivering router (the aggregator's). */
    status: () => this.silence({ op: 'silences', action: 'channels' }) as Promise<ChannelStatus[]>,
    /** Maintenance windows of the delivering router and whether one is active. */
    maintenanceStatus: () => this.deps.notifications().maintenanceStatus(),
  };

  /** The endpoints table (routes/) of the cluster, merged by the aggregator, or of one worker. */
  endpoints(sort: EndpointSort = 'time', limit = 100, instance?: string): Promise<unknown> {
    let q: { sort: EndpointSort; limit: number };
    try {
      // As monitor.endpoints(): a coded rejection, not "k is not a function"; at most 1000 rows, as routes/ gives.
      q = checkEndpointsQuery(sort, limit, 1000);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.view({ op: 'endpoints', sort: q.sort, limit: q.limit }, instance);
  }

  /**
   * The cluster's query or job table, merged by the aggregator (counts summed, percentiles from the
   * merged counts; for jobs the latest success and failure, `running` summed over live workers), or
   * one worker's own.
   */
  workerTable(table: 'queries' | 'jobs', instance: string): Promise<unknown> {
    return this.view({ op: table }, instance);
  }

  private async silence(q: SilenceQuestion): Promise<unknown> {
    try {
      return (await this.agent.askSilence(q)) ?? undefined;
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      if (err.code === 'invalid_silence') throw new SilenceInputError(err.message);
      const what =
        q.action === 'channels'
          ? "the channels' status is the cluster's aggregator's, which did not answer"
          : "silences are kept by the cluster's aggregator, which did not answer";
      const changed = q.action === 'channels' ? '' : '; nothing was changed';
      throw new SysvitalsError(
        'ERR_SYSVITALS_UNAVAILABLE',
        `${what} (${err.message})${changed}, retry in a moment`,
      );
    }
  }

  /** The cluster's merged snapshot (or one worker's with `instance`), at most `maxAgeMs` old (default 1000). */
  getMetrics(options: MetricsReadOptions = {}): Promise<MetricsSnapshot> {
    const maxAgeMs = options.maxAgeMs ?? 1000;
    return this.view({ op: 'metrics', maxAgeMs }, options.instance) as Promise<MetricsSnapshot>;
  }

  /** Health of the cluster (or of one worker with `instance`). */
  getHealth(options: HealthReadOptions = {}): Promise<HealthStatus> {
    const detailed = options.detailed ?? false;
    return this.view({ op: 'health', detailed }, options.instance) as Promise<HealthStatus>;
  }

  /** Active alerts, or with `history` the last `limit` (default 100) history entries. */
  getAlerts(options: AlertsReadOptions = {}): Promise<Alert[] | AlertRecord[]> {
    const opts = { history: options.history ?? false, limit: options.limit ?? 100 };
    return this.view({ op: 'alerts', history: opts.history, limit: opts.limit }, options.instance) as Promise<
      Alert[] | AlertRecord[]
    >;
  }

  /** Stored history for `period` (default '1h'), of the cluster or one worker. */
  getHistory(options: HistoryReadOptions = {}): Promise<unknown> {
    const period = options.period ?? '1h';
    return this.view({ op: 'history', period, instance: options.instance }, options.instance);
  }

  /**
   * Capacity planning (`capacity/`) over the cluster's stored history, the series `history/` reads (computed
   * by the aggregator, as `monitor.capacity()` over one process's), or over one worker's own (`instance`).
   */
  capacity(options: { instance?: string } = {}): Promise<CapacityReport> {
    return this.view({ op: 'capacity' }, options.instance) as Promise<CapacityReport>;
  }

  /**
   * A route's one-minute points (`history/?route=`): the cluster's, closed each minute by the aggregator's monitor
   * over the workers' merged requests (counts summed, percentiles from the merged latency counts), or one
   * worker's own (`instance`). null for a route never recorded there. No aggregator: unavailable (one worker's
   * minutes are not the cluster's).
   */
  routeHistory(route: string, method?: string, instance?: string): Promise<RouteHistory | null> {
    const q: Question =
      method === undefined ? { op: 'route-history', route } : { op: 'route-history', route, method };
    return this.view(q, instance) as Promise<RouteHistory | null>;
  }

  /**
   * A job's one-minute points (`history/?job=`): the cluster's, closed each minute by the aggregator's monitor over
   * the workers' merged runs and failures, or one worker's own (`instance`); `[]` for a job recorded there without
   * points yet, null for a job never recorded there.
   * No aggregator: unavailable.
   */
  jobHistory(job: string, instance?: string): Promise<JobPoint[] | null> {
    return this.view({ op: 'job-history', job }, instance) as Promise<JobPoint[] | null>;
  }

  /**
   * The cluster's access-token secret (a 0600 file in the private directory), read once; see AdminSource.
   * @internal
   */
  accessTokenSecret(): Buffer | undefined {
    if (this.tokenSecret === undefined) {
      try {
        this.tokenSecret = sharedTokenKey(this.agent.endpoint.tokenKeyPath);
      } catch (err) {
        this.tokenSecret = null;
        this.logger.warn(
          { err },
          'sysvitals cluster: no shared access-token key; each worker accepts only the tokens it minted',
        );
      }
    }
    return this.tokenSecret ?? undefined;
  }

  /**
   * The admin API's rate limit for the whole cluster (outside review 20, F4): `cluster`, a second limiter of the
   * same settings, is counted while this process is the aggregator; `local`, this process's own, is the floor
   * when the aggregator cannot be asked in time. `api` names the admin API alike on every worker. @internal
   */
  shareBudget(
    api: string,
    budget: BudgetName,
    limiters: { local: CountingBudget; cluster: CountingBudget; maxClients: number },
  ): SharedBudget {
    this.deps.budgets?.register(api, budget, limiters.cluster);
    const link = {
      ask: (q: Question) => this.agent.ask(q, undefined),
      timeoutMs: this.agent.config.syncTimeoutMs,
      logger: this.logger,
    };
    return new SharedBudget(link, api, budget, limiters.local, () => this.clock.now(), limiters.maxClients);
  }

  /** One scrape's data for the cluster or one worker (read by the Prometheus route when present). @internal */
  async prometheusData(maxAgeMs: number, instance?: string) {
    // The worker label (cluster.workerLabel) on the cluster's scrape; one worker's own has none.
    const byWorker = this.agent.config.workerLabel && (instance === undefined || instance === 'all');
    const w = (await this.view({ op: 'prometheus', maxAgeMs, byWorker }, instance)) as PrometheusWire;
    return prometheusFromWire(w, this.clock.now());
  }

  private async view(q: Question, instance: string | undefined): Promise<unknown> {
    try {
      const out = await this.agent.ask(q, instance);
      this.degraded = false;
      return out;
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      if (err.code === 'not_found') throw new SysvitalsError('ERR_SYSVITALS_NOT_FOUND', err.message);
      if (instance !== undefined && instance !== 'all') {
        throw new SysvitalsError('ERR_SYSVITALS_UNAVAILABLE', err.message);
      }
      return this.alone(q, err.message);
    }
  }

  // No aggregator: this worker's own figures, marked incomplete.
  private async alone(q: Question, reason: string): Promise<unknown> {
    // A table without a place for `cluster.complete`: refused rather than shown as the cluster's. history/ of the
    // cluster's series too: this worker's own series in its place read as the cluster's (a capacity/ answer checked
    // against it, on a loaded machine, found none of the cluster's points); `instance=all` reads the store alike.
    if (
      (q.op === 'history' && q.instance === undefined) ||
      q.op === 'jobs' ||
      q.op === 'queries' ||
      q.op === 'capacity' ||
      q.op === 'route-history' ||
      q.op === 'job-history'
    ) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_UNAVAILABLE',
        `no cluster aggregator answered (${reason}); retry`,
      );
    }
    // A scrape has no place for `complete: false`, and this worker's own totals are below the cluster's:
    // Prometheus would read a counter reset and rate() a false spike. A failed scrape (503, `up` 0) is
    // Prometheus' own way of saying "no figure now"; the next successful scrape continues the counters.
    if (q.op === 'prometheus') {
      throw new SysvitalsError(
        'ERR_SYSVITALS_UNAVAILABLE',
        `no cluster aggregator answered (${reason}); a scrape of one worker's totals would read as a counter reset`,
      );
    }
    // Told once per outage, not once per request.
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn({ reason }, 'sysvitals: cluster view unavailable; serving this worker only');
    }
    const out = await answer(this.own, q);
    const cluster: ClusterSummary = {
      name: this.agent.config.name,
      aggregator: '',
      complete: false,
      missing: ['aggregator'],
      workers_connected: 0,
      requests_lost: 0,
      workers: [],
    };
    if (q.op === 'metrics' || q.op === 'health' || q.op === 'endpoints')
      return { ...(out as object), cluster };
    return out;
  }
}
