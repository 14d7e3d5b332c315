// A store's close-time bound: the monitor's last writes and the store's close() share one timeout, not one each.

import type { Logger } from '../types.js';

/** One bound for the writes of a store's close (outside review 25, F4); inactive until begin(). */
export class CloseBound {
  /** performance.now() by which the close-time writes end, once begun. */
  private deadline: number | undefined;
  /** A close-time command failed: the writes still to come are not sent (they would wait on the same server). */
  private gaveUp = false;
  /** State blobs (saveState names) not written at close. */
  private readonly unsaved: string[] = [];

  constructor(private readonly timeoutMs: number) {}

  /** Starts the bound (idempotent): timeoutMs from now. */
  begin(): void {
    this.deadline ??= performance.now() + this.timeoutMs;
  }

  /** How long the next command may wait: timeoutMs, or during close what is left of the bound (0: do not send). */
  budget(): number {
    if (this.deadline === undefined) return this.timeoutMs;
    if (this.gaveUp) return 0;
    return Math.max(0, Math.ceil(Math.min(this.timeoutMs, this.deadline - performance.now())));
  }

  /** A command failed: during close, the rest are not sent. */
  failed(): void {
    if (this.deadline !== undefined) this.gaveUp = true;
  }

  /** A saveState that did not write: during close there is no next minute to retry it, so report() names it. */
  notSaved(name: string): void {
    if (this.deadline !== undefined) this.unsaved.push(name);
  }

  /** Logs what the close did not write. */
  report(logger: Logger, component: string, points: number, alerts: number): void {
    if (points > 0 || alerts > 0) {
      logger.warn(
        { component, points, alerts },
        `sysvitals: redis store closed with ${points} history points not written` +
          (alerts > 0 ? ` (and ${alerts} alert records)` : ''),
      );
    }
    if (this.unsaved.length > 0) {
      logger.warn(
        { component, state: this.unsaved },
        `sysvitals: redis store closed without saving state: ${this.unsaved.join(', ')}`,
      );
    }
  }
}
