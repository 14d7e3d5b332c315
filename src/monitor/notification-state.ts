// What the notification channels know of the active alerts, saved in the store beside them: a restarted
// process (a deploy) with the same store and instanceId then knows which receiver got which alert. A restored
// alert that clears gets its resolved notice on the channels that were told of it, one still firing keeps its
// repeats (Alertmanager's re-sends) from the last delivery, and resolved notices the previous process had not
// delivered are sent. Without it a restored alert was one no channel had been told of: its `cleared` went
// nowhere (PagerDuty, webhook and Slack incidents left open) and Alertmanager resolved a firing one on its own.
// A cluster's own monitor does not use it: its aggregator keeps the same in its ledger (cluster/pending.ts).

import { handedOverAlert } from '../alerts/active-alert.js';
import type { Alert, AlertEvent } from '../alerts/alert.js';
import type { PersistedAlert } from '../alerts/engine.js';
import type { AlertDelivery, PendingNotifications } from '../channels/router.js';

/** Marks the options a cluster's own monitor is created with (cluster-mode.ts): it keeps none of this in the store. */
const CLUSTER_VIEW = Symbol('sysvitals.clusterView');

/** Marks `options` as a cluster's own monitor's (a symbol key: option checks and copies keep it). */
export function markClusterView(options: object): void {
  (options as Record<symbol, unknown>)[CLUSTER_VIEW] = true;
}

/** True for the options markClusterView() marked (or a copy of them). */
export function isClusterView(options: object): boolean {
  return (options as Record<symbol, unknown>)[CLUSTER_VIEW] === true;
}

/** The store's state key. */
export const NOTIFICATIONS_STATE = 'alert-notifications';

/** The monitor's parts this reads and restores. */
export interface NotificationStateParts {
  readonly notifications: {
    exportDeliveries(): AlertDelivery[];
    exportPending(): PendingNotifications;
    restore(alerts: readonly Alert[], deliveries?: readonly AlertDelivery[]): void;
    restorePending(pending: PendingNotifications | undefined): void;
  };
  readonly alertSystem: {
    exportActive(): PersistedAlert[];
    readonly webhook?: { unaccepted(): AlertEvent[]; restore(events: unknown): void };
  };
  /** This process's alerts held back while another held the state (held-elsewhere.ts): released after the restore. */
  readonly heldElsewhere?: { restored(): void };
}

interface SavedNotifications {
  deliveries: AlertDelivery[];
  pending: PendingNotifications;
  webhook: AlertEvent[];
}

/** The state to save (JSON). */
export function exportNotifications(m: NotificationStateParts): string {
  const saved: SavedNotifications = {
    deliveries: m.notifications.exportDeliveries(),
    pending: m.notifications.exportPending(),
    webhook: m.alertSystem.webhook?.unaccepted() ?? [],
  };
  return JSON.stringify(saved);
}

/**
 * After the active alerts were restored: the channels adopt them with what their receivers had accepted, and
 * what was owed is delivered. Without a saved state (one written by an earlier version), every channel that
 * takes a restored alert is sent it again (receivers keyed on the id deduplicate it), so that its resolved
 * notice is owed. A malformed state counts as none.
 */
export function restoreNotifications(m: NotificationStateParts, raw: string | null | undefined): void {
  let saved: Partial<SavedNotifications> = {};
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (parsed !== null && typeof parsed === 'object') saved = parsed as Partial<SavedNotifications>;
  } catch {
    // malformed: as none
  }
  const alerts = m.alertSystem.exportActive().map(({ alert }) => handedOverAlert(alert));
  m.notifications.restore(alerts, Array.isArray(saved.deliveries) ? saved.deliveries : []);
  m.notifications.restorePending(saved.pending);
  m.alertSystem.webhook?.restore(saved.webhook);
  m.heldElsewhere?.restored();
}
