// One label set of a custom histogram: the observe() path (HDR slot by integer math), the sliding window (two
// slots of windowMs), the since-start totals, the history bucket and the Prometheus buckets. Counts are kept as
// SlotCounts (pages of HDR slots allocated as values land, freed when a window slot, a bucket or the staged values
// are done with): a label set with a handful of values costs a few KB, not ~0.5 MB of dense HDR arrays.

import type * as hdr from 'hdr-histogram-js';
import { hdrLibrary } from '../latency/histogram.js';
import { type HistogramDelta, recordDelta } from './histogram-delta.js';
import { MergedWindow } from './merged-window.js';
import { encodeValue } from './precision.js';
import { hdrSlot, SlotCounts, stageSlot } from './slot-counts.js';
import type { HistogramFigures } from './types.js';

export { stageSlot } from './slot-counts.js';

const BUILD: hdr.BuildRequest = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 1_000_000_000,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
};

/** A dense hdr-histogram-js histogram of the same slots (figures, history points: built when read, not kept per set). */
export function createCustomHistogram(): hdr.Histogram {
  return hdrLibrary().build(BUILD);
}

/** Below it, a value's slot is computed with 32-bit integer math (stageSlot). */
const STAGE_LIMIT = 2 ** 30;

export class HistogramCell {
  /** Since start, values per Prometheus bucket (`le` exact on the value, not on its HDR slot); +Inf last. */
  readonly le: Float64Array;
  /** What observe() (and absorb() without a time) recorded since the last drain; drain() moves it into the rest. */
  recent = new SlotCounts();
  recentSum = 0;
  /** The sliding window: two slots of windowMs, the older dropped (its pages freed) as a new one starts. */
  current = new SlotCounts(true);
  previous = new SlotCounts(true);
  currentSum = 0;
  previousSum = 0;
  currentStart = Number.NaN;
  readonly total = new SlotCounts();
  totalSum = 0;
  bucket = new SlotCounts();
  bucketSum = 0;
  /** Bumped whenever the window's counts change (its figures are read again only then). */
  version = 0;
  /** The window's figures at `figuresVersion` (CustomHistogram.snapshot). */
  figures: HistogramFigures | undefined;
  figuresVersion = -1;
  /** Extremes (encoded, and exact: takeLo/takeHi) of what was drained since the last cluster take (takeStates). */
  takeMin = Number.POSITIVE_INFINITY;
  takeMax = -1;
  takeLo = Number.POSITIVE_INFINITY;
  takeHi = Number.NEGATIVE_INFINITY;

  dropped = 0; // values ignored (NaN, negative, infinite, too large)

  /** `merged`: the histogram's window over every label set, kept equal to the sum of each one's two slots. */
  constructor(
    private readonly bounds: Float64Array,
    private readonly merged: MergedWindow = new MergedWindow(),
  ) {
    this.le = new Float64Array(bounds.length + 1);
  }

  observe(v: unknown): void {
    // Not a number (a string, a bigint, undefined): ignored before any arithmetic, which would throw or coerce.
    if (typeof v !== 'number') {
      this.dropped++;
      return;
    }
    // Encoded above 2^53 (a value above 2^60, ~1.15e18) HDR cannot count it (the sum would keep it): ignored, like NaN.
    const x = encodeValue(v);
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY || x > Number.MAX_SAFE_INTEGER) {
      this.dropped++;
      return;
    }
    this.recent.increment(x < STAGE_LIMIT ? stageSlot(x) : hdrSlot(x), x, v);
    this.recentSum += v;
    const b = this.bounds;
    const n = b.length;
    let i = 0;
    while (i < n && v > b[i]!) i++;
    this.le[i]!++;
  }

  /**
   * Moves what was recorded into the window, the bucket and the totals; rotates the window. `aligned` (a cluster
   * aggregator's histogram, whose values come with the time they were recorded: place()): the slots are the
   * clock's multiples of windowMs, so that a value goes into the slot of its recording, whenever it arrives.
   */
  drain(now: number, windowMs: number, aligned = false): void {
    if (aligned) now -= now % windowMs;
    if (Number.isNaN(this.currentStart)) this.currentStart = now;
    if (now - this.currentStart >= windowMs) {
      const old = this.previous;
      this.previous = this.current;
      this.previousSum = this.currentSum;
      this.drop(old);
      this.current = old;
      this.currentSum = 0;
      // Two windows gone by without a snapshot: the older slot is stale too.
      if (now - this.currentStart >= 2 * windowMs) {
        this.drop(this.previous);
        this.previousSum = 0;
      }
      this.currentStart = now;
      this.version++;
    }
    const r = this.recent;
    if (r.totalCount === 0) return;
    if (r.maxValue > this.takeMax) this.takeMax = r.maxValue;
    if (r.minNonZeroValue < this.takeMin) this.takeMin = r.minNonZeroValue;
    if (r.lo < this.takeLo) this.takeLo = r.lo;
    if (r.hi > this.takeHi) this.takeHi = r.hi;
    const { current, total, bucket } = this;
    widen(current, r);
    widen(total, r);
    widen(bucket, r);
    this.version++;
    this.currentSum += this.recentSum;
    this.totalSum += this.recentSum;
    this.bucketSum += this.recentSum;
    // One walk of the pages counted since the last drain (not of every page): each count added to the window, the
    // totals, the history bucket and the histogram's merged window; then zeroed, kept.
    r.moveInto(current, total, bucket, this.merged);
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
      this.addToWindow(this.current, d);
      this.currentSum += d.sum;
    } else if (h === 'previous') {
      this.addToWindow(this.previous, d);
      this.previousSum += d.sum;
    }
    recordDelta(this.total, d);
    this.totalSum += d.sum;
    recordDelta(this.bucket, d);
    this.bucketSum += d.sum;
    if (d.max > this.takeMax) this.takeMax = d.max;
    if (Number.isFinite(d.min) && d.min > 0 && d.min < this.takeMin) this.takeMin = d.min;
    if (d.slots.length > 0 && typeof d.lo === 'number' && typeof d.hi === 'number') {
      if (d.lo < this.takeLo) this.takeLo = d.lo;
      if (d.hi > this.takeHi) this.takeHi = d.hi;
    }
  }

  /** Adds another process's values to one of the window's slots (and to the merged window). */
  addToWindow(slot: SlotCounts, d: HistogramDelta): void {
    recordDelta(slot, d);
    recordDelta(this.merged, d);
    this.version++;
  }

  /** Empties a window slot that leaves the window, taking its counts off the merged window (once per value). */
  private drop(slot: SlotCounts): void {
    this.merged.remove(slot);
    // Its arrays kept while it was in use (the next slot fills as much), freed once a slot went by empty.
    slot.reset(slot.totalCount === 0);
  }
}

/** Takes in another's extremes, encoded and exact (as SlotCounts.add does). */
function widen(h: SlotCounts, r: SlotCounts): void {
  if (r.maxValue > h.maxValue) h.maxValue = r.maxValue;
  if (r.minNonZeroValue < h.minNonZeroValue) h.minNonZeroValue = r.minNonZeroValue;
  if (r.lo < h.lo) h.lo = r.lo;
  if (r.hi > h.hi) h.hi = r.hi;
  if (!r.extremesKnown) h.extremesKnown = false;
}
