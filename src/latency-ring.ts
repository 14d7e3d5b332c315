// Allocation-free latency recording in the shared HDR histogram layout, over rotating sub-windows;
// hdr-histogram-js objects are built only on read.
//
// Why not call `histogram.recordValue()` on the hot path: hdr-histogram-js computes the slot with
// Math.log2/pow and costs ~90–190 ns per value here, and a request lands in several histograms
// (window, route, history bucket). Computing the slot once with integer math and incrementing
// plain typed arrays costs a few ns per histogram. The slot layout is the one of
// src/histogram.ts's config (read from a probe histogram, checked against hdr-histogram-js in
// test/latency-ring.test.ts), so everything converts to an exact, mergeable hdr histogram.

import type { JsHistogram } from 'hdr-histogram-js';
import { createHistogram, type Histogram, type LatencySummary } from './histogram.js';

// The JS histogram's layout fields (src/histogram.ts builds plain JS histograms, never WASM).
const probe = createHistogram() as unknown as JsHistogram;
const HALF_MAGNITUDE = probe.subBucketHalfCountMagnitude;
const UNIT_MAGNITUDE = probe.unitMagnitude;
const HALF_COUNT = probe.subBucketHalfCount;
/** Length of one counts array (3,328 slots for the shared config). */
export const COUNTS_LENGTH: number = probe.countsArrayLength;
/** Values are clamped to this many microseconds (integer math below works on 32-bit values). */
export const MAX_MICROS: number = Math.min(probe.highestTrackableValue, 0xffffffff);
const MAX_MS = MAX_MICROS / 1000;

/** Microseconds (integer, >= 1, clamped to MAX_MICROS) for a duration in ms; -1 when not a duration. */
export function microsOf(ms: number): number {
  if (!(ms >= 0)) return -1; // NaN, negative, non-numbers
  if (ms >= MAX_MS) return ms === Number.POSITIVE_INFINITY ? -1 : MAX_MICROS;
  const us = Math.round(ms * 1000);
  return us < 1 ? 1 : us;
}

/** The counts-array slot of a value in microseconds (1..MAX_MICROS), as hdr-histogram-js computes it. */
export function slotOf(us: number): number {
  // bucket = max(0, floor(log2(us)) - halfMagnitude - unitMagnitude), without floating point.
  let bucket = 31 - Math.clz32(us) - HALF_MAGNITUDE - UNIT_MAGNITUDE;
  if (bucket < 0) bucket = 0;
  return ((bucket + 1) << HALF_MAGNITUDE) + (us >>> (bucket + UNIT_MAGNITUDE)) - HALF_COUNT;
}

