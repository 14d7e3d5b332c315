// When an alert's present severity began (raise, escalation or de-escalation): Alertmanager's startsAt of that label set.

import type { AlertEvent } from '../alerts/alert.js';
import type { NotifiedAlert } from './types.js';

/** The alerts the router labelled, with when their severity began (epoch ms); not serialised to any receiver. */
const since = new WeakMap<NotifiedAlert, number>();

/**
 * Records in `at` (alert id -> epoch ms) when `alert`'s severity began, from `event` seen at `now`, and marks
 * `alert` with it: raised -> its timestamp, escalated or de-escalated -> now, cleared -> what it was (then forgotten).
 */
export function trackSeveritySince(
  at: Map<string, number>,
  event: AlertEvent,
  alert: NotifiedAlert,
  now: number,
): void {
  if (event.type === 'escalated' || event.type === 'deescalated') at.set(alert.id, now);
  else if (event.type === 'raised' && !at.has(alert.id)) at.set(alert.id, Date.parse(alert.timestamp));
  const began = at.get(alert.id);
  if (began !== undefined && Number.isFinite(began)) since.set(alert, began);
  if (event.type === 'cleared') at.delete(alert.id);
}

/** When `a`'s present severity began (ISO): as tracked by the router, else its raise time. */
export function severitySince(a: NotifiedAlert): string {
  const began = since.get(a);
  return began === undefined ? a.timestamp : new Date(began).toISOString();
}

/** `a` as a channel was last sent it, at `severity` (the label set to end when `a` fell below its minSeverity). */
export function asSentAt(a: NotifiedAlert, severity: NotifiedAlert['severity']): NotifiedAlert {
  return { ...a, severity, labels: { ...a.labels, severity } };
}
