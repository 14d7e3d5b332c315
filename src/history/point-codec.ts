// The compact serialisation of a history point (what a store writes): a positional JSON array, version first.

import { spansOf } from './covered-spans.js';
import { errorRateOf, type HistoryPoint, type HistoryPointView, judgedOf } from './point.js';
import { type SeriesPoint, viewSeries } from './series.js';

// About 150 bytes plus the histogram, against ~700 for the same point as a JSON object.

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const POINT_FORMAT = 1;
const POINT_FIELDS = 24;

export function serializePoint(p: HistoryPoint): string {
  const fields: unknown[] = [
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
  ];
  // Optional trailing fields, so that older points still read: anomaly scores, then series.
  const series = p.series && Object.keys(p.series).length > 0 ? p.series : undefined;
  // ... then aborted requests (points written before they were stored read 0 there).
  const aborted = (p.errors_aborted ?? 0) > 0 ? (p.errors_aborted as number) : 0;
  // ... then the failed ones among them, only when some were not (absent: all failed, as earlier versions read).
  const failed = Math.min(aborted, Math.max(0, p.errors_aborted_failed ?? aborted));
  // ... then the workers missing from a cluster's minute (absent: complete).
  const missing = p.missing && p.missing.length > 0 ? p.missing : undefined;
  // ... then the seconds the point covers (absent: unknown, as in points of earlier versions).
  const covered = finite(p.covered_seconds) && p.covered_seconds >= 0 ? p.covered_seconds : undefined;
  // ... then where those seconds lie (absent: not known).
  const spans = covered !== undefined ? spansOf(p.covered_spans) : undefined;
  // ... then the judged requests, only when some were not (absent: all judged, as earlier versions read).
  const judged = judgedOf(p);
  const apart = judged < p.requests;
  const more = missing !== undefined || covered !== undefined || apart;
  if (p.anomaly || series || aborted || more) fields.push(p.anomaly ?? null);
  if (series || aborted || more) fields.push(series ?? null);
  if (aborted || more) fields.push(aborted);
  if (failed < aborted || more) fields.push(failed);
  if (more) fields.push(missing ?? null);
  if (covered !== undefined || apart) fields.push(covered ?? null);
  if (spans || apart) fields.push(spans ?? null);
  if (apart) fields.push(judged);
  return JSON.stringify(fields);
}

/** The point, or null for anything this version cannot read (skipped, never thrown). */
export function parsePoint(s: string): HistoryPoint | null {
  let a: unknown;
  try {
    a = JSON.parse(s);
  } catch {
    return null;
  }
  if (
    !Array.isArray(a) ||
    a[0] !== POINT_FORMAT ||
    a.length < POINT_FIELDS ||
    a.length > POINT_FIELDS + 8 ||
    !finite(a[1])
  )
    return null;
  const aborted = finite(a[POINT_FIELDS + 2]) ? a[POINT_FIELDS + 2] : 0;
  const abortedFailed = finite(a[POINT_FIELDS + 3]) ? Math.min(aborted, a[POINT_FIELDS + 3]) : aborted;
  const judged = judgedOf({ requests: a[15], count_judged: a[POINT_FIELDS + 7] });
  const point: HistoryPoint = {
    t: a[1],
    timestamp: new Date(a[1]).toISOString(),
    samples: a[2],
    ...(finite(a[POINT_FIELDS + 5]) && a[POINT_FIELDS + 5] >= 0
      ? { covered_seconds: a[POINT_FIELDS + 5] }
      : {}),
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
    count_judged: judged,
    errors_4xx: a[16],
    errors_5xx: a[17],
    errors_aborted: aborted,
    errors_aborted_failed: abortedFailed,
    error_rate_percent: errorRateOf(judged, a[17], abortedFailed),
    // Points written before latency became null without requests carry 0 there: read as null.
    latency_p50_ms: latencyOf(a[15], a[18]),
    latency_p95_ms: latencyOf(a[15], a[19]),
    latency_p99_ms: latencyOf(a[15], a[20]),
    latency_avg_ms: latencyOf(a[15], a[21]),
    latency_max_ms: latencyOf(a[15], a[22]),
    histogram: typeof a[23] === 'string' ? a[23] : '',
  };
  const scores = a[POINT_FIELDS];
  if (scores && typeof scores === 'object' && !Array.isArray(scores)) {
    const anomaly: Record<string, number> = Object.create(null); // a custom series may be `__proto__`
    for (const [k, v] of Object.entries(scores)) if (finite(v)) anomaly[k] = v;
    point.anomaly = anomaly;
  }
  const series = a[POINT_FIELDS + 1];
  if (series && typeof series === 'object' && !Array.isArray(series)) {
    point.series = series as Record<string, SeriesPoint>;
  }
  const spans = point.covered_seconds !== undefined ? spansOf(a[POINT_FIELDS + 6]) : undefined;
  if (spans) point.covered_spans = spans as number[];
  const missing = a[POINT_FIELDS + 4];
  if (Array.isArray(missing) && missing.length > 0) point.missing = missing.map(String);
  return point;
}

/** A stored latency figure: null when the point served no request or holds no number. */
function latencyOf(requests: unknown, v: unknown): number | null {
  return finite(requests) && requests > 0 && finite(v) ? v : null;
}

export function stripHistogram(p: HistoryPoint): HistoryPointView {
  const { histogram: _omit, covered_spans: _where, series, ...view } = p;
  const s = viewSeries(series);
  return s ? { ...view, series: s } : view;
}
