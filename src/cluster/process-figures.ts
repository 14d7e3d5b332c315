// Process figures in cluster mode: the compact figures each worker reports, and how the cluster's
// snapshot combines them (memory summed, event loop and uptime maxed, over the live workers).

import { levelStatus } from '../alerts/status.js';
import { DEFAULT_LEVELS, type RuleLevels } from '../alerts/thresholds.js';
import type { ClusterProcess, ClusterSummary, MetricsSnapshot, ProcessMetrics } from '../types.js';

const round = (v: number) => Math.round(v * 100) / 100;
const MB = 1024 * 1024;

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
    array_buffers_bytes: p.array_buffers_bytes,
    heap_spaces: spacesOf(p.heap_spaces),
    event_loop_delay_p50_ms: p.event_loop_delay_p50_ms,
    event_loop_delay_p99_ms: p.event_loop_delay_p99_ms,
    event_loop_delay_max_ms: p.event_loop_delay_max_ms,
    event_loop_utilization_percent: p.event_loop_utilization_percent,
    open_fds: p.open_fds,
    uptime_seconds: p.uptime_seconds,
  };
}

/** A worker's heap spaces in exact bytes (undefined when it has none with bytes). */
function spacesOf(spaces: ProcessMetrics['heap_spaces'] | undefined): ClusterProcess['heap_spaces'] {
  const out: NonNullable<ClusterProcess['heap_spaces']> = {};
  let any = false;
  for (const [name, v] of Object.entries(spaces ?? {})) {
    if (typeof v.used_bytes !== 'number' || typeof v.size_bytes !== 'number') continue;
    out[name] = { used_bytes: v.used_bytes, size_bytes: v.size_bytes };
    any = true;
  }
  return any ? out : undefined;
}

/**
 * The heap spaces of the cluster: per space, used and allocated bytes summed over the live workers (a space a
 * worker lacks counts 0 there); empty unless every live worker reported its spaces.
 */
function sumSpaces(live: readonly ClusterProcess[]): ProcessMetrics['heap_spaces'] {
  const out: ProcessMetrics['heap_spaces'] = {};
  if (!live.every((p) => p.heap_spaces !== undefined && p.heap_spaces !== null)) return out;
  const sums = new Map<string, [number, number]>();
  for (const p of live) {
    for (const [name, v] of Object.entries(p.heap_spaces ?? {})) {
      const a = sums.get(name) ?? [0, 0];
      a[0] += v.used_bytes;
      a[1] += v.size_bytes;
      sums.set(name, a);
    }
  }
  for (const [name, [used, size]] of sums) {
    out[name] = { used_mb: round(used / MB), size_mb: round(size / MB), used_bytes: used, size_bytes: size };
  }
  return out;
}

/**
 * The longest a connected worker has not answered a sync (`unanswered_ms`, 0 if none): a lower bound of its event
 * loop's stall, which its own figures cannot show while it lasts (they come from that loop, after it ends).
 */
const longestUnanswered = (summary: ClusterSummary) =>
  summary.workers.reduce((a, w) => (w.connected ? Math.max(a, w.unanswered_ms ?? 0) : a), 0);

/**
 * The cluster's snapshot: `process` summed (memory, fds) or maxed (event loop, uptime) over live workers;
 * its status is the worst worker's event-loop delay p99 against the `event_loop_delay` levels, a worker that
 * does not answer counted with at least the time since it was asked (longestUnanswered).
 */
export function withClusterProcess(
  s: MetricsSnapshot,
  summary: ClusterSummary,
  levels: Readonly<RuleLevels> = DEFAULT_LEVELS.event_loop_delay,
): MetricsSnapshot {
  const live = summary.workers.filter((w) => w.connected && w.process !== null).map((w) => w.process!);
  if (live.length === 0) return { ...s, cluster: summary };
  const sum = (k: keyof ClusterProcess) => round(live.reduce((a, p) => a + ((p[k] as number) || 0), 0));
  const max = (k: keyof ClusterProcess) => live.reduce((a, p) => Math.max(a, (p[k] as number) || 0), 0);
  const fds = live.every((p) => p.open_fds !== null) ? sum('open_fds') : null;
  // Exact bytes summed when every live worker reported them; otherwise none (never the aggregator's own).
  const bytes = (
    k: 'rss_bytes' | 'heap_used_bytes' | 'heap_total_bytes' | 'external_bytes' | 'array_buffers_bytes',
  ) =>
    live.every((p) => typeof p[k] === 'number') ? live.reduce((a, p) => a + (p[k] as number), 0) : undefined;
  const arrayBuffers = bytes('array_buffers_bytes');
  const stalled = longestUnanswered(summary);
  const p99 = Math.max(max('event_loop_delay_p99_ms'), stalled);
  const proc: ProcessMetrics = {
    ...s.process,
    event_loop_delay_p50_ms: max('event_loop_delay_p50_ms'),
    event_loop_delay_p99_ms: p99,
    event_loop_delay_max_ms: Math.max(max('event_loop_delay_max_ms'), stalled),
    event_loop_utilization_percent: max('event_loop_utilization_percent'),
    heap_used_mb: sum('heap_used_mb'),
    heap_total_mb: sum('heap_total_mb'),
    external_mb: sum('external_mb'),
    rss_mb: sum('rss_mb'),
    rss_bytes: bytes('rss_bytes'),
    heap_used_bytes: bytes('heap_used_bytes'),
    heap_total_bytes: bytes('heap_total_bytes'),
    external_bytes: bytes('external_bytes'),
    // Summed over the workers like the memory above (never the aggregator's own process alone).
    array_buffers_bytes: arrayBuffers,
    array_buffers_mb: arrayBuffers === undefined ? null : round(arrayBuffers / MB),
    heap_spaces: sumSpaces(live),
    open_fds: fds,
    uptime_seconds: max('uptime_seconds'),
    status: levelStatus(p99, levels.warning, levels.critical),
    threshold: levels.warning,
  };
  return { ...s, process: proc, cluster: summary };
}
