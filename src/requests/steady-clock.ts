// A clock read so that a step back is never taken back: the request windows', and every other rolling window's.

import type { Clock } from '../types.js';

/**
 * One reading of `clock`, NaN when it throws (monitoring never breaks its caller). Not for the request path's own
 * reads, where a number returned by a call V8 may not inline is boxed (see `SteadyTime.take`).
 */
export function readClock(clock: Clock): number {
  try {
    return clock.now();
  } catch {
    return Number.NaN;
  }
}

/**
 * Readings of a clock, taken elsewhere, as a monotonic view: it moves on as the readings do, but a step back
 * (NTP, a VM restore) is not taken back: readings are seen as `stepBack` later from then on, so windows, spans
 * and rates go on measuring elapsed time (a step back counted as time standing still, not as the window's count
 * over 1 s for the size of the step). A step forward reads as time passing. NaN and infinities pass through.
 * Readings must be given in the order they were taken.
 */
export class SteadyTime {
  /** The last finite reading, and how far the clock has been stepped back in all. */
  private lastRaw = Number.NaN;
  private stepBack = 0;
  /** The view of the last reading taken (`take`). */
  current = Number.NaN;

  /** The reading `raw` as the monotonic view. */
  view(raw: number): number {
    this.take(raw);
    return this.current;
  }

  /**
   * Takes the reading `raw` into `current`, returning nothing: for the request path, where a number returned by a
   * call V8 did not inline is boxed (16 bytes a request; test/requests/requests.test.ts's allocation test saw it in
   * some runs, depending on V8's inlining).
   */
  take(raw: number): void {
    if (raw - raw !== 0) {
      this.current = raw;
      return;
    }
    if (raw < this.lastRaw) this.stepBack += this.lastRaw - raw;
    this.lastRaw = raw;
    this.current = raw + this.stepBack;
  }
}

/** The clock as a monotonic view (SteadyTime over its readings). */
export class SteadyClock extends SteadyTime {
  constructor(private readonly clock: Clock) {
    super();
  }

  now(): number {
    return this.view(this.clock.now());
  }

  /** Reads the clock into `current` (the request path: no number returned, see `take`). */
  advance(): void {
    this.take(this.clock.now());
  }
}

/**
 * Readings of a wall clock as a view whose differences are the real time elapsed: a monotonic clock's (read at each
 * reading) when there is one, so that a wall clock stepped forward (NTP, a VM resume) or back is not counted as time
 * passed or taken back; without one, the wall clock's, a step back counted as time standing still (SteadyTime). A
 * wall reading maps onto the view by `view(now) - now` taken at once. Readings must be current, in order.
 */
export class ElapsedView {
  private lastRaw = Number.NaN;
  private lastMono = Number.NaN;
  /** The view minus the wall reading: the steps not counted so far. */
  private shift = 0;

  constructor(private readonly monotonic: Clock | undefined) {}

  /** The reading `raw` (just taken) as the view. NaN and infinities pass through. */
  view(raw: number): number {
    if (raw - raw !== 0) return raw;
    const mono = this.monotonic === undefined ? Number.NaN : readClock(this.monotonic);
    if (!Number.isNaN(this.lastRaw)) {
      const wall = raw - this.lastRaw;
      const real = mono - this.lastMono;
      this.shift += (Number.isFinite(real) ? Math.max(0, real) : Math.max(0, wall)) - wall;
    }
    this.lastRaw = raw;
    this.lastMono = mono;
    return raw + this.shift;
  }
}
