// Prometheus families for database queries (opt-in: one series set per fingerprint) and background
// jobs (runs, failures, durations, last success and failure times).

import { type BuiltinFamily, BUILTIN_FAMILIES as F } from '../../custom/builtin-families.js';
import type { PrometheusData, PrometheusLatency } from './data.js';

/** Writes one histogram's `_bucket`, `_sum` and `_count` lines (render.ts's, passed in to avoid a cycle). */
export type HistogramWriter = (out: string[], name: string, labels: string, h: PrometheusLatency) => void;

/** Label value escaping of the text format: backslash, double quote and line feed. */
function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : 'NaN');

function head(prefix: string, f: BuiltinFamily): string[] {
  return [`# HELP ${prefix}${f.name} ${f.help}`, `# TYPE ${prefix}${f.name} ${f.type}`];
}

/** Appends the query and job families to `out`; nothing for what the data does not hold. */
export function renderProfiling(
  out: string[],
  data: PrometheusData,
  prefix: string,
  histogram: HistogramWriter,
): void {
  if (data.queries) {
    const errors = head(prefix, F.db_query_errors_total);
    const durations = head(prefix, F.db_query_duration_seconds);
    let any = false;
    for (const q of data.queries) {
      any = true;
      const label = `system="${esc(q.system)}",fingerprint="${esc(q.fingerprint)}"`;
      errors.push(
        `${prefix}${F.db_query_errors_total.name}{${label}} ${num(q.histogram.errors + (q.unsent ?? 0))}`,
      );
      histogram(durations, `${prefix}${F.db_query_duration_seconds.name}`, `${label},`, q.histogram);
    }
    if (any) out.push(errors.join('\n'), durations.join('\n'));
  }
  if (data.jobs) {
    const runs = head(prefix, F.job_runs_total);
    const failures = head(prefix, F.job_failures_total);
    const durations = head(prefix, F.job_duration_seconds);
    const okAt = head(prefix, F.job_last_success_timestamp_seconds);
    const failedAt = head(prefix, F.job_last_failure_timestamp_seconds);
    for (const j of data.jobs) {
      const label = `job="${esc(j.name)}"`;
      runs.push(`${prefix}${F.job_runs_total.name}{${label}} ${num(j.runs)}`);
      failures.push(`${prefix}${F.job_failures_total.name}{${label}} ${num(j.failures)}`);
      histogram(durations, `${prefix}${F.job_duration_seconds.name}`, `${label},`, j.histogram);
      if (j.lastSuccess !== null)
        okAt.push(
          `${prefix}${F.job_last_success_timestamp_seconds.name}{${label}} ${num(j.lastSuccess / 1000)}`,
        );
      if (j.lastFailure !== null)
        failedAt.push(
          `${prefix}${F.job_last_failure_timestamp_seconds.name}{${label}} ${num(j.lastFailure / 1000)}`,
        );
    }
    if (runs.length > 2) out.push(runs.join('\n'), failures.join('\n'), durations.join('\n'));
    if (okAt.length > 2) out.push(okAt.join('\n'));
    if (failedAt.length > 2) out.push(failedAt.join('\n'));
  }
}
