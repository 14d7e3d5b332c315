// The observation of a rule on a custom histogram's window statistic (p99, max…) when the window holds no value.

import type { AlertObservation } from './observations.js';

/** What emptyWindow() reads of a rule (a MetricRuleConfig). */
export interface EmptyWindowRule {
  readonly name: string;
  readonly metric: string;
  readonly component: string;
  readonly for: number;
  readonly warning: number;
  readonly critical: number;
  readonly severityHoldMs: number;
}

// No reading (the histogram's window holds no value): the rule judges nothing, and an active alert clears.
export function emptyWindow(r: EmptyWindowRule, label: string, windowed: boolean): AlertObservation {
  const notice = () => `${r.name}: ${r.metric}${label}: no reading (no value in the window)`;
  return {
    rule: r.name as AlertObservation['rule'],
    key: '',
    component: r.component,
    pendingMs: r.for,
    value: Number.NaN,
    breachWarning: false,
    breachCritical: false,
    clear: true,
    deescalate: true,
    warningLevel: r.warning,
    criticalLevel: Number.isFinite(r.critical) ? r.critical : r.warning,
    severityHoldMs: r.severityHoldMs,
    message: notice,
    clearMessage: notice,
    windowed,
    unjudged: true,
  };
}
