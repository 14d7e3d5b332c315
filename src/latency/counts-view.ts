// Counts views: a counts array in the shared HDR layout with its figures (n, sum, max, errors), summarised,
// turned into an hdr histogram, or added into another view.

import { createHistogram, type Histogram, type LatencySummary } from './histogram.js';
import { COUNTS_LENGTH, countAtPercentile, slotHighest, slotOf, slotValue } from './slots.js';

const EMPTY_SUMMARY: Readonly<LatencySummary> = Object.freeze({
  count: 0,
  p50_ms: 0,
  p95_ms: 0,
  p99_ms: 0,
  avg_ms: 0,
  max_ms: 0,
});

/**
 * Values given as non-zero slots and their counts, with the figures kept beside them: what one
 * process or thread recorded between two reports (src/cluster/), added in one call.
 */
export interface SparseCounts {
  /** Slots, ascending. */
  slots: number[];
  /** Count at each slot (same length as `slots`). */
  counts: number[];
  n: number;
  /** Sum of the values, µs. */
  sum: number;
  /** Largest value, µs. */
  max: number;
  errors: number;
}

/** A merged view of some counts: the counts array and the figures kept beside it. */
export interface CountsView {
  counts: ArrayLike<number>;
  /** Number of values. */
  n: number;
  /** Sum of the values, µs. */
  sum: number;
  /** Largest value, µs (exact). */
  max: number;
  /** First and last slot that may be non-zero. */
  lo: number;
  hi: number;
  /** Failed calls among them (function statistics). */
  errors: number;
}

/**
 * Same figures as src/latency/histogram.ts `summarize` on the equivalent hdr histogram (same percentile
 * walk), except that avg and max are exact and percentiles are capped at the max: a slot's upper
 * edge can lie up to 1% above the largest value actually seen.
 */
export function summarizeView(v: CountsView): LatencySummary {
  if (v.n <= 0) return { ...EMPTY_SUMMARY };
  const t50 = countAtPercentile(50, v.n);
  const t95 = countAtPercentile(95, v.n);
  const t99 = countAtPercentile(99, v.n);
  let p50 = -1;
  let p95 = -1;
  let p99 = -1;
  let seen = 0;
  for (let i = v.lo; i <= v.hi; i++) {
    const c = v.counts[i] as number;
    if (c === 0) continue;
    seen += c;
    if (p50 < 0 && seen >= t50) p50 = slotHighest(i);
    if (p95 < 0 && seen >= t95) p95 = slotHighest(i);
    if (seen >= t99) {
      p99 = slotHighest(i);
      break;
    }
  }
  const cap = (us: number) => Math.round(Math.min(Math.max(us, 0), v.max)) / 1000;
  return {
    count: v.n,
    p50_ms: cap(p50),
    p95_ms: cap(p95),
    p99_ms: cap(p99),
    avg_ms: Math.round(v.sum / v.n) / 1000,
    max_ms: Math.round(v.max) / 1000,
  };
}

/** Builds a new hdr histogram (the shared config) holding the view's values; the max is exact. */
export function toHistogram(v: CountsView): Histogram {
  const h = createHistogram();
  if (v.n <= 0) return h;
  const maxSlot = slotOf(v.max);
  for (let i = v.lo; i <= v.hi; i++) {
    const c = v.counts[i] as number;
    if (c === 0) continue;
    if (i === maxSlot) {
      if (c > 1) h.recordValueWithCount(slotValue(i), c - 1);
      h.recordValue(v.max);
    } else {
      h.recordValueWithCount(slotValue(i), c);
    }
  }
  return h;
}

/** A fresh, empty view with its own counts array (Float64: cannot overflow). */
export function createView(): CountsView & { counts: Float64Array } {
  return {
    counts: new Float64Array(COUNTS_LENGTH),
    n: 0,
    sum: 0,
    max: 0,
    lo: COUNTS_LENGTH,
    hi: -1,
    errors: 0,
  };
}

export function clearView(v: CountsView & { counts: Float64Array }): void {
  if (v.hi >= v.lo) v.counts.fill(0, v.lo, v.hi + 1);
  v.n = 0;
  v.sum = 0;
  v.max = 0;
  v.lo = COUNTS_LENGTH;
  v.hi = -1;
  v.errors = 0;
}

/** Adds one value to a view (the history bucket uses this on the hot path). */
export function addToView(v: CountsView & { counts: Float64Array }, slot: number, us: number): void {
  v.counts[slot]!++;
  if (slot < v.lo) v.lo = slot;
  if (slot > v.hi) v.hi = slot;
  v.n++;
  v.sum += us;
  if (us > v.max) v.max = us;
}

