// CumulativeCounts: every latency value since start, in one counts array that widens as counts grow.

import type { CountsView, SparseCounts } from './counts-view.js';
import { COUNTS_LENGTH } from './slots.js';

// Where the figures are kept (see `figures`). The max is two: RECENT, the largest value add() recorded since the
// last mark() (a history bucket's max: one write per add serves both), and SETTLED, the largest before it and those
// kept out of the mark's (addAside, addSparse); the max since start is the larger of the two.
const N = 0;
const SUM = 1;
const RECENT = 2;
const ERRORS = 3;
const SETTLED = 4;

/** Largest count each element type of a cumulative counts array holds; Float64 is exact to 2^53. */
const CUMULATIVE_LIMIT: Record<number, number> = {
  4: 0xffffffff,
  8: Number.POSITIVE_INFINITY,
};

/**
 * Every value since start, kept as values are recorded (one more increment beside the ring's), so
 * that reading totals is a hand-over of this object rather than a merge of every ring's sub-windows
 * (a Prometheus scrape of 100 routes merged ~500 counts arrays, 4.4 ms).
 *
 * It is its own CountsView and stays live: a reader that needs a stable copy takes it synchronously.
 * Counts are 32-bit (13 KB) from the start, and past 2^32 in one slot widen to Float64 (26 KB), exact to 2^53:
 * no count wraps. Not 8- then 16-bit first, as before: a busy server passed 255 and 65,535 in one slot within
 * minutes, and each new array type reaching add() (inlined in RequestStats.record) deoptimized the request path
 * (issue 18, bench/RESULTS.md record-deopt); a busy series settled at 32-bit anyway.
 */
export class CumulativeCounts implements CountsView {
  counts: Uint32Array | Float64Array = new Uint32Array(COUNTS_LENGTH);
  // n, sum, max and errors in a Float64Array rather than fields: a field starting as a small integer becomes a
  // double when it passes 2^31 (the sum of µs does within an hour on a busy server), which changes the object's
  // map and deoptimized the request path, add() being inlined in RequestStats.record (RESULTS.md record-deopt).
  private readonly figures = new Float64Array(5);
  lo: number = COUNTS_LENGTH;
  hi = -1;
  // The current element type's largest count: one comparison per add decides on widening.
  private limit = 0xffffffff;

  /** Adds one value (its slot and µs, as for LatencyRing.record). O(1), allocation-free once wide enough. */
  add(slot: number, us: number, failed: boolean): void {
    let counts = this.counts;
    const c = (counts[slot] as number) + 1;
    if (c > this.limit) counts = this.widen();
    counts[slot] = c;
    const f = this.figures;
    f[N]!++;
    f[SUM]! += us;
    // Written on every call, not only on a new extreme: the first one after warm-up (a first slow request) would
    // meet a store V8 compiled without type feedback and deoptimize the request path (RESULTS.md record-deopt).
    f[RECENT] = Math.max(us, f[RECENT] as number);
    if (failed) f[ERRORS]!++;
    this.lo = Math.min(slot, this.lo);
    this.hi = Math.max(slot, this.hi);
  }

  /** add() of a value kept out of the max (LatencyRing.recordUnranked: a request not judged). */
  addUnranked(slot: number, us: number): void {
    const f = this.figures;
    const recent = f[RECENT] as number;
    this.add(slot, us, false);
    f[RECENT] = recent;
  }

  /** add() of a value in the max since start but not in the max since the mark (a request not judged: RequestStats). */
  addAside(slot: number, us: number): void {
    const f = this.figures;
    this.addUnranked(slot, us);
    if (us > (f[SETTLED] as number)) f[SETTLED] = us;
  }

  /** Raises the max since the mark (and so since start) to `max` (values recorded elsewhere: RequestStats.absorb). */
  raiseRecent(max: number): void {
    const f = this.figures;
    if (max > (f[RECENT] as number)) f[RECENT] = max;
  }

  /** The largest value add() recorded since the previous mark (0: none), and a new mark: a history bucket's max. */
  mark(): number {
    const f = this.figures;
    const recent = f[RECENT] as number;
    if (recent > (f[SETTLED] as number)) f[SETTLED] = recent;
    f[RECENT] = 0;
    return recent;
  }

  get n(): number {
    return this.figures[N] as number;
  }
  set n(value: number) {
    this.figures[N] = value;
  }
  get sum(): number {
    return this.figures[SUM] as number;
  }
  set sum(value: number) {
    this.figures[SUM] = value;
  }
  get max(): number {
    const f = this.figures;
    return Math.max(f[SETTLED] as number, f[RECENT] as number);
  }
  /** Sets the max since start (a CountsView's writer); the max since the mark is kept, at most that. */
  set max(value: number) {
    const f = this.figures;
    f[SETTLED] = value;
    f[RECENT] = Math.min(value, f[RECENT] as number);
  }

  get errors(): number {
    return this.figures[ERRORS] as number;
  }
  set errors(value: number) {
    this.figures[ERRORS] = value;
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
    // In the max since start, not in the max since the mark: RequestStats.absorb raises that one (raiseRecent) when
    // the values belong to the next history bucket.
    if (s.max > (this.figures[SETTLED] as number)) this.figures[SETTLED] = s.max;
  }

  /** Bytes held by the counts array. */
  get bytes(): number {
    return this.counts.byteLength;
  }

  private widen(): Float64Array {
    const wider = Float64Array.from(this.counts);
    this.counts = wider;
    this.limit = CUMULATIVE_LIMIT[wider.BYTES_PER_ELEMENT] as number;
    return wider;
  }
}
