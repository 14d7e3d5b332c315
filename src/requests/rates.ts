// Request rates: the time the request window covers now, requests a minute over it, requests a second over the last whole seconds.

import { MIN_RATE_SPAN_MS, RATE_WINDOW_MS } from './request-figures.js';
import { type RouteEntry, STRIDE, type WindowAt } from './route-counters.js';
import type { SecondRing } from './second-ring.js';

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
 * The time the request window covers at `now`, ms: from its oldest sub-window's start (windowFrom) to now; or,
 * while that is before the start of recording (a process's first window), from that start, at least
 * MIN_RATE_SPAN_MS. Counts over the window divided by this are rates; divided by the window's length, or by the
 * floor once the window is full (a 1 s window covers 750–1000 ms: outside review 33, RT33-6), they would read low.
 */
export function windowSpan(at: WindowAt, now: number): number {
  const windowStart = windowFrom(at) * at.subWindowMs;
  if (windowStart > at.startedAt) return now - windowStart;
  return Math.max(now - at.startedAt, MIN_RATE_SPAN_MS);
}

/**
 * Requests a minute from the window's `count` over the time it covers, scaled to 60 s; while the window still
 * covers everything since start (a process's first window), over at least 60 s: the count since start in the first
 * minute, at any window length (a 2-minute window read half of it, dividing by its own length: red team 18, F8).
 */
export function perMinute(at: WindowAt, count: number, now: number): number {
  const span = windowSpan(at, now);
  const young = windowFrom(at) * at.subWindowMs <= at.startedAt;
  return (count * 60_000) / (young ? Math.max(span, 60_000) : span);
}

/**
 * Requests a second over the last 5 complete seconds (RATE_WINDOW_MS); while those began before recording did (the
 * first 5 s), the average since start: the window's `windowCount` over its covered time (windowSpan) while it holds
 * everything since start, else the seconds held in `seconds`. From the request sub-windows when they are whole
 * divisions of a second (the default 1 s, 500 ms at 30 s), so figures absorbed from other processes count where they
 * were put; else (2 s at 120 s) from `seconds`, the requests of each whole second (second-ring.ts), `local` being
 * recorded here as they are.
 */
export function perSecond(
  entries: Iterable<RouteEntry>,
  at: WindowAt,
  windowCount: number,
  seconds: SecondRing,
  now: number,
): number {
  const second = Math.floor(now / 1000);
  const back = RATE_WINDOW_MS / 1000;
  if ((second - back) * 1000 < at.startedAt) {
    if (windowFrom(at) * at.subWindowMs <= at.startedAt) return (windowCount * 1000) / windowSpan(at, now);
    const n = seconds.between(Math.floor(at.startedAt / 1000), second) + seconds.current();
    return (n * 1000) / Math.max(now - at.startedAt, MIN_RATE_SPAN_MS);
  }
  const per = 1000 / at.subWindowMs;
  if (Number.isInteger(at.subWindowMs) && Number.isInteger(per) && (back + 1) * per <= at.slots) {
    let n = 0;
    for (const e of entries) n += requestsBetween(e.counters, at.slots, (second - back) * per, second * per);
    return n / back;
  }
  return seconds.between(second - back, second) / back;
}

/** Requests (1xx … 5xx) in the sub-windows stamped `from` up to, not including, `to`. */
function requestsBetween(counters: Float64Array, slots: number, from: number, to: number): number {
  let n = 0;
  for (let pos = 0; pos < slots; pos++) {
    const b = pos * STRIDE;
    const stamp = counters[b] as number;
    if (!(stamp >= from && stamp < to)) continue;
    for (let c = 1; c <= 5; c++) n += counters[b + c] as number;
  }
  return n;
}
