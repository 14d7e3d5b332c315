// History: one point per resolution bucket, and the merging of points across time (downsampling to a
// period's step) and across instances (the fleet view). Percentiles are always re-computed from merged
// HDR histograms, never averaged.

import { round } from '../alerts/status.js';
import { SysvitalsError } from '../errors.js';
import { createHistogram, encodeHistogram, type Histogram, summarize } from '../latency/histogram.js';
import { LatencyCounts } from '../latency/latency-counts.js';
import { errorMessage } from '../logger.js';
import type { HistoryPeriod, MetricsSnapshot } from '../types.js';

export { histogramOf, LatencyCounts } from '../latency/latency-counts.js';

/** One resolution bucket (default one minute) of one instance, as stored. */
export interface HistoryPoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** Bucket start, ISO. */
  timestamp: string;
  /** Host samples taken in the bucket; the weight of the host averages when points are merged. */
  samples: number;
  cpu_avg_percent: number;
  cpu_max_percent: number;
  memory_avg_percent: number;
  memory_max_percent: number;
  disk_max_percent: number;
  network_bytes_in_per_sec: number;
  network_bytes_out_per_sec: number;
  /** Worst event-loop p99 seen in the bucket. */
  event_loop_p99_ms: number;
  heap_used_mb: number;
  /** Average probe response time; null when no probe answered in the bucket. */
  db_response_time_ms: number | null;
  redis_response_time_ms: number | null;
  /** Most open WebSocket connections seen in the bucket. */
  websocket_connections: number;
  requests: number;
  errors_4xx: number;
  errors_5xx: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
  latency_p99_ms: number;
  latency_avg_ms: number;
  latency_max_ms: number;
  /**
   * The bucket's HDR latency histogram (src/latency/histogram.ts), base64: compressed V2 as
   * encodeHistogram() writes it for bucket points; uncompressed V2 in stores' rollups, which are
   * decoded far more often. '' with no request. `histogramOf()` reads both.
   */
  histogram: string;
}

/** A point as the API returns it: the encoded histogram is stripped. */
export type HistoryPointView = Omit<HistoryPoint, 'histogram'>;

export interface HistoryResult {
  period: HistoryPeriod;
  /** First step's start (ISO, inclusive). */
  start: string;
  /** Last step's end (ISO, exclusive); the last step contains the query time and may be partial. */
  end: string;
  step_seconds: number;
  /** The instance id, or 'all' for the fleet view. */
  instance: string;
  /** Fleet view only: the instances that contributed at least one point, sorted. */
  instances?: string[];
  /** Oldest first; steps with no stored point are omitted (detect gaps with `t` and `step_seconds`). */
  points: HistoryPointView[];
}

/** What RequestStats.takeBucket() returns: the requests of one bucket. */
export interface RequestBucket {
  requests: number;
  count_4xx: number;
  count_5xx: number;
  histogram: Histogram;
}

// ---------------------------------------------------------------------------------------------
// Periods and steps

export interface PeriodSpec {
  durationMs: number;
  /** Step at the default one-minute resolution; never finer than the resolution. */
  stepMs: number;
}

/**
 * 1h → 60 steps of 1 min, 24h → 288 steps of 5 min, 7d → 336 steps of 30 min. With a coarser
 * resolution the step grows to a multiple of it, so a step never splits a bucket.
 */
export const PERIODS: Readonly<Record<HistoryPeriod, Readonly<PeriodSpec>>> = Object.freeze({
  '1h': Object.freeze({ durationMs: 3_600_000, stepMs: 60_000 }),
  '24h': Object.freeze({ durationMs: 86_400_000, stepMs: 300_000 }),
  '7d': Object.freeze({ durationMs: 604_800_000, stepMs: 1_800_000 }),
});

export const HISTORY_PERIODS = Object.freeze(Object.keys(PERIODS) as HistoryPeriod[]);
export const DEFAULT_RESOLUTION_MS = 60_000;
export const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

