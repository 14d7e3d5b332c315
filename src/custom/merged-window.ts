// A custom histogram's window merged over its label sets, as the sums percentiles search: the count of each HDR
// bucket (1,024 slots) and of each page (32 slots) over every label set's two window slots, kept as they change
// (values drained in, cluster values added, a slot leaving the window taken off by its page sums). The slots of
// the page a percentile falls in are read from the label sets themselves. Dense and small (~11 KB per histogram,
// not per label set), so a sample adds each new value's slot with two writes that stay in cache, and reads the
// merged figures in ~45 + 32 + 32 steps plus one page per label set, where it merged every label set's window
// slot by slot (outside review 18, F2).

import {
  hdrSlot,
  PAGE_SLOTS,
  percentileTarget,
  SLOT_BUCKETS,
  type SlotCounts,
  slotLowest,
  slotWork,
  valueAt,
} from './slot-counts.js';

const PAGES = SLOT_BUCKETS * (1024 / PAGE_SLOTS);

export class MergedWindow {
  private readonly bucketSums = new Float64Array(SLOT_BUCKETS);
  private pageSums: Float64Array | undefined;
  totalCount = 0;

  /** Adds `count` at `slot`. */
  add(slot: number, count: number): void {
    this.pageSums ??= new Float64Array(PAGES);
    this.pageSums[slot >>> 5]! += count;
    this.bucketSums[slot >>> 10]! += count;
    this.totalCount += count;
  }

  /** Takes a window slot's counts off (it leaves the window): by its pages, not its slots. */
  remove(slot: SlotCounts): void {
    if (slot.totalCount === 0 || this.pageSums === undefined) return;
    const pages = this.pageSums;
    const buckets = this.bucketSums;
    slot.forEachPage((page, c) => {
      pages[page]! -= c;
      buckets[page >>> 5]! -= c;
    });
    this.totalCount -= slot.totalCount;
    slotWork.visits += SLOT_BUCKETS;
  }

  // DeltaTarget (recordDelta): another process's values, by the slot of each value.
  countsArrayIndex(v: number): number {
    return hdrSlot(v);
  }
  valueFromIndex(slot: number): number {
    return slotLowest(slot);
  }
  recordValueWithCount(v: number, count: number): void {
    this.add(hdrSlot(v), count);
  }

  /**
   * The value at percentile `p` of the merged window (`parts`: every label set's window slots), as
   * hdr-histogram-js's getValueAtPercentile on the merged counts (valueAtPercentile's search, over these sums).
   */
  valueAtPercentile(parts: readonly SlotCounts[], p: number): number {
    const pages = this.pageSums;
    if (pages === undefined) return 0;
    const target = percentileTarget(p, this.totalCount);
    let running = 0;
    for (let b = 0; b < SLOT_BUCKETS; b++) {
      slotWork.visits++;
      const s = this.bucketSums[b] as number;
      if (running + s < target) {
        running += s;
        continue;
      }
      for (let page = b << 5; page < (b + 1) << 5; page++) {
        slotWork.visits++;
        const ps = pages[page] as number;
        if (running + ps < target) {
          running += ps;
          continue;
        }
        const counts = new Float64Array(PAGE_SLOTS);
        for (const part of parts) part.addPage(page, counts);
        for (let i = 0; i < PAGE_SLOTS; i++) {
          running += counts[i] as number;
          if (running >= target) return valueAt(page * PAGE_SLOTS + i, p);
        }
      }
    }
    return 0;
  }
}
