// The request window's clock: the injected (or coarse) clock read so that a step back is never taken back.

import type { Clock } from '../types.js';

/**
 * The clock as a monotonic view: it moves on as the clock does, but a step back (NTP, a VM restore) is
 * not taken back: the clock is read as `stepBack` later from then on, so windows, spans and rates go on
 * measuring elapsed time (a step back counted as time standing still, not as the window's count over
 * 1 s for the size of the step). A step forward reads as time passing. NaN and infinities pass through.
 */
export class SteadyClock {
  /** The clock's last finite reading, and how far it has been stepped back in all. */
  private lastRaw = Number.NaN;
  private stepBack = 0;

  constructor(private readonly clock: Clock) {}

  now(): number {
    const raw = this.clock.now();
    if (raw - raw !== 0) return raw;
    if (raw < this.lastRaw) this.stepBack += this.lastRaw - raw;
    this.lastRaw = raw;
    return raw + this.stepBack;
  }
}
