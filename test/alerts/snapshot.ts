// Test helpers: a complete, healthy MetricsSnapshot with overridable groups, and a settable clock.

import type { Clock, DiskPartition, MetricsSnapshot, ProcessMetrics } from '../../src/types.js';

export type Overrides = { [K in keyof MetricsSnapshot]?: Partial<MetricsSnapshot[K]> };

export function partition(mount: string, used_percent: number): DiskPartition {
  return {
    mount,
    filesystem: `/dev/${mount === '/' ? 'root' : mount.replaceAll('/', '')}`,
    type: 'ext4',
    total_gb: 100,
    used_gb: used_percent,
    free_gb: 100 - used_percent,
    used_percent,
    status: 'healthy',
  };
}

/**
 * The process group's runtime figures of a quiet process: no loop utilisation, no GC pause, no heap space or
 * active resource reported, open fds unknown (fresh objects each call). The snapshot fixtures share it.
 */
export function quietRuntime(): Pick<
  ProcessMetrics,
  | 'event_loop_utilization_percent'
  | 'external_mb'
  | 'array_buffers_mb'
  | 'heap_spaces'
  | 'gc'
  | 'active_resources'
  | 'open_fds'
> {
  return {
    event_loop_utilization_percent: 0,
    external_mb: 0,
    array_buffers_mb: 0,
    heap_spaces: {},
    gc: {
      minor: { count: 0, total_ms: 0, max_ms: 0 },
      major: { count: 0, total_ms: 0, max_ms: 0 },
      incremental: { count: 0, total_ms: 0, max_ms: 0 },
      weakcb: { count: 0, total_ms: 0, max_ms: 0 },
    },
    active_resources: {},
    open_fds: null,
  };
}

/** A healthy snapshot (all utilisation well under 70 %, 100 requests a minute, no errors). */
export function makeSnapshot(overrides: Overrides = {}): MetricsSnapshot {
  const base: MetricsSnapshot = {
    timestamp: '2025-12-27T12:34:56.000Z',
    cpu: {
      status: 'healthy',
      current_percent: 20,
      avg_5min_percent: 20,
      avg_15min_percent: 20,
      core_count: 4,
      frequency_mhz: 2400,
      model: 'test cpu',
      load_average: [0.5, 0.5, 0.5],
      limit_cores: null,
      machine_percent: 0,
      threshold: 80,
    },
    memory: {
      status: 'healthy',
      total_gb: 16,
      used_gb: 4,
      available_gb: 12,
      used_percent: 25,
      swap_total_gb: 0,
      swap_used_percent: 0,
      limit_gb: null,
      machine_used_percent: 0,
      machine_total_gb: 0,
      threshold: 85,
    },
    disk: { status: 'healthy', partitions: [partition('/', 40)], max_used_percent: 40, threshold: 90 },
    network: {
      status: 'healthy',
      interfaces: ['eth0'],
      bytes_in: 0,
      bytes_out: 0,
      packets_in: 0,
      packets_out: 0,
      errors_in: 0,
      errors_out: 0,
      dropped_in: 0,
      dropped_out: 0,
      bytes_in_per_sec: 0,
      bytes_out_per_sec: 0,
      packets_in_per_sec: 0,
      packets_out_per_sec: 0,
    },
    database: {
      status: 'healthy',
      response_time_ms: 5,
      pool_size: 10,
      pool_idle: 9,
      pool_waiting: 0,
      threshold: 1000,
    },
    redis: { status: 'healthy', response_time_ms: 1, working: true, threshold: 1000 },
    websocket: { status: 'healthy', active_connections: 0 },
    requests: { status: 'healthy', per_second: 100 / 60, per_minute: 100, total: 1000 },
    errors: {
      status: 'healthy',
      count_4xx: 0,
      count_5xx: 0,
      count_aborted: 0,
      error_rate_percent: 0,
      threshold: 5,
    },
    latency: {
      status: 'healthy',
      p50_ms: 10,
      p95_ms: 50,
      p99_ms: 80,
      avg_ms: 15,
      max_ms: 120,
      threshold: 2000,
    },
    process: {
      status: 'healthy',
      pid: 1234,
      event_loop_delay_p50_ms: 1,
      event_loop_delay_p99_ms: 5,
      event_loop_delay_max_ms: 10,
      heap_used_mb: 50,
      heap_total_mb: 80,
      rss_mb: 120,
      ...quietRuntime(),
      uptime_seconds: 3600,
    },
    functions: {},
    routes: [],
  };
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = (base as unknown as Record<string, unknown>)[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? { ...current, ...value }
        : value;
  }
  const snapshot = out as unknown as MetricsSnapshot;
  // Keep the derived field honest when a test sets partitions.
  if (overrides.disk?.partitions && overrides.disk.max_used_percent === undefined) {
    snapshot.disk.max_used_percent = Math.max(0, ...snapshot.disk.partitions.map((p) => p.used_percent));
  }
  return snapshot;
}

export interface TestClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function testClock(start = Date.parse('2025-12-27T12:00:00.000Z')): TestClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}
