// The snapshot's known shape at setup, for checking alert rule metric paths: every built-in group
// with its fields (from the collector's own empty groups and the monitor's own producers), a route and a disk
// partition as array items, and the records whose keys are only known at run time. Typed `Full<>` of the
// snapshot's types, so a field added to a type and not here fails to compile (outside review 33, RT33-9: the
// monitor's own groups and fields were missing, and rules on them were refused as "not in the snapshot").

import type { AnomalyGroup } from '../analytics/anomaly-group.js';
import type { ClusterSummary } from '../cluster/view-types.js';
import { websocketMetrics } from '../collector/app-groups.js';
import { failedCpu } from '../collector/cpu.js';
import { failedDisk } from '../collector/disk.js';
import { DROPPED_SOURCES } from '../collector/dropped.js';
import { failedMemory } from '../collector/memory.js';
import { failedNetwork } from '../collector/network.js';
import { failedProcess } from '../collector/process.js';
import { overallApdex } from '../profiling/endpoints.js';
import type { JobsSnapshotGroup } from '../profiling/jobs-group.js';
import { QueryStats } from '../profiling/query-stats.js';
import { onHorizon } from '../requests/error-horizon.js';
import { RequestStats } from '../requests/requests.js';
import type { RouteStats } from '../requests/route-stats.js';
import type {
  ApdexGroup,
  CpuMetrics,
  DatabaseMetrics,
  DiskPartition,
  ErrorMetrics,
  LatencyMetrics,
  MemoryMetrics,
  MetricsSnapshot,
  NetworkMetrics,
  ProcessMetrics,
  QueriesGroup,
  RedisMetrics,
  RequestMetrics,
  WebSocketMetrics,
} from '../types.js';
import type { SnapshotShape } from './metric-rules.js';

const RECORD = { __record: true };

/** Every field of T, optional ones included: the template must name each (a number where T has one). */
type Full<T> = Record<Exclude<keyof T, 'error'>, unknown>;

/** The snapshot's groups a rule may read (`timestamp`, `sampled_at`, `host_from`, `cluster_mode`, `instance_conflict` hold no number). */
type Groups = Omit<
  MetricsSnapshot,
  'timestamp' | 'sampled_at' | 'host_from' | 'cluster_mode' | 'instance_conflict'
>;

/** The shape rules are checked against; `extra` adds groups other parts of the monitor contribute. */
export function snapshotShape(
  plugins: readonly string[],
  reserved: readonly string[],
  extra: Record<string, unknown> = {},
): SnapshotShape {
  const requests = new RequestStats({ clock: { now: () => 0 } });
  let groups: ReturnType<RequestStats['groups']>;
  try {
    requests.record('GET', '/', 200, 1);
    groups = requests.groups();
  } finally {
    requests.close();
  }
  const disk = failedDisk('', 0);
  const proc = failedProcess('');
  // The fields the monitor adds to a collected snapshot (monitor/sampler.ts acceptNow): load shedding and the
  // middleware's unseen requests on `requests`, the error horizon on `errors`, and its own groups.
  const requestsGroup: Full<RequestMetrics> = {
    ...groups.requests,
    in_flight: 0,
    shed_total: 0,
    shedding: null,
    unseen_total: 0,
    unseen_waiting: 0,
    unseen_waiting_ms: 0,
  };
  const errorsGroup: Full<ErrorMetrics> = {
    count_aborted_early: 0,
    count_aborted_answered: 0,
    count_aborted_body: 0,
    count_aborted_quick: 0,
    count_judged: 0,
    count_unmatched_4xx: 0,
    count_unmatched_options: 0,
    unanswered: false,
    error_rate_lower_percent: 0,
    reason: '',
    ...groups.errors,
    horizon: onHorizon(requests.config, [1, 0], 0, 0),
  };
  const apdex: Full<ApdexGroup> = {
    count_unmatched_4xx: 0,
    count_unmatched_options: 0,
    ...overallApdex([], 0),
  };
  const queries: Full<QueriesGroup> = new QueryStats({}, { now: () => 0 }).windowSummary();
  const watched: Full<JobsSnapshotGroup['watched'][number]> = {
    name: '',
    since_success_seconds: 0,
    limit_seconds: 0,
    stale: false,
  };
  const jobs: Full<JobsSnapshotGroup> = { count: 0, stale: [], watched: [watched] };
  const anomaly: Full<AnomalyGroup> = {
    scored_at: null,
    scores: RECORD,
    threshold: 0,
    minutes_to_first_score: RECORD,
  };
  // Cluster mode's summary; its workers are an array no rule path can key (they have ids, not names).
  const cluster: Full<ClusterSummary> = {
    name: '',
    aggregator: '',
    complete: true,
    missing: [],
    workers_connected: 0,
    requests_lost: 0,
    workers: [],
  };
  const cpu: Full<CpuMetrics> = { ...failedCpu('', 0) };
  const memory: Full<MemoryMetrics> = {
    total_bytes: 0,
    used_bytes: 0,
    available_bytes: 0,
    swap_total_bytes: 0,
    ...failedMemory('', 0),
  };
  const network: Full<NetworkMetrics> = { summed_interfaces: [], by_interface: RECORD, ...failedNetwork('') };
  const latency: Full<LatencyMetrics> = { in_flight_counted: 0, reason: '', ...groups.latency };
  const process: Full<ProcessMetrics> = {
    heap_used_bytes: 0,
    heap_total_bytes: 0,
    external_bytes: 0,
    array_buffers_bytes: 0,
    rss_bytes: 0,
    threshold: 0,
    ...proc,
    heap_spaces: RECORD,
    active_resources: RECORD,
  };
  const partition: Full<DiskPartition> = {
    mount: '/',
    filesystem: '',
    type: '',
    total_gb: 0,
    used_gb: 0,
    free_gb: 0,
    total_bytes: 0,
    used_bytes: 0,
    free_bytes: 0,
    used_percent: 0,
    status: 'unknown',
  };
  const database: Full<DatabaseMetrics> = {
    response_time_ms: null,
    pool_size: null,
    pool_idle: null,
    pool_waiting: null,
    pool_exhausted: false,
    pool_stuck: false,
    threshold: 0,
    status: 'unknown',
  };
  const redis: Full<RedisMetrics> = {
    response_time_ms: null,
    working: null,
    threshold: 0,
    status: 'unknown',
  };
  const websocket: Full<WebSocketMetrics> = websocketMetrics(0);
  const route: Full<RouteStats> = { folded: false, ...(groups.routes[0] as RouteStats) };
  const template: Full<Groups> = {
    cpu,
    memory,
    disk: { ...disk, partitions: [partition] },
    network,
    database,
    redis,
    websocket,
    ...groups,
    routes: [route],
    requests: requestsGroup,
    errors: errorsGroup,
    latency,
    functions: RECORD,
    process,
    apdex,
    queries,
    jobs,
    anomaly,
    dropped_observations: { ...Object.fromEntries(DROPPED_SOURCES.map((k) => [k, 0])), observed_series: 0 },
    cluster,
    custom: RECORD,
    plugins: RECORD,
    ...extra,
  };
  for (const g of Object.values(template)) {
    if (g && typeof g === 'object' && !Array.isArray(g)) delete (g as Record<string, unknown>).error;
  }
  return Object.freeze({ template: Object.freeze(template), plugins: Object.freeze([...plugins]), reserved });
}
