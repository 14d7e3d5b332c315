// The history point: one resolution bucket of one instance as stored, the view the API returns, and a period's answer.

import { failedPercent } from '../alerts/status.js';
import type { HistoryPeriod } from './periods.js';
import type { SeriesPoint } from './series.js';

/** One resolution bucket (default one minute) of one instance, as stored. */
export interface HistoryPoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** Bucket start, ISO. */
  timestamp: string;
  /** Host samples taken in the bucket; the weight of the host averages when points are merged. */
  samples: number;
  /**
   * Seconds of the bucket the monitor was recording (up, and the bucket closed): the resolution for a full
   * bucket, less for the first one after a start (from the start on) or the last before a close. In a merged
   * step, the sum of its buckets' (an instance) and the longest of its instances' (the fleet view): gaps
   * (the monitor down, minutes not yet closed) are not counted. Requests ÷ covered_seconds is the step's
   * request rate; ÷ step_seconds reads low for a partly covered step. Timed on the monotonic clock (a wall clock's
   * forward step is not covered time); processes of one instanceId that overlapped count their shared seconds
   * once; 0 for a bucket closed in the millisecond it opened. Absent when unknown (points of earlier versions, a
   * bucket closed on a wall clock that stepped back): read the step as fully covered.
   */
  covered_seconds?: number;
  /**
   * Where the covered seconds lie: [start, end) pairs of wall-clock epoch ms, sorted and disjoint, as long as
   * `covered_seconds` together (a bucket's: the one span ending at its close). Stored, not returned by the API: it
   * lets merges count the seconds that processes of one instanceId both covered once. Absent when unknown (points
   * of earlier versions).
   */
  covered_spans?: number[];
  cpu_avg_percent: number | null;
  cpu_max_percent: number | null;
  memory_avg_percent: number | null;
  memory_max_percent: number | null;
  disk_max_percent: number | null;
  network_bytes_in_per_sec: number | null;
  network_bytes_out_per_sec: number | null;
  /** Worst event-loop p99 seen in the bucket. */
  event_loop_p99_ms: number | null;
  heap_used_mb: number | null;
  /** Average probe response time; null when no probe answered in the bucket. */
  db_response_time_ms: number | null;
  redis_response_time_ms: number | null;
  /** Most open WebSocket connections seen in the bucket. */
  websocket_connections: number;
  requests: number;
  /**
   * The requests judged, as the live figures count them (README, Judged requests): all but an `unmatched` (or
   * catch-all) row's 4xx, scanners' 404s. The error rate divides by it and the latency figures and histogram are
   * theirs. Absent (points of earlier versions): every request.
   */
  count_judged?: number;
  errors_4xx: number;
  errors_5xx: number;
  /** Requests whose response did not complete (status 499: client or server closed first), also in errors_4xx. */
  errors_aborted?: number;
  /**
   * Of errors_aborted, the failed ones: the client waited at least `abortedFailureMs` (1 s by default) before
   * closing. Absent (points of earlier versions): all of them.
   */
  errors_aborted_failed?: number;
  /**
   * Failed requests of the bucket, percent: (errors_5xx + errors_aborted_failed) ÷ count_judged, the rule of every
   * error rate (metrics/ errors, routes/, the error_rate alert). null when the bucket judged no request. Both fields
   * are set on every point sysvitals writes, merges or reads back (optional only for points built by hand).
   */
  error_rate_percent?: number | null;
  /**
   * The bucket's latency of its judged requests (count_judged: the values of an `unmatched` or catch-all row's
   * requests not judged, kept apart, left out, as the live figures do: README **Judged requests**, outside review 25,
   * F2), ms: percentiles within HDR's precision and never outside [min, max], avg and max exact (an older cluster
   * worker's unsplit 4xx are left out as its row's fastest values). null when the bucket judged no request.
   */
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  latency_avg_ms: number | null;
  latency_max_ms: number | null;
  /**
   * The bucket's HDR latency histogram (src/latency/histogram.ts), base64: compressed V2 as
   * encodeHistogram() writes it for bucket points; uncompressed V2 in stores' rollups, which are
   * decoded far more often. '' with no request. `histogramOf()` reads both.
   */
  histogram: string;
  /**
   * Anomaly scores (0-1) of the minute by series (src/analytics); in a merged step, the highest of
   * its minutes. Absent when nothing was scored.
   */
  anomaly?: Record<string, number>;
  /**
   * Runtime signals, custom metrics and plugin figures by metric path (`custom.jobs`,
   * `plugins.rabbitmq.queues["jobs"].messages`): see src/history/series.ts. Absent when there is none.
   */
  series?: Record<string, SeriesPoint>;
  /**
   * Cluster mode: the live workers that had not sent what they recorded in the minute when it closed (each had
   * syncTimeoutMs to answer), so the point lacks their figures of it (they count in the next one); in a merged
   * step, those of all its minutes. Absent when the point is complete.
   */
  missing?: string[];
}

/** A point as the API returns it: the encoded histogram and the covered spans are stripped. */
export type HistoryPointView = Omit<HistoryPoint, 'histogram' | 'covered_spans'>;

/** A history read (`getHistory()`, `history/`): one point per step over the period. */
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

/**
 * A point's `error_rate_percent`: (5xx + failed aborted) ÷ the judged requests, percent (src/alerts/status.ts
 * failedPercent); null without any.
 */
export function errorRateOf(judged: number, count5xx: number, aborted: number): number | null {
  return judged > 0 ? failedPercent(judged, count5xx, aborted) : null;
}

/** A point's judged requests: `count_judged`, or (points of earlier versions) every request; never above them. */
export function judgedOf(p: Pick<HistoryPoint, 'requests' | 'count_judged'>): number {
  const j = p.count_judged;
  return typeof j === 'number' && j >= 0 && j <= p.requests ? j : p.requests;
}
