// The shapes sysvitals returns everywhere: programmatic API, HTTP API, dashboard. Field names are the seed's (snake_case).

import type { AnomalyGroup } from './analytics/anomaly-group.js';
import type { ChannelStatus } from './channels/channel-status.js';
import type { ClusterModeOff, ClusterSummary } from './cluster/view-types.js';
import type { DroppedObservations } from './collector/dropped.js';
import type { CustomMetricSnapshot } from './custom/types.js';
import type { FunctionStats } from './functions/function-row.js';
import type { InstanceConflict } from './history/instance-conflict.js';
import type { JobsSnapshotGroup } from './profiling/jobs-group.js';
import type { QueriesGroup } from './profiling/queries-group.js';
import type { ApdexGroup } from './requests/apdex-group.js';
import type { ErrorHorizonMetrics } from './requests/horizon-metrics.js';
import type { RouteStats } from './requests/route-stats.js';

export type { ClusterModeOff, ClusterProcess, ClusterSummary, ClusterWorker } from './cluster/view-types.js';
export type { InstanceConflict } from './history/instance-conflict.js';
export type { JobsSnapshotGroup } from './profiling/jobs-group.js';
export type { QueriesGroup } from './profiling/queries-group.js';
export type { ApdexGroup } from './requests/apdex-group.js';

/** Status of one snapshot group or health component; `unknown` when it could not be measured. */
export type ComponentStatus = 'healthy' | 'warning' | 'critical' | 'unknown';
/** Overall health: green (all healthy), yellow (a warning or an unknown component), red (critical). */
export type HealthColor = 'green' | 'yellow' | 'red';

/** Milliseconds since the epoch; injectable so time-based logic is testable. */
export interface Clock {
  /** The current time in ms since the epoch. */
  now(): number;
}

/** pino-compatible logger; only warn and error are required. */
export interface Logger {
  /** Logs an error: `obj` holds the fields, `msg` the message (pino's argument order). */
  error(obj: unknown, msg?: string): void;
  /** Logs a warning. */
  warn(obj: unknown, msg?: string): void;
  /** Logs information (optional). */
  info?(obj: unknown, msg?: string): void;
  /** Logs debug detail (optional). */
  debug?(obj: unknown, msg?: string): void;
}

/** What every group of the snapshot that health judges has: its status, and the error when it could not be collected. */
export interface Component {
  status: ComponentStatus;
  /** Present when the group could not be collected; status is then `unknown` (or `critical` for a dependency). */
  error?: string;
}

/** The snapshot's `cpu` group: use in percent (of the quota in a container), load, model; `threshold` is the warning level. */
export interface CpuMetrics extends Component {
  /** Busy share since the previous collection (the first collection measures a short window itself). */
  current_percent: number;
  /** Busy share over the last 5 minutes; null until the collector has 5 minutes of its own samples. */
  avg_5min_percent: number | null;
  /** Busy share over the last 15 minutes; null until the collector has 15 minutes of its own samples. */
  avg_15min_percent: number | null;
  core_count: number;
  frequency_mhz: number;
  model: string;
  load_average: [number, number, number];
  /** The container's CPU quota in cores (cgroup v2 cpu.max); null without one. With a quota, current_percent is against it. */
  limit_cores: number | null;
  /** The machine's CPU use (percent of all cores), with or without a quota. */
  machine_percent: number;
  threshold: number;
}

/** The snapshot's `memory` group, in GB and percent (the container's when it has a limit). */
export interface MemoryMetrics extends Component {
  total_gb: number;
  used_gb: number;
  available_gb: number;
  used_percent: number;
  swap_total_gb: number;
  swap_used_percent: number;
  /** The container's memory limit (cgroup v2 memory.max or process.constrainedMemory()); null without one. With a limit, total/used/available/used_percent are the container's. */
  limit_gb: number | null;
  /** The machine's memory in use (percent), with or without a container limit. */
  machine_used_percent: number;
  /** The machine's memory size. */
  machine_total_gb: number;
  /** total_gb, used_gb, available_gb and swap_total_gb in exact bytes (Prometheus exports these, unrounded). */
  total_bytes?: number;
  used_bytes?: number;
  available_bytes?: number;
  swap_total_bytes?: number;
  threshold: number;
}

