// An active alert as the engine keeps it (the public alert and when it was raised, epoch ms), and its public view.

import type { Alert, AlertSeverity } from './alert.js';

export type ActiveAlert = Alert & { raisedAt: number };

export function changeSeverity(
  a: ActiveAlert,
  severity: AlertSeverity,
  threshold: number,
  message: string,
): void {
  Object.assign(a, { severity, threshold, message });
}

/** The alert without its raise time, its duration_seconds as of `now` (or of its clear). */
export function publicAlert(alert: ActiveAlert, now: number): Alert {
  const end = alert.cleared_at === null ? now : Date.parse(alert.cleared_at);
  const { raisedAt, ...rest } = alert;
  return { ...rest, duration_seconds: Math.max(0, Math.round((end - raisedAt) / 1000)) };
}
