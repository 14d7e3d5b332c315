// The chart panels of the dashboard: one entry per chart (add a chart by adding an entry). `anomaly`
// names the anomaly series shaded on the chart; a history value that is null (nothing measured in the
// step, such as latency in a minute without requests) is drawn as a gap.

import { shownErrorRatePercent } from '../../../alerts/shown-error-rate.js';
import type { HistoryPointView } from '../../../history/point.js';
import type { ChartDef } from '../chart.js';

/** A gauge series of a history point (`series['process.rss_mb']`), its average or maximum. */
function gauge(p: HistoryPointView, path: string, field: 'avg' | 'max' = 'avg'): number | null {
  const s = p.series?.[path];
  return s?.kind === 'gauge' ? s[field] : null;
}

/**
 * A count of a history step per second: over the seconds the step's data covers (`covered_seconds`: a step
 * only partly recorded, such as the one holding now, the first after a start or one around an outage, is not
 * diluted over the whole step), or over the whole step for points that do not say (earlier versions).
 */
export function coveredRate(count: number, p: HistoryPointView, stepSeconds: number): number | null {
  const covered = p.covered_seconds;
  const seconds =
    typeof covered === 'number' && Number.isFinite(covered) && covered > 0 ? covered : stepSeconds;
  return seconds > 0 ? count / seconds : null;
}

/** A point field that may be null (older points carry 0 for a minute without requests). */
const orNull = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);

export const CHARTS: ChartDef[] = [
  {
    id: 'cpu',
    title: 'CPU',
    unit: 'percent',
    percentScale: true,
    anomaly: 'cpu',
    threshold: (s) => s.cpu.threshold,
    series: [{ label: 'CPU', live: (s) => s.cpu.current_percent, history: (p) => p.cpu_avg_percent }],
  },
  {
    id: 'memory',
    title: 'Memory',
    unit: 'percent',
    percentScale: true,
    anomaly: 'memory',
    threshold: (s) => s.memory.threshold,
    series: [{ label: 'Memory', live: (s) => s.memory.used_percent, history: (p) => p.memory_avg_percent }],
  },
  {
    id: 'disk',
    title: 'Disk (fullest partition)',
    unit: 'percent',
    percentScale: true,
    threshold: (s) => s.disk.threshold,
    series: [{ label: 'Disk', live: (s) => s.disk.max_used_percent, history: (p) => p.disk_max_percent }],
  },
  {
    id: 'network',
    title: 'Network',
    unit: 'bytes',
    series: [
      { label: 'In', live: (s) => s.network.bytes_in_per_sec, history: (p) => p.network_bytes_in_per_sec },
      { label: 'Out', live: (s) => s.network.bytes_out_per_sec, history: (p) => p.network_bytes_out_per_sec },
    ],
  },
  {
    id: 'requests',
    title: 'Request rate',
    unit: 'rate',
    anomaly: 'request_rate',
    series: [
      {
        label: 'Requests',
        live: (s) => s.requests.per_second,
        history: (p, step) => coveredRate(p.requests, p, step),
      },
    ],
  },
  {
    id: 'errors',
    title: 'Error rate (5xx + aborted)',
    unit: 'percent',
    anomaly: 'error_rate',
    series: [
      {
        label: 'Errors',
        live: (s) => shownErrorRatePercent(s.errors),
        // The same rule as metrics/ (5xx + aborted ÷ judged requests); none judged in the step: a gap. Points
        // stored before the rule carry no aborted count and read as 5xx ÷ requests.
        history: (p) => {
          const judged = p.count_judged ?? p.requests;
          return judged > 0
            ? (p.error_rate_percent ?? ((p.errors_5xx + (p.errors_aborted ?? 0)) / judged) * 100)
            : null;
        },
      },
    ],
  },
  {
    id: 'latency',
    title: 'Latency',
    unit: 'ms',
    anomaly: 'latency_p95',
    now: 1,
    series: [
      { label: 'p50', live: (s) => s.latency.p50_ms, history: (p) => latency(p, p.latency_p50_ms) },
      { label: 'p95', live: (s) => s.latency.p95_ms, history: (p) => latency(p, p.latency_p95_ms) },
      { label: 'p99', live: (s) => s.latency.p99_ms, history: (p) => latency(p, p.latency_p99_ms) },
    ],
  },
  {
    id: 'event_loop',
    title: 'Event-loop delay',
    unit: 'ms',
    anomaly: 'event_loop_delay',
    now: 1,
    series: [
      // History keeps the p99 (worst of the minute) and the max; the p50 is live only.
      { label: 'p50', live: (s) => s.process.event_loop_delay_p50_ms, history: () => null },
      { label: 'p99', live: (s) => s.process.event_loop_delay_p99_ms, history: (p) => p.event_loop_p99_ms },
      {
        label: 'max',
        live: (s) => s.process.event_loop_delay_max_ms,
        history: (p) => gauge(p, 'process.event_loop_delay_max_ms', 'max'),
      },
    ],
  },
  {
    id: 'elu',
    title: 'Event-loop utilisation',
    unit: 'percent',
    percentScale: true,
    series: [
      {
        label: 'Busy',
        live: (s) => s.process.event_loop_utilization_percent,
        history: (p) => gauge(p, 'process.event_loop_utilization_percent'),
      },
    ],
  },
  {
    id: 'process_memory',
    title: 'Process memory',
    unit: 'mb',
    series: [
      { label: 'Heap used', live: (s) => s.process.heap_used_mb, history: (p) => p.heap_used_mb },
      { label: 'RSS', live: (s) => s.process.rss_mb, history: (p) => gauge(p, 'process.rss_mb') },
      {
        label: 'External',
        live: (s) => s.process.external_mb,
        history: (p) => gauge(p, 'process.external_mb'),
      },
    ],
  },
];

/** A latency percentile of a step: null (a gap) when the step served no request. */
function latency(p: HistoryPointView, v: number | null | undefined): number | null {
  return p.requests > 0 ? orNull(v) : null;
}
