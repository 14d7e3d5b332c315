// The aggregator's sync round: before cluster figures are read, every connected worker is asked for
// its pending interval, and the answer waits (at most syncTimeoutMs) for their reports.

import type { Question } from './answers.js';
import type { WorkerEntry, WorkerTable } from './workers.js';

export class SyncRound {
  private syncing: Promise<string[]> | null = null;
  /** The round after the one under way, shared by the reads that came during it. */
  private next: Promise<string[]> | null = null;
  /** That next round asks for every request in flight by route (a routes/ read). */
  private nextRoutes = false;
  /** That next round asks the workers to run their gauges' collect() first (`cg`). */
  private nextGauges = false;
  /** When a cluster read last ran the callbacks (due()). */
  private collectedAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  /** The workers the round under way waits for: its number (their answer's `sync`), and what ends the wait. */
  private readonly waiting = new Map<string, { n: number; done: () => void }>();

  constructor(
    private readonly workers: WorkerTable,
    private readonly timeoutMs: number,
    /** Merges the aggregator's own pending interval first (`gauges`: after running its gauges' collect()). */
    private readonly selfReport: (gauges: boolean) => void,
  ) {}

  /**
   * `readsCollect` (`sampleIntervalMs: 0`): whether cluster read `q` (metrics/, a scrape) collects, at most once per its
   * `maxAgeMs` whoever reads (outside review 12, F4): that `maxAgeMs` (the round then asks for the workers' gauges, and
   * the aggregator's own probes and plugins may run that old), else Infinity (a transfer: nothing runs).
   */
  due(q: Question, readsCollect: boolean, now: number): number {
    if (!readsCollect || !('maxAgeMs' in q)) return Number.POSITIVE_INFINITY;
    const since = now - this.collectedAt;
    if (since >= 0 && since <= q.maxAgeMs) return Number.POSITIVE_INFINITY;
    this.collectedAt = now;
    return q.maxAgeMs;
  }

  /**
   * A report answering the round under way (its sync number `n`) or a disconnection of this worker (no `n`) ends its
   * wait. A late answer to an earlier round (one that timed out, under load) does not: it carries what the worker
   * recorded before this round asked, so the read would be served without the rest and marked complete.
   */
  answered(entry: WorkerEntry, n?: unknown): void {
    const w = this.waiting.get(entry.id);
    if (w !== undefined && (n === undefined || n === w.n)) w.done();
    // Any answer to its first unanswered sync or a later one shows its loop turned since; a disconnection is
    // another case (its requests are lost: lost.ts), not a stall.
    const u = entry.unanswered;
    if (u !== null && (n === undefined || (typeof n === 'number' && n >= u.n))) entry.unanswered = null;
  }

  /**
   * Asks every connected worker for its pending interval; resolves to the ids that did not answer. `routes`: and
   * for every request it holds in flight by route (routes/: routes-in-flight.ts); `gauges`: each runs its gauges'
   * collect() first (due()). A read never joins a round under way: that round asked before the read came, and a
   * worker that answered it before recording a request would leave it out of a read marked complete. The reads that
   * come during a round share the next one, which asks for what any of them asks.
   */
  run(routes = false, gauges = false): Promise<string[]> {
    if (this.syncing === null) {
      this.syncing = this.runNow(routes, gauges).finally(() => {
        this.syncing = null;
      });
      return this.syncing;
    }
    this.nextRoutes ||= routes;
    this.nextGauges ||= gauges;
    const go = () => {
      const [r, g] = [this.nextRoutes, this.nextGauges];
      this.next = null;
      this.nextRoutes = false;
      this.nextGauges = false;
      return this.run(r, g);
    };
    // After the round under way, whether it resolved or threw (its own readers get its error, not these).
    this.next ??= this.syncing.then(go, go);
    return this.next;
  }

  private async runNow(routes: boolean, gauges: boolean): Promise<string[]> {
    this.selfReport(gauges);
    const n = ++this.seq;
    const asked = this.workers.connected();
    const answered = new Set<string>();
    const at = this.workers.now(); // when first asked, for each that has not answered since (workers.ts)
    await new Promise<void>((resolve) => {
      if (asked.length === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, this.timeoutMs);
      timer.unref();
      for (const w of asked) {
        this.waiting.set(w.id, {
          n,
          done: () => {
            answered.add(w.id);
            this.waiting.delete(w.id);
            if (answered.size === asked.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
        w.unanswered ??= { n, at, missed: false };
        w.peer?.send({ t: 'sync', n, ...(routes ? { rf: true } : {}), ...(gauges ? { cg: true } : {}) });
      }
    });
    for (const w of asked) this.waiting.delete(w.id);
    const missed = asked.filter((w) => !answered.has(w.id));
    for (const w of missed) if (w.unanswered !== null) w.unanswered.missed = true;
    return missed.map((w) => w.id);
  }
}
