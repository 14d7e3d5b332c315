// Shared setup of the anomaly tests (test/analytics): seeded one-minute history points, the analytics
// with only the anomaly rule, and the alert engine judging its observations on an injected clock.

import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { Analytics } from '../../src/analytics/analytics.js';
import {
  parseAnomalyRule,
  parseDiskFullRule,
  parseMemoryLeakRule,
} from '../../src/analytics/rule-options.js';
import type { HistoryPoint } from '../../src/history/point.js';
import type { MetricsSnapshot } from '../../src/types.js';
import type { TestClock } from '../alerts/snapshot.js';

export const MIN = 60_000;
export const DAY = 1440 * MIN;
/** A Monday, 00:00 UTC. */
export const START = Date.UTC(2026, 10, 2);

/**
 * A one-minute history point at `t` whose unscored figures are fixed (no max, disk 40 %, no network,
 * no db/redis, latency p50 60 / p99 400 / avg 80 / max 900 ms); `figures` gives the rest. The caller
 * computes its seeded figures in its own order, so each test's random sequence stays its own.
 */
export function minutePoint(
  t: number,
  figures: Pick<
    HistoryPoint,
    | 'cpu_avg_percent'
    | 'memory_avg_percent'
    | 'event_loop_p99_ms'
    | 'requests'
    | 'errors_5xx'
    | 'latency_p95_ms'
  >,
): HistoryPoint {
  return {
    t,
    timestamp: new Date(t).toISOString(),
    samples: 12,
    cpu_avg_percent: figures.cpu_avg_percent,
    cpu_max_percent: 0,
    memory_avg_percent: figures.memory_avg_percent,
    memory_max_percent: 0,
    disk_max_percent: 40,
    network_bytes_in_per_sec: 0,
    network_bytes_out_per_sec: 0,
    event_loop_p99_ms: figures.event_loop_p99_ms,
    heap_used_mb: 120,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests: figures.requests,
    errors_4xx: 0,
    errors_5xx: figures.errors_5xx,
    latency_p50_ms: 60,
    latency_p95_ms: figures.latency_p95_ms,
    latency_p99_ms: 400,
    latency_avg_ms: 80,
    latency_max_ms: 900,
    histogram: '',
  };
}

/** One minute's figures of a normal noisy service, busy by day, quiet at night (seeded: `r` is read six times). */
export function normalFigures(t: number, r: { n(): number }): Parameters<typeof minutePoint>[1] {
  const daily = Math.sin(2 * Math.PI * ((t % DAY) / DAY - 0.25)); // -1 at midnight, +1 at noon
  const requests = Math.max(0, Math.round(600 * (1 + 0.6 * daily) + r.n() * 25));
  const errors = Math.max(0, Math.round(requests * 0.005 + r.n() * Math.sqrt(requests * 0.005)));
  return {
    cpu_avg_percent: 25 + 15 * daily + r.n() * 3,
    memory_avg_percent: 50 + r.n() * 0.8,
    event_loop_p99_ms: 15 + 3 * daily + Math.abs(r.n() * 2),
    requests,
    errors_5xx: errors,
    latency_p95_ms: 180 + 40 * daily + r.n() * 12,
  };
}

/** The analytics rules with the anomaly rule on (defaults) and disk_full, memory_leak and predictions off. */
export function anomalyOnlyRules() {
  return {
    anomaly: parseAnomalyRule({ enabled: true }),
    diskFull: parseDiskFullRule({ enabled: false }),
    memoryLeak: parseMemoryLeakRule({ enabled: false }),
    predict: [],
  };
}

/** Analytics with `anomalyOnlyRules()`. */
export function anomalyAnalytics(): Analytics {
  return new Analytics(anomalyOnlyRules());
}

/**
 * The alert engine with the default anomaly rule on `clock`, fed by `analytics`' observations.
 * `check()` judges once and returns the components of the anomaly alerts it raised.
 */
export function anomalyAlerts(
  clock: TestClock,
  analytics: Analytics,
): { events: AlertEvent[]; check(): string[] } {
  const events: AlertEvent[] = [];
  const alerts = new AlertSystem({
    clock,
    rules: { anomaly: { enabled: true } },
    onAlert: (e) => void events.push(e),
    logger: { warn: () => {}, error: () => {} },
  });
  alerts.addObservationSource((s) => analytics.observations(s) as never);
  return {
    events,
    check() {
      const before = events.length;
      alerts.checkThresholds({} as MetricsSnapshot);
      return events
        .slice(before)
        .filter((e) => e.type === 'raised' && e.alert.rule === 'anomaly')
        .map((e) => e.alert.component);
    },
  };
}
