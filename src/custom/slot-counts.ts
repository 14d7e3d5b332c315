// The counts of one custom-histogram label set by HDR slot (3 significant digits, unit 1: hdr-histogram-js's own
// indices, so that percentiles stay those of the merged HDR counts), stored in pages of 32 slots given a place when
// a value first lands in one and freed at reset(): memory follows what was recorded, not the value range. A dense
// hdr-histogram-js histogram (~86 KB from 1 to 1e9, ~21 K slots of 32 bits) per window slot, total,
// history bucket and staging area cost ~0.5 MB per label set whatever it held (outside review 9b, F3).

import type * as hdr from 'hdr-histogram-js';
import { hdrSlot, slotLowest, valueAt } from './hdr-slots.js';

export { hdrSlot, slotLowest, stageSlot, valueAt } from './hdr-slots.js';

/** Slots per page (a page is 128 bytes of 32-bit counts, as the hdr-histogram-js histograms they replace). */
const PAGE_BITS = 5;
const PAGE = 1 << PAGE_BITS;
/** Slots per page. */
export const PAGE_SLOTS = PAGE;
const NO_PAGES = new Uint16Array(0);
const NO_COUNTS = new Uint32Array(0);
const NO_SUMS = new Float64Array(0);
/** HDR buckets (1,024 slots, 32 pages each) up to 2^53 (encoded values: precision.ts): slot 45,056 is in bucket 44. */
export const SLOT_BUCKETS = 45;
/** Slot bits of a bucket. */
export const BUCKET_BITS = 10;

/**
 * Work done on counts outside observe(): slots, pages and buckets visited or added to, summed (read by
 * test/custom/sample-cost.test.ts, which bounds a sample's work by what was observed since the previous one).
 * @internal
 */
export const slotWork = { visits: 0 };

/**
 * HDR counts by slot, with the exact count, max and least value above 0; reads as much of an hdr-histogram-js
 * histogram as the cluster code reads (totalCount, maxValue, minNonZeroValue, countsArrayIndex, getCountAtIndex,
 * valueFromIndex, recordValueWithCount). Two typed arrays, whatever the number of pages: the pages' counts one
 * after the other in order of first use (`counts`), and where each page is (`table`, by page number: its position
 * + 1, 0 when absent), as long as the highest page used (≤ 2.8 KB at 2^53, 1.3 KB below 2^30).
 */
export class SlotCounts {
  private table: Uint16Array = NO_PAGES;
  private counts: Uint32Array = NO_COUNTS;
  /** The sum of each page's counts, by position (as `counts`), and of each HDR bucket's: percentiles search them. */
  private pageSums: Float64Array = NO_SUMS;
  private bucketSums: Float64Array = NO_SUMS;
  private pages = 0;
  /** The page number at each position (what a walk of the counts in place order reads). */
  private pageAt: Uint16Array = NO_PAGES;
  totalCount = 0;
  maxValue = 0;
  /** As hdr-histogram-js's: Number.MAX_SAFE_INTEGER until a value above 0 is recorded. */
  minNonZeroValue = Number.MAX_SAFE_INTEGER;
  /**
   * The exact least and largest values counted (in the metric's unit, not encoded): +/-Infinity while none, or
   * while some counts came without them (`extremesKnown` false: figures then read the encoded ones).
   */
  lo = Number.POSITIVE_INFINITY;
  hi = Number.NEGATIVE_INFINITY;
  extremesKnown = true;

  /** `searchable`: keeps the page and bucket sums percentiles search (a window slot). */
  constructor(private readonly searchable = false) {}

  /** Counts the value `real` (encoded as the integer `v`) of slot `slot` once: the observe() path. */
  increment(slot: number, v: number, real: number): void {
    if (real < this.lo) this.lo = real;
    if (real > this.hi) this.hi = real;
    const p = slot >>> PAGE_BITS;
    const at = p < this.table.length ? (this.table[p] as number) : 0;
    const base = at === 0 ? this.place(p) : (at - 1) << PAGE_BITS;
    const i = base + (slot & (PAGE - 1));
    this.counts[i]! += 1;
    if (this.searchable) {
      this.pageSums[base >>> PAGE_BITS]!++;
      this.bucketSums[slot >>> BUCKET_BITS]!++;
    }
    this.totalCount++;
    if (v > this.maxValue) this.maxValue = v;
    if (v < this.minNonZeroValue && v > 0) this.minNonZeroValue = v;
  }

