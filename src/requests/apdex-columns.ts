// A route's Apdex counts: two columns of its request counters (route-counters.ts), per sub-window under the counters'
// own stamp and folded into their totals with them; windows and totals since start are read from there.

import { COLUMNS, STRIDE } from './route-counters.js';
import { stampedPair } from './stamped-pair.js';

/**
 * Columns of a sub-window's Apdex counts (successful requests by their time against the route's T: satisfied, then
 * tolerating), after the COLUMNS and under the same stamp, folded into the totals with them (openCounters): Apdex
 * since start is derived on read (apdexTotals), not counted per request (issue 18: it had a stamp and a total of its
 * own, two more typed-array writes and a stamp check per request).
 */
export const APDEX_SATISFIED_COLUMN = COLUMNS + 1;
export const APDEX_TOLERATING_COLUMN = COLUMNS + 2;

/**
 * [satisfied, tolerating] in the sub-windows `from` … `sub` (by default the whole ring ending at `sub`;
 * RequestStats passes the first sub-window its latency window covers, so both count the same requests).
 */
export function windowApdex(
  counters: Float64Array,
  slots: number,
  sub: number,
  from = sub - slots + 1,
): [number, number] {
  return stampedPair(counters, STRIDE, APDEX_SATISFIED_COLUMN, slots, sub, from);
}

/** Apdex since start of one route, [satisfied, tolerating]: folded totals plus the live sub-windows (as entryTotals). */
export function apdexTotals(counters: Float64Array, slots: number): [number, number] {
  let satisfied = counters[slots * STRIDE + APDEX_SATISFIED_COLUMN - 1] as number;
  let tolerating = counters[slots * STRIDE + APDEX_TOLERATING_COLUMN - 1] as number;
  for (let pos = 0; pos < slots; pos++) {
    const b = pos * STRIDE;
    if (Number.isNaN(counters[b] as number)) continue;
    satisfied += counters[b + APDEX_SATISFIED_COLUMN] as number;
    tolerating += counters[b + APDEX_TOLERATING_COLUMN] as number;
  }
  return [satisfied, tolerating];
}
