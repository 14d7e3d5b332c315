// Prometheus text exposition (format 0.0.4) of one scrape: host gauges, request counters and latency
// histogram, alerts, health, process figures and @timed functions, serialised cheaply.

import { type BuiltinFamily, BUILTIN_FAMILIES as F } from '../../custom/builtin-families.js';
import type { ComponentStatus, InterfaceTotals } from '../../types.js';
import { renderAnalytics } from './analytics.js';
import { boundToMicros, cumulativeBuckets } from './buckets.js';
import { renderCustom } from './custom.js';
import type { PrometheusData, PrometheusLatency } from './data.js';
import { renderLifecycle } from './lifecycle.js';
import { type PrometheusConfig, parsePrometheusOptions } from './options.js';
import { renderPlugins } from './plugins.js';
import { renderProfiling } from './profiling.js';
import { renderRequestFamilies } from './requests.js';
import { renderRuntime } from './runtime.js';

// The collector reports sizes in GiB/MiB (1024-based); Prometheus wants bytes.
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const STATUSES: readonly ComponentStatus[] = ['healthy', 'warning', 'critical', 'unknown'];
const COLORS = ['green', 'yellow', 'red'] as const;
const SNAPSHOT_COMPONENTS = [
  'cpu',
  'memory',
  'disk',
  'network',
  'database',
  'redis',
  'websocket',
  'requests',
  'errors',
  'latency',
  'process',
] as const;

