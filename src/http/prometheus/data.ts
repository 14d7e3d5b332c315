// What one Prometheus scrape shows, as plain data, and how it is gathered from a monitor.

import type { Alert } from '../../alerts/alert.js';
import type { CustomMetric } from '../../custom/registry.js';
import type { Histogram } from '../../latency/histogram.js';
import type { CountsView } from '../../latency/latency-ring.js';
import type { HealthStatus, MetricsSnapshot } from '../../types.js';
import type { AdminSource } from '../route.js';

/** Recorded durations (µs): an hdr-histogram-js histogram, or a counts view of the same layout (latency-ring.ts). */
export type PrometheusLatency = Histogram | CountsView;

/** Cumulative request count for one method, route template and status class (`2xx` … `5xx`). */
export interface PrometheusRouteTotal {
  readonly method: string;
  readonly route: string;
  readonly status_class: string;
  readonly count: number;
}

/** Requests whose client closed the connection before the response ended, since start, per method and route. */
export interface PrometheusAbortedTotal {
  readonly method: string;
  readonly route: string;
  readonly count: number;
  /** Of `count`, those closed after `abortedFailureMs` (requests, failed); the rest closed early (not requests). */
  readonly failed?: number;
}

/** Cumulative figures of one `@timed` function since start. */
export interface PrometheusFunctionTotal {
  readonly name: string;
  readonly count: number;
  readonly errors: number;
  /**
   * Durations in microseconds, as an HDR histogram or a counts view in the same layout (cheaper: no
   * conversion); omitted => no duration histogram for it.
   */
  readonly histogram?: PrometheusLatency | null;
}

/**
 * Everything one scrape shows. Plain data so that the serializer is synchronous, pure and cheap;
 * {@link collectPrometheusData} gathers it from a monitor.
 */
export interface PrometheusData {
  readonly snapshot: MetricsSnapshot;
  readonly health?: HealthStatus | null;
  /** Active alerts. */
  readonly alerts?: readonly Alert[];
  /** Cumulative since start, so the counters are monotonic as Prometheus requires. */
  readonly routes?: Iterable<PrometheusRouteTotal>;
  /** Aborted requests since start per method and route (also in `routes` as 4xx). */
  readonly aborted?: Iterable<PrometheusAbortedTotal>;
  /** Cumulative request latency since start, microseconds. */
  readonly latency?: PrometheusLatency | null;
  readonly functions?: Iterable<PrometheusFunctionTotal>;
  /** Per query fingerprint since start; only when the monitor's `queries.prometheus` is on (cardinality). */
  readonly queries?: Iterable<PrometheusQueryTotal>;
  /** Per background job since start. */
  readonly jobs?: Iterable<PrometheusJobTotal>;
  /** Custom metrics (monitor.counter/gauge/histogram), read at scrape time. */
  readonly custom?: Iterable<CustomMetric>;
  /** Scrape time, epoch ms (custom histograms' windows). @defaultValue Date.now() */
  readonly now?: number;
  /**
   * Requests answered 503 by load shedding since start, read at scrape time like the request counters
   * (the snapshot's `requests.shed_total` can be up to `maxAgeMs` old). @defaultValue the snapshot's
   */
  readonly shedTotal?: number;
  /** Requests the Express or Koa middleware never saw, read at scrape time. @defaultValue the snapshot's */
  readonly unseenTotal?: number;
  /**
   * Cluster mode with `cluster.workerLabel`: the request and `@timed` families per worker (a `worker`
   * label), in place of `routes`, `aborted`, `latency` and `functions`.
   */
  readonly workers?: Iterable<PrometheusWorkerSeries>;
  /**
   * Cluster mode: the method + route pairs of `routes` whose counts may lack requests a worker folded into its
   * `* other` (cluster/folded-routes.ts), written as `http_route_folded` 1; absent outside cluster mode.
   */
  readonly foldedRoutes?: Iterable<{ readonly method: string; readonly route: string }>;
}

/** One worker's request and `@timed` totals since its start (cluster mode, `worker` label). */
export interface PrometheusWorkerSeries {
  readonly worker: string;
  readonly routes: Iterable<PrometheusRouteTotal>;
  readonly aborted: Iterable<PrometheusAbortedTotal>;
  readonly latency: PrometheusLatency | null;
  readonly functions: Iterable<PrometheusFunctionTotal>;
}

