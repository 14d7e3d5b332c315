// An active alert as the engine keeps it (the public alert, when it was raised and when its present severity began,
// epoch ms), and its public view. When its severity began is no field of the public alert: it is told beside it
// (severityStartOf), to the notification router (Alertmanager's startsAt), and handed over with the alert (a cluster
// takeover's ledger, a restart's store) so that the successor keeps it.

import type { Alert, AlertSeverity } from './alert.js';

/** `severitySince`: when its escalation or de-escalation came (absent: its severity is the one it was raised with). */
export type ActiveAlert = Alert & { raisedAt: number; severitySince?: number };

/** When each public alert's present severity began (epoch ms), for those made by publicAlert or handedOverAlert. */
const severityStarts = new WeakMap<Alert, number>();

/** When `alert`'s present severity began (epoch ms), if it was made here; undefined for any other object. */
export function severityStartOf(alert: Alert): number | undefined {
  return severityStarts.get(alert);
}

/** Escalates (to critical) or de-escalates (to warning) `a` at `now`, with that level and message. */
export function changeSeverity(
  a: ActiveAlert,
  change: 'escalated' | 'deescalated',
  obs: { criticalLevel: number; warningLevel: number; message(severity: AlertSeverity): string },
  now: number,
): void {
  const severity: AlertSeverity = change === 'escalated' ? 'critical' : 'warning';
  const threshold = severity === 'critical' ? obs.criticalLevel : obs.warningLevel;
  Object.assign(a, { severity, threshold, message: obs.message(severity), severitySince: now });
}

/** The alert without its raise time, its duration_seconds as of `now` (or of its clear). */
export function publicAlert(alert: ActiveAlert, now: number): Alert {
  const end = alert.cleared_at === null ? now : Date.parse(alert.cleared_at);
  const { raisedAt, severitySince, ...rest } = alert;
  const out = { ...rest, duration_seconds: Math.max(0, Math.round((end - raisedAt) / 1000)) };
  severityStarts.set(out, severitySince ?? raisedAt);
  return out;
}

/**
 * An exported active alert (exportActive) as the notification router adopts it: without its raise time and its
 * severity's start, the latter told beside it (severityStartOf).
 */
export function handedOverAlert(alert: Alert & { raisedAt: number; severitySince?: number }): Alert {
  const { raisedAt, severitySince, ...rest } = alert;
  const began =
    typeof severitySince === 'number' && Number.isFinite(severitySince) ? severitySince : raisedAt;
  severityStarts.set(rest, began);
  return rest;
}