/** One mounted filesystem in the `disk` group, sizes in GB. */
export interface DiskPartition {
  mount: string;
  filesystem: string;
  type: string;
  total_gb: number;
  used_gb: number;
  free_gb: number;
  /** total_gb, used_gb and free_gb in exact bytes (Prometheus exports these, unrounded). */
  total_bytes?: number;
  used_bytes?: number;
  free_bytes?: number;
  used_percent: number;
  status: ComponentStatus;
}

/** The snapshot's `disk` group: every partition and the fullest one's use in percent. */
export interface DiskMetrics extends Component {
  partitions: DiskPartition[];
  /** The fullest partition's used_percent (0 with no partition). */
  max_used_percent: number;
  threshold: number;
}

/** The snapshot's `network` group: byte, packet, error and drop counts over the listed interfaces, and rates per second. */
export interface NetworkMetrics extends Component {
  interfaces: string[];
  /**
   * The interfaces the totals and rates sum, each byte once: the physical ones when sysfs says which interfaces
   * are virtual and some are not (a Docker or Kubernetes host's bridges and veths carry the same bytes as its
   * uplink), else every interface but loopback (a container's own namespace). Absent when the group failed.
   */
  summed_interfaces?: string[];
  bytes_in: number;
  bytes_out: number;
  packets_in: number;
  packets_out: number;
  errors_in: number;
  errors_out: number;
  dropped_in: number;
  dropped_out: number;
  /** Rates since the previous sample (for the first sample: since the collector was created). */
  bytes_in_per_sec: number;
  bytes_out_per_sec: number;
  packets_in_per_sec: number;
  packets_out_per_sec: number;
  /** Each interface's counters since boot (one Prometheus series each: a removed one ends its series). */
  by_interface?: Record<string, InterfaceTotals>;
}

/** One interface's counters since boot (`network.by_interface`). */
export interface InterfaceTotals {
  bytes_in: number;
  bytes_out: number;
  packets_in: number;
  packets_out: number;
  errors_in: number;
  errors_out: number;
  dropped_in: number;
  dropped_out: number;
}

/**
 * The snapshot's `database` group: probe round trip in ms and pool counts; null where not measured. `pool_exhausted`:
 * the probe waited past its timeout for a pool connection, all busy (status warning, not down); `pool_stuck`: the
 * pool freed the probe no connection (or refused every check) for 30 s or ten timeouts (status critical, the
 * availability alert reads `Database pool: …`, not `Database unavailable`); both absent without a probe.
 */
export interface DatabaseMetrics extends Component {
  response_time_ms: number | null;
  pool_size: number | null;
  pool_idle: number | null;
  pool_waiting: number | null;
  pool_exhausted?: boolean;
  pool_stuck?: boolean;
  threshold: number;
}

/** The snapshot's `redis` group: PING round trip in ms, null without a Redis client. */
export interface RedisMetrics extends Component {
  response_time_ms: number | null;
  working: boolean | null;
  threshold: number;
}

/** The snapshot's `websocket` group: open WebSocket connections. */
export interface WebSocketMetrics extends Component {
  active_connections: number;
}

/** The snapshot's `requests` group: request rates per second and per minute, and the total since start. */
export interface RequestMetrics extends Component {
  per_second: number;
  per_minute: number;
  total: number;
  /** Application requests started and not yet ended (a monitor's snapshots; absent from a bare collector's). */
  in_flight?: number;
  /** Requests answered 503 by load shedding since start (a monitor's snapshots). */
  shed_total?: number;
  /** Why load is being shed now, or null (a monitor's snapshots). */
  shedding?: string | null;
  /** Requests answered before the Express or Koa middleware since start (absent without one). */
  unseen_total?: number;
  /** Requests an Express or Koa app holds before that middleware, unanswered, on this process now. */
  unseen_waiting?: number;
  /** The oldest one's time found waiting (ms): a lower bound, from the first read that found it. */
  unseen_waiting_ms?: number;
}

