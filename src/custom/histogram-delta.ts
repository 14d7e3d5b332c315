// Values another process recorded into a custom histogram, as HDR indices and counts, and how they are added to one.

import { decodeValue } from './precision.js';

/** A histogram's JS internals the cluster reads and writes by HDR index (hdr-histogram-js's, or SlotCounts). */
export interface HdrIndexed {
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
}

/**
 * A custom histogram label set's HDR counts (3 significant digits, encoded values: precision.ts), as `totals()` gives them: the
 * count, exact max and least value above 0, percentiles as hdr-histogram-js reads them, and the counts by HDR index.
 */
export interface HistogramCounts {
  /** Values counted. */
  readonly totalCount: number;
  /** The largest value counted, exact (encoded; 0 when none). */
  readonly maxValue: number;
  /** Number.MAX_SAFE_INTEGER while no value above 0 was recorded (as hdr-histogram-js). */
  readonly minNonZeroValue: number;
  /** The value (encoded) at a percentile (0–100), as hdr-histogram-js's getValueAtPercentile on these counts. */
  getValueAtPercentile(percentile: number): number;
  /** The HDR index of a value (encoded). */
  countsArrayIndex(value: number): number;
  /** The count at an HDR index. */
  getCountAtIndex(index: number): number;
  /** The lowest value (encoded) of an HDR index. */
  valueFromIndex(index: number): number;
}

/** What a delta is recorded into (an hdr-histogram-js histogram, or SlotCounts). */
export interface DeltaTarget {
  countsArrayIndex(value: number): number;
  valueFromIndex(index: number): number;
  recordValueWithCount(value: number, count: number): void;
  /** Widens the target's exact extremes (SlotCounts; a dense hdr-histogram-js histogram has none). */
  widen?(lo: number, hi: number): void;
}

/** Values recorded by another process, by HDR index (encoded values), with their exact extremes. */
export interface HistogramDelta {
  slots: readonly number[];
  counts: readonly number[];
  /** Min above 0 and max of the values, encoded (min: +Infinity when only zeros). */
  min: number;
  max: number;
  /** The exact least and largest values, in the metric's unit (absent: read from the encoded ones). */
  lo?: number;
  hi?: number;
  sum: number;
  /** Values per Prometheus bucket, +Inf last. */
  le: readonly number[];
}

/**
 * Records `d` into `h` index by index: each count at a value of its slot (so every index gets the
 * count recordValue() would have given it), the slots of the exact min and max at those values.
 */
export function recordDelta(h: DeltaTarget, d: HistogramDelta): void {
  const x = h;
  const minSlot = Number.isFinite(d.min) && d.min > 0 ? x.countsArrayIndex(d.min) : -1;
  const maxSlot = d.max >= 0 ? x.countsArrayIndex(d.max) : -1;
  for (let i = 0; i < d.slots.length; i++) {
    const slot = d.slots[i] as number;
    const c = d.counts[i] as number;
    if (slot === maxSlot) {
      if (slot === minSlot && c > 1) h.recordValueWithCount(d.min, c - 1);
      h.recordValueWithCount(d.max, slot === minSlot && c > 1 ? 1 : c);
    } else if (slot === minSlot) h.recordValueWithCount(d.min, c);
    else h.recordValueWithCount(x.valueFromIndex(slot), c);
  }
  if (h.widen && d.slots.length > 0) {
    if (typeof d.lo === 'number' && typeof d.hi === 'number') h.widen(d.lo, d.hi);
    else {
      // Without them (a sender that kept none): the encoded extremes, within half a unit of the values'.
      const zero = d.slots[0] === 0;
      h.widen(zero || !Number.isFinite(d.min) ? 0 : decodeValue(d.min), decodeValue(d.max));
    }
  }
}
