// Prometheus family for the anomaly scores of the last scored minute, one sample per series.

import { BUILTIN_FAMILIES as F } from '../../custom/builtin-families.js';
import type { MetricsSnapshot } from '../../types.js';
import { family } from './runtime.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Appends `<prefix>anomaly_score{series="…"}` to `out` (nothing before the first scored minute). */
export function renderAnalytics(out: string[], s: MetricsSnapshot, prefix: string): void {
  const scores = Object.entries(s.anomaly?.scores ?? {}).filter(([, v]) => Number.isFinite(v));
  family(
    out,
    prefix,
    F.anomaly_score,
    scores.map(([series, v]) => `{series="${esc(series)}"} ${v}`),
  );
}
