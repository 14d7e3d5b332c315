// The questions a worker's admin API can ask about a monitor (the cluster's or one worker's), and
// their answers as plain data, so that they cross the socket unchanged.

import type { Alert, AlertRecord } from '../alerts/alert.js';
import type { CustomMetric } from '../custom/registry.js';
import type { HistoryPeriod } from '../history/periods.js';
import type { CountsView } from '../latency/latency-ring.js';
import { COUNTS_LENGTH, slotHighest } from '../latency/latency-ring.js';
import type {
  AlertsReadOptions,
  HealthReadOptions,
  HistoryReadOptions,
  MetricsReadOptions,
} from '../options/read-options.js';
import type { EndpointSort } from '../profiling/endpoints.js';
import { ENDPOINT_SORTS } from '../profiling/endpoints.js';
import { type RouteHistory, readJobHistory, readRouteHistory } from '../profiling/route-history-read.js';
import type { JobPoint } from '../profiling/series-history.js';
import type { HealthStatus, MetricsSnapshot } from '../types.js';
import { type BudgetQuestion, parseBudgetQuestion } from './admin-guesses.js';
import { type CountsWire, decodeCounts, SentCounts } from './counts-wire.js';
import { type CustomPromWire, customFromWire, customToWire } from './custom-prometheus.js';
import { RemoteError } from './peer.js';

/** The part of a SystemMonitor the cluster code reads and feeds (no import of the monitor: it sits above). */
export interface MonitorLike {
  readonly instanceId: string;
  readonly requests: {
    routeTotals(): Array<{ method: string; route: string; status_class: string; count: number }>;
    abortedTotals(): Array<{ method: string; route: string; count: number }>;
    cumulativeCounts(): Readonly<CountsView>;
  };
  readonly functions: {
    totalCounts(): Iterable<{ name: string; count: number; errors: number; histogram: Readonly<CountsView> }>;
  };
  readonly alertSystem: {
    getActiveAlerts(): Alert[];
    getHealthStatus(snapshot: MetricsSnapshot): HealthStatus;
  };
  getMetrics(options?: MetricsReadOptions): Promise<MetricsSnapshot>;
  getHealth(options?: HealthReadOptions): Promise<HealthStatus>;
  getAlerts(options?: AlertsReadOptions): Promise<Alert[] | AlertRecord[]>;
  getHistory(options?: HistoryReadOptions): Promise<unknown>;
  /** Capacity planning over its stored history (the cluster's series, or one worker's own). */
  capacity(): Promise<unknown>;
  /** The endpoints table (routes/) over the request window. */
  endpoints(sort: EndpointSort, limit: number): unknown;
  /** The one-minute route series (the cluster's: closed by its monitor over the merged window and totals). */
  readonly series: {
    route(route: string, method?: string): RouteHistory | null;
    /** A job's one-minute points (the cluster's: its runs and failures summed over the workers per minute). */
    job(name: string): JobPoint[] | null;
  };
  readonly queries: {
    report(): unknown;
    readonly config: { readonly prometheus: boolean };
    totalCounts(): Iterable<{
      system: string;
      fingerprint: string;
      histogram: Readonly<CountsView>;
      unsent?: number;
    }>;
  };
  /** Custom metrics (the cluster's: merged from every worker's). */
  readonly custom: { all(): Iterable<CustomMetric> };
  readonly clock: { now(): number };
  /** Its history writer: closes its open bucket when its boundary passed before its timer fired (own reads). */
  readonly historyWriter?: { closeDue(): Promise<void> };
  readonly jobs: {
    rows(): unknown;
    has(name: string): boolean;
    totalCounts(): Iterable<{
      name: string;
      runs: number;
      failures: number;
      lastSuccess: number | null;
      lastFailure: number | null;
      histogram: Readonly<CountsView>;
    }>;
  };
}

