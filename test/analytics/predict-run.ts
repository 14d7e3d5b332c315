// Test helper: a CPU prediction (`cpu: { warning: 80, critical: 95, predict: '30m' }`) through the real Analytics
// and AlertSystem on an injected clock, a reading every 10 s: the prediction's calls and each reading's flags.
// Shared by the flap (review 19, F10) and severity-hold tests, which each had their own copy.

import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import type { AlertObservation } from '../../src/alerts/observations.js';
import { parseRules } from '../../src/alerts/rules.js';
import { silentLogger } from '../../src/logger.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import { analyticsOf } from './analytics-of.js';

export const STEP = 10_000;
export const MIN = 60_000;

/** One call of the prediction's alert: seconds since the first reading, event type, severity, message. */
export interface PredictCall {
  s: number;
  type: string;
  severity: string;
  message: string;
}

/** One reading's flags: W breach warning, C breach critical, X clear, D de-escalate, U clear on hold. */
const flagsOf = (o: AlertObservation) =>
  `${o.breachWarning ? 'W' : '-'}${o.breachCritical ? 'C' : '-'}${o.clear ? 'X' : '-'}${o.deescalate ? 'D' : '-'}${o.clearOnHold ? 'U' : '-'}`;

/** `seconds type severity` of each call. */
export const showCalls = (calls: readonly PredictCall[]) =>
  calls.map((c) => `${c.s} ${c.type} ${c.severity}`);

/**
 * Reads CPU `cpu(minute)` (minutes since the first reading, fractional) every `step` ms (STEP, 10 s, unless given),
 * `readings` times, with the rule's
 * `severityHoldMs` and `predictConfidence` when given. Returns the calls of the prediction's alert (raised with a forecast, not the plain cpu
 * rule's own alert at 80 %) and `minute(m)`: the distinct flags of minute m's readings (the analytics change once a
 * minute).
 */
export function predictRun(
  cpu: (minute: number) => number,
  readings: number,
  severityHoldMs?: number,
  step = STEP,
  predictConfidence?: 'normal' | 'high',
) {
  const rules = parseRules({
    cpu: {
      warning: 80,
      critical: 95,
      predict: '30m',
      ...(severityHoldMs !== undefined && { severityHoldMs }),
      ...(predictConfidence !== undefined && { predictConfidence }),
    },
  });
  const a = analyticsOf(rules);
  const clock = testClock();
  const t0 = clock.now();
  const predicted = new Set<string>();
  const calls: PredictCall[] = [];
  const flags: string[] = [];
  const system = new AlertSystem({
    clock,
    logger: silentLogger,
    rules,
    onAlert: (e: AlertEvent) => {
      if (e.type === 'raised' && /predicted|already at/.test(e.alert.message)) predicted.add(e.alert.id);
      if (!predicted.has(e.alert.id)) return;
      const s = (clock.now() - t0) / 1000;
      calls.push({ s, type: e.type, severity: e.alert.severity, message: e.alert.message });
    },
  });
  system.addObservationSource((snap) => {
    const out = a.observations(snap) as AlertObservation[];
    const p = out.find((o) => o.rule === 'cpu' && o.key === 'predict');
    flags.push(p ? flagsOf(p) : 'none');
    return out;
  });
  for (let i = 0; i < readings; i++) {
    const snap = makeSnapshot({ cpu: { current_percent: cpu((i * step) / MIN) } });
    a.sample(snap, clock.now());
    system.checkThresholds(snap);
    clock.advance(step);
  }
  system.close();
  const minute = (m: number) => [...new Set(flags.slice((m * MIN) / step, ((m + 1) * MIN) / step))];
  return { calls, minute };
}
