// What a cluster aggregator owes and no receiver accepted yet, kept in its ledger for a successor: the channels' resolved notices (carry-over.ts) and the events queued for the alert webhook.

import type { AlertEvent } from '../alerts/alert.js';
import type { PendingNotifications } from '../channels/router.js';
import type { ClusterMonitor } from './cluster-monitor.js';

/** The ledger's `pending`: the channels' resolved notices, and the webhook's events not accepted (absent: none). */
export type LedgerPending = PendingNotifications & { webhook?: AlertEvent[] };

/** What the cluster monitor owes now. */
export function pendingOf(m: ClusterMonitor): LedgerPending {
  const webhook = m.alertSystem.webhook?.unaccepted() ?? [];
  return { ...m.notifications.exportPending(), ...(webhook.length > 0 ? { webhook } : {}) };
}

/** `listener` runs whenever what pendingOf() or the deliveries say changed; undefined removes it. */
export function onPendingChange(m: ClusterMonitor, listener: (() => void) | undefined): void {
  m.notifications.onChange(listener);
  if (m.alertSystem.webhook) m.alertSystem.webhook.onChange = listener;
}

/** A new aggregator delivers what its predecessor owed (after the active alerts were restored). */
export function restorePendingOf(m: ClusterMonitor, pending: LedgerPending | undefined): void {
  m.notifications.restorePending(pending);
  m.alertSystem.webhook?.restore(pending?.webhook);
}
