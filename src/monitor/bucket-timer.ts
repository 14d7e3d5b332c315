// The history writer's bucket timer: flushes at each resolution boundary, and closes an overdue bucket on demand.

import { guarded, OutageLog } from '../logger.js';
import type { Clock, Logger } from '../types.js';

/** What the timer drives: the writer's flush and the start of its open bucket. */
export interface TimedBuckets {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly resolutionMs: number;
  /** True once the monitor is closing: the timer is not rearmed. */
  closing(): boolean;
  /** `due`: the resolution boundary the timer fired for (absent: a close on demand). */
  flush(due?: number): Promise<void>;
  /** When the open bucket started (epoch ms). */
  bucketStart(): number;
}

/** Arms a flush at each resolution boundary; `closeDue()` closes a bucket whose boundary passed first. */
export class BucketTimer {
  private timer: NodeJS.Timeout | undefined;
  /** The timer's flush or closeDue()'s under way (a read that closes an overdue bucket waits for it). */
  private flushing: Promise<void> | undefined;
  private readonly outage: OutageLog;

  constructor(private readonly b: TimedBuckets) {
    this.outage = new OutageLog(b.logger);
  }

  /** Arms the timer that flushes at the next resolution boundary, and again after each flush. */
  schedule(): void {
    // At the next resolution boundary after now, whenever the last bucket ended (a flush in between
    // must not leave the schedule a bucket late).
    const now = this.b.clock.now();
    const next = this.aligned(now) + this.b.resolutionMs - now;
    const delay = Number.isFinite(next) ? Math.max(0, next) : this.b.resolutionMs;
    const due = now + delay;
    // A flush that throws or rejects is logged once per outage and the next minute is still armed:
    // nothing from this timer reaches the host process.
    this.timer = setTimeout(
      guarded(this.outage, 'the history writer', () => {
        if (this.b.closing()) return;
        const rearm = () => {
          if (!this.b.closing()) this.schedule();
        };
        return this.tracked(this.b.flush(due)).then(rearm, (err: unknown) => {
          rearm();
          throw err;
        });
      }),
      delay,
    );
    this.timer.unref();
  }

  /**
   * Closes the open bucket now when its resolution boundary has passed but the timer has not fired yet (a process
   * not scheduled at the boundary handles the I/O waiting for it before its overdue timer), then rearms the timer
   * for the next boundary; waits for a flush under way. A cluster worker runs it before it answers a read of its own
   * history: the cluster's series may already count that bucket's requests. Nothing to do when the bucket is not
   * due (the timer closes it), before the timer was armed, nor once the monitor is closing (its close flushes).
   */
  async closeDue(): Promise<void> {
    if (this.flushing) await this.flushing.catch(() => {});
    const b = this.b;
    if (b.closing() || this.timer === undefined) return;
    if (this.aligned(b.bucketStart()) + b.resolutionMs > b.clock.now()) return;
    clearTimeout(this.timer);
    try {
      await this.tracked(b.flush());
    } finally {
      if (!b.closing()) this.schedule();
    }
  }

  /** Stops the timer (the monitor's close flushes the last bucket itself). */
  stop(): void {
    clearTimeout(this.timer);
  }

  /** Settles once the timer's (or closeDue()'s) flush under way, if any, has: the close's flush comes after it. */
  async idle(): Promise<void> {
    await this.flushing?.catch(() => {});
  }

  private tracked(flush: Promise<void>): Promise<void> {
    const p = flush.finally(() => {
      if (this.flushing === p) this.flushing = undefined;
    });
    this.flushing = p;
    return p;
  }

  private aligned(t: number): number {
    return t - (t % this.b.resolutionMs);
  }
}
