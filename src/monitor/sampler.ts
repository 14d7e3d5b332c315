// The monitor's sampler: one collection at a time, completed with the request, query, job and analytics
// figures, kept as the latest snapshot. Only a sample ends the interval of the figures measured since the
// previous one and is evaluated by the alert engine; a read changes neither, and with sampling on calls none of
// the application's callbacks (probes, plugins, gauges' collect()): README "Reads change nothing".

import type { AlertSystem } from '../alerts/engine.js';
import type { Analytics } from '../analytics/analytics.js';
import type { MetricsCollector } from '../collector/index.js';
import type { CustomMetrics } from '../custom/registry.js';
import { MAX_KEY_NAME_LENGTH } from '../custom/well-formed.js';
import { readQuietly } from '../latency/coarse-clock.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import { errorMessage, guarded, OutageLog } from '../logger.js';
import type { MetricsReadOptions } from '../options/read-options.js';
import { overallApdex } from '../profiling/endpoints.js';
import type { JobStats } from '../profiling/jobs.js';
import type { QueryStats } from '../profiling/query-stats.js';
import type { RequestStats } from '../requests/requests.js';
import type { Clock, Logger, MetricsSnapshot } from '../types.js';

/** Rewrites a snapshot (cluster mode); `sample` is false for a read, which must end no interval. */
export type SnapshotDecorator = (snapshot: MetricsSnapshot, sample: boolean) => MetricsSnapshot;

/** What the sampler reads from the monitor that owns it. */
export interface SamplerParts {
  readonly collector: MetricsCollector;
  readonly alertSystem: AlertSystem;
  readonly analytics: Analytics;
  readonly lifecycle: Lifecycle;
  readonly requests: RequestStats;
  readonly queries: QueryStats;
  readonly jobs: JobStats;
  readonly custom: CustomMetrics;
  /** The `@timed` statistics (their count of calls dropped for a bad duration). */
  readonly functions: { readonly dropped: number; readonly longNameFolded?: boolean };
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * True without periodic samples (`sampleIntervalMs: 0`): a read then runs probes, plugins and gauges' collect()
   * itself; false: a read shows what the last sample collected of them.
   */
  readonly readsCollect: boolean;
  /** A periodic sample's snapshot, for the history bucket and the `metrics` event. */
  readonly sampled: (snapshot: MetricsSnapshot) => void;
}

/** Periodic samples and on-demand reads of one monitor; concurrent callers share one collection. */
export class Sampler {
  /** The last snapshot collected (sampled or read on demand); undefined before the first. */
  latest: MetricsSnapshot | undefined;
  private latestAt = 0;
  /** Whether the plugins were closed when `latest` was kept: one kept before close() shows their groups untrue. */
  private latestPluginsClosed = false;
  /** When the application's callbacks last ran (a sample's, or a read's with `readsCollect`). */
  private callbacksAt = Number.NEGATIVE_INFINITY;
  private sampledAt: string | null = null;
  /** Whether the dropped analytics.observe() values, and names folded for their length, were warned about (once). */
  private warnedSeries = false;
  private warnedLongNames = false;
  private warnedFolding = false;
  private refreshing: Promise<MetricsSnapshot> | undefined;
  /** The periodic sample under way, if any. */
  sampling: Promise<MetricsSnapshot> | undefined;
  private decorator: SnapshotDecorator | null = null;
  /** Set by the monitor's close() as it stops the timers: no sample cycle starts any more, nor a callback from a read. */
  private stopped = false;

  constructor(private readonly m: SamplerParts) {}

  /**
   * Cluster mode: the aggregator rewrites the cluster's snapshots (process sums, worker list, dropped
   * observations); each decorator applies after those set before it.
   */
  decorate(fn: SnapshotDecorator): void {
    const before = this.decorator;
    this.decorator = before ? (s, sample) => fn(before(s, sample), sample) : fn;
  }

  /**
   * The monitor's close(), once its timers are stopped: from here sample() starts no cycle (it reads, as getMetrics
   * with `maxAgeMs: 0`) and no read runs the application's callbacks (their groups are the last collected). Returns
   * the sample under way, if any: the close waits for it (its alerts are delivered, it belongs to the last bucket).
   */
  stop(): Promise<MetricsSnapshot> | undefined {
    this.stopped = true;
    return this.sampling;
  }

