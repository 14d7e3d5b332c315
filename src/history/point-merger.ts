// Merging history points across time (one step) and across instances: counts summed, histograms merged, percentiles re-computed.

import { round } from '../alerts/status.js';
import { LatencyCounts } from '../latency/latency-counts.js';
import type { HistoryPoint, HistoryPointView } from './point.js';
import { stripHistogram } from './point-codec.js';
import { SeriesMerger } from './series.js';

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
  /** Highest anomaly score per series among the merged points (null: none carried scores). */
  private anomaly: Record<string, number> | null = null;
  private series: SeriesMerger | undefined;

  /** `counts` may be shared between mergers used one after the other (it is reset here). */
  constructor(private readonly counts = new LatencyCounts()) {
    counts.reset();
  }

  get size(): number {
    return this.count;
  }

  add(p: HistoryPoint, instance = ''): void {
    if (p.series) {
      this.series ??= new SeriesMerger();
      this.series.add(p.series);
    }
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
    if (p.anomaly) {
      this.anomaly ??= {};
      for (const [k, v] of Object.entries(p.anomaly))
        if (!(v <= (this.anomaly[k] ?? -1))) this.anomaly[k] = v;
    }
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
      // A slot's upper edge can lie above every value in it: never report a percentile above the max of maxima.
      p50 = Math.min(p50, this.latMax);
      p95 = Math.min(p95, this.latMax);
      p99 = Math.min(p99, this.latMax);
      if (withHistogram) histogram = this.counts.encode(encoding === 'compressed');
    }
    const point: HistoryPoint = {
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
    if (this.anomaly) point.anomaly = { ...this.anomaly };
    const series = this.series?.result(withHistogram);
    if (series) point.series = series;
    return point;
  }

  toView(t: number): HistoryPointView {
    return stripHistogram(this.toPoint(t, 'none'));
  }
}
