// CumulativeCounts: every latency value since start, in one counts array that widens as counts grow.

import type { CountsView, SparseCounts } from './counts-view.js';
import { COUNTS_LENGTH } from './slots.js';

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
