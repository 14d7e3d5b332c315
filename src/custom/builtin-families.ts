// Every Prometheus family sysvitals exposes itself, with its type and help: the one list the Prometheus
// renderer (src/http/prometheus/) writes its HELP/TYPE lines and sample names from, and the custom metric
// registry refuses names against, so that no declaration can add a second family of the same name (which
// makes the whole scrape unparseable). It lives in the core because both layers read it.

/** A family's type in the text exposition. */
export type FamilyType = 'gauge' | 'counter' | 'histogram';

/** One built-in family: its name without the configured prefix, its type and its `# HELP` text. */
export interface BuiltinFamily {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
}

function catalogue<K extends string>(
  defs: Record<K, readonly [FamilyType, string]>,
): {
  readonly [P in K]: BuiltinFamily;
} {
  const out = {} as Record<K, BuiltinFamily>;
  for (const name of Object.keys(defs) as K[]) {
    const [type, help] = defs[name];
    out[name] = Object.freeze({ name, type, help });
  }
  return Object.freeze(out);
}

/** The built-in families by name (without the prefix). */
export const BUILTIN_FAMILIES = catalogue({
  cpu_usage_ratio: ['gauge', 'Host CPU utilisation over the last sample interval (0-1).'],
  cpu_cores: ['gauge', 'Logical CPU cores of the host.'],
  cpu_frequency_hertz: ['gauge', 'Current CPU frequency.'],
  load1: ['gauge', 'Host 1-minute load average.'],
  load5: ['gauge', 'Host 5-minute load average.'],
  load15: ['gauge', 'Host 15-minute load average.'],
  memory_total_bytes: ['gauge', 'Host memory size.'],
  memory_used_bytes: ['gauge', 'Host memory in use.'],
  memory_available_bytes: ['gauge', 'Host memory available to new processes.'],
  memory_usage_ratio: ['gauge', 'Host memory in use (0-1).'],
  swap_total_bytes: ['gauge', 'Host swap size.'],
  swap_usage_ratio: ['gauge', 'Host swap in use (0-1).'],
  disk_size_bytes: ['gauge', 'File system size per mount point.'],
  disk_used_bytes: ['gauge', 'File system space in use per mount point.'],
  disk_free_bytes: ['gauge', 'File system space free per mount point.'],
  disk_usage_ratio: ['gauge', 'File system space in use per mount point (0-1).'],
  network_receive_bytes_total: ['counter', 'Bytes received, per interface (loopback excluded).'],
  network_transmit_bytes_total: ['counter', 'Bytes sent, per interface (loopback excluded).'],
  network_receive_packets_total: ['counter', 'Packets received, per interface (loopback excluded).'],
  network_transmit_packets_total: ['counter', 'Packets sent, per interface (loopback excluded).'],
  network_receive_errors_total: ['counter', 'Receive errors, per interface (loopback excluded).'],
  network_transmit_errors_total: ['counter', 'Transmit errors, per interface (loopback excluded).'],
  network_receive_dropped_total: ['counter', 'Received packets dropped, per interface (loopback excluded).'],
  network_transmit_dropped_total: ['counter', 'Outgoing packets dropped, per interface (loopback excluded).'],
  eventloop_lag_p50_seconds: ['gauge', 'Event-loop delay, median over the sample interval.'],
  eventloop_lag_p99_seconds: ['gauge', 'Event-loop delay, 99th percentile over the sample interval.'],
  eventloop_lag_max_seconds: ['gauge', 'Event-loop delay, maximum over the sample interval.'],
  heap_size_used_bytes: ['gauge', 'V8 heap in use.'],
  heap_size_total_bytes: ['gauge', 'V8 heap allocated.'],
  process_resident_memory_bytes: ['gauge', 'Resident memory of the process.'],
  process_uptime_seconds: ['gauge', 'Seconds since the process started.'],
  dependency_response_time_seconds: ['gauge', 'Last probe response time per dependency.'],
  dependency_up: ['gauge', 'Whether the last probe of the dependency succeeded (1) or not (0).'],
  database_pool_connections: ['gauge', 'Database pool connections by state.'],
  websocket_connections: ['gauge', 'Open WebSocket connections.'],
  http_requests_total: ['counter', 'HTTP requests served, by method, route template and status class.'],
  http_requests_aborted_total: [
    'counter',
    'HTTP requests whose client closed the connection before the response ended (status 499); those closed after abortedFailureMs are also in the 4xx class of http_requests_total, the early ones are not.',
  ],
  http_requests_aborted_early_total: [
    'counter',
    'Aborted requests closed before abortedFailureMs: not counted as requests (not in http_requests_total), a subset of http_requests_aborted_total.',
  ],
  http_request_duration_seconds: ['histogram', 'HTTP request duration.'],
  http_route_folded: [
    'gauge',
    'Cluster mode: 1 for a method and route whose http_requests_total may lack requests a worker folded into its * other (its maxRoutes slots were full); the series of * other holds them.',
  ],
  function_calls_total: ['counter', 'Calls of each @timed function.'],
  function_errors_total: ['counter', 'Calls of each @timed function that threw or rejected.'],
  function_duration_seconds: ['histogram', 'Duration of each @timed function.'],
  health_score: ['gauge', 'Overall health score (0-100).'],
  health_status: ['gauge', 'Overall health colour (1 for the current one).'],
  component_status: ['gauge', 'Status of each component (1 for the current one).'],
  active_alerts: ['gauge', 'Number of active alerts.'],
  alerts: ['gauge', 'Active alerts, one series per alert (ALERTS-style).'],
  eventloop_utilization_ratio: ['gauge', 'Share of the last sample interval the event loop was busy (0-1).'],
  gc_pauses: ['gauge', 'Garbage-collection pauses in the last sample interval, by kind.'],
  gc_pause_seconds: [
    'gauge',
    'Time spent in garbage-collection pauses in the last sample interval, by kind.',
  ],
  gc_pause_max_seconds: ['gauge', 'Longest garbage-collection pause in the last sample interval, by kind.'],
  heap_space_used_bytes: ['gauge', 'V8 heap space in use, by space.'],
  heap_space_size_bytes: ['gauge', 'V8 heap space allocated, by space.'],
  external_memory_bytes: ['gauge', 'Memory of C++ objects bound to JS objects.'],
  array_buffers_bytes: ['gauge', 'Memory of ArrayBuffers and Buffers.'],
  active_resources: ['gauge', 'Resources keeping the event loop alive, by type.'],
  process_open_fds: ['gauge', 'Open file descriptors of the process.'],
  container_memory_limit_bytes: ['gauge', 'Memory limit of the container.'],
  container_cpu_limit_cores: ['gauge', 'CPU quota of the container, in cores.'],
  anomaly_score: [
    'gauge',
    'Anomaly score (0-1) of the last scored minute, by series: the share of the series own past it stands above.',
  ],
  cluster_mode_off: [
    'gauge',
    '1: cluster mode was asked for but is off in this process (no private directory for its socket; the reason is logged and in metrics/ cluster_mode), so every sample is this process alone.',
  ],
  instance_conflict: [
    'gauge',
    'Live processes writing under this instanceId, present past a rolling deploy overlap (metrics/ instance_conflict).',
  ],
  cluster_workers_connected: [
    'gauge',
    'Cluster mode: workers connected to the aggregator, the aggregator included (cluster.workers_connected).',
  ],
  cluster_workers_missing: [
    'gauge',
    'Cluster mode: workers whose figures this sample lacks (listed in cluster.missing: a connected worker that did not answer in time, a dead one whose last words are unread).',
  ],
  cluster_complete: [
    'gauge',
    'Cluster mode: 1 when the figures cover every worker (cluster.complete), 0 while something is missing (cluster.missing in metrics/).',
  ],
  dropped_observations_total: [
    'counter',
    'Observations ignored for bad input (a NaN, negative or infinite duration or value, a status outside 100-999) since start, by source.',
  ],
  http_server_active_requests: ['gauge', 'Application requests in flight (started, not yet ended).'],
  requests_shed_total: ['counter', 'Requests answered 503 by load shedding since start.'],
  http_unseen_requests_total: [
    'counter',
    'Requests the server answered without passing the Express or Koa middleware since start (a handler mounted before it ended them).',
  ],
  load_shedding: ['gauge', '1 while requests are being shed (in the last sample interval), else 0.'],
  db_query_errors_total: ['counter', 'Failed database queries per fingerprint.'],
  db_query_duration_seconds: ['histogram', 'Database query duration per fingerprint.'],
  job_runs_total: ['counter', 'Runs of each background job.'],
  job_failures_total: ['counter', 'Runs of each background job that threw or rejected.'],
  job_duration_seconds: ['histogram', 'Duration of each background job run.'],
  job_last_success_timestamp_seconds: ['gauge', 'When each job last succeeded.'],
  job_last_failure_timestamp_seconds: ['gauge', 'When each job last failed.'],
  plugin_up: ['gauge', "Whether the collector plugin's last collection succeeded (1) or not (0)."],
});