/** Adds a counts array's slots lo..hi into a view's Float64 counts (one loop per array type). */
export function addCounts(
  into: CountsView & { counts: Float64Array },
  counts: ArrayLike<number>,
  lo: number,
  hi: number,
): void {
  const target = into.counts;
  // One loop per array type: a single loop reading four typed-array kinds is megamorphic and ~5×
  // slower, which is most of a read over 100 routes.
  if (counts instanceof Uint8Array) add8(target, counts, lo, hi);
  else if (counts instanceof Uint16Array) add16(target, counts, lo, hi);
  else if (counts instanceof Uint32Array) add32(target, counts, lo, hi);
  else if (counts instanceof Float64Array) add64(target, counts, lo, hi);
  else for (let i = lo; i <= hi; i++) target[i] = (target[i] as number) + (counts[i] as number);
  if (lo < into.lo) into.lo = lo;
  if (hi > into.hi) into.hi = hi;
}

function add8(target: Float64Array, counts: Uint8Array, lo: number, hi: number): void {
  // Branch-free: about half the slots are zero, and a skipped add mispredicts more than it saves.
  for (let i = lo; i <= hi; i++) target[i] = (target[i] as number) + (counts[i] as number);
}

function add16(target: Float64Array, counts: Uint16Array, lo: number, hi: number): void {
  // Branch-free: about half the slots are zero, and a skipped add mispredicts more than it saves.
  for (let i = lo; i <= hi; i++) target[i] = (target[i] as number) + (counts[i] as number);
}

function add32(target: Float64Array, counts: Uint32Array, lo: number, hi: number): void {
  // Branch-free: about half the slots are zero, and a skipped add mispredicts more than it saves.
  for (let i = lo; i <= hi; i++) target[i] = (target[i] as number) + (counts[i] as number);
}

function add64(target: Float64Array, counts: Float64Array, lo: number, hi: number): void {
  // Branch-free: about half the slots are zero, and a skipped add mispredicts more than it saves.
  for (let i = lo; i <= hi; i++) target[i] = (target[i] as number) + (counts[i] as number);
}

/** Adds one view's figures into another (totals folding, merging several rings). */
export function addView(into: CountsView & { counts: Float64Array }, from: CountsView): void {
  if (from.n <= 0) return;
  addCounts(into, from.counts, from.lo, from.hi);
  into.n += from.n;
  into.sum += from.sum;
  into.errors += from.errors;
  if (from.max > into.max) into.max = from.max;
}

/**
 * addView() without the `skip` lowest values of `from` (a route row's requests that are not judged, whose values
 * the counts cannot tell apart from the others': leaving out the fastest makes the rest an upper bound of the
 * judged requests' latency, exact when `skip` is 0 or all of them). The sum loses each skipped value's slot value.
 */
export function addViewTrimmed(
  into: CountsView & { counts: Float64Array },
  from: CountsView,
  skip: number,
): void {
  if (!(skip > 0)) {
    addView(into, from);
    return;
  }
  if (skip >= from.n) return;
  const target = into.counts;
  let left = skip;
  let skippedSum = 0;
  let lo = -1;
  for (let i = from.lo; i <= from.hi; i++) {
    let c = from.counts[i] as number;
    if (c === 0) continue;
    if (left > 0) {
      const cut = Math.min(left, c);
      left -= cut;
      skippedSum += cut * slotValue(i);
      c -= cut;
      if (c === 0) continue;
    }
    if (lo < 0) lo = i;
    target[i] = (target[i] as number) + c;
  }
  if (lo < 0) return;
  if (lo < into.lo) into.lo = lo;
  if (from.hi > into.hi) into.hi = from.hi;
  into.n += from.n - skip;
  into.sum += Math.max(0, from.sum - skippedSum);
  into.errors += from.errors;
  if (from.max > into.max) into.max = from.max;
}

/**
 * addViewTrimmed() of `from` less the values of `apart` (a subset of its counts: a row's requests not judged, recorded
 * apart too), slot by slot: the rest are exactly the judged values. `skip`: more values not judged that were not
 * recorded apart (an older cluster worker's), left out as the fastest. `from`'s max is its judged values' (the ones
 * recorded apart are kept out of it: LatencyRing.recordUnranked).
 */
export function addViewJudged(
  into: CountsView & { counts: Float64Array },
  from: CountsView,
  apart: CountsView | null,
  skip: number,
): void {
  if (apart === null || !(apart.n > 0)) {
    addViewTrimmed(into, from, skip);
    return;
  }
  const target = into.counts;
  let left = skip;
  let skippedSum = 0;
  let lo = -1;
  let hi = -1;
  let kept = 0;
  for (let i = from.lo; i <= from.hi; i++) {
    let c = (from.counts[i] as number) - (i >= apart.lo && i <= apart.hi ? (apart.counts[i] as number) : 0);
    if (!(c > 0)) continue;
    if (left > 0) {
      const cut = Math.min(left, c);
      left -= cut;
      skippedSum += cut * slotValue(i);
      c -= cut;
      if (c === 0) continue;
    }
    if (lo < 0) lo = i;
    hi = i;
    target[i] = (target[i] as number) + c;
    kept += c;
  }
  if (lo < 0) return;
  if (lo < into.lo) into.lo = lo;
  if (hi > into.hi) into.hi = hi;
  into.n += kept;
  into.sum += Math.max(0, from.sum - apart.sum - skippedSum);
  into.errors += Math.max(0, from.errors - apart.errors);
  if (from.max > into.max) into.max = from.max;
}
