// Two live processes under one instanceId (outside review 48, RT48-3): whether this one holds the instance's saved
// state (the active alerts, the models, the route series), and a warning once they keep writing side by side.

import type { MetricsStore } from '../stores/store.js';
import type { Clock, InstanceConflict, Logger, MetricsSnapshot } from '../types.js';
import type { HeldElsewhere } from './held-elsewhere.js';

/** A rolling deploy's overlap, at most this many resolutions (5 min at 60 s), is no conflict; longer is warned. */
export const OVERLAP_RESOLUTIONS = 5;

/** What the watch reads from the monitor that owns it. */
export interface InstanceWatchParts {
  readonly store: MetricsStore;
  readonly instanceId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly resolutionMs: number;
}

/**
 * Claims the instance id at each flush (MetricsStore.claim). A store without claim (MemoryStore: no other process
 * reaches it) leaves this process the holder, with no conflict.
 */
export class InstanceWatch {
  /** Whether this process holds the saved state: true without claim, else as the last claim answered. */
  private holding: boolean;
  /** Each other live writer's token, and when this process first saw it (its clock). */
  private readonly seen = new Map<string, number>();
  private current: InstanceConflict | undefined;
  /** With channels: this process's alerts the holder has are not paged twice (held-elsewhere.ts). */
  heldElsewhere: HeldElsewhere | undefined;

  constructor(private readonly m: InstanceWatchParts) {
    this.holding = m.store.claim === undefined;
  }

  get holds(): boolean {
    return this.holding;
  }

  /** Present while another process has been writing under this instanceId for longer than a deploy's overlap. */
  conflict(): InstanceConflict | undefined {
    return this.current;
  }

  /**
   * One claim: whether this process may read and save the instance's state now. Rejects when the store does not
   * answer (the caller retries at the next flush; the holder's role is kept as it was).
   */
  async claim(): Promise<boolean> {
    const m = this.m;
    if (m.store.claim === undefined) return true;
    const now = m.clock.now();
    const answer = await m.store.claim(m.instanceId, now);
    this.holding = answer.holds;
    for (const token of this.seen.keys()) if (!answer.others.includes(token)) this.seen.delete(token);
    for (const token of answer.others) if (!this.seen.has(token)) this.seen.set(token, now);
    this.judge(now, answer.others.length);
    if (this.holding) this.heldElsewhere?.forget();
    else await this.heldElsewhere?.refresh(m.store, m.instanceId);
    return this.holding;
  }

  private judge(now: number, others: number): void {
    const first = Math.min(...this.seen.values());
    const m = this.m;
    if (others === 0 || now - first <= OVERLAP_RESOLUTIONS * m.resolutionMs) {
      if (this.current !== undefined) {
        m.logger.info?.(
          { instanceId: m.instanceId },
          'sysvitals: no other live process writes under this instanceId any more',
        );
      }
      this.current = undefined;
      return;
    }
    const warn = this.current === undefined;
    this.current = {
      processes: others + 1,
      since: new Date(first).toISOString(),
      holds_state: this.holding,
    };
    if (!warn) return;
    m.logger.warn(
      { instanceId: m.instanceId, processes: others + 1, holdsState: this.holding },
      `sysvitals: ${others + 1} live processes have been writing under instanceId ${JSON.stringify(m.instanceId)} ` +
        `for over ${Math.round((OVERLAP_RESOLUTIONS * m.resolutionMs) / 1000)} s: give each its own instanceId ` +
        `(this one ${this.holding ? 'holds' : 'does not hold'} the saved state; docs/instance-id.md)`,
    );
  }
}

/** The snapshot decorator of a monitor on a store with claim: `instance_conflict` while there is one (health reads it). */
export const markConflict =
  (watch: InstanceWatch) =>
  (snapshot: MetricsSnapshot): MetricsSnapshot => {
    const conflict = watch.conflict();
    if (conflict) snapshot.instance_conflict = { ...conflict };
    return snapshot;
  };