/** The family a custom metric is exposed as: a counter's name gets `_total` unless it has it. */
export function exposedFamily(name: string, type: FamilyType): string {
  return type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

/**
 * Every name a family takes in an exposition: its own, its series' (`_bucket`, `_sum`, `_count`) and the ones
 * OpenMetrics gives it (a counter `x_total` is the family `x`; `_created` for counters and histograms). Two
 * families that share one of these cannot both be exposed.
 */
export function familyNames(family: string, type: FamilyType): string[] {
  if (type === 'counter') {
    const base = family.endsWith('_total') ? family.slice(0, -'_total'.length) : family;
    return [base, `${base}_total`, `${base}_created`];
  }
  if (type === 'histogram') {
    return [family, `${family}_bucket`, `${family}_sum`, `${family}_count`, `${family}_created`];
  }
  return [family];
}

/** Each name a built-in family takes (familyNames), and that family. */
export const BUILTIN_NAMES: ReadonlyMap<string, string> = (() => {
  const out = new Map<string, string>();
  for (const f of Object.values<BuiltinFamily>(BUILTIN_FAMILIES)) {
    for (const n of familyNames(f.name, f.type)) out.set(n, f.name);
  }
  return out;
})();

/**
 * A plugin group key as a metric name part: other ASCII characters (`-`, `.`, a space) become `_`; a character
 * beyond ASCII becomes `_u<hex code point>_` (`é` → `_u00e9_`), so that two keys in another script stay two names
 * instead of both reading `_`. A leading digit gets a `_` before it.
 */
export function sanitizeNamePart(part: string): string {
  const s = part.replace(/[^a-zA-Z0-9_]/gu, (c) => {
    const cp = c.codePointAt(0) as number;
    return cp < 0x80 ? '_' : `_u${cp.toString(16).padStart(4, '0')}_`;
  });
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** The start every family of collector plugin `plugin` has: `plugin_<name>_` (its figures follow). */
export function pluginFamilyPrefix(plugin: string): string {
  return `plugin_${sanitizeNamePart(plugin)}_`;
}
