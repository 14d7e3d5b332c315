// Health in the IETF health-check draft format (application/health+json: pass/warn/fail with checks),
// for load balancers and service registries that read it. https://datatracker.ietf.org/doc/html/draft-inadarei-api-health-check

import { shownErrorRatePercent } from '../alerts/shown-error-rate.js';
import type { ComponentStatus, HealthColor, HealthStatus, MetricsSnapshot } from '../types.js';

export type HealthCheckStatus = 'pass' | 'warn' | 'fail';

export interface HealthCheck {
  componentType: string;
  observedValue?: number;
  observedUnit?: string;
  status: HealthCheckStatus;
  time: string;
  output?: string;
}

export interface HealthJsonDocument {
  status: HealthCheckStatus;
  serviceId?: string;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

/** 200 for green and yellow, 503 for red. */
export function healthHttpStatus(color: HealthColor): number {
  return color === 'red' ? 503 : 200;
}

/** True when the Accept header asks for application/health+json (with a non-zero q). */
export function wantsHealthJson(accept: string | undefined): boolean {
  if (!accept || accept.length > 1024) return false;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    if (type?.trim().toLowerCase() !== 'application/health+json') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

const OVERALL: Record<HealthColor, HealthCheckStatus> = { green: 'pass', yellow: 'warn', red: 'fail' };
const COMPONENT: Record<ComponentStatus, HealthCheckStatus> = {
  healthy: 'pass',
  warning: 'warn',
  critical: 'fail',
  unknown: 'warn',
};

type Measure = [
  measurement: string,
  componentType: string,
  unit: string,
  value: (m: MetricsSnapshot) => unknown,
];

/** The draft names checks `component:measurement`; these are the measurements each seed component reports. */
const MEASURES: Record<string, Measure> = {
  cpu: ['utilization', 'system', 'percent', (m) => m.cpu?.current_percent],
  memory: ['utilization', 'system', 'percent', (m) => m.memory?.used_percent],
  disk: ['utilization', 'system', 'percent', (m) => m.disk?.max_used_percent],
  database: ['responseTime', 'datastore', 'ms', (m) => m.database?.response_time_ms],
  redis: ['responseTime', 'datastore', 'ms', (m) => m.redis?.response_time_ms],
  requests: ['rate', 'component', 'requests/s', (m) => m.requests?.per_second],
  errors: ['errorRate', 'component', 'percent', (m) => m.errors && shownErrorRatePercent(m.errors)],
  latency: ['responseTime', 'component', 'ms', (m) => m.latency?.p95_ms],
  websocket: ['connections', 'component', 'connections', (m) => m.websocket?.active_connections],
  process: ['eventLoopDelay', 'system', 'ms', (m) => m.process?.event_loop_delay_p99_ms],
};

/**
 * A component with status `unknown` and no error is simply not configured (no database probe):
 * it is left out rather than reported as a warning. One that failed to collect is a `warn` with its error.
 */
export function healthJsonDocument(health: HealthStatus, serviceId?: string): HealthJsonDocument {
  const checks: Record<string, HealthCheck[]> = {};
  const metrics = health.metrics;
  for (const [component, status] of Object.entries(health.components)) {
    const group = (metrics as unknown as Record<string, { error?: unknown } | undefined> | undefined)?.[
      component
    ];
    const error = typeof group?.error === 'string' ? group.error : undefined;
    if (status === 'unknown' && error === undefined) continue;
    const measure = MEASURES[component];
    const check: HealthCheck = {
      componentType: measure?.[1] ?? 'component',
      status: COMPONENT[status] ?? 'warn',
      time: health.timestamp,
    };
    const value = measure && metrics ? measure[3](metrics) : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) {
      check.observedValue = value;
      check.observedUnit = measure?.[2];
    }
    if (error !== undefined) check.output = error;
    checks[`${component}:${measure?.[0] ?? 'status'}`] = [check];
  }
  const doc: HealthJsonDocument = {
    status: OVERALL[health.status] ?? 'fail',
    description: `sysvitals health (score ${health.health_score}/100, ${health.active_alerts} active alerts)`,
    checks,
  };
  if (serviceId !== undefined) doc.serviceId = serviceId;
  return doc;
}
