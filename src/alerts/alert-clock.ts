// The alert engine's two readings of time (outside review rtF, F4): the wall clock, for the timestamps shown and
// persisted (timestamp, cleared_at, raisedAt), and the same reading as elapsed time, for every pending wait (`for`),
// severity hold, clear hold, restored alert's wait, takeover hold and duration_seconds. On the wall clock a 35 s
// breach across a +5 min NTP step passed a 3 min `for`, and a 35 s alert across a +2 h step lasted 7235 s.

import { ElapsedView } from '../requests/steady-clock.js';
import type { Clock } from '../types.js';

const MONOTONIC: Clock = { now: () => performance.now() };

/** One reading: `wall` (epoch ms: timestamps) and `t`, the same reading on the elapsed view (waits, holds, durations). */
export interface AlertTime {
  readonly wall: number;
  readonly t: number;
}

/**
 * The wall clock's readings, each with its elapsed-time view (ElapsedView over the monotonic clock: a wall clock
 * stepped forward or back is no time passed). `monotonic` undefined: performance.now when no wall clock was injected;
 * with one injected alone, its own readings (a step back counted as time standing still). Readings are in order.
 */
export class AlertClock {
  private readonly elapsed: ElapsedView;

  constructor(
    readonly wall: Clock | undefined,
    monotonic: Clock | undefined,
  ) {
    this.elapsed = new ElapsedView(monotonic ?? (wall === undefined ? MONOTONIC : undefined));
  }

  /** Reads the wall clock (Date.now when none was injected) once, and maps the reading onto the elapsed view. */
  read(): AlertTime {
    const wall = this.wall ? this.wall.now() : Date.now();
    return { wall, t: this.elapsed.view(wall) };
  }
}