/** `'1h' | '24h' | '7d'`, or null for anything else (the HTTP layer answers 400). */
export function parsePeriod(value: unknown): HistoryPeriod | null {
  return typeof value === 'string' && Object.hasOwn(PERIODS, value) ? (value as HistoryPeriod) : null;
}

export function historyStepMs(period: HistoryPeriod, resolutionMs = DEFAULT_RESOLUTION_MS): number {
  const base = PERIODS[period].stepMs;
  if (!(resolutionMs > 0)) return base;
  return Math.ceil(Math.max(base, resolutionMs) / resolutionMs) * resolutionMs;
}

/** The coarser steps a store keeps pre-merged ("rollups") so that long periods read a few hundred points. */
export function rollupSteps(resolutionMs = DEFAULT_RESOLUTION_MS): number[] {
  const steps = new Set<number>();
  for (const p of HISTORY_PERIODS) {
    const step = historyStepMs(p, resolutionMs);
    if (step > resolutionMs) steps.add(step);
  }
  return [...steps].sort((a, b) => a - b);
}

/**
 * How long a rollup step is worth keeping: the longest period that reads it, plus one step (5-minute
 * rollups serve 24h, so keeping them 7 days would cost 2 016 members per instance for nothing).
 */
export function rollupKeepMs(stepMs: number, resolutionMs = DEFAULT_RESOLUTION_MS): number {
  let keep = 0;
  for (const p of HISTORY_PERIODS) {
    if (historyStepMs(p, resolutionMs) === stepMs) keep = Math.max(keep, PERIODS[p].durationMs + stepMs);
  }
  return keep > 0 ? keep : DEFAULT_RETENTION_MS;
}

export interface HistoryWindow {
  startMs: number;
  endMs: number;
  stepMs: number;
  steps: number;
}

/** Steps are aligned to the epoch so that repeated queries (and instances) agree on step boundaries. */
export function historyWindow(period: HistoryPeriod, now: number, resolutionMs = DEFAULT_RESOLUTION_MS) {
  const stepMs = historyStepMs(period, resolutionMs);
  const steps = Math.ceil(PERIODS[period].durationMs / stepMs);
  const endMs = (Math.floor(now / stepMs) + 1) * stepMs;
  return { startMs: endMs - steps * stepMs, endMs, stepMs, steps } satisfies HistoryWindow;
}

// ---------------------------------------------------------------------------------------------
// One bucket: samples in, one point out

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Mean {
  sum = 0;
  n = 0;
  add(v: unknown): void {
    if (!finite(v)) return;
    this.sum += v;
    this.n++;
  }
  value(digits = 2): number {
    return this.n === 0 ? 0 : round(this.sum / this.n, digits);
  }
  nullable(digits = 2): number | null {
    return this.n === 0 ? null : round(this.sum / this.n, digits);
  }
}

class Max {
  v = 0;
  add(v: unknown): void {
    if (finite(v) && v > this.v) this.v = v;
  }
}

/**
 * Accumulates the host samples of the current bucket; `close()` turns them and the bucket's requests
 * into one HistoryPoint and starts over. A metric group that failed (`error` set) is left out of its
 * averages rather than counted as zero.
 */
export class BucketAggregator {
  private count = 0;
  private cpu = new Mean();
  private cpuMax = new Max();
  private mem = new Mean();
  private memMax = new Max();
  private diskMax = new Max();
  private netIn = new Mean();
  private netOut = new Mean();
  private loopP99 = new Max();
  private heap = new Mean();
  private db = new Mean();
  private redis = new Mean();
  private ws = new Max();

  /** Samples added since the last close. */
  get samples(): number {
    return this.count;
  }