export type Question =
  /** `callbacksMaxAgeMs`: set where it is answered (fresh()), never sent. */
  | { op: 'metrics'; maxAgeMs: number; callbacksMaxAgeMs?: number }
  | { op: 'health'; detailed: boolean }
  | { op: 'alerts'; history: boolean; limit: number }
  | { op: 'history'; period: HistoryPeriod; instance?: string }
  /** Capacity planning over the cluster's stored history, or one worker's own. */
  | { op: 'capacity' }
  | { op: 'prometheus'; maxAgeMs: number; byWorker?: boolean; callbacksMaxAgeMs?: number }
  | { op: 'endpoints'; sort: EndpointSort; limit: number }
  /** A route's one-minute points (history/?route=): the cluster's, or one worker's; null for a route never recorded. */
  | { op: 'route-history'; route: string; method?: string }
  /** A job's one-minute points (history/?job=): the cluster's, or one worker's; null for a job without points. */
  | { op: 'job-history'; job: string }
  /** The query or job table: the cluster's (merged by the aggregator) or one worker's. */
  | { op: 'queries' | 'jobs' }
  /** The admin API's rate limit, counted for the cluster by the aggregator alone (admin-guesses.ts). */
  | BudgetQuestion;

/** A change or read of the cluster's silences, or a read of its channels' status (answered by the aggregator's router only). */
export type SilenceQuestion =
  | { op: 'silences'; action: 'list' | 'channels' }
  | { op: 'silences'; action: 'get' | 'expire'; id: string }
  | { op: 'silences'; action: 'create'; input: unknown };

/** One scrape's data as plain JSON (see http/prometheus.ts PrometheusData). */
export interface PrometheusWire {
  snapshot: MetricsSnapshot;
  health: HealthStatus;
  alerts: Alert[];
  routes: Array<{ method: string; route: string; status_class: string; count: number }>;
  aborted: Array<{ method: string; route: string; count: number }>;
  latency: CountsWire | null;
  functions: Array<{ name: string; count: number; errors: number; histogram: CountsWire | null }>;
  /** With `cluster.workerLabel`: the same request and function figures per worker, since its start. */
  workers?: WorkerSeriesWire[];
  /** Background jobs since start (merged across workers in the cluster's scrape). */
  jobs?: Array<{
    name: string;
    runs: number;
    failures: number;
    lastSuccess: number | null;
    lastFailure: number | null;
    histogram: CountsWire | null;
  }>;
  /** Custom metrics since start (merged across workers in the cluster's scrape). */
  custom?: CustomPromWire[];
  /** Query fingerprints since start, when `queries.prometheus` is on. */
  queries?: Array<{ system: string; fingerprint: string; histogram: CountsWire | null; unsent?: number }>;
  /** The pairs of `routes` whose counters may lack requests a worker folded (folded-routes.ts); absent: an older aggregator. */
  folded?: Array<[method: string, route: string]>;
}

/** One worker's request and `@timed` totals since its start (the `worker` label's series). */
export interface WorkerSeriesWire {
  worker: string;
  routes: PrometheusWire['routes'];
  aborted: PrometheusWire['aborted'];
  latency: CountsWire | null;
  functions: PrometheusWire['functions'];
}

const wire = (view: Readonly<CountsView>) => new SentCounts().take(view, slotHighest);

/**
 * The question without snapshot caching: a cluster or per-worker figure read across processes must
 * include everything recorded until the question (a cached snapshot can be a sample interval old). It runs none of
 * the application's callbacks (a transfer: README "That sync is a transfer"), unless `callbacksMaxAgeMs` says when
 * (the aggregator's cluster read with `sampleIntervalMs: 0`, at most once per its `maxAgeMs`: outside review 12, F4).
 */
export function fresh(q: Question, callbacksMaxAgeMs = Number.POSITIVE_INFINITY): Question {
  return q.op === 'metrics' || q.op === 'prometheus' ? { ...q, maxAgeMs: 0, callbacksMaxAgeMs } : q;
}

/** The reads of a monitor's closed history buckets: its points, capacity, route and job series. */
const HISTORY_READS: ReadonlySet<Question['op']> = new Set([
  'history',
  'capacity',
  'route-history',
  'job-history',
]);

/**
 * A worker's answer about itself (asked on its own admin API, over its socket, or the aggregator's own). A read of
 * its history first closes a bucket whose boundary passed before its timer fired: the cluster's series closes each
 * bucket over what the workers sent at its end, so the worker's own points then hold every request the cluster's
 * points count of it (a worker not scheduled at the boundary answers the I/O waiting for it before its overdue timer).
 */
export async function answerOwn(monitor: MonitorLike, q: Question): Promise<unknown> {
  if (HISTORY_READS.has(q.op)) await monitor.historyWriter?.closeDue().catch(() => {});
  return answer(monitor, fresh(q));
}

/** Runs this process's gauges' collect() (a cluster read's collection with `sampleIntervalMs: 0`: sync.ts). */
export function collectGauges(monitor: Pick<MonitorLike, 'custom'>): void {
  for (const m of monitor.custom.all()) if (m.type === 'gauge') m.snapshot(true);
}

