// The level rules that predict (`predict: '30m'`): how each reads its value from a snapshot.

import type { PredictRule } from '../analytics/analytics.js';
import type { MetricsSnapshot } from '../types.js';
import { resolveMetric } from './metric-path.js';
import type { MetricRuleConfig } from './metric-rules.js';
import type { AlertRulesConfig } from './rules.js';

type Reader = (s: MetricsSnapshot) => Array<[string, number]>;

const known = (g: { status?: string } | undefined) => !!g && g.status !== 'unknown';

/** Rule -> component, label, and the value(s) it watches. */
const READERS: Record<string, [component: string, label: string, read: Reader]> = {
  cpu: ['cpu', 'CPU usage', (s) => (known(s.cpu) ? [['', s.cpu.current_percent]] : [])],
  memory: ['memory', 'Memory usage', (s) => (known(s.memory) ? [['', s.memory.used_percent]] : [])],
  disk: [
    'disk',
    'Disk usage',
    (s) => (known(s.disk) ? s.disk.partitions.map((p): [string, number] => [p.mount, p.used_percent]) : []),
  ],
  db_latency: [
    'database',
    'Database latency',
    (s) =>
      known(s.database) && typeof s.database.response_time_ms === 'number'
        ? [['', s.database.response_time_ms]]
        : [],
  ],
  api_response_time: [
    'latency',
    'API response time (p95)',
    (s) => (known(s.latency) && typeof s.latency.p95_ms === 'number' ? [['', s.latency.p95_ms]] : []),
  ],
  error_rate: [
    'errors',
    'Error rate',
    (s) =>
      known(s.errors) && typeof s.errors.error_rate_percent === 'number'
        ? [['', s.errors.error_rate_percent]]
        : [],
  ],
};

/** The predicting rules of a parsed rule set. */
export function predictRules(rules: AlertRulesConfig): PredictRule[] {
  const out: PredictRule[] = [];
  for (const [name, [component, label, read]] of Object.entries(READERS)) {
    const r = rules[name as keyof typeof READERS & keyof AlertRulesConfig] as
      | {
          enabled: boolean;
          predict: number | null;
          warning: number;
          critical: number;
          for: number;
          severityHoldMs: number;
          predictConfidence: PredictRule['confidence'];
        }
      | undefined;
    if (!r?.enabled || r.predict === null || r.predict === undefined) continue;
    out.push({
      rule: name,
      component,
      label,
      warning: r.warning,
      critical: r.critical,
      horizonMs: r.predict,
      pendingMs: r.for,
      severityHoldMs: r.severityHoldMs,
      confidence: r.predictConfidence,
      read,
    });
  }
  return out;
}

/** The predicting rules of `alerts.rules` (rules on any metric), in each rule's direction. */
export function metricPredictRules(rules: readonly MetricRuleConfig[]): PredictRule[] {
  const out: PredictRule[] = [];
  for (const r of rules) {
    if (!r.enabled || r.predict === null) continue;
    out.push({
      rule: r.name,
      component: r.component,
      label: `${r.name}: ${r.metric}${r.labels ? ` ${JSON.stringify(r.labels)}` : ''}`,
      warning: r.warning,
      critical: r.critical,
      horizonMs: r.predict,
      pendingMs: r.for,
      severityHoldMs: r.severityHoldMs,
      direction: r.direction,
      confidence: r.predictConfidence,
      read: (s) => {
        const v = resolveMetric(s, r.segments, r.labels);
        return v === undefined ? [] : [['', v]];
      },
    });
  }
  return out;
}
