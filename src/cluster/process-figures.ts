// Process figures in cluster mode: the compact figures each worker reports, and how the cluster's
// snapshot combines them (memory summed, event loop and uptime maxed, over the live workers).

import type { ClusterProcess, ClusterSummary, MetricsSnapshot, ProcessMetrics } from '../types.js';

const round = (v: number) => Math.round(v * 100) / 100;

/** The compact process figures a worker reports, from its monitor's `process` group. */
export function clusterProcess(p: ProcessMetrics): ClusterProcess {
  return {
    pid: p.pid,
    rss_mb: p.rss_mb,
    heap_used_mb: p.heap_used_mb,
    heap_total_mb: p.heap_total_mb,
    external_mb: p.external_mb,
    rss_bytes: p.rss_bytes,
    heap_used_bytes: p.heap_used_bytes,
    heap_total_bytes: p.heap_total_bytes,
    external_bytes: p.external_bytes,
    event_loop_delay_p50_ms: p.event_loop_delay_p50_ms,
    event_loop_delay_p99_ms: p.event_loop_delay_p99_ms,
    event_loop_delay_max_ms: p.event_loop_delay_max_ms,
    event_loop_utilization_percent: p.event_loop_utilization_percent,
    open_fds: p.open_fds,
    uptime_seconds: p.uptime_seconds,
  };
}

/** The cluster's snapshot: `process` summed (memory, fds) or maxed (event loop, uptime) over live workers. */
export function withClusterProcess(s: MetricsSnapshot, summary: ClusterSummary): MetricsSnapshot {
  const live = summary.workers.filter((w) => w.connected && w.process !== null).map((w) => w.process!);
  if (live.length === 0) return { ...s, cluster: summary };
  const sum = (k: keyof ClusterProcess) => round(live.reduce((a, p) => a + ((p[k] as number) || 0), 0));
  const max = (k: keyof ClusterProcess) => live.reduce((a, p) => Math.max(a, (p[k] as number) || 0), 0);
  const fds = live.every((p) => p.open_fds !== null) ? sum('open_fds') : null;
  // Exact bytes summed when every live worker reported them; otherwise none (never the aggregator's own).
  const bytes = (k: 'rss_bytes' | 'heap_used_bytes' | 'heap_total_bytes' | 'external_bytes') =>
    live.every((p) => typeof p[k] === 'number') ? live.reduce((a, p) => a + (p[k] as number), 0) : undefined;
  const proc: ProcessMetrics = {
    ...s.process,
    event_loop_delay_p50_ms: max('event_loop_delay_p50_ms'),
    event_loop_delay_p99_ms: max('event_loop_delay_p99_ms'),
    event_loop_delay_max_ms: max('event_loop_delay_max_ms'),
    event_loop_utilization_percent: max('event_loop_utilization_percent'),
    heap_used_mb: sum('heap_used_mb'),
    heap_total_mb: sum('heap_total_mb'),
    external_mb: sum('external_mb'),
    rss_mb: sum('rss_mb'),
    rss_bytes: bytes('rss_bytes'),
    heap_used_bytes: bytes('heap_used_bytes'),
    heap_total_bytes: bytes('heap_total_bytes'),
    external_bytes: bytes('external_bytes'),
    open_fds: fds,
    uptime_seconds: max('uptime_seconds'),
  };
  return { ...s, process: proc, cluster: summary };
}