/** Answers one question from one monitor. */
export async function answer(monitor: MonitorLike, q: Question): Promise<unknown> {
  switch (q.op) {
    case 'budget':
      throw new RemoteError('bad_request', 'the admin rate limit is counted by the aggregator alone');
    case 'metrics':
      return monitor.getMetrics({ maxAgeMs: q.maxAgeMs, callbacksMaxAgeMs: q.callbacksMaxAgeMs });
    case 'health':
      return monitor.getHealth({ detailed: q.detailed });
    case 'alerts':
      return monitor.getAlerts({ history: q.history, limit: q.limit });
    case 'endpoints':
      return monitor.endpoints(q.sort, q.limit);
    case 'queries':
      return monitor.queries.report();
    case 'jobs':
      return monitor.jobs.rows();
    case 'capacity':
      return monitor.capacity();
    case 'route-history':
      return readRouteHistory(monitor, q.route, q.method);
    case 'job-history':
      return readJobHistory(monitor, q.job);
    case 'history':
      return monitor.getHistory(
        q.instance === undefined ? { period: q.period } : { period: q.period, instance: q.instance },
      );
    case 'prometheus': {
      const snapshot = await monitor.getMetrics({
        maxAgeMs: q.maxAgeMs,
        callbacksMaxAgeMs: q.callbacksMaxAgeMs,
      });
      const out: PrometheusWire = {
        snapshot,
        health: monitor.alertSystem.getHealthStatus(snapshot),
        alerts: monitor.alertSystem.getActiveAlerts(),
        routes: monitor.requests.routeTotals(),
        aborted: monitor.requests.abortedTotals(),
        latency: wire(monitor.requests.cumulativeCounts()),
        functions: [...monitor.functions.totalCounts()].map((f) => ({
          name: f.name,
          count: f.count,
          errors: f.errors,
          histogram: wire(f.histogram),
        })),
        jobs: [...monitor.jobs.totalCounts()].map((j) => ({
          name: j.name,
          runs: j.runs,
          failures: j.failures,
          lastSuccess: j.lastSuccess,
          lastFailure: j.lastFailure,
          histogram: wire(j.histogram),
        })),
        custom: customToWire(monitor.custom.all(), monitor.clock.now()),
      };
      if (monitor.queries.config.prometheus) {
        out.queries = [...monitor.queries.totalCounts()].map((x) => ({
          system: x.system,
          fingerprint: x.fingerprint,
          histogram: wire(x.histogram),
          ...((x.unsent ?? 0) > 0 ? { unsent: x.unsent } : {}),
        }));
      }
      return out;
    }
  }
}

/** A counts view from its wire form (for the Prometheus serializer); null for none. */
export function viewOf(w: CountsWire | null): CountsView | null {
  return w === null ? null : countsView(w);
}

/** A counts view from its wire form, empty for none. */
export function countsView(w: CountsWire | null): CountsView {
  const s = decodeCounts(w ?? { n: 0, s: 0, x: 0, e: 0, c: [] }, COUNTS_LENGTH - 1);
  const counts = new Float64Array(COUNTS_LENGTH);
  for (let i = 0; i < s.slots.length; i++) counts[s.slots[i] as number] = s.counts[i] as number;
  return {
    counts,
    n: s.n,
    sum: s.sum,
    max: s.max,
    errors: s.errors,
    lo: s.slots.length > 0 ? (s.slots[0] as number) : COUNTS_LENGTH,
    hi: s.slots.length > 0 ? (s.slots[s.slots.length - 1] as number) : -1,
  };
}

