// A fake AdminSource and small HTTP helpers for the admin API and adapter tests.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../src/alerts/alert.js';
import type { AdminSource } from '../../src/http/route.js';
import type { HealthColor, HealthStatus, Logger, MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, quietRuntime } from '../alerts/snapshot.js';

export interface FakeSource extends AdminSource {
  health: HealthColor;
  calls: { method: string; args: unknown[] }[];
  fail: Error | undefined;
  clock: { now(): number };
  logger: Logger & { warnings: unknown[]; errors: unknown[] };
  instanceId: string;
}

export function fakeSnapshot(timestamp = '2025-12-27T12:34:56.000Z'): MetricsSnapshot {
  const status = 'healthy' as const;
  return {
    timestamp,
    cpu: {
      status,
      current_percent: 45.2,
      avg_5min_percent: 48.5,
      avg_15min_percent: 50.1,
      core_count: 4,
      frequency_mhz: 2400.5,
      model: 'fake',
      load_average: [0.1, 0.2, 0.3],
      limit_cores: null,
      machine_percent: 0,
      threshold: 80,
    },
    memory: {
      status,
      total_gb: 16,
      used_gb: 8.5,
      available_gb: 7.5,
      used_percent: 53.1,
      swap_total_gb: 8,
      swap_used_percent: 12.5,
      limit_gb: null,
      machine_used_percent: 0,
      machine_total_gb: 0,
      threshold: 85,
    },
    disk: { status: 'warning', partitions: [], max_used_percent: 75, threshold: 90 },
    // The healthy snapshot's eth0, all zero but these counters.
    network: { ...makeSnapshot().network, bytes_in: 1, bytes_out: 2, packets_in: 3, packets_out: 4 },
    database: {
      status: 'unknown',
      response_time_ms: null,
      pool_size: null,
      pool_idle: null,
      pool_waiting: null,
      threshold: 1000,
    },
    redis: {
      status: 'critical',
      error: 'connect ECONNREFUSED',
      response_time_ms: null,
      working: false,
      threshold: 1000,
    },
    websocket: { status, active_connections: 0 },
    requests: { status, per_second: 1.5, per_minute: 90, total: 90 },
    errors: { status, count_4xx: 1, count_5xx: 0, count_aborted: 0, error_rate_percent: 1.1, threshold: 5 },
    latency: { status, p50_ms: 3, p95_ms: 9, p99_ms: 12, avg_ms: 4, max_ms: 20, threshold: 2000 },
    process: {
      status,
      pid: 1,
      event_loop_delay_p50_ms: 1,
      event_loop_delay_p99_ms: 2,
      event_loop_delay_max_ms: 3,
      heap_used_mb: 10,
      heap_total_mb: 20,
      rss_mb: 50,
      ...quietRuntime(),
      uptime_seconds: 10,
    },
    functions: {},
    routes: [],
  };
}

export const fakeAlert: Alert = {
  id: 'disk:/',
  rule: 'disk',
  component: 'disk',
  severity: 'warning',
  message: 'Disk usage warning on: /',
  timestamp: '2025-12-27T12:30:00.000Z',
  duration_seconds: 240,
  value: 91,
  threshold: 90,
  state: 'active',
  cleared_at: null,
};

export function fakeSource(now = Date.parse('2025-12-27T12:34:56.000Z')): FakeSource {
  const warnings: unknown[] = [];
  const errors: unknown[] = [];
  const source: FakeSource = {
    health: 'green',
    calls: [],
    fail: undefined,
    instanceId: 'test-host:1',
    clock: { now: () => now },
    logger: {
      warnings,
      errors,
      warn: (obj, msg) => warnings.push(msg ?? obj),
      error: (obj, msg) => errors.push(msg ?? obj),
    },
    async getMetrics(options) {
      source.calls.push({ method: 'getMetrics', args: [options?.maxAgeMs] });
      if (source.fail) throw source.fail;
      return fakeSnapshot();
    },
    async getHealth(options) {
      const detailed = options?.detailed;
      source.calls.push({ method: 'getHealth', args: [detailed] });
      if (source.fail) throw source.fail;
      const h: HealthStatus = {
        status: source.health,
        timestamp: '2025-12-27T12:34:56.000Z',
        health_score: source.health === 'green' ? 95 : source.health === 'yellow' ? 70 : 20,
        components: {
          cpu: 'healthy',
          memory: 'healthy',
          disk: 'warning',
          database: 'unknown',
          redis: 'critical',
        },
        active_alerts: 1,
      };
      return detailed ? { ...h, metrics: fakeSnapshot() } : h;
    },
    async getAlerts(options) {
      const opts = { history: options?.history ?? false, limit: options?.limit ?? 100 };
      source.calls.push({ method: 'getAlerts', args: [opts] });
      if (source.fail) throw source.fail;
      return opts.history
        ? [fakeAlert, { ...fakeAlert, state: 'cleared' as const }].slice(0, opts.limit)
        : [fakeAlert];
    },
    async getHistory(options) {
      const { period, ...opts } = options ?? {};
      source.calls.push({
        method: 'history',
        args: [period, options?.instance === undefined ? undefined : opts],
      });
      if (source.fail) throw source.fail;
      return { period, instance: options?.instance ?? 'test-host:1', points: [] };
    },
  };
  return source;
}

export interface Served {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** A node:http server on an ephemeral port; `host` 127.0.0.1 unless given. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  host = '127.0.0.1',
): Promise<Served> {
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${h}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The first IPv4 address of this machine that is not loopback, if any. */
export async function nonLoopbackAddress(): Promise<string | undefined> {
  const { networkInterfaces } = await import('node:os');
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: tests assert on parsed JSON bodies field by field
type Json = any;

export async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