  countsArrayIndex(v: number): number {
    return hdrSlot(v);
  }

  valueFromIndex(slot: number): number {
    return slotLowest(slot);
  }

  getCountAtIndex(slot: number): number {
    const p = slot >>> PAGE_BITS;
    const at = p < this.table.length ? (this.table[p] as number) : 0;
    return at === 0 ? 0 : (this.counts[((at - 1) << PAGE_BITS) + (slot & (PAGE - 1))] as number);
  }

  /** Widens the exact extremes (values counted by recordValueWithCount or addAtIndex come without theirs). */
  widen(lo: number, hi: number): void {
    if (!(lo <= hi)) {
      this.extremesKnown = false;
      return;
    }
    if (lo < this.lo) this.lo = lo;
    if (hi > this.hi) this.hi = hi;
  }

  recordValueWithCount(v: number, count: number): void {
    this.addAtIndex(hdrSlot(v), count);
    if (v > this.maxValue) this.maxValue = v;
    if (v < this.minNonZeroValue && v > 0) this.minNonZeroValue = v;
  }

  /** Adds `count` at `slot` (counts only: the extremes are not known by slot). */
  addAtIndex(slot: number, count: number): void {
    slotWork.visits++;
    const p = slot >>> PAGE_BITS;
    const at = p < this.table.length ? (this.table[p] as number) : 0;
    const base = at === 0 ? this.place(p) : (at - 1) << PAGE_BITS;
    const i = base + (slot & (PAGE - 1));
    this.counts[i]! += count;
    if (this.searchable) {
      this.pageSums[base >>> PAGE_BITS]! += count;
      this.bucketSums[slot >>> BUCKET_BITS]! += count;
    }
    this.totalCount += count;
  }

  /**
   * Calls `fn` for each slot with a count, pages in the order they were given a place: one pass over the counts as
   * they lie in memory, whatever the slots' spread (a drain, a history bucket).
   */
  forEachCounted(fn: (slot: number, count: number) => void): void {
    const counts = this.counts;
    const pageAt = this.pageAt;
    slotWork.visits += this.pages * PAGE;
    for (let at = 0; at < this.pages; at++) {
      const base = at << PAGE_BITS;
      const first = (pageAt[at] as number) << PAGE_BITS;
      for (let i = 0; i < PAGE; i++) {
        const c = counts[base + i] as number;
        if (c !== 0) fn(first + i, c);
      }
    }
  }

  /**
   * Adds every count to `a`, `b` and `c` and to `also` (the drain: the window, totals, history bucket and merged
   * window), walking the placed pages in memory order, then empties it, its arrays kept (observe() fills it again
   * until the next sample: its size is one sample interval's spread). Extremes (encoded and exact) are not moved:
   * the caller widens the targets first.
   */
  moveInto(
    a: SlotCounts,
    b: SlotCounts,
    c: SlotCounts,
    also: { add(slot: number, count: number): void },
  ): void {
    const counts = this.counts;
    const pageAt = this.pageAt;
    const table = this.table;
    slotWork.visits += this.pages * (PAGE + 1);
    for (let at = 0; at < this.pages; at++) {
      const base = at << PAGE_BITS;
      const page = pageAt[at] as number;
      const first = page << PAGE_BITS;
      for (let i = 0; i < PAGE; i++) {
        const n = counts[base + i] as number;
        if (n === 0) continue;
        a.addAtIndex(first + i, n);
        b.addAtIndex(first + i, n);
        c.addAtIndex(first + i, n);
        also.add(first + i, n);
      }
      table[page] = 0;
    }
    counts.fill(0, 0, this.pages << PAGE_BITS);
    this.emptied();
  }

  /** Calls `fn` with each page's number and count (a searchable one). */
  forEachPage(fn: (page: number, count: number) => void): void {
    slotWork.visits += this.pages;
    for (let at = 0; at < this.pages; at++) fn(this.pageAt[at] as number, this.pageSums[at] as number);
  }

