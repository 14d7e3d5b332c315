// Merging history points across time (one step) and across instances: counts summed, histograms merged, percentiles re-computed.

import { round } from '../alerts/status.js';
import { LatencyCounts } from '../latency/latency-counts.js';
import { spansLength, spansOf, unionSpans } from './covered-spans.js';
import { errorRateOf, type HistoryPoint, type HistoryPointView, judgedOf } from './point.js';
import { stripHistogram } from './point-codec.js';
import { SeriesMerger } from './series.js';

/** Host averages: weighted by samples, from the points that measured them (null: every sample failed). */
const AVERAGED = [
  'cpu_avg_percent',
  'memory_avg_percent',
  'network_bytes_in_per_sec',
  'network_bytes_out_per_sec',
  'heap_used_mb',
  'db_response_time_ms',
  'redis_response_time_ms',
] as const;
/** Digits kept per averaged field (bytes per second are whole). */
const DIGITS = [2, 2, 0, 0, 2, 2, 2] as const;
/** Host maxima: the max of the points that measured them. */
const MAXIMA = ['cpu_max_percent', 'memory_max_percent', 'disk_max_percent', 'event_loop_p99_ms'] as const;

const measured = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Host metrics of one instance over one step: weighted by samples, max of maxima, nulls left out. */
class HostMerge {
  weight = 0;
  wsMax = 0;
  /**
   * Where its points' covered seconds lie (HistoryPoint.covered_spans), all together: two processes of one
   * instanceId (a rolling deploy, two short runs inside one minute) both write the minute they share, and the union
   * of their spans counts each second once.
   */
  private readonly spans: number[] = [];
  /**
   * Seconds covered by points that do not say where (points of earlier versions), per point start `t`. NaN once a
   * point did not say how many.
   */
  readonly covered = new Map<number, number>();
  /** How many points share each start (more than one: processes of one instanceId that overlapped). */
  private readonly sharing = new Map<number, number>();
  readonly sums = new Float64Array(AVERAGED.length);
  readonly weights = new Float64Array(AVERAGED.length);
  readonly maxima: Array<number | null> = MAXIMA.map(() => null);

  add(p: HistoryPoint): void {
    const w = Number.isFinite(p.samples) ? Math.max(p.samples, 0) : 0;
    this.weight += w;
    const secs = measured(p.covered_seconds) && p.covered_seconds >= 0 ? p.covered_seconds : Number.NaN;
    const spans = spansOf(p.covered_spans);
    if (spans && !Number.isNaN(secs)) this.spans.push(...spans);
    else {
      this.covered.set(p.t, (this.covered.get(p.t) ?? 0) + secs);
      this.sharing.set(p.t, (this.sharing.get(p.t) ?? 0) + 1);
    }
    for (let i = 0; i < AVERAGED.length; i++) {
      const v = p[AVERAGED[i] as (typeof AVERAGED)[number]];
      if (!measured(v) || w === 0) continue;
      this.sums[i]! += v * w;
      this.weights[i]! += w;
    }
    for (let i = 0; i < MAXIMA.length; i++) {
      const v = p[MAXIMA[i] as (typeof MAXIMA)[number]];
      const max = this.maxima[i];
      if (measured(v) && (max === null || max === undefined || v > max)) this.maxima[i] = v;
    }
    if (p.websocket_connections > this.wsMax) this.wsMax = p.websocket_connections;
  }

  /** The union of its points' spans; undefined when a point did not say where its seconds lie. */
  coveredSpans(): number[] | undefined {
    return this.covered.size === 0 ? unionSpans(this.spans) : undefined;
  }

  /**
   * The seconds covered up to `endMs` (the step's end; Infinity: not known): the exact union of the points' spans
   * (a bucket that spans a wall clock's forward step keeps its recorded seconds, which can exceed its minute), plus,
   * for points of earlier versions that carry no span, those of each start summed, those of a start that several
   * such points share at most the time to the next start (or the end), as in a rolling deploy.
   */
  coveredSeconds(endMs: number): number {
    const starts = [...this.covered.keys()].sort((a, b) => a - b);
    let total = spansLength(unionSpans(this.spans)) / 1000;
    for (let i = 0; i < starts.length; i++) {
      const t = starts[i] as number;
      const next = i + 1 < starts.length ? (starts[i + 1] as number) : endMs;
      const secs = this.covered.get(t) as number;
      total += (this.sharing.get(t) ?? 0) > 1 ? Math.min(secs, Math.max(0, next - t) / 1000) : secs;
    }
    return total;
  }
}