  add(s: MetricsSnapshot): void {
    this.count++;
    if (s.cpu && !s.cpu.error) {
      this.cpu.add(s.cpu.current_percent);
      this.cpuMax.add(s.cpu.current_percent);
    }
    if (s.memory && !s.memory.error) {
      this.mem.add(s.memory.used_percent);
      this.memMax.add(s.memory.used_percent);
    }
    if (s.disk && !s.disk.error) this.diskMax.add(s.disk.max_used_percent);
    if (s.network && !s.network.error) {
      this.netIn.add(s.network.bytes_in_per_sec);
      this.netOut.add(s.network.bytes_out_per_sec);
    }
    if (s.process && !s.process.error) {
      this.loopP99.add(s.process.event_loop_delay_p99_ms);
      this.heap.add(s.process.heap_used_mb);
    }
    this.db.add(s.database?.response_time_ms);
    this.redis.add(s.redis?.response_time_ms);
    this.ws.add(s.websocket?.active_connections);
  }

  close(bucketStartMs: number, requests?: RequestBucket): HistoryPoint {
    const h = requests?.histogram;
    const lat = h ? summarize(h) : summarize(EMPTY);
    const point: HistoryPoint = {
      t: bucketStartMs,
      timestamp: new Date(bucketStartMs).toISOString(),
      samples: this.count,
      cpu_avg_percent: this.cpu.value(),
      cpu_max_percent: round(this.cpuMax.v),
      memory_avg_percent: this.mem.value(),
      memory_max_percent: round(this.memMax.v),
      disk_max_percent: round(this.diskMax.v),
      network_bytes_in_per_sec: this.netIn.value(0),
      network_bytes_out_per_sec: this.netOut.value(0),
      event_loop_p99_ms: round(this.loopP99.v),
      heap_used_mb: this.heap.value(),
      db_response_time_ms: this.db.nullable(),
      redis_response_time_ms: this.redis.nullable(),
      websocket_connections: this.ws.v,
      requests: requests?.requests ?? 0,
      errors_4xx: requests?.count_4xx ?? 0,
      errors_5xx: requests?.count_5xx ?? 0,
      latency_p50_ms: lat.p50_ms,
      latency_p95_ms: lat.p95_ms,
      latency_p99_ms: lat.p99_ms,
      latency_avg_ms: lat.avg_ms,
      latency_max_ms: lat.max_ms,
      histogram: h && h.totalCount > 0 ? encodeHistogram(h) : '',
    };
    this.reset();
    return point;
  }

  reset(): void {
    this.count = 0;
    this.cpu = new Mean();
    this.cpuMax = new Max();
    this.mem = new Mean();
    this.memMax = new Max();
    this.diskMax = new Max();
    this.netIn = new Mean();
    this.netOut = new Mean();
    this.loopP99 = new Max();
    this.heap = new Mean();
    this.db = new Mean();
    this.redis = new Mean();
    this.ws = new Max();
  }
}

const EMPTY = createHistogram();

// ---------------------------------------------------------------------------------------------
// Compact serialisation (what a store writes): a positional JSON array, version first. About 150
// bytes plus the histogram, against ~700 for the same point as a JSON object.

const POINT_FORMAT = 1;
const POINT_FIELDS = 24;

export function serializePoint(p: HistoryPoint): string {
  return JSON.stringify([
    POINT_FORMAT,
    p.t,
    p.samples,
    p.cpu_avg_percent,
    p.cpu_max_percent,
    p.memory_avg_percent,
    p.memory_max_percent,
    p.disk_max_percent,
    p.network_bytes_in_per_sec,
    p.network_bytes_out_per_sec,
    p.event_loop_p99_ms,
    p.heap_used_mb,
    p.db_response_time_ms,
    p.redis_response_time_ms,
    p.websocket_connections,
    p.requests,
    p.errors_4xx,
    p.errors_5xx,
    p.latency_p50_ms,
    p.latency_p95_ms,
    p.latency_p99_ms,
    p.latency_avg_ms,
    p.latency_max_ms,
    p.histogram,
  ]);
}

