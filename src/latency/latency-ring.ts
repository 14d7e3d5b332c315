// Allocation-free latency recording in the shared HDR histogram layout, over rotating sub-windows;
// hdr-histogram-js objects are built only on read.
//
// Why not call `histogram.recordValue()` on the hot path: hdr-histogram-js computes the slot with
// Math.log2/pow and costs ~90–190 ns per value here, and a request lands in several histograms
// (window, route, history bucket). Computing the slot once with integer math and incrementing
// plain typed arrays costs a few ns per histogram. The slot layout is the one of
// src/latency/histogram.ts's config (read from a probe histogram, checked against hdr-histogram-js in
// test/latency-ring.test.ts), so everything converts to an exact, mergeable hdr histogram.

import { createHistogram, HISTOGRAM_CONFIG, type Histogram, type LatencySummary } from './histogram.js';

// The JS histogram's layout fields, computed from the shared config with hdr-histogram-js's own formulas
// (checked against a built histogram in test/latency/latency-ring.test.ts), so that importing this
// module does not load hdr-histogram-js.
const HDR = HISTOGRAM_CONFIG;
const UNIT_MAGNITUDE = Math.floor(Math.log2(HDR.lowestDiscernibleValue));
const HALF_MAGNITUDE =
  Math.max(1, Math.ceil(Math.log2(2 * Math.floor(10 ** HDR.numberOfSignificantValueDigits)))) - 1;
const SUB_BUCKET_COUNT = 2 ** (HALF_MAGNITUDE + 1);
const HALF_COUNT = SUB_BUCKET_COUNT / 2;
function bucketsToCover(value: number): number {
  let smallestUntrackable = SUB_BUCKET_COUNT * 2 ** UNIT_MAGNITUDE;
  let buckets = 1;
  while (smallestUntrackable <= value) {
    smallestUntrackable *= 2;
    buckets++;
  }
  return buckets;
}
/** Length of one counts array (3,328 slots for the shared config). */
export const COUNTS_LENGTH: number = (bucketsToCover(HDR.highestTrackableValue) + 1) * HALF_COUNT;
/** Values are clamped to this many microseconds (integer math below works on 32-bit values). */
export const MAX_MICROS: number = Math.min(HDR.highestTrackableValue, 0xffffffff);
const MAX_MS = MAX_MICROS / 1000;