type HostFields = Pick<
  HistoryPoint,
  | 'samples'
  | 'covered_seconds'
  | 'covered_spans'
  | (typeof AVERAGED)[number]
  | (typeof MAXIMA)[number]
  | 'websocket_connections'
>;

/**
 * Host fields from per-instance merges: each instance's weighted averages, then the plain mean across
 * the instances that measured the field (each instance counts once, whatever its sample rate); max of
 * maxima; null where no instance measured it; samples and WebSocket connections summed (connections
 * are a count across the fleet, like requests); the seconds covered: the longest any instance covered (the
 * union of their coverage when, as usual, the instances ran side by side), unknown if any instance's is.
 */
function hostFields(parts: HostMerge[], endMs: number): HostFields {
  const out: Record<string, number | null> = {};
  let samples = 0;
  let ws = 0;
  let covered = 0;
  for (const h of parts) {
    samples += h.weight;
    ws += h.wsMax;
    covered = Math.max(covered, h.coveredSeconds(endMs));
  }
  // Where the seconds lie, for a merge that is stored (a rollup: one instance); a fleet view needs none.
  const spans = parts.length === 1 && covered >= 0 ? parts[0]?.coveredSpans() : undefined;
  for (let i = 0; i < AVERAGED.length; i++) {
    let sum = 0;
    let n = 0;
    for (const h of parts) {
      const weight = h.weights[i] as number;
      if (weight === 0) continue;
      sum += (h.sums[i] as number) / weight;
      n++;
    }
    out[AVERAGED[i] as string] = n === 0 ? null : round(sum / n, DIGITS[i]);
  }
  for (let i = 0; i < MAXIMA.length; i++) {
    let max: number | null = null;
    for (const h of parts) {
      const v = h.maxima[i];
      if (v !== null && v !== undefined && (max === null || v > max)) max = v;
    }
    out[MAXIMA[i] as string] = max;
  }
  return {
    ...(out as Omit<HostFields, 'samples' | 'covered_seconds' | 'covered_spans' | 'websocket_connections'>),
    samples,
    ...(covered >= 0 ? { covered_seconds: round(covered, 3) } : {}),
    ...(spans ? { covered_spans: spans } : {}),
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
  /** The judged requests (count_judged; points of earlier versions: all of theirs). */
  private judged = 0;
  private e4 = 0;
  private e5 = 0;
  private aborted = 0;
  private abortedFailed = 0;
  private latSum = 0;
  /** Requests behind latSum (points that carried an average). */
  private latRequests = 0;
  private latMax = 0;
  private histograms = 0;
  /** The only point with a histogram so far; decoded only once a second one arrives. */
  private histSource: HistoryPoint | null = null;
  private count = 0;
  /** Highest anomaly score per series among the merged points (null: none carried scores). */
  private anomaly: Record<string, number> | null = null;
  private series: SeriesMerger | undefined;
  /** Workers missing from any merged minute (cluster mode). */
  private missing: Set<string> | undefined;

  /** `counts` may be shared between mergers used one after the other (it is reset here). */
  constructor(private readonly counts = new LatencyCounts()) {
    counts.reset();
  }

  get size(): number {
    return this.count;
  }

  add(p: HistoryPoint, instance = ''): void {
    if (p.missing) {
      this.missing ??= new Set();
      for (const id of p.missing) this.missing.add(id);
    }
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
    const judged = judgedOf(p);
    this.judged += judged;
    this.e4 += p.errors_4xx;
    this.e5 += p.errors_5xx;
    const aborted = p.errors_aborted ?? 0;
    this.aborted += aborted;
    // Points of earlier versions carry no failed count: every aborted request was failed then.
    this.abortedFailed += Math.min(aborted, p.errors_aborted_failed ?? aborted);
    const timed = !!p.histogram && p.requests > 0;
    // A point without requests has no latency (null, or 0 in points stored before 0.x): it adds nothing
    // to the step's latency figures rather than a 0. One with a histogram weighs its average by the durations in it
    // (timed()): a cluster's requests lost with a dead worker count in `requests` with none (outside review 16, F8).
    if (!timed && judged > 0 && measured(p.latency_avg_ms)) {
      this.latSum += p.latency_avg_ms * judged;
      this.latRequests += judged;
    }
    if (p.requests > 0 && measured(p.latency_max_ms) && p.latency_max_ms > this.latMax)
      this.latMax = p.latency_max_ms;
    if (p.anomaly) {
      this.anomaly ??= Object.create(null) as Record<string, number>; // a custom series may be `__proto__`
      for (const [k, v] of Object.entries(p.anomaly))
        if (!(v <= (this.anomaly[k] ?? -1))) this.anomaly[k] = v;
    }
    if (!timed) return;
    this.histograms++;
    if (this.histograms === 1) {
      this.histSource = p;
      return;
    }
    if (this.histSource) this.timed(this.histSource);
    this.histSource = null;
    this.timed(p);
  }

  /** Decodes `p`'s histogram into the step's; its average counts once per duration the histogram holds. */
  private timed(p: HistoryPoint): void {
    const before = this.counts.total;
    this.counts.addEncoded(p.histogram);
    const n = this.counts.total - before;
    if (n > 0 && measured(p.latency_avg_ms)) {
      this.latSum += p.latency_avg_ms * n;
      this.latRequests += n;
    }
  }

  /**
   * The merged point with `t` (and its timestamp) set to the step start. `encoding` is that of a
   * newly merged histogram ('none' leaves the field empty); a single contributing histogram is kept as is.
   */
  toPoint(
    t: number,
    encoding: 'compressed' | 'uncompressed' | 'none' = 'compressed',
    stepMs = Number.POSITIVE_INFINITY,
  ): HistoryPoint {
    const withHistogram = encoding !== 'none';
    const src = this.histSource;
    let p50: number | null;
    let p95: number | null;
    let p99: number | null;
    let histogram = '';
    if (this.histograms === 0) {
      // No request in the step (or none with a histogram): latency unknown, not 0 ms.
      p50 = null;
      p95 = null;
      p99 = null;
    } else if (src) {
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
      ...hostFields([...this.hosts.values()], t + stepMs),
      requests: this.requests,
      count_judged: this.judged,
      errors_4xx: this.e4,
      errors_5xx: this.e5,
      errors_aborted: this.aborted,
      errors_aborted_failed: this.abortedFailed,
      error_rate_percent: errorRateOf(this.judged, this.e5, this.abortedFailed),
      latency_p50_ms: p50,
      latency_p95_ms: p95,
      latency_p99_ms: p99,
      latency_avg_ms: this.averageMs(src),
      latency_max_ms: this.latRequests > 0 || this.histograms > 0 ? this.latMax : null,
      histogram: withHistogram ? histogram : '',
    };
    if (this.anomaly) point.anomaly = { ...this.anomaly };
    const series = this.series?.result(withHistogram);
    if (series) point.series = series;
    if (this.missing) point.missing = [...this.missing];
    return point;
  }

  /**
   * The step's average: the durations' mean. A single histogram is not decoded: its point's average, weighted by its
   * requests beside points of earlier versions that carry none.
   */
  private averageMs(src: HistoryPoint | null): number | null {
    let sum = this.latSum;
    let n = this.latRequests;
    if (src && measured(src.latency_avg_ms)) {
      if (n === 0) return src.latency_avg_ms;
      sum += src.latency_avg_ms * judgedOf(src);
      n += judgedOf(src);
    }
    return n > 0 ? round(sum / n, 3) : null;
  }

  /** `stepMs`: the step's length (what it may cover at most); absent: not known. */
  toView(t: number, stepMs?: number): HistoryPointView {
    return stripHistogram(this.toPoint(t, 'none', stepMs));
  }
}
