// Two live processes under one instanceId (RT48-3, RTC-2): while another one holds the instance's saved state, the
// alerts it saved as active are its own to notify. This process's alert of the same rule and key, at that severity
// or lower, is not given to its channels, so that a breach spanning a rolling deploy's overlap pages once, not once
// per process. It is given to them once the holder's saved state no longer has it (read at each of this process's
// claims) or, after the hand-over, if the holder's alert did not carry on under its id (docs/instance-id.md).

import type { Alert, AlertEvent } from '../alerts/alert.js';
import type { AlertSystem } from '../alerts/engine.js';
import type { NotificationRouter } from '../channels/router.js';
import type { MetricsStore } from '../stores/store.js';

/** The store's name for the active alerts (restored by the next process with the same instanceId). */
export const ALERTS_STATE = 'active-alerts';

const RANK = { warning: 1, critical: 2 } as const;

/** What the hold reads from the monitor that owns it. */
export interface HeldElsewhereParts {
  /** The channels' side: NotificationRouter.notify. */
  readonly notify: (event: AlertEvent) => void;
  /** The key of an active alert of this process (AlertSystem.keyOf). */
  readonly keyOf: (id: string) => string | undefined;
  /** This process's active alerts now. */
  readonly active: () => readonly Alert[];
}

/** This process's alert events on their way to its channels, held back while another process has the same alert. */
export class HeldElsewhere {
  /** The holder's saved active alerts (`rule NUL key` → severity); empty while this process holds the state. */
  private holder = new Map<string, number>();
  /** This process's alerts not given to the channels: their ids. */
  private readonly withheld = new Set<string>();
  /** How many times the holder's saved alerts were read. @internal */
  reads = 0;
  /** Whether this process has restored the saved state (it held the role once). */
  private restoredOnce = false;

  constructor(private readonly m: HeldElsewhereParts) {}

  /** An alert event of this process: to the channels, unless the holder has the same alert active. */
  event(event: AlertEvent): void {
    const id = event.alert.id;
    const withheld = this.withheld.has(id);
    if (event.type === 'cleared') {
      // Never given to the channels: no resolved notice is owed.
      if (!this.withheld.delete(id)) this.m.notify(event);
      return;
    }
    // An alert already given to the channels stays theirs (its repeats, its escalation, its resolved notice).
    if ((event.type === 'raised' || withheld) && this.heldBack(event.alert)) {
      this.withheld.add(id);
      return;
    }
    this.withheld.delete(id);
    // One withheld until now goes to the channels as firing, at its severity now.
    this.m.notify(withheld ? { type: 'raised', alert: event.alert } : event);
  }

  /**
   * After a claim another process won: reads the alerts it saved as active, then gives the channels this process's
   * withheld alerts it no longer has. A failed read keeps the last one read.
   */
  async refresh(store: MetricsStore, instanceId: string): Promise<void> {
    let raw: string | null | undefined;
    try {
      raw = await store.loadState?.(instanceId, ALERTS_STATE);
    } catch {
      return;
    }
    this.reads++;
    const holder = new Map<string, number>();
    try {
      const saved: unknown = raw ? JSON.parse(raw) : [];
      for (const e of Array.isArray(saved) ? saved : []) {
        const rank = RANK[e?.alert?.severity as keyof typeof RANK];
        if (typeof e?.key === 'string' && rank !== undefined) holder.set(e.key, rank);
      }
    } catch {
      // malformed: none held there
    }
    this.holder = holder;
    this.release();
  }

  /**
   * This process holds the state now: the holder's alerts are no longer read. Those withheld are given to the
   * channels after the saved alerts were restored (one of the same key carries on under its id then: restored()),
   * or at once when this process restored them before (it lost the role for a while, and took it back).
   */
  forget(): void {
    this.holder = new Map();
    if (this.restoredOnce) this.release();
  }

  /** The saved state was restored (the hand-over): the withheld alerts that did not carry on go to the channels. */
  restored(): void {
    this.restoredOnce = true;
    this.release();
  }

  /** Gives the channels each withheld alert still active that the holder does not have (any more). */
  release(): void {
    if (this.withheld.size === 0) return;
    const active = new Map(this.m.active().map((a) => [a.id, a]));
    for (const id of [...this.withheld]) {
      const alert = active.get(id);
      if (alert && this.heldBack(alert)) continue;
      this.withheld.delete(id);
      if (alert) this.m.notify({ type: 'raised', alert });
    }
  }

  private heldBack(alert: Alert): boolean {
    if (this.holder.size === 0) return false;
    const key = this.m.keyOf(alert.id);
    const rank = key === undefined ? undefined : this.holder.get(`${alert.rule}\u0000${key}`);
    return rank !== undefined && rank >= RANK[alert.severity];
  }
}

/** The hold between `alertSystem`'s events and `notifications`. */
export function holdFor(alertSystem: AlertSystem, notifications: NotificationRouter): HeldElsewhere {
  return new HeldElsewhere({
    notify: (event) => notifications.notify(event),
    keyOf: (id) => alertSystem.keyOf(id),
    active: () => alertSystem.getActiveAlerts(),
  });
}