/** The point, or null for anything this version cannot read (skipped, never thrown). */
export function parsePoint(s: string): HistoryPoint | null {
  let a: unknown;
  try {
    a = JSON.parse(s);
  } catch {
    return null;
  }
  if (!Array.isArray(a) || a[0] !== POINT_FORMAT || a.length !== POINT_FIELDS || !finite(a[1])) return null;
  return {
    t: a[1],
    timestamp: new Date(a[1]).toISOString(),
    samples: a[2],
    cpu_avg_percent: a[3],
    cpu_max_percent: a[4],
    memory_avg_percent: a[5],
    memory_max_percent: a[6],
    disk_max_percent: a[7],
    network_bytes_in_per_sec: a[8],
    network_bytes_out_per_sec: a[9],
    event_loop_p99_ms: a[10],
    heap_used_mb: a[11],
    db_response_time_ms: a[12],
    redis_response_time_ms: a[13],
    websocket_connections: a[14],
    requests: a[15],
    errors_4xx: a[16],
    errors_5xx: a[17],
    latency_p50_ms: a[18],
    latency_p95_ms: a[19],
    latency_p99_ms: a[20],
    latency_avg_ms: a[21],
    latency_max_ms: a[22],
    histogram: typeof a[23] === 'string' ? a[23] : '',
  };
}

export function stripHistogram(p: HistoryPoint): HistoryPointView {
  const { histogram: _omit, ...view } = p;
  return view;
}

// ---------------------------------------------------------------------------------------------
// Merging points

/** Host metrics of one instance over one step: weighted by samples, max of maxima. */
class HostMerge {
  weight = 0;
  cpu = 0;
  mem = 0;
  netIn = 0;
  netOut = 0;
  heap = 0;
  dbSum = 0;
  dbWeight = 0;
  redisSum = 0;
  redisWeight = 0;
  cpuMax = 0;
  memMax = 0;
  diskMax = 0;
  loopMax = 0;
  wsMax = 0;

  add(p: HistoryPoint): void {
    const w = Number.isFinite(p.samples) ? Math.max(p.samples, 0) : 0;
    this.weight += w;
    this.cpu += p.cpu_avg_percent * w;
    this.mem += p.memory_avg_percent * w;
    this.netIn += p.network_bytes_in_per_sec * w;
    this.netOut += p.network_bytes_out_per_sec * w;
    this.heap += p.heap_used_mb * w;
    if (p.db_response_time_ms !== null && w > 0) {
      this.dbSum += p.db_response_time_ms * w;
      this.dbWeight += w;
    }
    if (p.redis_response_time_ms !== null && w > 0) {
      this.redisSum += p.redis_response_time_ms * w;
      this.redisWeight += w;
    }
    if (p.cpu_max_percent > this.cpuMax) this.cpuMax = p.cpu_max_percent;
    if (p.memory_max_percent > this.memMax) this.memMax = p.memory_max_percent;
    if (p.disk_max_percent > this.diskMax) this.diskMax = p.disk_max_percent;
    if (p.event_loop_p99_ms > this.loopMax) this.loopMax = p.event_loop_p99_ms;
    if (p.websocket_connections > this.wsMax) this.wsMax = p.websocket_connections;
  }
}

type HostFields = Pick<
  HistoryPoint,
  | 'samples'
  | 'cpu_avg_percent'
  | 'cpu_max_percent'
  | 'memory_avg_percent'
  | 'memory_max_percent'
  | 'disk_max_percent'
  | 'network_bytes_in_per_sec'
  | 'network_bytes_out_per_sec'
  | 'event_loop_p99_ms'
  | 'heap_used_mb'
  | 'db_response_time_ms'
  | 'redis_response_time_ms'
  | 'websocket_connections'
>;

/**
 * Host fields from per-instance merges: each instance's weighted averages, then the plain mean across
 * instances (each instance counts once, whatever its sample rate); max of maxima; samples and
 * WebSocket connections summed (connections are a count across the fleet, like requests).
 */
