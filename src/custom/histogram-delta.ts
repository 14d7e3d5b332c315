// Values another process recorded into a custom histogram, as HDR indices and counts, and how they are added to one.

import type * as hdr from 'hdr-histogram-js';

/** A histogram's JS internals the cluster reads and writes by HDR index. */
export interface HdrIndexed {
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
}

/** Values recorded by another process, by HDR index (thousandths), with their exact extremes. */
export interface HistogramDelta {
  slots: readonly number[];
  counts: readonly number[];
  /** Exact min above 0 and max of the values, thousandths (min: +Infinity when only zeros). */
  min: number;
  max: number;
  sum: number;
  /** Values per Prometheus bucket, +Inf last. */
  le: readonly number[];
}

/**
 * Records `d` into `h` index by index: each count at a value of its slot (so every index gets the
 * count recordValue() would have given it), the slots of the exact min and max at those values.
 */
export function recordDelta(h: hdr.Histogram, d: HistogramDelta): void {
  const x = h as unknown as HdrIndexed;
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
}
