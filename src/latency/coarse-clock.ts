// The hot path's clock: Date.now() costs 50-70 ns on this machine, more than a third of a request's
// recording budget; this one is a variable refreshed by one shared, unref'd timer while anyone uses it.
// The timer sleeps when nothing read the clock since its last refresh (an idle process: no request, no
// timed call), so an idle monitor does not wake the loop 20 times a second for it (issue 18); the first
// read after that takes Date.now() itself and wakes the timer. A read costs one branch and one store.

import type { Clock } from '../types.js';

/** How stale a read may be. Request windows rotate in one-second steps, so 50 ms is well inside. */
export const COARSE_CLOCK_RESOLUTION_MS = 50;

let current = Date.now();
let users = 0;
/** One Timeout for the clock's life (re-armed by refresh(): no allocation when it wakes). */
let timer: NodeJS.Timeout | undefined;
/** The timer is not armed (no user, or nothing read the clock for a whole resolution): reads take Date.now(). */
let asleep = true;
/** The clock was read since the last refresh. */
let read = false;

function refresh(): void {
  if (!read) {
    // Nothing read the last value: sleep until the next read, which takes Date.now() itself.
    asleep = true;
    return;
  }
  read = false;
  current = Date.now();
  timer?.refresh();
}

/** The read of a sleeping clock: exact, and it wakes the timer while anyone holds the clock. */
function wake(): number {
  current = Date.now();
  if (users > 0 && timer !== undefined) {
    asleep = false;
    read = false;
    timer.refresh();
  }
  return current;
}

/**
 * Reads the cached time; exact to within COARSE_CLOCK_RESOLUTION_MS while the event loop turns, and exact
 * (Date.now()) on the first read after a resolution without any read, or while nobody holds the clock.
 */
export const coarseClock: Clock = Object.freeze({
  now: (): number => {
    if (asleep) return wake();
    read = true;
    return current;
  },
});

/** Holds the shared refresh timer (unref'd, so it never keeps a process alive) for one more user. */
export function acquireCoarseClock(): Clock {
  if (users++ === 0) {
    // Armed once; unread for a resolution it sleeps. (A cleared Timeout cannot be re-armed by refresh(); one
    // that fired can, so it is never cleared but at the last release.)
    current = Date.now();
    read = false;
    asleep = false;
    timer = setTimeout(refresh, COARSE_CLOCK_RESOLUTION_MS);
    timer.unref();
  }
  return coarseClock;
}

/** One user less; the timer stops with the last. Extra calls are ignored. */
export function releaseCoarseClock(): void {
  if (users === 0) return;
  if (--users === 0) {
    clearTimeout(timer);
    timer = undefined;
    asleep = true;
  }
}