/** The snapshot's `errors` group: error counts over the window and the error rate in percent. */
export interface ErrorMetrics extends Component {
  /** 4xx answers over the window, the aborted requests closed after `abortedFailureMs` (499) included. */
  count_4xx: number;
  count_5xx: number;
  /**
   * Responses that did not complete (status 499: the client or the server closed the connection first) over
   * the window: those closed after `abortedFailureMs` are failed requests (in count_4xx), the early ones are not.
   */
  count_aborted: number;
  /** Of count_aborted, the early closes (before `abortedFailureMs`): not requests (no rate, error rate, latency). */
  count_aborted_early?: number;
  /** Of count_aborted_early, the closes of responses the application had ended or was writing while blocked on their
   * client (a large body or streamed download it did not read, a response queued behind it), and of event streams
   * whose head was sent: not toward `unanswered`. */
  count_aborted_answered?: number;
  /** Of count_aborted_early, the closes while the request's body was still arriving: not toward `unanswered`. */
  count_aborted_body?: number;
  /** Of count_aborted_early, the other closes before `unansweredMinWaitMs` (100 ms): not toward `unanswered`. */
  count_aborted_quick?: number;
  /** Failed requests in the window, percent: (count_5xx + aborted after abortedFailureMs) ÷ count_judged, null with none judged; if unanswered, (failed + unanswered closes) ÷ (count_judged + those): 100 with none judged. */
  error_rate_percent: number | null;
  threshold: number;
  /** The requests the error rate, its guard and bound are over: but count_unmatched_4xx and _options. */
  count_judged?: number;
  /**
   * Requests over the window that no route of the app matched (route `unmatched`) answered 4xx (404, 405, ...; not
   * their 5xx, not their aborted requests after `abortedFailureMs`): in `requests`, count_4xx, `routes` and
   * Prometheus, left out of `count_judged`, the server-wide latency and Apdex, as anonymous made-up URLs would
   * dilute them. Not OPTIONS ones: `count_unmatched_options`.
   */
  count_unmatched_4xx?: number;
  /** OPTIONS no route matched answered below 500 (the router's `Allow` reply, a cors preflight): as the above. */
  count_unmatched_options?: number;
  /**
   * Present (true), with `status` critical and a `reason`, when at least `minRequests` were closed early unanswered
   * in the window and they outnumber its judged requests (none judged: `error_rate_percent` 100).
   */
  unanswered?: boolean;
  /**
   * Present when the window holds at least one request but fewer than `minRequests`: the lower end of the 95 % Wilson
   * score interval of failed ÷ requests, percent, two decimals. Below `minRequests` the status is judged on it against
   * the error_rate levels, with at least 5 failed requests (19 of 19: 83.18 %, critical); else on `horizon`.
   */
  error_rate_lower_percent?: number;
  /** When the window could not judge, the error horizon (the last 15 min by default) that did, or did not either. */
  horizon?: ErrorHorizonMetrics;
  /** Why `status` is `unknown` (not judged), critical with `unanswered`, or judged on `horizon`. */
  reason?: string;
}

/**
 * The snapshot's `latency` group: request durations over the window, ms, requests in flight past the critical
 * level counted at their age. Nothing to measure: null figures, `unknown` with `reason` (never "healthy, 0 ms").
 */
export interface LatencyMetrics extends Component {
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  avg_ms: number | null;
  max_ms: number | null;
  threshold: number;
  /** Requests in flight for at least the critical level, counted above at their age (a hang reads critical). */
  in_flight_counted?: number;
  /** Present when `status` is `unknown` because nothing was measured in the window. */
  reason?: string;
}

/** Garbage-collection pauses of one kind over the sample interval. */
export interface GcKindStats {
  count: number;
  total_ms: number;
  max_ms: number;
}

/** The snapshot's `process` group: event loop, heap and GC of this Node.js process (MB, ms, percent). */
export interface ProcessMetrics extends Component {
  pid: number;
  /** Event-loop delay over the sample interval (the monitor is reset at every sample). */
  event_loop_delay_p50_ms: number;
  event_loop_delay_p99_ms: number;
  event_loop_delay_max_ms: number;
  /** Share of the sample interval the event loop spent busy (performance.eventLoopUtilization deltas). */
  event_loop_utilization_percent: number;
  heap_used_mb: number;
  heap_total_mb: number;
  /** Memory of C++ objects bound to JS objects (process.memoryUsage().external). */
  external_mb: number;
  /**
   * ArrayBuffers and SharedArrayBuffers, Buffers included (part of external). Null only in a cluster view
   * when a live worker did not report it (a worker of an older version).
   */
  array_buffers_mb: number | null;
  rss_mb: number;
  /** heap_used_mb, heap_total_mb, external_mb, array_buffers_mb and rss_mb in exact bytes (for Prometheus). */
  heap_used_bytes?: number;
  heap_total_bytes?: number;
  external_bytes?: number;
  array_buffers_bytes?: number;
  rss_bytes?: number;
  /**
   * V8 heap spaces by name: used and allocated MB, and the same in exact bytes. In a cluster view, summed
   * per space over the live workers; empty when a live worker did not report them.
   */
  heap_spaces: Record<string, { used_mb: number; size_mb: number; used_bytes?: number; size_bytes?: number }>;
  /** GC pauses over the sample interval by kind. */
  gc: Record<'minor' | 'major' | 'incremental' | 'weakcb', GcKindStats>;
  /** What keeps the event loop alive, by resource type (process.getActiveResourcesInfo). */
  active_resources: Record<string, number>;
  /** Open file descriptors of the process; null where /proc/self/fd cannot be read. */
  open_fds: number | null;
  uptime_seconds: number;
  /**
   * The `event_loop_delay` warning level (ms) that `status` judges `event_loop_delay_p99_ms` against
   * (critical at its critical level). Absent in a snapshot from an older version.
   */
  threshold?: number;
}