/** One query fingerprint since start: its duration histogram (the count and errors ride on it). */
export interface PrometheusQueryTotal {
  readonly system: string;
  readonly fingerprint: string;
  readonly histogram: CountsView;
  /** Failures before the database, with no duration (in the errors counter, not the histogram). */
  readonly unsent?: number;
}

/** One background job since start. */
export interface PrometheusJobTotal {
  readonly name: string;
  readonly runs: number;
  readonly failures: number;
  /** ms since the epoch, null before the first. */
  readonly lastSuccess: number | null;
  readonly lastFailure: number | null;
  readonly histogram: CountsView;
}

/**
 * What a scrape reads from a monitor. SystemMonitor implements it; the optional members are read
 * when present, so an AdminSource alone still yields host, health and alert figures.
 */
export interface PrometheusSource extends AdminSource {
  readonly alertSystem?: {
    getActiveAlerts(): readonly Alert[];
    getHealthStatus(snapshot: MetricsSnapshot): HealthStatus;
  };
  readonly requests?: {
    routeTotals(): Iterable<PrometheusRouteTotal>;
    /** Aborted requests per method and route since start; read when present. */
    abortedTotals?(): Iterable<PrometheusAbortedTotal>;
    cumulativeHistogram(): PrometheusLatency;
    /** Preferred when present: the same latency as a counts view, without building an HDR histogram. */
    cumulativeCounts?(): CountsView;
  };
  /** Cluster mode: one scrape's data for the cluster (`instance` undefined or `all`) or one worker. */
  prometheusData?(maxAgeMs: number, instance?: string): Promise<PrometheusData>;
  readonly functions?: {
    totals(): Iterable<PrometheusFunctionTotal>;
    /**
     * Preferred when present: the same totals with counts views for histograms (no HDR conversion).
     * May reuse one view between items: the serializer reads each item before taking the next.
     */
    totalCounts?(): Iterable<PrometheusFunctionTotal>;
  };
  readonly queries?: {
    readonly config: { readonly prometheus: boolean };
    totalCounts(): Iterable<PrometheusQueryTotal>;
  };
  readonly jobs?: { totalCounts(): Iterable<PrometheusJobTotal> };
  /** Custom metrics; read when present. */
  readonly custom?: { all(): Iterable<CustomMetric> };
  readonly clock?: { now(): number };
  /**
   * Load shedding's count of refused requests and the unseen requests' count, read live for `requests_shed_total`
   * and `http_unseen_requests_total`; read when present.
   */
  readonly lifecycle?: AdminSource['lifecycle'] & {
    readonly shedTotal: number;
    readonly unseenTotal?: number;
  };
}

/** Gathers one scrape's data: the cached snapshot (collected when older than `maxAgeMs`) and the totals. */
export async function collectPrometheusData(
  source: PrometheusSource,
  maxAgeMs = 1000,
  instance?: string,
): Promise<PrometheusData> {
  // Cluster mode: the whole cluster (or one worker), gathered by the aggregator.
  if (source.prometheusData) return source.prometheusData(maxAgeMs, instance);
  const snapshot = await source.getMetrics({ maxAgeMs });
  let health: HealthStatus;
  let alerts: readonly Alert[];
  if (source.alertSystem) {
    // Derived from the snapshot in hand: no second collection.
    health = source.alertSystem.getHealthStatus(snapshot);
    alerts = source.alertSystem.getActiveAlerts();
  } else {
    health = await source.getHealth();
    alerts = await source.getAlerts({ history: false, limit: 1000 });
  }
  const { requests, functions } = source;
  return {
    snapshot,
    health,
    alerts,
    routes: requests?.routeTotals() ?? [],
    aborted: requests?.abortedTotals?.() ?? [],
    // Building HDR histograms costs ~0.3-0.5 ms each; counts views cost nothing to hand over.
    latency: requests ? (requests.cumulativeCounts?.() ?? requests.cumulativeHistogram()) : null,
    functions: functions ? (functions.totalCounts?.() ?? functions.totals()) : [],
    queries: source.queries?.config.prometheus ? source.queries.totalCounts() : undefined,
    jobs: source.jobs?.totalCounts(),
    custom: source.custom?.all(),
    now: source.clock?.now(),
    shedTotal: source.lifecycle?.shedTotal,
    unseenTotal: source.lifecycle?.unseenTotal,
  };
}