  /** Adds the 32 counts of page `page` to `into` (nothing when absent). */
  addPage(page: number, into: Float64Array): void {
    const at = page < this.table.length ? (this.table[page] as number) : 0;
    slotWork.visits++;
    if (at === 0) return;
    const base = (at - 1) << PAGE_BITS;
    slotWork.visits += PAGE;
    for (let i = 0; i < PAGE; i++) into[i]! += this.counts[base + i] as number;
  }

  /** The count of page `page` (0 when absent). */
  pageSum(page: number): number {
    const at = page < this.table.length ? (this.table[page] as number) : 0;
    return at === 0 ? 0 : (this.pageSums[at - 1] as number);
  }

  /** The count of HDR bucket `b` (slots b × 1024 …). */
  bucketSum(b: number): number {
    return b < this.bucketSums.length ? (this.bucketSums[b] as number) : 0;
  }

  /** Empties it; `release`: frees its arrays (a window slot, a bucket done with), else zeroes them for reuse. */
  reset(release = true): void {
    if (release) {
      this.table = NO_PAGES;
      this.counts = NO_COUNTS;
      this.pageSums = NO_SUMS;
      this.bucketSums = NO_SUMS;
      this.pageAt = NO_PAGES;
    } else {
      // Its arrays kept; only the pages it gave a place are zeroed (the work of what was counted).
      slotWork.visits += this.pages;
      for (let at = 0; at < this.pages; at++) this.table[this.pageAt[at] as number] = 0;
      this.counts.fill(0, 0, this.pages << PAGE_BITS);
      this.pageSums.fill(0, 0, this.pages);
      this.bucketSums.fill(0);
    }
    this.emptied();
  }

  /** Its figures once its counts are zeroed or freed: no page, no count, no extremes. */
  private emptied(): void {
    this.pages = 0;
    this.totalCount = 0;
    this.maxValue = 0;
    this.minNonZeroValue = Number.MAX_SAFE_INTEGER;
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = Number.NEGATIVE_INFINITY;
    this.extremesKnown = true;
  }

  /** Calls `fn` for each slot with a count, in increasing slot order. */
  forEach(fn: (slot: number, count: number) => void): void {
    const table = this.table;
    const counts = this.counts;
    for (let p = 0; p < table.length; p++) {
      const at = table[p] as number;
      if (at === 0) continue;
      const base = (at - 1) << PAGE_BITS;
      slotWork.visits += PAGE;
      for (let i = 0; i < PAGE; i++) {
        const c = counts[base + i] as number;
        if (c !== 0) fn((p << PAGE_BITS) + i, c);
      }
    }
  }

  /**
   * The value at percentile `p`, as hdr-histogram-js's getValueAtPercentile on the same counts: the first slot
   * whose running count reaches ceil(p% of the count) (less one ulp of slack, as the library), read as its highest
   * equivalent value (its lowest for p = 0).
   */
  getValueAtPercentile(p: number): number {
    if (this.searchable) return valueAtPercentile([this], this.totalCount, p);
    const target = percentileTarget(p, this.totalCount);
    const table = this.table;
    const counts = this.counts;
    let running = 0;
    for (let page = 0; page < table.length; page++) {
      const at = table[page] as number;
      if (at === 0) continue;
      const base = (at - 1) << PAGE_BITS;
      slotWork.visits += PAGE;
      for (let i = 0; i < PAGE; i++) {
        running += counts[base + i] as number;
        if (running < target) continue;
        return valueAt((page << PAGE_BITS) + i, p);
      }
    }
    return 0;
  }

  /** Adds another's counts (exact count, extremes). */
  add(other: SlotCounts): void {
    if (other.totalCount === 0) return;
    // addAtIndex counts them into totalCount.
    other.forEachCounted((slot, c) => {
      this.addAtIndex(slot, c);
    });
    if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
    if (other.minNonZeroValue < this.minNonZeroValue) this.minNonZeroValue = other.minNonZeroValue;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    if (!other.extremesKnown) this.extremesKnown = false;
  }