/** Checks a question received over the socket; null when malformed. */
export function parseQuestion(q: unknown): Question | null {
  if (q === null || typeof q !== 'object') return null;
  const o = q as Record<string, unknown>;
  const int = (v: unknown, lo: number, hi: number) =>
    Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  switch (o.op) {
    case 'metrics':
      return int(o.maxAgeMs, 0, 86_400_000) ? { op: o.op, maxAgeMs: o.maxAgeMs as number } : null;
    case 'prometheus':
      return int(o.maxAgeMs, 0, 86_400_000)
        ? { op: o.op, maxAgeMs: o.maxAgeMs as number, byWorker: o.byWorker === true }
        : null;
    case 'health':
      return typeof o.detailed === 'boolean' ? { op: 'health', detailed: o.detailed } : null;
    case 'alerts':
      return typeof o.history === 'boolean' && int(o.limit, 1, 10_000)
        ? { op: 'alerts', history: o.history, limit: o.limit as number }
        : null;
    case 'history':
      if (o.period !== '1h' && o.period !== '24h' && o.period !== '7d') return null;
      if (o.instance !== undefined && (typeof o.instance !== 'string' || o.instance.length > 256))
        return null;
      return o.instance === undefined
        ? { op: 'history', period: o.period }
        : { op: 'history', period: o.period, instance: o.instance as string };
    case 'queries':
    case 'jobs':
    case 'capacity':
      return { op: o.op };
    case 'route-history':
      if (!text(o.route) || (o.method !== undefined && !text(o.method))) return null;
      return o.method === undefined
        ? { op: o.op, route: o.route as string }
        : { op: o.op, route: o.route as string, method: o.method as string };
    case 'job-history':
      return text(o.job) ? { op: o.op, job: o.job as string } : null;
    case 'budget':
      return parseBudgetQuestion(o);
    case 'endpoints':
      return (ENDPOINT_SORTS as readonly unknown[]).includes(o.sort) && int(o.limit, 1, 1000)
        ? { op: 'endpoints', sort: o.sort as EndpointSort, limit: o.limit as number }
        : null;
    default:
      return null;
  }
}

/** A route or method as history/ takes it: 1 to 1,000 characters. */
const text = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 1000;

/** Checks a silence question received over the socket; null when malformed (the input is checked by the store). */
export function parseSilenceQuestion(q: unknown): SilenceQuestion | null {
  if (q === null || typeof q !== 'object') return null;
  const o = q as Record<string, unknown>;
  if (o.op !== 'silences') return null;
  if (o.action === 'list' || o.action === 'channels') return { op: 'silences', action: o.action };
  if (o.action === 'create') return { op: 'silences', action: 'create', input: o.input };
  if ((o.action === 'get' || o.action === 'expire') && typeof o.id === 'string' && o.id.length <= 64) {
    return { op: 'silences', action: o.action, id: o.id };
  }
  return null;
}

/**
 * A worker's question to the aggregator (`q`: a figure read, or its silences): the answer, or a `bad_request`
 * rejection for a malformed one.
 */
export function answerQuestion(
  msg: { readonly [key: string]: unknown },
  ask: (q: Question, instance: string | undefined) => Promise<unknown>,
  silence: (q: SilenceQuestion) => unknown,
): Promise<unknown> {
  const malformed = () => Promise.reject(new RemoteError('bad_request', 'malformed question'));
  if ((msg.q as { op?: unknown } | null)?.op === 'silences') {
    const sq = parseSilenceQuestion(msg.q);
    return sq === null ? malformed() : new Promise((resolve) => resolve(silence(sq)));
  }
  const q = parseQuestion(msg.q);
  const instance = typeof msg.instance === 'string' ? msg.instance : undefined;
  return q === null ? malformed() : ask(q, instance);
}

/** A scrape's answer read back on the asking worker (ClusterSource.prometheusData) as the serializer's data. */
export function prometheusFromWire(w: PrometheusWire, now: number) {
  return {
    snapshot: w.snapshot,
    health: w.health,
    alerts: w.alerts,
    routes: w.routes,
    // Absent from an older aggregator's answer: no family then. Pairs only (a later shape is skipped, not thrown on).
    foldedRoutes: Array.isArray(w.folded)
      ? w.folded
          .filter((p) => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string')
          .map(([method, route]) => ({ method, route }))
      : undefined,
    aborted: w.aborted ?? [],
    latency: viewOf(w.latency),
    functions: w.functions.map((f) => ({ ...f, histogram: viewOf(f.histogram) })),
    workers: w.workers?.map((s) => ({
      worker: s.worker,
      routes: s.routes,
      aborted: s.aborted,
      latency: viewOf(s.latency),
      functions: s.functions.map((f) => ({ ...f, histogram: viewOf(f.histogram) })),
    })),
    jobs: w.jobs?.map((j) => ({ ...j, histogram: countsView(j.histogram) })),
    queries: w.queries?.map((x) => ({
      ...x,
      histogram: countsView(x.histogram),
      unsent: Number.isSafeInteger(x.unsent) ? x.unsent : 0,
    })),
    custom: w.custom ? customFromWire(w.custom) : undefined,
    now,
  };
}
