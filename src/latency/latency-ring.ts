// Allocation-free latency recording in the shared HDR histogram layout, over rotating sub-windows;
// hdr-histogram-js objects are built only on read.
//
// Why not call `histogram.recordValue()` on the hot path: hdr-histogram-js computes the slot with
// Math.log2/pow and costs ~90–190 ns per value here, and a request lands in several histograms
// (window, route, history bucket). Computing the slot once with integer math and incrementing
// plain typed arrays costs a few ns per histogram. The slot layout is the one of
// src/latency/histogram.ts's config (read from a probe histogram, checked against hdr-histogram-js in
// test/latency-ring.test.ts), so everything converts to an exact, mergeable hdr histogram.

import { addCounts, type CountsView, clearView, type SparseCounts } from './counts-view.js';
import { COUNTS_LENGTH } from './slots.js';

// The layout, the views and the cumulative counts live beside this file; importers of the ring read them here too.
export {
  addToView,
  addView,
  addViewJudged,
  addViewTrimmed,
  type CountsView,
  clearView,
  createView,
  type SparseCounts,
  summarizeView,
  toHistogram,
} from './counts-view.js';
export { CumulativeCounts } from './cumulative-counts.js';
export { COUNTS_LENGTH, MAX_MICROS, microsOf, slotHighest, slotOf, slotValue } from './slots.js';

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

// Counts are 32-bit from a sub-window's first use, one array type for every ring. Not 8-bit widening to 16- and
// 32-bit, as before: a busy route passes 255 and 65,535 values in one slot of one 15 s sub-window (15,000 requests a
// second do), and each new array type reaching record() (inlined in RequestStats.record) deoptimized the request
// path (issue 18, bench/RESULTS.md record-deopt). 13 KB per sub-window used, against 3.3–13 KB; a 32-bit count
// cannot wrap within a sub-window (2^32 values in 15 s).
type Counts = Uint32Array;

/**
 * Latency over a sliding window made of `slots` rotating sub-windows. The caller numbers
 * sub-windows (`abs`, increasing, e.g. floor(now / subWindowMs)) and passes `pos = abs % slots`,
 * so that one clock read serves several rings. A sub-window is cleared lazily when first written
 * with a newer number, so there is no timer and no sweep; reads keep sub-windows newer than
 * `abs - slots`.
 *
 * Counts are a Uint32Array (13 KB) per sub-window, allocated on its first use and reused after that, so
 * recording allocates nothing once warm.
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
    const counts = this.counts[pos] as Counts;
    counts[slot]!++;
    m[b + N]!++;
    m[b + SUM]! += us;
    if (us > (m[b + MAX] as number)) m[b + MAX] = us;
    if (failed) m[b + ERRORS]!++;
    if (slot < (m[b + LO] as number)) m[b + LO] = slot;
    if (slot > (m[b + HI] as number)) m[b + HI] = slot;
  }

  /**
   * record() of a value kept out of the max (a request not judged: requests/apart.ts), which a read adds back from
   * where it is kept apart: the max stays the judged requests', exact. Not the request path of a matched route.
   */
  recordUnranked(abs: number, pos: number, slot: number, us: number): void {
    const m = this.meta;
    const b = pos * STRIDE;
    if (m[b + STAMP] !== abs) this.open(abs, pos);
    (this.counts[pos] as Counts)[slot]!++;
    m[b + N]!++;
    m[b + SUM]! += us;
    if (slot < (m[b + LO] as number)) m[b + LO] = slot;
    if (slot > (m[b + HI] as number)) m[b + HI] = slot;
  }

  /** Adds many values at once to sub-window `abs` (merging another process's or thread's counts). */
  addSparse(abs: number, pos: number, s: SparseCounts): void {
    if (!(s.n > 0)) return;
    const m = this.meta;
    const b = pos * STRIDE;
    if (m[b + STAMP] !== abs) this.open(abs, pos);
    const counts = this.counts[pos] as Counts;
    for (let i = 0; i < s.slots.length; i++) {
      const slot = s.slots[i] as number;
      counts[slot] = Math.min((counts[slot] as number) + (s.counts[i] as number), 0xffffffff);
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

  /**
   * The sub-windows newer than `abs - slots` one by one, as sparse counts with their stamp (a worker
   * handing its window to a new cluster aggregator, which adds them back at the same stamps).
   */
  *subWindows(abs: number): Generator<{ abs: number; counts: SparseCounts }> {
    const m = this.meta;
    for (let pos = 0; pos < this.slots; pos++) {
      const b = pos * STRIDE;
      const stamp = m[b + STAMP] as number;
      if (!(stamp > abs - this.slots && stamp <= abs) || !((m[b + N] as number) > 0)) continue;
      const counts = this.counts[pos] as Counts;
      const slots: number[] = [];
      const values: number[] = [];
      for (let i = m[b + LO] as number; i <= (m[b + HI] as number); i++) {
        const c = counts[i] as number;
        if (c > 0) {
          slots.push(i);
          values.push(c);
        }
      }
      yield {
        abs: stamp,
        counts: {
          slots,
          counts: values,
          n: m[b + N] as number,
          sum: m[b + SUM] as number,
          max: m[b + MAX] as number,
          errors: m[b + ERRORS] as number,
        },
      };
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
      this.counts[pos] = new Uint32Array(COUNTS_LENGTH);
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
}