const NEEDS_ESCAPE = /[\\"\n]/;

// Rounded so that 10.2 ms prints as 0.0102, not 0.010199999999999999.
const msToSeconds = (ms: number) => Math.round(ms * 1000) / 1e6;
const percentToRatio = (percent: number) => Math.round(percent * 1e4) / 1e6;

/** Label value escaping of the text format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Sample values: Go's ParseFloat spellings for the special values. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** HELP/TYPE lines for every family, built once per config so a scrape only concatenates. */
function headers(prefix: string) {
  const h = (f: BuiltinFamily) => ({
    name: prefix + f.name,
    head: `# HELP ${prefix}${f.name} ${f.help}\n# TYPE ${prefix}${f.name} ${f.type}`,
  });
  return {
    cpuUsage: h(F.cpu_usage_ratio),
    cpuCores: h(F.cpu_cores),
    cpuFrequency: h(F.cpu_frequency_hertz),
    load1: h(F.load1),
    load5: h(F.load5),
    load15: h(F.load15),
    memTotal: h(F.memory_total_bytes),
    memUsed: h(F.memory_used_bytes),
    memAvailable: h(F.memory_available_bytes),
    memUsage: h(F.memory_usage_ratio),
    swapTotal: h(F.swap_total_bytes),
    swapUsage: h(F.swap_usage_ratio),
    diskSize: h(F.disk_size_bytes),
    diskUsed: h(F.disk_used_bytes),
    diskFree: h(F.disk_free_bytes),
    diskUsage: h(F.disk_usage_ratio),
    netRxBytes: h(F.network_receive_bytes_total),
    netTxBytes: h(F.network_transmit_bytes_total),
    netRxPackets: h(F.network_receive_packets_total),
    netTxPackets: h(F.network_transmit_packets_total),
    netRxErrors: h(F.network_receive_errors_total),
    netTxErrors: h(F.network_transmit_errors_total),
    netRxDropped: h(F.network_receive_dropped_total),
    netTxDropped: h(F.network_transmit_dropped_total),
    lagP50: h(F.eventloop_lag_p50_seconds),
    lagP99: h(F.eventloop_lag_p99_seconds),
    lagMax: h(F.eventloop_lag_max_seconds),
    heapUsed: h(F.heap_size_used_bytes),
    heapTotal: h(F.heap_size_total_bytes),
    rss: h(F.process_resident_memory_bytes),
    uptime: h(F.process_uptime_seconds),
    depTime: h(F.dependency_response_time_seconds),
    depUp: h(F.dependency_up),
    dbPool: h(F.database_pool_connections),
    websocket: h(F.websocket_connections),
    requests: h(F.http_requests_total),
    aborted: h(F.http_requests_aborted_total),
    abortedEarly: h(F.http_requests_aborted_early_total),
    duration: h(F.http_request_duration_seconds),
    folded: h(F.http_route_folded),
    fnCalls: h(F.function_calls_total),
    fnErrors: h(F.function_errors_total),
    fnDuration: h(F.function_duration_seconds),
    health: h(F.health_score),
    healthStatus: h(F.health_status),
    component: h(F.component_status),
    activeAlerts: h(F.active_alerts),
    alerts: h(F.alerts),
  };
}

type Headers = ReturnType<typeof headers>;

interface Compiled {
  readonly h: Headers;
  /** `le="…"` label texts, `+Inf` last. */
  readonly leLabels: readonly string[];
  /** Bucket bounds in microseconds, the unit of the HDR histograms. */
  readonly boundsUs: readonly number[];
}

const compiledCache = new WeakMap<PrometheusConfig, Compiled>();

function compile(config: PrometheusConfig): Compiled {
  let c = compiledCache.get(config);
  if (!c) {
    c = {
      h: headers(config.prefix),
      leLabels: [...config.buckets.map((b) => `le="${formatValue(b)}"`), 'le="+Inf"'],
      boundsUs: config.buckets.map(boundToMicros),
    };
    compiledCache.set(config, c);
  }
  return c;
}

export const DEFAULT_PROMETHEUS_CONFIG = parsePrometheusOptions();

function labelPair(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`;
}

/**
 * Serialises one scrape. Synchronous and allocation-light: strings go into one array joined once,
 * with no per-sample objects, so 100 routes and 20 `@timed` functions stay well under 2 ms.
 */
export function renderPrometheus(
  data: PrometheusData,
  config: PrometheusConfig = DEFAULT_PROMETHEUS_CONFIG,
): string {
  const { h, leLabels, boundsUs } = compile(config);
  const out: string[] = [];
  const s = data.snapshot;
  const v = formatValue;
  const gauge = (fam: { name: string; head: string }, value: number | null | undefined) => {
    if (value === null || value === undefined || Number.isNaN(value)) return;
    out.push(fam.head, `${fam.name} ${v(value)}`);
  };

  // Host
  const cpu = s.cpu;
  gauge(h.cpuUsage, percentToRatio(cpu.current_percent));
  gauge(h.cpuCores, cpu.core_count);
  if (cpu.frequency_mhz > 0) gauge(h.cpuFrequency, cpu.frequency_mhz * 1e6);
  const load = cpu.load_average;
  if (Array.isArray(load) && load.length === 3) {
    gauge(h.load1, load[0]);
    gauge(h.load5, load[1]);
    gauge(h.load15, load[2]);
  }
  const mem = s.memory;
  // Exact bytes when the snapshot has them (the _gb figures are rounded to 10 MB for the JSON).
  const bytes = (exact: number | undefined, gb: number) => exact ?? Math.round(gb * GIB);
  if (mem.total_gb > 0) {
    gauge(h.memTotal, bytes(mem.total_bytes, mem.total_gb));
    gauge(h.memUsed, bytes(mem.used_bytes, mem.used_gb));
    gauge(h.memAvailable, bytes(mem.available_bytes, mem.available_gb));
    gauge(h.memUsage, percentToRatio(mem.used_percent));
    gauge(h.swapTotal, bytes(mem.swap_total_bytes, mem.swap_total_gb));
    gauge(h.swapUsage, percentToRatio(mem.swap_used_percent));
  }
  const parts = s.disk.partitions;
  if (parts.length > 0) {
    const size: string[] = [h.diskSize.head];
    const used: string[] = [h.diskUsed.head];
    const free: string[] = [h.diskFree.head];
    const ratio: string[] = [h.diskUsage.head];
    const seen = new Set<string>();
    for (const p of parts) {
      if (seen.has(p.mount)) continue;
      seen.add(p.mount);
      const labels = `{${labelPair('mountpoint', p.mount)},${labelPair('device', p.filesystem)},${labelPair('fstype', p.type)}}`;
      size.push(`${h.diskSize.name}${labels} ${v(bytes(p.total_bytes, p.total_gb))}`);
      used.push(`${h.diskUsed.name}${labels} ${v(bytes(p.used_bytes, p.used_gb))}`);
      free.push(`${h.diskFree.name}${labels} ${v(bytes(p.free_bytes, p.free_gb))}`);
      ratio.push(`${h.diskUsage.name}${labels} ${v(percentToRatio(p.used_percent))}`);
    }
    out.push(size.join('\n'), used.join('\n'), free.join('\n'), ratio.join('\n'));
  }
  const net = s.network;
  if (net.status !== 'unknown' || net.bytes_in > 0) {
    // One series per interface (as node_exporter): an interface that goes away ends its series, where a
    // sum over the interfaces present would go backwards (a counter reset to every rate() of it).
    const byIf = net.by_interface ? Object.entries(net.by_interface) : null;
    const counter = (fam: { name: string; head: string }, key: keyof InterfaceTotals) => {
      if (byIf === null) return gauge(fam, net[key]);
      if (byIf.length === 0) return;
      const lines = [fam.head];
      for (const [device, c] of byIf) lines.push(`${fam.name}{${labelPair('device', device)}} ${v(c[key])}`);
      out.push(lines.join('\n'));
    };
    counter(h.netRxBytes, 'bytes_in');
    counter(h.netTxBytes, 'bytes_out');
    counter(h.netRxPackets, 'packets_in');
    counter(h.netTxPackets, 'packets_out');
    counter(h.netRxErrors, 'errors_in');
    counter(h.netTxErrors, 'errors_out');
    counter(h.netRxDropped, 'dropped_in');
    counter(h.netTxDropped, 'dropped_out');
  }

  // Process
  const proc = s.process;
  if (proc.status !== 'unknown' || proc.rss_mb > 0) {
    gauge(h.lagP50, msToSeconds(proc.event_loop_delay_p50_ms));
    gauge(h.lagP99, msToSeconds(proc.event_loop_delay_p99_ms));
    gauge(h.lagMax, msToSeconds(proc.event_loop_delay_max_ms));
    // Exact bytes when the snapshot has them (the _mb figures are rounded to 0.01 MiB for the JSON).
    gauge(h.heapUsed, proc.heap_used_bytes ?? Math.round(proc.heap_used_mb * MIB));
    gauge(h.heapTotal, proc.heap_total_bytes ?? Math.round(proc.heap_total_mb * MIB));
    gauge(h.rss, proc.rss_bytes ?? Math.round(proc.rss_mb * MIB));
    gauge(h.uptime, proc.uptime_seconds);
  }
  renderRuntime(out, s, config.prefix);
  renderAnalytics(out, s, config.prefix);
  renderLifecycle(out, s, config.prefix, data.shedTotal, data.unseenTotal);

  // Dependencies and WebSockets
  const db = s.database;
  const redis = s.redis;
  const times: string[] = [];
  if (db.response_time_ms !== null && db.response_time_ms !== undefined) {
    times.push(`${h.depTime.name}{dependency="database"} ${v(msToSeconds(db.response_time_ms))}`);
  }
  if (redis.response_time_ms !== null && redis.response_time_ms !== undefined) {
    times.push(`${h.depTime.name}{dependency="redis"} ${v(msToSeconds(redis.response_time_ms))}`);
  }
  if (times.length > 0) out.push(h.depTime.head, times.join('\n'));
  const ups: string[] = [];
  if (db.status !== 'unknown') {
    ups.push(`${h.depUp.name}{dependency="database"} ${db.status === 'critical' ? 0 : 1}`);
  }
  if (redis.status !== 'unknown') {
    const up = redis.working ?? redis.status !== 'critical';
    ups.push(`${h.depUp.name}{dependency="redis"} ${up && redis.status !== 'critical' ? 1 : 0}`);
  }
  if (ups.length > 0) out.push(h.depUp.head, ups.join('\n'));
  if (db.pool_size !== null && db.pool_size !== undefined) {
    out.push(h.dbPool.head, `${h.dbPool.name}{state="total"} ${v(db.pool_size)}`);
    if (db.pool_idle !== null && db.pool_idle !== undefined) {
      out.push(`${h.dbPool.name}{state="idle"} ${v(db.pool_idle)}`);
    }
    if (db.pool_waiting !== null && db.pool_waiting !== undefined) {
      out.push(`${h.dbPool.name}{state="waiting"} ${v(db.pool_waiting)}`);
    }
  }
  gauge(h.websocket, s.websocket.active_connections);

  // Requests and @timed functions: the cluster's (or this process's), or one series set per worker.
  const counts: number[] = new Array(leLabels.length);
  renderRequestFamilies(out, h, data, (lines, name, labels, hist) =>
    histogramLines(lines, name, labels, hist, boundsUs, leLabels, counts),
  );

  // Database queries (opt-in) and background jobs
  renderProfiling(out, data, config.prefix, (lines, name, labels, hist) =>
    histogramLines(lines, name, labels, hist, boundsUs, leLabels, counts),
  );
  renderPlugins(out, s.plugins, config.prefix, escapeLabelValue, formatValue);
  if (data.custom) {
    renderCustom(out, data.custom, config.prefix, data.now ?? Date.now(), {
      escapeLabelValue,
      formatValue,
    });
  }

  // Health and alerts
  const health = data.health;
  if (health) {
    gauge(h.health, health.health_score);
    out.push(h.healthStatus.head);
    for (const color of COLORS) {
      out.push(`${h.healthStatus.name}{status="${color}"} ${health.status === color ? 1 : 0}`);
    }
  }
  out.push(h.component.head);
  const components: Iterable<[string, ComponentStatus]> = health?.components
    ? Object.entries(health.components)
    : SNAPSHOT_COMPONENTS.map((c) => [c, s[c]?.status ?? 'unknown'] as [string, ComponentStatus]);
  for (const [component, status] of components) {
    const prefix = `${h.component.name}{${labelPair('component', component)},status="`;
    for (const st of STATUSES) out.push(`${prefix}${st}"} ${status === st ? 1 : 0}`);
  }
  const alerts = data.alerts ?? [];
  gauge(h.activeAlerts, health ? health.active_alerts : alerts.length);
  out.push(h.alerts.head);
  if (alerts.length > 0) {
    // Two alerts can share a label set (one rule on two partitions of one component): one series.
    const seen = new Set<string>();
    for (const a of alerts) {
      if (a.state !== 'active') continue;
      const labels = `{alertname="${escapeLabelValue(a.rule)}",${labelPair('component', a.component)},${labelPair('severity', a.severity)},alertstate="firing"}`;
      if (seen.has(labels)) continue;
      seen.add(labels);
      out.push(`${h.alerts.name}${labels} 1`);
    }
  }
  out.push('');
  return out.join('\n');
}

function histogramLines(
  out: string[],
  name: string,
  labels: string,
  h: PrometheusLatency | null,
  boundsUs: readonly number[],
  leLabels: readonly string[],
  counts: number[],
): void {
  let sum = 0;
  if (h) sum = cumulativeBuckets(h, boundsUs, counts);
  else counts.fill(0);
  for (let i = 0; i < leLabels.length; i++) {
    out.push(`${name}_bucket{${labels}${leLabels[i]}} ${counts[i]}`);
  }
  const bare = labels === '' ? '' : `{${labels.slice(0, -1)}}`;
  out.push(`${name}_sum${bare} ${formatValue(sum)}`, `${name}_count${bare} ${counts[leLabels.length - 1]}`);
}
