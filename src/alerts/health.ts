// Health status from a snapshot and the active alerts: component statuses, the green/yellow/red colour, the 0–100 score.

import type { Alert, Clock, ComponentStatus, HealthColor, HealthStatus, MetricsSnapshot } from '../types.js';
import { DEFAULT_MIN_REQUESTS } from './rules.js';
import { bandStatus, worstStatus } from './status.js';

/**
 * Score penalties (documented in the README): start at 100, subtract per component in warning or
 * critical, and per active alert by severity; clamp to 0–100. Unknown components cost nothing.
 * Each penalty is positive, so a worse component or one more alert never raises the score.
 */
export const SCORE_PENALTIES = Object.freeze({
  component: Object.freeze({ warning: 10, critical: 30 }),
  alert: Object.freeze({ warning: 5, critical: 15 }),
});

export interface HealthOptions {
  /** Error-rate guard shared with the error_rate rule: fewer requests than this and errors count as healthy. */
  minRequests?: number;
}

/** The components health reports, in display order. */
export const HEALTH_COMPONENTS = Object.freeze([
  'cpu',
  'memory',
  'disk',
  'database',
  'redis',
  'requests',
  'errors',
  'latency',
  'process',
] as const);

export function componentStatuses(
  snapshot: MetricsSnapshot,
  options: HealthOptions = {},
): Record<(typeof HEALTH_COMPONENTS)[number], ComponentStatus> {
  const minRequests = options.minRequests ?? DEFAULT_MIN_REQUESTS;
  const s = snapshot as Partial<MetricsSnapshot>;
  // cpu, memory and disk follow the seed's bands (healthy < 70 ≤ warning ≤ 85 < critical) on
  // their values; the others are the status their collector or probe reported.
  const reported = (group: { status?: ComponentStatus } | undefined): ComponentStatus =>
    group?.status ?? 'unknown';
  const banded = (
    group: { status?: ComponentStatus } | undefined,
    value: number | undefined,
  ): ComponentStatus =>
    group === undefined || group.status === 'unknown' || typeof value !== 'number'
      ? 'unknown'
      : bandStatus(value);

  let disk: ComponentStatus = 'unknown';
  if (s.disk && s.disk.status !== 'unknown' && Array.isArray(s.disk.partitions)) {
    disk = worstStatus(
      s.disk.partitions.map((p) =>
        typeof p.used_percent === 'number' ? bandStatus(p.used_percent) : 'unknown',
      ),
    );
  }

  // Same guard as the error_rate rule, so one failed request out of one does not turn health red.
  let errors = reported(s.errors);
  if (errors !== 'unknown' && !((s.requests?.per_minute ?? 0) >= minRequests)) errors = 'healthy';

  return {
    cpu: banded(s.cpu, s.cpu?.current_percent),
    memory: banded(s.memory, s.memory?.used_percent),
    disk,
    database: reported(s.database),
    redis: reported(s.redis),
    requests: reported(s.requests),
    errors,
    latency: reported(s.latency),
    process: reported(s.process),
  };
}

/** green: everything known is healthy; yellow: any warning; red: any critical. Unknown is ignored. */
export function healthColor(statuses: Iterable<ComponentStatus>): HealthColor {
  const worst = worstStatus(statuses);
  if (worst === 'critical') return 'red';
  if (worst === 'warning') return 'yellow';
  return 'green';
}

export function healthScore(
  statuses: Iterable<ComponentStatus>,
  activeAlerts: readonly Pick<Alert, 'severity'>[],
): number {
  let score = 100;
  for (const status of statuses) {
    if (status === 'warning' || status === 'critical') score -= SCORE_PENALTIES.component[status];
  }
  for (const alert of activeAlerts) score -= SCORE_PENALTIES.alert[alert.severity];
  return Math.max(0, Math.min(100, score));
}

export function getHealthStatus(
  snapshot: MetricsSnapshot,
  activeAlerts: readonly Alert[],
  clock: Clock = { now: Date.now },
  options: HealthOptions = {},
): HealthStatus {
  const components = componentStatuses(snapshot, options);
  const statuses = Object.values(components);
  return {
    status: healthColor(statuses),
    timestamp: new Date(clock.now()).toISOString(),
    health_score: healthScore(statuses, activeAlerts),
    components,
    active_alerts: activeAlerts.length,
  };
}
