// Prometheus family for the anomaly scores of the last scored minute, one sample per series.

import type { MetricsSnapshot } from '../../types.js';
import { family } from './runtime.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Appends `<prefix>anomaly_score{series="…"}` to `out` (nothing before the first scored minute). */
export function renderAnalytics(out: string[], s: MetricsSnapshot, prefix: string): void {
  const scores = Object.entries(s.anomaly?.scores ?? {}).filter(([, v]) => Number.isFinite(v));
  family(
    out,
    `${prefix}anomaly_score`,
    'gauge',
    'Anomaly score (0-1) of the last scored minute, by series: the share of the series own past it stands above.',
    scores.map(([series, v]) => `${prefix}anomaly_score{series="${esc(series)}"} ${v}`),
  );
}