  /**
   * One sample cycle now: collect, evaluate alerts, then `sampled` (history and the `metrics` event). Once the
   * monitor's close() has stopped its timers: the sample under way, else a read (nothing evaluated or raised).
   */
  sample(): Promise<MetricsSnapshot> {
    if (this.stopped && !this.sampling) return this.getMetrics({ maxAgeMs: 0 });
    this.sampling ??= this.sampleNow().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  /**
   * The latest snapshot, collected on demand when older than `maxAgeMs` (default 1000). A read: its interval
   * figures are the interval under way's (counter rates the last sample's), nothing is reset or evaluated, and
   * (unless `readsCollect`) the probes', plugins' and callback gauges' figures are the last sample's.
   */
  getMetrics(options: MetricsReadOptions = {}): Promise<MetricsSnapshot> {
    const maxAgeMs = options.maxAgeMs ?? 1000;
    // A snapshot from the future (the clock stepped back since) is not young: collected again.
    const age = this.m.clock.now() - this.latestAt;
    const fresh = age >= 0 && age <= maxAgeMs && this.latestPluginsClosed === this.m.collector.pluginsClosed;
    if (this.latest && fresh) return Promise.resolve(this.latest);
    if (this.sampling) return this.sampling;
    // readsCollect: the callbacks at most once per `callbacksMaxAgeMs` (maxAgeMs); a read under way is shared.
    if (!this.refreshing) {
      const since = this.m.clock.now() - this.callbacksAt;
      const callbacks =
        this.m.readsCollect &&
        !this.stopped &&
        !(since >= 0 && since <= (options.callbacksMaxAgeMs ?? maxAgeMs));
      if (callbacks) this.callbacksAt = this.m.clock.now();
      this.refreshing = this.m.collector
        .peek(callbacks)
        .then((snapshot) => this.accept(snapshot, false))
        .finally(() => {
          this.refreshing = undefined;
        });
    }
    return this.refreshing;
  }

  private async sampleNow(): Promise<MetricsSnapshot> {
    this.callbacksAt = this.m.clock.now();
    const snapshot = this.accept(await this.m.collector.collect(), true);
    this.m.lifecycle.markSampled();
    this.m.sampled(snapshot);
    return snapshot;
  }

  /**
   * Completes a collection; a sample (`sample`) ends the shedding interval, feeds analytics and is evaluated. Its
   * reads of the windows leave a sleeping coarse clock asleep (readQuietly: the sample cycle is not the hot path).
   */
  private accept(collected: MetricsSnapshot, sample: boolean): MetricsSnapshot {
    return readQuietly(() => this.acceptNow(collected, sample));
  }

  /** Says once which kinds of names over MAX_KEY_NAME_LENGTH characters folded into `other` (outside review 33, RT33-8). */
  private warnLongNames(): void {
    if (this.warnedLongNames) return;
    const m = this.m;
    const kinds = [
      m.requests.routes.longNameFolded ? 'routes' : '',
      m.jobs.longNameFolded ? 'jobs' : '',
      m.functions.longNameFolded === true ? 'functions' : '',
    ].filter((k) => k !== '');
    if (kinds.length === 0) return;
    this.warnedLongNames = true;
    m.logger.warn(
      { kinds },
      `sysvitals: ${kinds.join(', ')} named over ${MAX_KEY_NAME_LENGTH} characters are counted under \`other\` (this is said once)`,
    );
  }

  /**
   * Says once that matched routes fold into `* other`: every `maxRoutes` slot had a request within the window (a
   * slot idle a whole window is given to the new route: route-table.ts). Their rules on `routes[...]` read nothing.
   */
  private warnFolding(): void {
    if (this.warnedFolding || !this.m.requests.routes.folding) return;
    this.warnedFolding = true;
    const maxRoutes = this.m.requests.config.maxRoutes;
    this.m.logger.warn(
      { maxRoutes },
      `sysvitals: more than maxRoutes (${maxRoutes}) routes had requests within the window: new routes are counted under \`* other\` (no row, no routes[...] rule reads them) until a route is idle a whole window; raise it with createMonitor({ maxRoutes: ${maxRoutes * 2} }) (this is said once)`,
    );
  }

  private acceptNow(collected: MetricsSnapshot, sample: boolean): MetricsSnapshot {
    const m = this.m;
    let snapshot = collected;
    if (this.decorator) {
      try {
        snapshot = this.decorator(collected, sample);
      } catch (err) {
        m.logger.error({ err: errorMessage(err) }, 'sysvitals: cluster snapshot decoration failed');
      }
    }
    const shedding = m.lifecycle.takeShedding(sample);
    const requests = snapshot.requests;
    if (requests) {
      // A cluster aggregator's decorator set the live workers' sum; a process counts its own.
      requests.in_flight ??= m.lifecycle.inFlight;
      // A cluster aggregator's decorator set the workers' (shed-merge.ts); a process counts its own.
      requests.shed_total ??= m.lifecycle.shedTotal;
      if (requests.shedding === undefined) requests.shedding = shedding;
      // Only a process whose Express or Koa middleware watches (a cluster's view has none: each worker counts its own).
      if (m.lifecycle.unseenTotal !== undefined) requests.unseen_total ??= m.lifecycle.unseenTotal;
      // Requests held before that middleware now: this process's own connections (not a cluster's sum).
      const waiting = m.lifecycle.unseenWaiting?.(m.clock.now());
      if (waiting !== undefined) {
        requests.unseen_waiting ??= waiting.count;
        requests.unseen_waiting_ms ??= waiting.oldestMs;
      }
      // Refusing clients is failing them: critical for the interval, as health/ and the load_shedding alert say.
      if (typeof requests.shedding === 'string') requests.status = 'critical';
    }
    snapshot.apdex = overallApdex(m.requests.endpointWindows(), m.requests.config.apdex.thresholdUs / 1000);
    snapshot.queries = m.queries.windowSummary();
    snapshot.jobs = m.jobs.group();
    // A cluster aggregator's decorator set the workers' sum; a process counts its own.
    snapshot.dropped_observations ??= {
      requests: m.requests.dropped,
      functions: m.functions.dropped,
      queries: m.queries.dropped,
      jobs: m.jobs.dropped,
      custom_histograms: m.custom.droppedValues(),
      observed_series: m.analytics.dropped, // this process's (a cluster view's sum leaves it out)
    };
    this.warnLongNames();
    this.warnFolding();
    const droppedSeries = m.analytics.dropped;
    if (droppedSeries > 0 && !this.warnedSeries) {
      this.warnedSeries = true;
      m.logger.warn(
        { dropped: droppedSeries },
        'sysvitals: analytics.observe() values dropped: at most 100 series are kept, and names of at most 256 ' +
          'characters (counted in dropped_observations.observed_series; this is said once)',
      );
    }
    try {
      if (sample) m.analytics.sample(snapshot, m.clock.now());
      snapshot.anomaly = { ...m.analytics.getScores(), threshold: m.analytics.config.anomaly.warning };
    } catch (err) {
      m.logger.warn({ err: errorMessage(err) }, 'sysvitals: analytics failed on a sample');
    }
    // The alert state must not depend on how often anyone reads: rules are evaluated on samples only.
    if (sample) m.alertSystem.checkThresholds(snapshot);
    if (sample) this.sampledAt = snapshot.timestamp;
    snapshot.sampled_at = this.sampledAt;
    this.latest = snapshot;
    this.latestAt = m.clock.now();
    this.latestPluginsClosed = m.collector.pluginsClosed;
    return snapshot;
  }
}

/**
 * Calls `sample` (after `alive`'s tick) every `intervalMs` on an unref'd timer (none when it is 0); nothing it throws or rejects with
 * reaches the host (logged once per outage). Returns the function that stops the timer.
 */
export function sampleEvery(
  intervalMs: number,
  logger: Logger,
  sample: () => unknown,
  alive?: { tick(intervalMs: number): void },
): () => void {
  if (intervalMs <= 0) return () => {};
  // Each tick is first a sign of life for `alive` (the history writer: a gap far longer than the interval is a stall).
  const tick = () => {
    alive?.tick(intervalMs);
    return sample();
  };
  const timer = setInterval(guarded(new OutageLog(logger), 'the sample cycle', tick), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
