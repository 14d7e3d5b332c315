// The cluster's part of snapshots and health: its workers, what a cluster view covers, cluster mode off.

/** One worker of a cluster as the aggregator knows it (cluster mode). */
export interface ClusterWorker {
  /** `<pid>@<start time ms>`: a restarted worker is a new worker. */
  id: string;
  pid: number;
  started_at: string;
  /** This worker is the aggregator (it evaluates the cluster's alerts). */
  aggregator: boolean;
  /** Connected to the aggregator now; a worker that died keeps its totals in the cluster's counters. */
  connected: boolean;
  /** Requests this worker reported since it started (those it held when it died included: `requests_lost`). */
  requests_total: number;
  /**
   * Requests it last reported in flight when its connection dropped without a goodbye (a crash, SIGKILL), its
   * process gone: their clients got a reset, counted as failed (in the 5xx class, on their route when said).
   */
  requests_lost: number;
  last_report_at: string | null;
  /** Its latest process figures (sampled by its own monitor), null before its first sample. */
  process: ClusterProcess | null;
  /**
   * Present while it is connected but let a sync round end without its answer (it is in `missing`) and has not
   * answered since: milliseconds since that sync was sent. Its event loop has not turned for at least that long
   * (a synchronous loop, a stop), so the cluster's event-loop delay and `process` status count it.
   */
  unanswered_ms?: number;
}

/** The process figures a worker reports with its deltas. */
export interface ClusterProcess {
  pid: number;
  rss_mb: number;
  heap_used_mb: number;
  heap_total_mb: number;
  external_mb: number;
  /** rss_mb, heap_used_mb, heap_total_mb and external_mb in exact bytes (summed exactly by the aggregator). */
  rss_bytes?: number;
  heap_used_bytes?: number;
  heap_total_bytes?: number;
  external_bytes?: number;
  /** ArrayBuffers in exact bytes, and V8 heap spaces by name (absent from workers of older versions). */
  array_buffers_bytes?: number;
  heap_spaces?: Record<string, { used_bytes: number; size_bytes: number }>;
  event_loop_delay_p50_ms: number;
  event_loop_delay_p99_ms: number;
  event_loop_delay_max_ms: number;
  event_loop_utilization_percent: number;
  open_fds: number | null;
  uptime_seconds: number;
}

/**
 * Cluster mode was asked for (`cluster`) but is off in this process: no private directory could be used for
 * the cluster's socket (e.g. `<tmpdir>/sysvitals-<uid>` created first by another local user). The monitor runs
 * as a single process: every figure, alert and answer is this process's own, not the cluster's.
 */
export interface ClusterModeOff {
  /** Always false: cluster mode is off in this process. */
  enabled: false;
  /** What the figures cover: this process alone. */
  scope: 'process';
  /** Why: each directory tried and why it was refused, and what to do. */
  reason: string;
}

/** What a cluster view covers: `complete` is false while a live worker did not answer in time. */
export interface ClusterSummary {
  name: string;
  /** Id of the aggregator worker. */
  aggregator: string;
  complete: boolean;
  /**
   * Workers connected but not answering within the sync timeout (their last interval is missing), and
   * `aggregator-window` for a window's length after a new aggregator took over (what only the previous
   * aggregator held of the last minute could not be rebuilt), and `shed:<worker id>` for a live worker of an
   * older version whose reports carry no load shedding (`requests.shed_total` and `shedding` leave it out).
   */
  missing: string[];
  workers_connected: number;
  /** Requests cut by a worker's death, counted as failed (5xx), since the cluster started: every worker's `requests_lost`, the retired ones' too. */
  requests_lost: number;
  workers: ClusterWorker[];
}
