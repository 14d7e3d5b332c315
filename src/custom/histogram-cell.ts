// One label set of a custom histogram: the staged observe() path (HDR slot by integer math), the sliding
// window (two slots of windowMs), the since-start totals, the history bucket and the Prometheus buckets.

import type * as hdr from 'hdr-histogram-js';
import { hdrLibrary } from '../latency/histogram.js';
import { type HistogramDelta, recordDelta } from './histogram-delta.js';

/** Values are kept in thousandths: 0.001 is the smallest step told apart. */
export const HISTOGRAM_SCALE = 1000;

const BUILD: hdr.BuildRequest = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 1_000_000_000,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
};

export function createCustomHistogram(): hdr.Histogram {
  return hdrLibrary().build(BUILD);
}

/**
 * `h` emptied for reuse, or a new histogram when a huge value made it grow (autoResize): hdr-histogram-js
 * adds a histogram of another size slot by slot at each slot's lowest value, so a grown histogram, reset
 * and reused, turned the next exact value into its slot's lowest (1234.567 read 1233.92, and in another
 * metric too, through the shared scratch histogram).
 */
export function renewed(h: hdr.Histogram): hdr.Histogram {
  if (h.highestTrackableValue !== BUILD.highestTrackableValue) return createCustomHistogram();
  h.reset();
  return h;
}

/**
 * Values below 2^30 thousandths (about 1,073,741.8) are staged by their HDR slot, computed with integer math
 * (hdr-histogram-js computes it with Math.log2, floor and pow: most of the ~200 ns observe() cost):
 * for BUILD (3 significant digits, unit 1) the slot of v is `(b << 10) + (v >>> b)` with b the bucket,
 * `max(0, floor(log2 v) - 10)`, exactly as hdr-histogram-js's countsArrayIndex. Larger values take the
 * library's own (autoResize) path.
 */
const STAGE_LIMIT = 2 ** 30;
/** Slots below STAGE_LIMIT: 20 buckets of 1024 plus the lower half of bucket 0 (hdr's countsArrayLength). */
const STAGE_LENGTH = 21 * 1024;

/** The HDR slot of an integer 0 <= v < STAGE_LIMIT. */
export function stageSlot(v: number): number {
  const b = Math.max(0, 21 - Math.clz32(v));
  return (b << 10) + (v >>> b);
}

/** The lowest value of a slot, as hdr-histogram-js's valueFromIndex. */
function slotLowest(slot: number): number {
  const b = Math.max(0, (slot >> 10) - 1);
  return (slot - (b << 10)) * 2 ** b;
}

export class HistogramCell {
  /** Since start, values per Prometheus bucket (`le` exact on the value, not on its HDR slot); +Inf last. */
  readonly le: Float64Array;
  /** What observe() wrote since the last drain, by HDR slot (allocated on the first value). */
  private stage: Uint32Array | undefined;
  private stageLo = STAGE_LENGTH;
  private stageHi = -1;
  /** Exact extremes of the staged values (thousandths), so that the drained histogram's min and max are exact. */
  private stageMin = Number.POSITIVE_INFINITY;
  private stageMax = -1;
  /** Staged values above STAGE_LIMIT go straight into it; drain() moves the stage in, then it into the rest. */
  recent = createCustomHistogram();
  recentSum = 0;
  /** The sliding window: two slots of windowMs, the older dropped as a new one starts. */
  current = createCustomHistogram();
  previous = createCustomHistogram();
  currentSum = 0;
  previousSum = 0;
  currentStart = Number.NaN;
  readonly total = createCustomHistogram();
  totalSum = 0;
  bucket = createCustomHistogram();
  bucketSum = 0;
  /** Exact extremes (thousandths) of what was drained since the last cluster take (takeExtremes). */
  takeMin = Number.POSITIVE_INFINITY;
  takeMax = -1;

  dropped = 0; // values ignored (NaN, negative, infinite, too large)

  constructor(private readonly bounds: Float64Array) {
    this.le = new Float64Array(bounds.length + 1);
  }