function hostFields(parts: HostMerge[]): HostFields {
  let n = 0;
  let samples = 0;
  let cpu = 0;
  let mem = 0;
  let netIn = 0;
  let netOut = 0;
  let heap = 0;
  let db = 0;
  let dbN = 0;
  let redis = 0;
  let redisN = 0;
  let cpuMax = 0;
  let memMax = 0;
  let diskMax = 0;
  let loopMax = 0;
  let ws = 0;
  for (const h of parts) {
    samples += h.weight;
    ws += h.wsMax;
    cpuMax = Math.max(cpuMax, h.cpuMax);
    memMax = Math.max(memMax, h.memMax);
    diskMax = Math.max(diskMax, h.diskMax);
    loopMax = Math.max(loopMax, h.loopMax);
    if (h.dbWeight > 0) {
      db += h.dbSum / h.dbWeight;
      dbN++;
    }
    if (h.redisWeight > 0) {
      redis += h.redisSum / h.redisWeight;
      redisN++;
    }
    if (h.weight === 0) continue;
    n++;
    cpu += h.cpu / h.weight;
    mem += h.mem / h.weight;
    netIn += h.netIn / h.weight;
    netOut += h.netOut / h.weight;
    heap += h.heap / h.weight;
  }
  const avg = (sum: number, count: number, digits = 2) => (count === 0 ? 0 : round(sum / count, digits));
  return {
    samples,
    cpu_avg_percent: avg(cpu, n),
    cpu_max_percent: cpuMax,
    memory_avg_percent: avg(mem, n),
    memory_max_percent: memMax,
    disk_max_percent: diskMax,
    network_bytes_in_per_sec: avg(netIn, n, 0),
    network_bytes_out_per_sec: avg(netOut, n, 0),
    event_loop_p99_ms: loopMax,
    heap_used_mb: avg(heap, n),
    db_response_time_ms: dbN === 0 ? null : round(db / dbN),
    redis_response_time_ms: redisN === 0 ? null : round(redis / redisN),
    websocket_connections: ws,
  };
}

const PERCENTILES = [50, 95, 99] as const;

/**
 * Merges any number of points (one step; one or many instances) into one. Counts are summed,
 * histograms merged and the percentiles read from the merged histogram; the average latency is the
 * request-weighted average (the merged histogram's mean); the max is the max of maxima. A step made
 * of a single point keeps that point's values without decoding anything.
 */
export class PointMerger {
  private readonly hosts = new Map<string, HostMerge>();
  private requests = 0;
  private e4 = 0;
  private e5 = 0;
  private latSum = 0;
  private latMax = 0;
  private histograms = 0;
  /** The only point with a histogram so far; decoded only once a second one arrives. */
  private histSource: HistoryPoint | null = null;
  private count = 0;

  /** `counts` may be shared between mergers used one after the other (it is reset here). */
  constructor(private readonly counts = new LatencyCounts()) {
    counts.reset();
  }

  get size(): number {
    return this.count;
  }

  add(p: HistoryPoint, instance = ''): void {
    let host = this.hosts.get(instance);
    if (!host) {
      host = new HostMerge();
      this.hosts.set(instance, host);
    }
    host.add(p);
    this.count++;
    this.requests += p.requests;
    this.e4 += p.errors_4xx;
    this.e5 += p.errors_5xx;
    this.latSum += p.latency_avg_ms * p.requests;
    if (p.latency_max_ms > this.latMax) this.latMax = p.latency_max_ms;
    if (!p.histogram) return;
    this.histograms++;
    if (this.histograms === 1) {
      this.histSource = p;
      return;
    }
    if (this.histSource) this.counts.addEncoded(this.histSource.histogram);
    this.histSource = null;
    this.counts.addEncoded(p.histogram);
  }

