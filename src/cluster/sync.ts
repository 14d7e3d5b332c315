// The aggregator's sync round: before cluster figures are read, every connected worker is asked for
// its pending interval, and the answer waits (at most syncTimeoutMs) for their reports.

import type { WorkerEntry, WorkerTable } from './workers.js';

export class SyncRound {
  private syncing: Promise<string[]> | null = null;
  /** The round under way asks for every request in flight by route (a routes/ read). */
  private syncingRoutes = false;
  private seq = 0;
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly workers: WorkerTable,
    private readonly timeoutMs: number,
    /** Merges the aggregator's own pending interval first. */
    private readonly selfReport: () => void,
  ) {}

  /** A report (with a sync number) or a disconnection of this worker ends its wait. */
  answered(entry: WorkerEntry): void {
    this.waiting.get(entry.id)?.();
  }

  /**
   * Asks every connected worker for its pending interval; resolves to the ids that did not answer. `routes`: and
   * for every request it holds in flight by route (routes/: routes-in-flight.ts); a round under way that did not
   * ask for them is waited for, then another asks.
   */
  run(routes = false): Promise<string[]> {
    if (this.syncing !== null && routes && !this.syncingRoutes)
      return this.syncing.then(() => this.run(true));
    if (this.syncing === null) {
      this.syncingRoutes = routes;
      this.syncing = this.runNow(routes).finally(() => {
        this.syncing = null;
      });
    }
    return this.syncing;
  }

  private async runNow(routes: boolean): Promise<string[]> {
    this.selfReport();
    const n = ++this.seq;
    const asked = this.workers.connected();
    const answered = new Set<string>();
    await new Promise<void>((resolve) => {
      if (asked.length === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, this.timeoutMs);
      timer.unref();
      for (const w of asked) {
        this.waiting.set(w.id, () => {
          answered.add(w.id);
          this.waiting.delete(w.id);
          if (answered.size === asked.length) {
            clearTimeout(timer);
            resolve();
          }
        });
        w.peer?.send(routes ? { t: 'sync', n, rf: true } : { t: 'sync', n });
      }
    });
    for (const w of asked) this.waiting.delete(w.id);
    return asked.filter((w) => !answered.has(w.id)).map((w) => w.id);
  }
}