  observe(v: unknown): void {
    // Not a number (a string, a bigint, undefined): ignored before any arithmetic, which would throw or coerce.
    if (typeof v !== 'number') {
      this.dropped++;
      return;
    }
    // Above 2^53 thousandths (~9.007e12) HDR cannot count a value (the sum would keep it): ignored, like NaN.
    const x = Math.round(v * HISTOGRAM_SCALE);
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY || x > Number.MAX_SAFE_INTEGER) {
      this.dropped++;
      return;
    }
    if (x < STAGE_LIMIT) {
      const slot = stageSlot(x);
      let stage = this.stage;
      if (stage === undefined) {
        stage = new Uint32Array(STAGE_LENGTH);
        this.stage = stage;
      }
      stage[slot]!++;
      if (slot < this.stageLo) this.stageLo = slot;
      if (slot > this.stageHi) this.stageHi = slot;
      if (x > this.stageMax) this.stageMax = x;
      if (x < this.stageMin && x > 0) this.stageMin = x;
    } else {
      this.recent.recordValue(x);
    }
    this.recentSum += v;
    const b = this.bounds;
    const n = b.length;
    let i = 0;
    while (i < n && v > b[i]!) i++;
    this.le[i]!++;
  }

  /**
   * Moves the staged counts into `recent`: each slot's count at a value of that slot, so that every HDR
   * index gets the count it would have had from recordValue(); the slots of the exact min and max are
   * recorded at those values, so that minNonZeroValue and maxValue are exact too.
   */
  private unstage(): void {
    const stage = this.stage;
    if (stage === undefined || this.stageHi < 0) return;
    const h = this.recent;
    const minSlot = this.stageMin === Number.POSITIVE_INFINITY ? -1 : stageSlot(this.stageMin);
    const maxSlot = stageSlot(this.stageMax);
    for (let slot = this.stageLo; slot <= this.stageHi; slot++) {
      const c = stage[slot]!;
      if (c === 0) continue;
      stage[slot] = 0;
      if (slot === maxSlot) {
        if (slot === minSlot && c > 1) h.recordValueWithCount(this.stageMin, c - 1);
        h.recordValueWithCount(this.stageMax, slot === minSlot && c > 1 ? 1 : c);
      } else if (slot === minSlot) h.recordValueWithCount(this.stageMin, c);
      else h.recordValueWithCount(slotLowest(slot), c);
    }
    this.stageLo = STAGE_LENGTH;
    this.stageHi = -1;
    this.stageMin = Number.POSITIVE_INFINITY;
    this.stageMax = -1;
  }

  /**
   * Moves what was recorded into the window, the bucket and the totals; rotates the window. `aligned` (a cluster
   * aggregator's histogram, whose values come with the time they were recorded: place()): the slots are the
   * clock's multiples of windowMs, so that a value goes into the slot of its recording, whenever it arrives.
   */
  drain(now: number, windowMs: number, aligned = false): void {
    this.unstage();
    if (aligned) now -= now % windowMs;
    if (Number.isNaN(this.currentStart)) this.currentStart = now;
    if (now - this.currentStart >= windowMs) {
      const old = this.previous;
      this.previous = this.current;
      this.previousSum = this.currentSum;
      this.current = renewed(old);
      this.currentSum = 0;
      // Two windows gone by without a snapshot: the older slot is stale too.
      if (now - this.currentStart >= 2 * windowMs) {
        this.previous = renewed(this.previous);
        this.previousSum = 0;
      }
      this.currentStart = now;
    }
    if (this.recent.totalCount === 0) return;
    if (this.recent.maxValue > this.takeMax) this.takeMax = this.recent.maxValue;
    if (this.recent.minNonZeroValue < this.takeMin) this.takeMin = this.recent.minNonZeroValue;
    this.current.add(this.recent);
    this.total.add(this.recent);
    this.bucket.add(this.recent);
    this.currentSum += this.recentSum;
    this.totalSum += this.recentSum;
    this.bucketSum += this.recentSum;
    this.recent = renewed(this.recent);
    this.recentSum = 0;
  }

  /**
   * Adds values another process recorded at `at` (steady ms, within one aligned slot) once the window is drained
   * (drain(now, windowMs, true)): into the slot of `at` (none when it has left the window), the bucket, the totals.
   */
  place(d: HistogramDelta, at: number, windowMs: number): void {
    const slot = at - (at % windowMs);
    const h =
      slot >= this.currentStart ? 'current' : slot >= this.currentStart - windowMs ? 'previous' : null;
    if (h === 'current') {
      recordDelta(this.current, d);
      this.currentSum += d.sum;
    } else if (h === 'previous') {
      recordDelta(this.previous, d);
      this.previousSum += d.sum;
    }
    recordDelta(this.total, d);
    this.totalSum += d.sum;
    recordDelta(this.bucket, d);
    this.bucketSum += d.sum;
    if (d.max > this.takeMax) this.takeMax = d.max;
    if (Number.isFinite(d.min) && d.min > 0 && d.min < this.takeMin) this.takeMin = d.min;
  }
}
