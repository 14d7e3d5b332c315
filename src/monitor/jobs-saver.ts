// When a job's saved times (jobs-saved.ts) are written between the minute's saves: soon after a success, so that a
// process that dies without its close keeps the success recorded in its last minute (gaps after review 46; before,
// the jobs state was saved each minute and at close only, and a crash lost up to a minute of successes).

import { performance } from 'node:perf_hooks';

/** At most one save of the jobs state in this long (ms): the first change at once, the later ones at its end. */
export const JOBS_SAVE_MS = 1000;

/** Throttles `save`: at a change, now when none ran in the last JOBS_SAVE_MS, else once at the window's end. */
export class JobsSaver {
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly save: () => void) {}

  /** A job's saved times changed (a success, a first `expectEvery`). O(1); never throws. */
  soon(): void {
    if (this.timer !== undefined || this.stopped) return;
    const wait = this.lastAt + JOBS_SAVE_MS - performance.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
    this.timer.unref?.();
  }

  /** At the close (whose flush saves the jobs last): no save after it. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.stopped) return;
    this.lastAt = performance.now();
    try {
      this.save();
    } catch {
      // never breaks the job that succeeded
    }
  }
}
