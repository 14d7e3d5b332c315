// Prometheus families for database queries (opt-in: one series set per fingerprint) and background
// jobs (runs, failures, durations, last success and failure times).

import type { PrometheusData, PrometheusLatency } from './data.js';

/** Writes one histogram's `_bucket`, `_sum` and `_count` lines (render.ts's, passed in to avoid a cycle). */
export type HistogramWriter = (out: string[], name: string, labels: string, h: PrometheusLatency) => void;

/** Label value escaping of the text format: backslash, double quote and line feed. */
function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : 'NaN');

function head(prefix: string, name: string, type: string, help: string): string[] {
  return [`# HELP ${prefix}${name} ${help}`, `# TYPE ${prefix}${name} ${type}`];
}

/** Appends the query and job families to `out`; nothing for what the data does not hold. */
export function renderProfiling(
  out: string[],
  data: PrometheusData,
  prefix: string,
  histogram: HistogramWriter,
): void {
  if (data.queries) {
    const errors = head(
      prefix,
      'db_query_errors_total',
      'counter',
      'Failed database queries per fingerprint.',
    );
    const durations = head(
      prefix,
      'db_query_duration_seconds',
      'histogram',
      'Database query duration per fingerprint.',
    );
    let any = false;
    for (const q of data.queries) {
      any = true;
      const label = `system="${esc(q.system)}",fingerprint="${esc(q.fingerprint)}"`;
      errors.push(`${prefix}db_query_errors_total{${label}} ${num(q.histogram.errors)}`);
      histogram(durations, `${prefix}db_query_duration_seconds`, `${label},`, q.histogram);
    }
    if (any) out.push(errors.join('\n'), durations.join('\n'));
  }
  if (data.jobs) {
    const runs = head(prefix, 'job_runs_total', 'counter', 'Runs of each background job.');
    const failures = head(
      prefix,
      'job_failures_total',
      'counter',
      'Runs of each background job that threw or rejected.',
    );
    const durations = head(
      prefix,
      'job_duration_seconds',
      'histogram',
      'Duration of each background job run.',
    );
    const okAt = head(prefix, 'job_last_success_timestamp_seconds', 'gauge', 'When each job last succeeded.');
    const failedAt = head(
      prefix,
      'job_last_failure_timestamp_seconds',
      'gauge',
      'When each job last failed.',
    );
    for (const j of data.jobs) {
      const label = `job="${esc(j.name)}"`;
      runs.push(`${prefix}job_runs_total{${label}} ${num(j.runs)}`);
      failures.push(`${prefix}job_failures_total{${label}} ${num(j.failures)}`);
      histogram(durations, `${prefix}job_duration_seconds`, `${label},`, j.histogram);
      if (j.lastSuccess !== null)
        okAt.push(`${prefix}job_last_success_timestamp_seconds{${label}} ${num(j.lastSuccess / 1000)}`);
      if (j.lastFailure !== null)
        failedAt.push(`${prefix}job_last_failure_timestamp_seconds{${label}} ${num(j.lastFailure / 1000)}`);
    }
    if (runs.length > 2) out.push(runs.join('\n'), failures.join('\n'), durations.join('\n'));
    if (okAt.length > 2) out.push(okAt.join('\n'));
    if (failedAt.length > 2) out.push(failedAt.join('\n'));
  }
}