  /**
   * Adds its counts to an hdr-histogram-js histogram: each slot's count at a value of that slot, so that every HDR
   * index gets the count recordValue() would have given it; the slots of the exact min and max at those values, so
   * that the histogram's minNonZeroValue and maxValue are exact too.
   */
  addTo(h: hdr.Histogram): void {
    if (this.totalCount === 0) return;
    const min = this.minNonZeroValue;
    const max = this.maxValue;
    const minSlot = min <= max ? hdrSlot(min) : -1;
    const maxSlot = hdrSlot(max);
    this.forEachCounted((slot, c) => {
      if (slot === maxSlot) {
        if (slot === minSlot && c > 1) h.recordValueWithCount(min, c - 1);
        h.recordValueWithCount(max, slot === minSlot && c > 1 ? 1 : c);
      } else if (slot === minSlot) h.recordValueWithCount(min, c);
      else h.recordValueWithCount(slotLowest(slot), c);
    });
  }

  /** Gives page `p` a place in `counts` (grown by a quarter, at least 4 pages) and returns where it starts. */
  private place(p: number): number {
    if (p >= this.table.length) {
      const table = new Uint16Array(p + 1 + (p >>> 3));
      table.set(this.table);
      this.table = table;
    }
    const base = this.pages << PAGE_BITS;
    if (base + PAGE > this.counts.length) {
      const pages = Math.max(this.pages + 4, this.pages + (this.pages >>> 2));
      const counts = new Uint32Array(pages << PAGE_BITS);
      counts.set(this.counts);
      this.counts = counts;
      if (this.searchable) {
        const sums = new Float64Array(pages);
        sums.set(this.pageSums);
        this.pageSums = sums;
      }
      const pageAt = new Uint16Array(pages);
      pageAt.set(this.pageAt);
      this.pageAt = pageAt;
    }
    this.pageAt[this.pages] = p;
    if (this.searchable && this.bucketSums.length === 0) this.bucketSums = new Float64Array(SLOT_BUCKETS);
    this.table[p] = ++this.pages;
    return base;
  }
}

/** The target count of percentile `p` of `total` values, as hdr-histogram-js's (less one ulp of slack). */
export function percentileTarget(p: number, total: number): number {
  const fp = (Math.min(p, 100) / 100) * total;
  return Math.max(Math.ceil(fp - 2 ** (Math.floor(Math.log2(fp)) - 52)), 1);
}

/**
 * The value at percentile `p` of the counts of `parts` added slot by slot (`total`: their count), as
 * hdr-histogram-js's getValueAtPercentile on the merged counts: the first slot whose running count reaches
 * ceil(p% of the count) (less one ulp of slack, as the library), read as its highest equivalent value (its lowest
 * for p = 0). Searched bucket, then page, then slot, by their sums: at most 45 + 32 + 32 steps per part, whatever
 * the number of slots counted (a scan of every slot cost each label set its whole window per percentile per sample:
 * outside review 18, F2).
 */
export function valueAtPercentile(parts: readonly SlotCounts[], total: number, p: number): number {
  const target = percentileTarget(p, total);
  const n = parts.length;
  let running = 0;
  for (let b = 0; b < SLOT_BUCKETS; b++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (parts[k] as SlotCounts).bucketSum(b);
    slotWork.visits += n;
    if (running + s < target) {
      running += s;
      continue;
    }
    const firstPage = b << (BUCKET_BITS - PAGE_BITS);
    for (let page = firstPage; page < firstPage + (1 << (BUCKET_BITS - PAGE_BITS)); page++) {
      let ps = 0;
      for (let k = 0; k < n; k++) ps += (parts[k] as SlotCounts).pageSum(page);
      slotWork.visits += n;
      if (running + ps < target) {
        running += ps;
        continue;
      }
      for (let i = 0; i < PAGE; i++) {
        const slot = (page << PAGE_BITS) + i;
        for (let k = 0; k < n; k++) running += (parts[k] as SlotCounts).getCountAtIndex(slot);
        slotWork.visits += n;
        if (running < target) continue;
        return valueAt(slot, p);
      }
    }
  }
  return 0;
}
