// When an alert's present severity began (raise, escalation or de-escalation): Alertmanager's startsAt of that label set.

import { severityStartOf } from '../alerts/active-alert.js';
import type { Alert, AlertEvent } from '../alerts/alert.js';
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
  // The engine's time of the change (the event's alert is its snapshot), else this read of the clock.
  if (event.type === 'escalated' || event.type === 'deescalated')
    at.set(alert.id, severityStartOf(event.alert) ?? now);
  else if (event.type === 'raised' && !at.has(alert.id)) at.set(alert.id, Date.parse(alert.timestamp));
  const began = at.get(alert.id);
  if (began !== undefined && Number.isFinite(began)) since.set(alert, began);
  if (event.type === 'cleared') at.delete(alert.id);
}

/**
 * An alert adopted from a predecessor (restore: a cluster takeover's ledger, a restart's store), labelled as `alert`:
 * its severity began when the predecessor's engine said (`raw`, handedOverAlert), not at its raise (an escalation).
 */
export function adoptSeveritySince(at: Map<string, number>, raw: Alert, alert: NotifiedAlert): void {
  const began = severityStartOf(raw);
  if (began === undefined || !Number.isFinite(began)) return;
  at.set(alert.id, began);
  since.set(alert, began);
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