  /**
   * The merged point with `t` (and its timestamp) set to the step start. `encoding` is that of a
   * newly merged histogram ('none' leaves the field empty); a single contributing histogram is kept as is.
   */
  toPoint(t: number, encoding: 'compressed' | 'uncompressed' | 'none' = 'compressed'): HistoryPoint {
    const withHistogram = encoding !== 'none';
    const src = this.histSource;
    let p50: number;
    let p95: number;
    let p99: number;
    let histogram = '';
    if (src) {
      // One contributing histogram: its point's percentiles are already exact.
      p50 = src.latency_p50_ms;
      p95 = src.latency_p95_ms;
      p99 = src.latency_p99_ms;
      histogram = src.histogram;
    } else {
      [p50 = 0, p95 = 0, p99 = 0] = this.counts.percentilesMs(PERCENTILES);
      if (withHistogram) histogram = this.counts.encode(encoding === 'compressed');
    }
    return {
      t,
      timestamp: new Date(t).toISOString(),
      ...hostFields([...this.hosts.values()]),
      requests: this.requests,
      errors_4xx: this.e4,
      errors_5xx: this.e5,
      latency_p50_ms: p50,
      latency_p95_ms: p95,
      latency_p99_ms: p99,
      latency_avg_ms: this.requests > 0 ? round(this.latSum / this.requests, 3) : 0,
      latency_max_ms: this.latMax,
      histogram: withHistogram ? histogram : '',
    };
  }

  toView(t: number): HistoryPointView {
    return stripHistogram(this.toPoint(t, 'none'));
  }
}

// ---------------------------------------------------------------------------------------------
// Queries

export interface DownsampleOptions {
  period: HistoryPeriod;
  /** Query time, epoch ms. */
  now: number;
  /** The store's bucket resolution; steps are never finer. Default 60 s. */
  resolutionMs?: number;
  /** Echoed in the result; default 'local'. */
  instance?: string;
}

type Series =
  | ReadonlyMap<string, readonly HistoryPoint[]>
  | Readonly<Record<string, readonly HistoryPoint[]>>;

function entries(series: Series): [string, readonly HistoryPoint[]][] {
  return series instanceof Map ? [...series.entries()] : Object.entries(series);
}

/**
 * Merged steps remembered between queries. A finished step's points no longer change, and decoding
 * their histograms is nearly all the cost of a query (the fleet 7d view decodes 336 × instances), so a
 * dashboard that polls pays only for the steps that changed. A step is reused only when the same
 * points (instance, t, samples, requests, histogram length, cpu) make it up.
 */
export class StepCache {
  private readonly scopes = new Map<string, Map<number, { fp: string; view: HistoryPointView }>>();

  constructor(private readonly maxScopes = 32) {}

  scope(key: string, startMs: number): Map<number, { fp: string; view: HistoryPointView }> {
    let scope = this.scopes.get(key);
    if (scope) this.scopes.delete(key);
    else scope = new Map();
    this.scopes.set(key, scope); // most recently used last
    if (this.scopes.size > this.maxScopes) this.scopes.delete(this.scopes.keys().next().value!);
    for (const t of scope.keys()) if (t < startMs) scope.delete(t);
    return scope;
  }
}

function fingerprint(bucket: [string, HistoryPoint][]): string {
  const parts = bucket.map(
    ([id, p]) =>
      `${id}\u0001${p.t}\u0001${p.samples}\u0001${p.requests}\u0001${p.histogram.length}\u0001${p.cpu_avg_percent}`,
  );
  return parts.sort().join('\u0002');
}