/** One collection of every metric group: what getMetrics(), the HTTP API and the dashboard return. */
export interface MetricsSnapshot {
  timestamp: string;
  /** The monitor's last sample's `timestamp`, null before the first (README "Reads change nothing"). */
  sampled_at?: string | null;
  cpu: CpuMetrics;
  memory: MemoryMetrics;
  disk: DiskMetrics;
  network: NetworkMetrics;
  database: DatabaseMetrics;
  redis: RedisMetrics;
  websocket: WebSocketMetrics;
  requests: RequestMetrics;
  errors: ErrorMetrics;
  latency: LatencyMetrics;
  process: ProcessMetrics;
  /** `@timed` functions by name, over the request window. */
  functions: Record<string, FunctionStats>;
  /** Per route template (bounded; the rest folds into route `other`), over the request window. */
  routes: RouteStats[];
  /** Instrumented database queries over the last minute (instrumentPg/Mysql/Redis); read by `db_query_p95`. */
  queries?: QueriesGroup;
  /** Background jobs (`monitor.job`, `@timed({ job: true })`); read by `job_stale`. */
  jobs?: JobsSnapshotGroup;
  /** Server-wide Apdex over the request window; counted in the health score. */
  apdex?: ApdexGroup;
  /**
   * Anomaly scores (0-1) of the last scored minute, by series (src/analytics), the `anomaly` rule's warning level
   * (`threshold`), and the minutes each series still learning needs until its first score. Set by the monitor.
   */
  anomaly?: AnomalyGroup;
  /** Cluster mode, `instance=<worker>`: the aggregator whose host groups (cpu, memory, disk, network) it shows. */
  host_from?: string;
  /** Cluster mode only: which workers these figures cover, and whether any is missing. */
  cluster?: ClusterSummary;
  /** Cluster mode asked for but off in this process (its figures are per process), and why. */
  cluster_mode?: ClusterModeOff;
  /** See InstanceConflict. */
  instance_conflict?: InstanceConflict;
  /** Custom metrics by name (`monitor.counter/gauge/histogram`); always present from a collector. */
  custom?: Record<string, CustomMetricSnapshot>;
  /** Collector plugins' groups by plugin name; always present from a collector. */
  plugins?: Record<string, PluginGroup>;
  /** Observations ignored for bad input since start, by source (a monitor's snapshots; this process). */
  dropped_observations?: DroppedObservations;
}

/** One collector plugin's group: what its collect() returned, with a status (and the error when it failed). */
export interface PluginGroup {
  status: ComponentStatus;
  error?: string;
  [field: string]: unknown;
}

/** The health summary (`getHealth()`, `health/`): color, score 0-100, status per component. */
export interface HealthStatus {
  status: HealthColor;
  timestamp: string;
  health_score: number;
  components: Record<string, ComponentStatus>;
  active_alerts: number;
  /**
   * Present when a component could not be measured: its name and why (the collector's or probe's
   * error). Such a component is `unknown` in `components`, makes the status at least yellow and costs
   * `SCORE_PENALTIES.component.unmeasured` points.
   */
  unknown_reasons?: Record<string, string>;
  metrics?: MetricsSnapshot;
  /** Detailed only, when channels are configured: delivery status per channel. */
  channels?: ChannelStatus[];
  /** Cluster mode only: which workers the status covers (see MetricsSnapshot.cluster). */
  cluster?: ClusterSummary;
  /** Cluster mode asked for but off in this process: the status is this process's alone, and why. */
  cluster_mode?: ClusterModeOff;
  /** See InstanceConflict. */
  instance_conflict?: InstanceConflict;
}

/** What the request recorder contributes to a snapshot. */
export type RequestGroups = Pick<MetricsSnapshot, 'requests' | 'errors' | 'latency' | 'routes' | 'functions'>;
