// An active alert as the engine keeps it (the public alert; when it was raised and when its present severity began,
// wall-clock epoch ms, persisted; and when it was raised and cleared on the engine's elapsed-time view, in-process
// only), and its public view. When its severity began is no field of the public alert: it is told beside it
// (severityStartOf), to the notification router (Alertmanager's startsAt), and handed over with the alert (a cluster
// takeover's ledger, a restart's store) so that the successor keeps it.

import type { Alert, AlertSeverity } from './alert.js';

/**
 * `raisedAt`: the wall-clock raise time (epoch ms; persisted with the alert, shown as `timestamp`). `severitySince`:
 * the wall-clock time of its escalation or de-escalation (epoch ms, persisted; absent: its severity is the one it was
 * raised with). `since` and `endedAt`: its raise and clear on the engine's ElapsedView (monotonic elapsed time, never
 * persisted): its duration_seconds is measured on them, so that a wall clock stepped (NTP, a VM resume) is not counted
 * as time the alert lasted.
 */
export type ActiveAlert = Alert & {
  raisedAt: number;
  severitySince?: number;
  since: number;
  endedAt?: number;
};

/** When each public alert's present severity began (epoch ms), for those made by publicAlert or handedOverAlert. */
const severityStarts = new WeakMap<Alert, number>();

/** When `alert`'s present severity began (epoch ms), if it was made here; undefined for any other object. */
export function severityStartOf(alert: Alert): number | undefined {
  return severityStarts.get(alert);
}

/**
 * Escalates (to critical) or de-escalates (to warning) `a` at the wall-clock time `wall` (epoch ms: severitySince, shown
 * and persisted; the hold that decided the change is on elapsed time, rule-state.ts), with that level and message.
 */
export function changeSeverity(
  a: ActiveAlert,
  change: 'escalated' | 'deescalated',
  obs: { criticalLevel: number; warningLevel: number; message(severity: AlertSeverity): string },
  wall: number,
): void {
  const severity: AlertSeverity = change === 'escalated' ? 'critical' : 'warning';
  const threshold = severity === 'critical' ? obs.criticalLevel : obs.warningLevel;
  Object.assign(a, { severity, threshold, message: obs.message(severity), severitySince: wall });
}

/**
 * The alert without its raise and severity times (the latter told beside it: severityStartOf), its duration_seconds
 * the elapsed time from its raise to `elapsedNow` (the engine's ElapsedView now), or to its clear.
 */
export function publicAlert(alert: ActiveAlert, elapsedNow: number): Alert {
  const { raisedAt, severitySince, since, endedAt, ...rest } = alert;
  const end = endedAt ?? elapsedNow;
  const out = { ...rest, duration_seconds: Math.max(0, Math.round((end - since) / 1000)) };
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
