// The hot path's clock: Date.now() costs 50-70 ns on this machine, more than a third of a request's
// recording budget; this one is a variable refreshed by one shared, unref'd timer while anyone uses it.

import type { Clock } from '../types.js';

/** How stale a read may be. Request windows rotate in one-second steps, so 50 ms is well inside. */
export const COARSE_CLOCK_RESOLUTION_MS = 50;

let current = Date.now();
let users = 0;
let timer: NodeJS.Timeout | undefined;

function refresh(): void {
  current = Date.now();
}

/** Reads the cached time; exact to within COARSE_CLOCK_RESOLUTION_MS while the event loop turns. */
export const coarseClock: Clock = Object.freeze({ now: () => current });

/** Starts the shared refresh timer (unref'd, so it never keeps a process alive) for one more user. */
export function acquireCoarseClock(): Clock {
  if (users++ === 0) {
    refresh();
    timer = setInterval(refresh, COARSE_CLOCK_RESOLUTION_MS);
    timer.unref();
  }
  return coarseClock;
}

/** One user less; the timer stops with the last. Extra calls are ignored. */
export function releaseCoarseClock(): void {
  if (users === 0) return;
  if (--users === 0) {
    clearInterval(timer);
    timer = undefined;
  }
}
