// Prometheus families for HTTP requests (counts, aborted, duration) and `@timed` functions: the
// cluster's or this process's, or in cluster mode with `cluster.workerLabel` one series set per worker.

import type { PrometheusData, PrometheusLatency, PrometheusWorkerSeries } from './data.js';

/** Writes one histogram's `_bucket`, `_sum` and `_count` lines; null writes zero buckets (render.ts's). */
export type LatencyWriter = (
  out: string[],
  name: string,
  labels: string,
  h: PrometheusLatency | null,
) => void;

interface Family {
  readonly name: string;
  readonly head: string;
}

/** The families' names and HELP/TYPE lines (built once per config by render.ts). */
export interface RequestFamilies {
  readonly requests: Family;
  readonly aborted: Family;
  readonly abortedEarly: Family;
  readonly duration: Family;
  readonly folded: Family;
  readonly fnCalls: Family;
  readonly fnErrors: Family;
  readonly fnDuration: Family;
}

const NEEDS_ESCAPE = /[\\"\n]/;

function pair(name: string, value: string): string {
  const v = NEEDS_ESCAPE.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
  return `${name}="${v}"`;
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : 'NaN');

/** Appends the request and function families; each family's HELP/TYPE once, then every group's samples. */
export function renderRequestFamilies(
  out: string[],
  h: RequestFamilies,
  data: PrometheusData,
  histogram: LatencyWriter,
): void {
  const groups: Array<Omit<PrometheusWorkerSeries, 'worker'> & { worker: string | null }> = data.workers
    ? [...data.workers]
    : [
        {
          worker: null,
          routes: data.routes ?? [],
          aborted: data.aborted ?? [],
          latency: data.latency ?? null,
          functions: data.functions ?? [],
        },
      ];
  // `worker="…",` before the family's own labels, or nothing.
  const lead = (g: { worker: string | null }) => (g.worker === null ? '' : `${pair('worker', g.worker)},`);

  out.push(h.requests.head);
  for (const g of groups) {
    const w = lead(g);
    for (const r of g.routes) {
      out.push(
        `${h.requests.name}{${w}${pair('method', r.method)},${pair('route', r.route)},${pair('status_class', r.status_class)}} ${num(r.count)}`,
      );
    }
  }
  // Cluster mode: the routes whose counters may lack requests a worker folded (per-worker series never do).
  if (data.foldedRoutes && !data.workers) {
    out.push(h.folded.head);
    for (const r of data.foldedRoutes)
      out.push(`${h.folded.name}{${pair('method', r.method)},${pair('route', r.route)}} 1`);
  }
  out.push(h.aborted.head);
  for (const g of groups) {
    const w = lead(g);
    for (const r of g.aborted) {
      out.push(
        `${h.aborted.name}{${w}${pair('method', r.method)},${pair('route', r.route)}} ${num(r.count)}`,
      );
    }
  }
  // The early closes: not requests, so in no other family (known where the failed ones are reported).
  out.push(h.abortedEarly.head);
  for (const g of groups) {
    const w = lead(g);
    for (const r of g.aborted) {
      if (r.failed === undefined) continue;
      out.push(
        `${h.abortedEarly.name}{${w}${pair('method', r.method)},${pair('route', r.route)}} ${num(r.count - r.failed)}`,
      );
    }
  }
  out.push(h.duration.head);
  for (const g of groups) {
    // The unlabelled histogram is always written (zero buckets before the first request); a worker's
    // only once it has requests.
    if (g.worker === null) histogram(out, h.duration.name, '', g.latency ?? null);
    else if (g.latency) histogram(out, h.duration.name, lead(g), g.latency);
  }

  const calls: string[] = [h.fnCalls.head];
  const errors: string[] = [h.fnErrors.head];
  const durations: string[] = [h.fnDuration.head];
  for (const g of groups) {
    const w = lead(g);
    for (const f of g.functions) {
      const label = `${w}${pair('function', f.name)}`;
      calls.push(`${h.fnCalls.name}{${label}} ${num(f.count)}`);
      errors.push(`${h.fnErrors.name}{${label}} ${num(f.errors)}`);
      if (f.histogram) histogram(durations, h.fnDuration.name, `${label},`, f.histogram);
    }
  }
  if (calls.length > 1) {
    out.push(calls.join('\n'), errors.join('\n'));
    if (durations.length > 1) out.push(durations.join('\n'));
  }
}