/** Lowest value (µs) of a slot, as hdr-histogram-js `valueFromIndex`. */
export function slotValue(slot: number): number {
  let bucket = (slot >> HALF_MAGNITUDE) - 1;
  let sub = (slot & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** (bucket + UNIT_MAGNITUDE);
}

/** Highest value (µs) of a slot, as hdr-histogram-js `highestEquivalentValue(valueFromIndex(slot))`. */
function slotHighest(slot: number): number {
  const bucket = Math.max((slot >> HALF_MAGNITUDE) - 1, 0);
  return slotValue(slot) + 2 ** (bucket + UNIT_MAGNITUDE) - 1;
}

// hdr-histogram-js's rounding of a percentile to a count (ulp guard included), so results match it.
function countAtPercentile(percentile: number, total: number): number {
  const fp = (percentile / 100) * total;
  const ulp = 2 ** (Math.floor(Math.log2(fp)) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

const EMPTY_SUMMARY: Readonly<LatencySummary> = Object.freeze({
  count: 0,
  p50_ms: 0,
  p95_ms: 0,
  p99_ms: 0,
  avg_ms: 0,
  max_ms: 0,
});

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
 * Same figures as src/histogram.ts `summarize` on the equivalent hdr histogram (same percentile
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

function addCounts(
  into: CountsView & { counts: Float64Array },
  counts: ArrayLike<number>,
  lo: number,
  hi: number,
): void {
  const target = into.counts;
  for (let i = lo; i <= hi; i++) {
    const c = counts[i] as number;
    if (c !== 0) target[i] = (target[i] as number) + c;
  }
  if (lo < into.lo) into.lo = lo;
  if (hi > into.hi) into.hi = hi;
}

// Per-slot figures, one stride per sub-window.
const N = 0;
const SUM = 1;
const MAX = 2;
const ERRORS = 3;
const LO = 4;
const HI = 5;
const STRIDE = 6;

/**
 * Latency over a sliding window made of `slots` rotating sub-windows. The caller numbers
 * sub-windows (`abs`, increasing, e.g. floor(now / subWindowMs)) and passes `pos = abs % slots`,
 * so that one clock read serves several rings. A sub-window is cleared lazily when first written
 * with a newer number, so there is no timer and no sweep; reads keep sub-windows newer than
 * `abs - slots`.
 *
 * Counts start as Uint16Array (6.5 KB per sub-window) and a sub-window is promoted to Uint32Array
 * the first time one of its slots passes 65,535; arrays are allocated on a sub-window's first use
 * and reused after that, so recording allocates nothing once warm.
 *
 * With `keepTotals`, a sub-window's values are folded into a cumulative Float64 array just before it
 * is cleared, so totals since start (Prometheus counters) cost nothing on the hot path.
 */
export class LatencyRing {
  readonly slots: number;
  private readonly stamps: Float64Array;
  private readonly stats: Float64Array;
  private readonly counts: Array<Uint16Array | Uint32Array | null>;
  private readonly keepTotals: boolean;
  private totals: (CountsView & { counts: Float64Array }) | null = null;

  constructor(slots: number, keepTotals = false) {
    this.slots = slots;
    this.stamps = new Float64Array(slots).fill(Number.NaN);
    this.stats = new Float64Array(slots * STRIDE);
    this.counts = new Array<Uint16Array | Uint32Array | null>(slots).fill(null);
    this.keepTotals = keepTotals;
  }

  record(abs: number, pos: number, slot: number, us: number, failed: boolean): void {
    if (this.stamps[pos] !== abs) this.open(abs, pos);
    let counts = this.counts[pos] as Uint16Array | Uint32Array;
    const c = (counts[slot] as number) + 1;
    if (c === 0x10000 && counts.BYTES_PER_ELEMENT === 2) counts = this.promote(pos);
    counts[slot] = c;
    const s = this.stats;
    const b = pos * STRIDE;
    s[b + N]!++;
    s[b + SUM]! += us;
    if (us > (s[b + MAX] as number)) s[b + MAX] = us;
    if (failed) s[b + ERRORS]!++;
    if (slot < (s[b + LO] as number)) s[b + LO] = slot;
    if (slot > (s[b + HI] as number)) s[b + HI] = slot;
  }

  /** Merges the sub-windows newer than `abs - slots` into `into` (cleared first). */
  window(abs: number, into: CountsView & { counts: Float64Array }): CountsView {
    clearView(into);
    for (let pos = 0; pos < this.slots; pos++) {
      const stamp = this.stamps[pos] as number;
      if (!(stamp > abs - this.slots && stamp <= abs)) continue;
      this.addSlot(pos, into);
    }
    return into;
  }

  /** Everything recorded since start (needs `keepTotals`): folded sub-windows plus the live ones. */
  total(into: CountsView & { counts: Float64Array }): CountsView {
    clearView(into);
    const t = this.totals;
    if (t !== null) {
      addCounts(into, t.counts, t.lo, t.hi);
      into.n = t.n;
      into.sum = t.sum;
      into.max = t.max;
      into.errors = t.errors;
    }
    for (let pos = 0; pos < this.slots; pos++) {
      if (!Number.isNaN(this.stamps[pos] as number)) this.addSlot(pos, into);
    }
    return into;
  }

  /** Bytes held by the typed arrays (for the heap figures in the README). */
  get bytes(): number {
    let bytes = this.stamps.byteLength + this.stats.byteLength;
    for (const c of this.counts) if (c !== null) bytes += c.byteLength;
    if (this.totals !== null) bytes += this.totals.counts.byteLength;
    return bytes;
  }

  private addSlot(pos: number, into: CountsView & { counts: Float64Array }): void {
    const s = this.stats;
    const b = pos * STRIDE;
    const n = s[b + N] as number;
    if (n === 0) return;
    addCounts(into, this.counts[pos] as Uint16Array | Uint32Array, s[b + LO] as number, s[b + HI] as number);
    into.n += n;
    into.sum += s[b + SUM] as number;
    into.errors += s[b + ERRORS] as number;
    if ((s[b + MAX] as number) > into.max) into.max = s[b + MAX] as number;
  }

  // Called on the first write of a newer sub-window: fold (if totals are kept), then clear.
  private open(abs: number, pos: number): void {
    const s = this.stats;
    const b = pos * STRIDE;
    const counts = this.counts[pos];
    if (counts === null || counts === undefined) {
      this.counts[pos] = new Uint16Array(COUNTS_LENGTH);
    } else if ((s[b + N] as number) > 0) {
      if (this.keepTotals) {
        if (this.totals === null) this.totals = createView();
        this.addSlot(pos, this.totals);
      }
      counts.fill(0, s[b + LO] as number, (s[b + HI] as number) + 1);
    }
    this.stamps[pos] = abs;
    s[b + N] = 0;
    s[b + SUM] = 0;
    s[b + MAX] = 0;
    s[b + ERRORS] = 0;
    s[b + LO] = COUNTS_LENGTH;
    s[b + HI] = -1;
  }

  private promote(pos: number): Uint32Array {
    const wider = Uint32Array.from(this.counts[pos] as Uint16Array);
    this.counts[pos] = wider;
    return wider;
  }
}
