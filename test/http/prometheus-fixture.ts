// Plain-data scrapes for the Prometheus serializer tests and benchmark: a full snapshot, routes, functions.

import type { Alert } from '../../src/alerts/alert.js';
import type {
  PrometheusData,
  PrometheusFunctionTotal,
  PrometheusRouteTotal,
} from '../../src/http/prometheus/data.js';
import { createHistogram, type Histogram, recordMs } from '../../src/latency/histogram.js';
import type { HealthStatus, MetricsSnapshot } from '../../src/types.js';
import { quietRuntime } from '../alerts/snapshot.js';
import { fakeAlert, fakeSnapshot } from './admin-fixture.js';

export function snapshotFixture(overrides: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return {
    timestamp: '2025-12-27T12:34:56.000Z',
    // The admin API fixture's CPU (another model and load) and memory.
    cpu: { ...fakeSnapshot().cpu, model: 'Test CPU', load_average: [0.5, 0.75, 1.25] },
    memory: fakeSnapshot().memory,
    disk: {
      status: 'warning',
      partitions: [
        {
          mount: '/',
          filesystem: '/dev/sda1',
          type: 'ext4',
          total_gb: 100,
          used_gb: 75,
          free_gb: 25,
          used_percent: 75,
          status: 'warning',
        },
        {
          mount: '/mnt/odd "quoted"\\path',
          filesystem: 'tmpfs',
          type: 'tmpfs',
          total_gb: 1,
          used_gb: 0.1,
          free_gb: 0.9,
          used_percent: 10,
          status: 'healthy',
        },
      ],
      max_used_percent: 75,
      threshold: 90,
    },
    network: {
      status: 'healthy',
      interfaces: ['eth0'],
      bytes_in: 123_456_789,
      bytes_out: 98_765_432,
      packets_in: 100_000,
      packets_out: 90_000,
      errors_in: 1,
      errors_out: 0,
      dropped_in: 2,
      dropped_out: 0,
      bytes_in_per_sec: 1000,
      bytes_out_per_sec: 800,
      packets_in_per_sec: 10,
      packets_out_per_sec: 8,
    },
    database: {
      status: 'healthy',
      response_time_ms: 3.5,
      pool_size: 10,
      pool_idle: 7,
      pool_waiting: 0,
      threshold: 1000,
    },
    redis: {
      status: 'critical',
      error: 'connect ECONNREFUSED',
      response_time_ms: null,
      working: false,
      threshold: 100,
    },
    websocket: { status: 'healthy', active_connections: 3 },
    requests: { status: 'healthy', per_second: 12, per_minute: 720, total: 1000 },
    errors: {
      status: 'healthy',
      count_4xx: 5,
      count_5xx: 1,
      count_aborted: 0,
      error_rate_percent: 0.6,
      threshold: 5,
    },
    latency: {
      status: 'healthy',
      p50_ms: 12,
      p95_ms: 80,
      p99_ms: 150,
      avg_ms: 20,
      max_ms: 400,
      threshold: 2000,
    },
    process: {
      status: 'healthy',
      pid: 1234,
      event_loop_delay_p50_ms: 10.2,
      event_loop_delay_p99_ms: 12.5,
      event_loop_delay_max_ms: 30,
      heap_used_mb: 50.5,
      heap_total_mb: 80,
      rss_mb: 120.25,
      ...quietRuntime(),
      uptime_seconds: 3600,
    },
    functions: {},
    routes: [],
    ...overrides,
  };
}

export function healthFixture(): HealthStatus {
  return {
    status: 'yellow',
    timestamp: '2025-12-27T12:34:56.000Z',
    health_score: 85,
    components: {
      cpu: 'healthy',
      memory: 'healthy',
      disk: 'warning',
      database: 'healthy',
      redis: 'critical',
      requests: 'healthy',
      errors: 'healthy',
    },
    active_alerts: 2,
  };
}

/** The admin API fixture's active disk alert, as `a1`, with `overrides`. */
export function alertFixture(overrides: Partial<Alert> = {}): Alert {
  return { ...fakeAlert, id: 'a1', ...overrides };
}

/** A histogram of the given durations in milliseconds. */
export function histogramOf(values: readonly number[]): Histogram {
  const h = createHistogram();
  for (const ms of values) recordMs(h, ms);
  return h;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const CLASSES = ['2xx', '4xx', '5xx'];

/** A scrape the size the budget names: `routes` route templates and `functions` @timed functions. */
export function largeData(routes = 100, functions = 20): PrometheusData {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const latency = createHistogram();
  const totals: PrometheusRouteTotal[] = [];
  for (let i = 0; i < routes; i++) {
    const method = METHODS[i % METHODS.length] as string;
    const route = `/api/v1/resource${i}/:id`;
    for (const status_class of CLASSES) {
      totals.push({ method, route, status_class, count: Math.floor(random() * 100_000) });
    }
  }
  for (let i = 0; i < 100_000; i++) recordMs(latency, random() ** 3 * 5000);
  const fns: PrometheusFunctionTotal[] = [];
  for (let i = 0; i < functions; i++) {
    const histogram = createHistogram();
    for (let j = 0; j < 5000; j++) recordMs(histogram, random() ** 2 * 200);
    fns.push({ name: `Service${i}.method${i}`, count: histogram.totalCount, errors: i, histogram });
  }
  return {
    snapshot: snapshotFixture(),
    health: healthFixture(),
    alerts: [
      alertFixture(),
      alertFixture({ id: 'a2', rule: 'redis', component: 'redis', severity: 'critical' }),
    ],
    routes: totals,
    latency,
    functions: fns,
  };
}
