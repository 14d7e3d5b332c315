// Request rates: the time the request window covers now, and requests per second over its last complete sub-windows.

import { MIN_RATE_SPAN_MS, RATE_WINDOW_MS } from './request-figures.js';
import { type RouteEntry, requestsBetween, type WindowAt } from './route-counters.js';

/**
 * The window's first request sub-window: the first one the latency window covers. Latency is kept in
 * `latencySlots` sub-windows (15 s by default), so the window covers the last
 * `windowMs × (latencySlots − 1) / latencySlots` to `windowMs` (45–60 s by default). Counts, error rate,
 * Apdex, routes and latency all read the sub-windows from here on: figures of the same requests.
 */
export function windowFrom(at: WindowAt): number {
  return (at.lat - at.latencySlots + 1) * (at.slots / at.latencySlots);
}

/**
 * The time the request window covers at `now`, ms: from its oldest sub-window's start (windowFrom; or from
 * the start of recording, when that is later: a process's first minute) to now, at least MIN_RATE_SPAN_MS.
 * Counts over the window divided by this are rates; divided by the window's length they would read low.
 */
export function windowSpan(at: WindowAt, now: number): number {
  const windowStart = windowFrom(at) * at.subWindowMs;
  const span = now - Math.max(at.startedAt, windowStart);
  return Math.max(span, MIN_RATE_SPAN_MS);
}

/**
 * Requests a minute from the window's `count`: while the window still covers everything since start (a
 * process's first window) the count scaled from the window's length, as before it is full (the count since
 * start with the default 60 s); after that the count over the time the window covers (45–60 s by default),
 * scaled to 60 s.
 */
export function perMinute(at: WindowAt, count: number, now: number): number {
  if (windowFrom(at) * at.subWindowMs <= at.startedAt) return (count * 60_000) / (at.slots * at.subWindowMs);
  return (count * 60_000) / windowSpan(at, now);
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
