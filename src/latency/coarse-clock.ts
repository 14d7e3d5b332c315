// The hot path's clock: Date.now() costs 50-70 ns on this machine, more than a third of a request's
// recording budget; this one is a variable refreshed by one shared, unref'd timer while anyone uses it.
// The timer sleeps when nothing read the clock since its last refresh (an idle process: no request, no
// timed call), so an idle monitor does not wake the loop 20 times a second for it (issue 18); the first
// read after that takes Date.now() itself and wakes the timer. A read costs one branch and one store.
// The sample cycle's reads (readQuietly) are not the hot path's: they take Date.now() from a sleeping clock and
// leave it asleep, so an idle monitor's 5 s sample does not wake the loop two or three more times for it (issue 18).

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
/** Depth of readQuietly() calls under way: their reads of a sleeping clock do not wake it. */
let quiet = 0;

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
    if (asleep) return quiet > 0 ? Date.now() : wake();
    read = true;
    return current;
  },
});

/**
 * Date.now(), with the cached time brought up to it: for a read that decides which whole seconds are complete
 * (`per_second`). Every read of the clock after it is no earlier, so a request recorded after it is never stamped
 * in a second it counted as complete, and the read is never a second behind (a cached time up to 50 ms old, read
 * just after a second ended, left that second out: outside review 31, RT31-8). Arms no timer: a sleeping clock's
 * reads are Date.now() already.
 */
export function freshNow(): number {
  const now = Date.now();
  if (!asleep) current = now;
  return now;
}

/**
 * Runs `read` (synchronous) with reads of a sleeping clock that do not wake it: they are Date.now() itself, as any
 * read of a sleeping clock is, but arm no timer. For reads off the hot path (the sample cycle's, a metrics read):
 * the timer exists for the request path, and an idle process's samples would otherwise wake it for a resolution or
 * two each (bench/RESULTS.md `idle (3)`). Reads of a running clock are unchanged.
 */
export function readQuietly<T>(read: () => T): T {
  quiet++;
  try {
    return read();
  } finally {
    quiet--;
  }
}

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