function merge(
  series: [string, readonly HistoryPoint[]][],
  opts: DownsampleOptions,
  instance: string,
  cache?: StepCache,
) {
  const w = historyWindow(opts.period, opts.now, opts.resolutionMs);
  const buckets: ([string, HistoryPoint][] | undefined)[] = new Array(w.steps);
  const contributors: string[] = [];
  for (const [id, points] of series) {
    let contributed = false;
    for (const p of points) {
      if (!(p.t >= w.startMs && p.t < w.endMs)) continue;
      const i = Math.floor((p.t - w.startMs) / w.stepMs);
      const bucket = buckets[i];
      if (bucket) bucket.push([id, p]);
      else buckets[i] = [[id, p]];
      contributed = true;
    }
    if (contributed) contributors.push(id);
  }
  const scope = cache?.scope(`${instance}\u0000${w.stepMs}`, w.startMs);
  const counts = new LatencyCounts();
  const points: HistoryPointView[] = [];
  for (let i = 0; i < w.steps; i++) {
    const bucket = buckets[i];
    if (!bucket) continue;
    const t = w.startMs + i * w.stepMs;
    const fp = scope && bucket.length > 1 ? fingerprint(bucket) : undefined;
    const hit = fp === undefined ? undefined : scope?.get(t);
    if (hit && hit.fp === fp) {
      points.push({ ...hit.view });
      continue;
    }
    const m = new PointMerger(counts);
    for (const [id, p] of bucket) m.add(p, id);
    const view = m.toView(t);
    if (fp !== undefined) scope?.set(t, { fp, view: { ...view } });
    points.push(view);
  }
  const result: HistoryResult = {
    period: opts.period,
    start: new Date(w.startMs).toISOString(),
    end: new Date(w.endMs).toISOString(),
    step_seconds: w.stepMs / 1000,
    instance,
    points,
  };
  return { result, contributors };
}

/**
 * One instance's points (any order; raw buckets or pre-merged rollups) → the period's steps, oldest
 * first, at most a few hundred, without the encoded histograms. Steps with no point are omitted.
 */
export function downsample(
  points: readonly HistoryPoint[],
  opts: DownsampleOptions,
  cache?: StepCache,
): HistoryResult {
  return merge([['', points]], opts, opts.instance ?? 'local', cache).result;
}

/**
 * The fleet view: every instance's points merged step by step. Requests, errors and WebSocket
 * connections are summed and histograms merged (fleet-wide percentiles); host metrics are averaged
 * across the instances present in the step, maxima are the fleet's maxima.
 */
export function mergeInstances(series: Series, opts: DownsampleOptions, cache?: StepCache): HistoryResult {
  const { result, contributors } = merge(entries(series), opts, opts.instance ?? 'all', cache);
  result.instances = contributors.sort();
  return result;
}

/** What a query needs from a store (see src/stores/store.ts). */
export interface HistoryReader {
  readPoints(instance: string, fromMs: number, toMs: number, stepMs?: number): Promise<HistoryPoint[]>;
  readAllInstances(fromMs: number, toMs: number, stepMs?: number): Promise<Map<string, HistoryPoint[]>>;
}

export interface HistoryQuery {
  period: HistoryPeriod;
  /** An instance id, or 'all' for the fleet view. */
  instance: string;
  now: number;
  resolutionMs?: number;
}

const caches = new WeakMap<HistoryReader, StepCache>();

/**
 * Reads the period from a store (its rollups where it keeps them) and downsamples it. Merged steps
 * are cached per store between calls (see StepCache); the answer is the same with or without.
 */
export async function queryHistory(store: HistoryReader, q: HistoryQuery): Promise<HistoryResult> {
  const w = historyWindow(q.period, q.now, q.resolutionMs);
  const opts: DownsampleOptions = { period: q.period, now: q.now, resolutionMs: q.resolutionMs };
  let cache = caches.get(store);
  if (!cache) {
    cache = new StepCache();
    caches.set(store, cache);
  }
  if (q.instance === 'all') {
    const series = await readStore(() => store.readAllInstances(w.startMs, w.endMs, w.stepMs));
    return mergeInstances(series, opts, cache);
  }
  const points = await readStore(() => store.readPoints(q.instance, w.startMs, w.endMs, w.stepMs));
  return downsample(points, { ...opts, instance: q.instance }, cache);
}

/**
 * A store that cannot be read (Redis down or frozen) is a dependency outage, not a bug of ours: it
 * becomes ERR_SYSVITALS_STORE, which the admin API answers with 503 and Retry-After instead of 500.
 */
async function readStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SysvitalsError) throw err; // ERR_SYSVITALS_CLOSED and the like keep their code
    throw new SysvitalsError('ERR_SYSVITALS_STORE', `history store unavailable: ${errorMessage(err)}`);
  }
}
