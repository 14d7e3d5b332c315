// Request rates: the time the request window covers now, and requests per second over its last complete sub-windows.

import { MIN_RATE_SPAN_MS, RATE_WINDOW_MS } from './request-figures.js';
import { type RouteEntry, requestsBetween, type WindowAt } from './route-counters.js';

/**
 * The time the request window covers at `now`, ms: from its oldest sub-window's start (or from the start of
 * recording, when that is later: a process's first minute) to now, at least MIN_RATE_SPAN_MS. Counts over the
 * window divided by this are rates; divided by the window's length they read low until it is full.
 */
export function windowSpan(at: WindowAt, now: number): number {
  const windowStart = (at.sub - at.slots + 1) * at.subWindowMs;
  const span = now - Math.max(at.startedAt, windowStart);
  return Math.max(span, MIN_RATE_SPAN_MS);
}

/**
 * Average over the last complete sub-windows covering RATE_WINDOW_MS (the current one is partial); with a
 * single sub-window, or while recording is younger than those sub-windows, `windowCount` over the window's
 * covered time (`spanMs()`, since start), as routes/ computes its rates.
 */
export function perSecond(
  entries: Iterable<RouteEntry>,
  at: WindowAt,
  windowCount: number,
  spanMs: () => number,
): number {
  const span = Math.min(Math.max(1, Math.round(RATE_WINDOW_MS / at.subWindowMs)), at.slots - 1);
  if (at.slots === 1 || (at.sub - span) * at.subWindowMs < at.startedAt) {
    return (windowCount * 1000) / spanMs();
  }
  let n = 0;
  for (const e of entries) n += requestsBetween(e.counters, at.slots, at.sub - span, at.sub);
  return (n * 1000) / (span * at.subWindowMs);
}
