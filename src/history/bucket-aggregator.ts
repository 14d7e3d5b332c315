// One history bucket: host samples and the bucket's requests in, one history point out.

import { round } from '../alerts/status.js';
import type { CustomBucketEntry } from '../custom/registry.js';
import { createHistogram, encodeHistogram, summarize } from '../latency/histogram.js';
import type { RequestBucket } from '../requests/request-figures.js';
import type { MetricsSnapshot } from '../types.js';
import { bucketSpan } from './covered-spans.js';
import { errorRateOf, type HistoryPoint } from './point.js';
import { SeriesAccumulator } from './series.js';

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const measured = <T extends { error?: string; status?: string }>(g: T | undefined): g is T =>
  g !== undefined && !g.error && g.status !== 'unknown';

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
  v: number | null = null;
  add(v: unknown): void {
    if (finite(v) && (this.v === null || v > this.v)) this.v = v;
  }
  /** null when nothing was measured (every sample of the bucket failed). */
  value(): number | null {
    return this.v === null ? null : round(this.v);
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
  private readonly series = new SeriesAccumulator();

  /** Samples added since the last close. */
  get samples(): number {
    return this.count;
  }

  add(s: MetricsSnapshot): void {
    this.count++;
    // A group that failed (error) or was not measured here (status unknown: a cluster worker's own
    // monitor leaves host groups to the aggregator) adds nothing, rather than a 0.
    if (measured(s.cpu)) {
      this.cpu.add(s.cpu.current_percent);
      this.cpuMax.add(s.cpu.current_percent);
    }
    if (measured(s.memory)) {
      this.mem.add(s.memory.used_percent);
      this.memMax.add(s.memory.used_percent);
    }
    if (measured(s.disk)) this.diskMax.add(s.disk.max_used_percent);
    if (measured(s.network)) {
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
    this.series.add(s);
  }

  /**
   * `coveredMs`: how long the monitor recorded the bucket (HistoryPoint.covered_seconds), up to its close at `endMs`
   * on the wall clock (where those seconds lie: covered_spans); omitted when unknown. `live`: those spans when the
   * bucket stalled ([from, to] pairs, the stalls cut out: history-writer.ts), else the one ending at `endMs`.
   */
  close(
    bucketStartMs: number,
    requests?: RequestBucket,
    custom?: ReadonlyMap<string, CustomBucketEntry>,
    coveredMs?: number,
    endMs?: number,
    live?: readonly number[],
  ): HistoryPoint {
    const covered = finite(coveredMs) && coveredMs >= 0 ? round(coveredMs / 1000, 3) : undefined;
    const h = requests?.histogram;
    // The request statistics' own summary when given (exact avg and max, percentiles capped at the max);
    // else the histogram's (capped the same way): a stored point never lies outside [min, max].
    const lat = requests?.latency ?? summarize(h ?? emptyHistogram());
    // No request in the bucket: its latency is unknown (null), not 0 ms.
    const served = (requests?.requests ?? 0) > 0 && lat.count > 0;
    const total = requests?.requests ?? 0;
    const judged = Math.min(total, requests?.count_judged ?? total);
    const point: HistoryPoint = {
      t: bucketStartMs,
      timestamp: new Date(bucketStartMs).toISOString(),
      samples: this.count,
      ...(covered !== undefined ? { covered_seconds: covered } : {}),
      ...(covered !== undefined && live !== undefined && live.length > 0
        ? { covered_spans: [...live] }
        : covered !== undefined && finite(endMs)
          ? { covered_spans: bucketSpan(endMs, covered) }
          : {}),
      // null, not 0, where every sample of the bucket failed: nothing was measured.
      cpu_avg_percent: this.cpu.nullable(),
      cpu_max_percent: this.cpuMax.value(),
      memory_avg_percent: this.mem.nullable(),
      memory_max_percent: this.memMax.value(),
      disk_max_percent: this.diskMax.value(),
      network_bytes_in_per_sec: this.netIn.nullable(0),
      network_bytes_out_per_sec: this.netOut.nullable(0),
      event_loop_p99_ms: this.loopP99.value(),
      heap_used_mb: this.heap.nullable(),
      db_response_time_ms: this.db.nullable(),
      redis_response_time_ms: this.redis.nullable(),
      websocket_connections: this.ws.v ?? 0,
      requests: total,
      count_judged: judged,
      errors_4xx: requests?.count_4xx ?? 0,
      errors_5xx: requests?.count_5xx ?? 0,
      errors_aborted: requests?.count_aborted ?? 0,
      errors_aborted_failed: requests?.count_aborted_failed ?? requests?.count_aborted ?? 0,
      error_rate_percent: errorRateOf(
        judged,
        requests?.count_5xx ?? 0,
        requests?.count_aborted_failed ?? requests?.count_aborted ?? 0,
      ),
      latency_p50_ms: served ? lat.p50_ms : null,
      latency_p95_ms: served ? lat.p95_ms : null,
      latency_p99_ms: served ? lat.p99_ms : null,
      latency_avg_ms: served ? lat.avg_ms : null,
      latency_max_ms: served ? lat.max_ms : null,
      histogram: h && h.totalCount > 0 ? encodeHistogram(h) : '',
    };
    const series = this.series.close(custom);
    if (series) point.series = series;
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

let empty: ReturnType<typeof createHistogram> | undefined;
/** Built on first use, so importing sysvitals does not load hdr-histogram-js. */
function emptyHistogram(): ReturnType<typeof createHistogram> {
  empty ??= createHistogram();
  return empty;
}