/** Microseconds (integer, >= 1, clamped to MAX_MICROS) for a duration in ms; -1 when not a duration. */
export function microsOf(ms: number): number {
  if (!(ms >= 0)) return -1; // NaN, negative, non-numbers
  if (ms >= MAX_MS) return ms === Number.POSITIVE_INFINITY ? -1 : MAX_MICROS;
  const us = Math.round(ms * 1000);
  return Math.max(us, 1);
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
export function slotHighest(slot: number): number {
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

function addCounts(
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

// Per sub-window figures, one stride each in a single Float64Array (fewer cache lines per record).
const STAMP = 0;
const N = 1;
const SUM = 2;
const MAX = 3;
const ERRORS = 4;
const LO = 5;
const HI = 6;
const STRIDE = 7;

type View = CountsView & { counts: Float64Array };

// Counts widen as they grow: most sub-windows of most routes never see 256 values in one slot.
type Counts = Uint8Array | Uint16Array | Uint32Array;
const MAX_COUNT: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

/** Largest count each element type of a cumulative counts array holds; Float64 is exact to 2^53. */
const CUMULATIVE_LIMIT: Record<number, number> = {
  1: 0xff,
  2: 0xffff,
  4: 0xffffffff,
  8: Number.POSITIVE_INFINITY,
};

/**
 * Every value since start, kept as values are recorded (one more increment beside the ring's), so
 * that reading totals is a hand-over of this object rather than a merge of every ring's sub-windows
 * (a Prometheus scrape of 100 routes merged ~500 counts arrays, 4.4 ms).
 *
 * It is its own CountsView and stays live: a reader that needs a stable copy takes it synchronously.
 * Counts widen as the rings' do (Uint8 3.3 KB, Uint16 6.5 KB, Uint32 13 KB), and past 2^32 in one slot
 * to Float64 (26 KB), exact to 2^53: no count wraps, and the array is allocated once per widening.
 */
export class CumulativeCounts implements CountsView {
  counts: Uint8Array | Uint16Array | Uint32Array | Float64Array = new Uint8Array(COUNTS_LENGTH);
  n = 0;
  sum = 0;
  max = 0;
  lo: number = COUNTS_LENGTH;
  hi = -1;
  errors = 0;
  // The current element type's largest count: one comparison per add decides on widening.
  private limit = 0xff;

  /** Adds one value (its slot and µs, as for LatencyRing.record). O(1), allocation-free once wide enough. */
  add(slot: number, us: number, failed: boolean): void {
    let counts = this.counts;
    const c = (counts[slot] as number) + 1;
    if (c > this.limit) counts = this.widen();
    counts[slot] = c;
    this.n++;
    this.sum += us;
    if (us > this.max) this.max = us;
    if (failed) this.errors++;
    if (slot < this.lo) this.lo = slot;
    if (slot > this.hi) this.hi = slot;
  }

  /**
   * Adds many values at once (another process's or thread's counts, src/cluster/). Not the hot path:
   * it widens as far as the largest resulting count needs.
   */
  addSparse(s: SparseCounts): void {
    if (!(s.n > 0)) return;
    let counts = this.counts;
    for (let i = 0; i < s.slots.length; i++) {
      const slot = s.slots[i] as number;
      const c = (counts[slot] as number) + (s.counts[i] as number);
      while (c > this.limit) counts = this.widen();
      counts[slot] = c;
      if (slot < this.lo) this.lo = slot;
      if (slot > this.hi) this.hi = slot;
    }
    this.n += s.n;
    this.sum += s.sum;
    this.errors += s.errors;
    if (s.max > this.max) this.max = s.max;
  }

  /** Bytes held by the counts array. */
  get bytes(): number {
    return this.counts.byteLength;
  }

  private widen(): Uint16Array | Uint32Array | Float64Array {
    const from = this.counts;
    const wider =
      from.BYTES_PER_ELEMENT === 1
        ? Uint16Array.from(from)
        : from.BYTES_PER_ELEMENT === 2
          ? Uint32Array.from(from)
          : Float64Array.from(from);
    this.counts = wider;
    this.limit = CUMULATIVE_LIMIT[wider.BYTES_PER_ELEMENT] as number;
    return wider;
  }
}

/** Adds one view's figures into another (totals folding, merging several rings). */
export function addView(into: View, from: CountsView): void {
  if (from.n <= 0) return;
  addCounts(into, from.counts, from.lo, from.hi);
  into.n += from.n;
  into.sum += from.sum;
  into.errors += from.errors;
  if (from.max > into.max) into.max = from.max;
}

/**
 * Latency over a sliding window made of `slots` rotating sub-windows. The caller numbers
 * sub-windows (`abs`, increasing, e.g. floor(now / subWindowMs)) and passes `pos = abs % slots`,
 * so that one clock read serves several rings. A sub-window is cleared lazily when first written
 * with a newer number, so there is no timer and no sweep; reads keep sub-windows newer than
 * `abs - slots`.
 *
 * Counts start as Uint8Array (3.3 KB per sub-window) and a sub-window widens to Uint16Array (6.5 KB)
 * when one of its slots passes 255 and to Uint32Array (13 KB) past 65,535; arrays are allocated on a
 * sub-window's first use and reused after that (a widened one stays wide), so recording allocates
 * nothing once warm.
 *
 * Values since start are not the ring's business: callers keep a CumulativeCounts beside it.
 */
export class LatencyRing {
  readonly slots: number;
  private readonly meta: Float64Array;
  private readonly counts: Array<Counts | null>;

  constructor(slots: number) {
    this.slots = slots;
    this.meta = new Float64Array(slots * STRIDE);
    for (let pos = 0; pos < slots; pos++) this.meta[pos * STRIDE + STAMP] = Number.NaN;
    this.counts = new Array<Counts | null>(slots).fill(null);
  }

  record(abs: number, pos: number, slot: number, us: number, failed: boolean): void {
    const m = this.meta;
    const b = pos * STRIDE;
    if (m[b + STAMP] !== abs) this.open(abs, pos);
    let counts = this.counts[pos] as Counts;
    const c = (counts[slot] as number) + 1;
    if (c === 0x100 || c === 0x10000) counts = this.widen(pos, c);
    counts[slot] = c;
    m[b + N]!++;
    m[b + SUM]! += us;
    if (us > (m[b + MAX] as number)) m[b + MAX] = us;
    if (failed) m[b + ERRORS]!++;
    if (slot < (m[b + LO] as number)) m[b + LO] = slot;
    if (slot > (m[b + HI] as number)) m[b + HI] = slot;
  }

  /** Adds many values at once to sub-window `abs` (merging another process's or thread's counts). */
  addSparse(abs: number, pos: number, s: SparseCounts): void {
    if (!(s.n > 0)) return;
    const m = this.meta;
    const b = pos * STRIDE;
    if (m[b + STAMP] !== abs) this.open(abs, pos);
    let counts = this.counts[pos] as Counts;
    for (let i = 0; i < s.slots.length; i++) {
      const slot = s.slots[i] as number;
      const c = Math.min((counts[slot] as number) + (s.counts[i] as number), 0xffffffff);
      if (c > MAX_COUNT[counts.BYTES_PER_ELEMENT]!) counts = this.widen(pos, c);
      counts[slot] = c;
      if (slot < (m[b + LO] as number)) m[b + LO] = slot;
      if (slot > (m[b + HI] as number)) m[b + HI] = slot;
    }
    m[b + N]! += s.n;
    m[b + SUM]! += s.sum;
    m[b + ERRORS]! += s.errors;
    if (s.max > (m[b + MAX] as number)) m[b + MAX] = s.max;
  }

  /** The sub-windows newer than `abs - slots`, merged into `into` (cleared first). */
  window(abs: number, into: View): CountsView {
    clearView(into);
    this.addWindow(abs, into);
    return into;
  }

  /** Adds the sub-windows newer than `abs - slots` to `into`. */
  addWindow(abs: number, into: View): void {
    for (let pos = 0; pos < this.slots; pos++) {
      const stamp = this.meta[pos * STRIDE + STAMP] as number;
      if (stamp > abs - this.slots && stamp <= abs) this.addSlot(pos, into);
    }
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    let bytes = this.meta.byteLength;
    for (const c of this.counts) if (c !== null) bytes += c.byteLength;
    return bytes;
  }

  private addSlot(pos: number, into: View): void {
    const m = this.meta;
    const b = pos * STRIDE;
    const n = m[b + N] as number;
    if (n === 0) return;
    addCounts(into, this.counts[pos] as Counts, m[b + LO] as number, m[b + HI] as number);
    into.n += n;
    into.sum += m[b + SUM] as number;
    into.errors += m[b + ERRORS] as number;
    if ((m[b + MAX] as number) > into.max) into.max = m[b + MAX] as number;
  }

  // Called on the first write of a newer sub-window: clears what the slot held.
  private open(abs: number, pos: number): void {
    const m = this.meta;
    const b = pos * STRIDE;
    const counts = this.counts[pos];
    if (counts === null || counts === undefined) {
      this.counts[pos] = new Uint8Array(COUNTS_LENGTH);
    } else if ((m[b + N] as number) > 0) {
      counts.fill(0, m[b + LO] as number, (m[b + HI] as number) + 1);
    }
    m[b + STAMP] = abs;
    m[b + N] = 0;
    m[b + SUM] = 0;
    m[b + MAX] = 0;
    m[b + ERRORS] = 0;
    m[b + LO] = COUNTS_LENGTH;
    m[b + HI] = -1;
  }

  // Called when a count reaches 256 or 65,536; widens the sub-window's array if it cannot hold it.
  private widen(pos: number, count: number): Counts {
    const counts = this.counts[pos] as Counts;
    if (count <= MAX_COUNT[counts.BYTES_PER_ELEMENT]!) return counts;
    const wider =
      counts.BYTES_PER_ELEMENT === 1 && count <= 0xffff ? Uint16Array.from(counts) : Uint32Array.from(counts);
    this.counts[pos] = wider;
    return wider;
  }
}
