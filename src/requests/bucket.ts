// The history bucket: what was recorded between two takeBucket() calls, as the totals since start minus those at the last take.

import {
  addViewJudged,
  type CountsView,
  type CumulativeCounts,
  clearView,
  createView,
  type SparseCounts,
  summarizeView,
  toHistogram,
} from '../latency/latency-ring.js';
import { slotHighest } from '../latency/slots.js';
import type { RequestBucket } from './request-figures.js';
import {
  ABORTED_COLUMN,
  ABORTED_FAILED_COLUMN,
  COLUMNS,
  entryTotals,
  judgedApart,
  type RouteEntry,
  unjudgedOf,
} from './route-counters.js';

type View = CountsView & { counts: Float64Array };

/** A row whose requests may be left out of the judged figures (judgedApart): its totals at the last take. */
interface RowMark {
  classes: Float64Array;
  latency: View;
  /** Its apart latency's (RouteEntry.apart) at the last take: made with the row's first value not judged. */
  apart?: View;
}

/** Requests since start of the whole server by status class, then the other COLUMNS (aborted, ...). */
export function serverTotals(entries: Iterable<RouteEntry>, slots: number): Float64Array {
  const into = new Float64Array(COLUMNS);
  for (const e of entries) entryTotals(e.counters, slots, into);
  return into;
}

/** The totals since start at the last take: latency, then requests by status class and aborted. */
export class TakenTotals {
  readonly latency = createView();
  /** 1xx … 5xx, aborted, failed aborted (the COLUMNS of route-counters.ts). */
  readonly classes = new Float64Array(COLUMNS);
  /** Per `unmatched` or catch-all row (those with a latency of their own, `total`): its totals at the last take. */
  private readonly rows = new Map<RouteEntry, RowMark>();
  private rowScratch: View | undefined;
  private apartScratch: View | undefined;

  /**
   * The bucket since the last take, computed in `view` (scratch, overwritten): its max is the cumulative counts' max
   * since their mark (the largest judged duration recorded since, µs), `totals` the class totals now. Moves the
   * marks to now.
   */
  take(
    cumulative: CumulativeCounts,
    view: View,
    routes: { all(): Iterable<RouteEntry> },
    slots: number,
  ): RequestBucket {
    const max = cumulative.mark();
    const totals = serverTotals(routes.all(), slots);
    const taken = this.latency;
    clearView(view);
    // One pass over the used slots: the bucket is the cumulative counts minus those at the last call.
    const now = cumulative.counts;
    const before = taken.counts;
    const out = view.counts;
    const { lo, hi } = cumulative;
    for (let i = lo; i <= hi; i++) {
      const c = now[i] as number;
      out[i] = c - (before[i] as number);
      before[i] = c;
    }
    view.lo = lo;
    view.hi = hi;
    view.n = cumulative.n - taken.n;
    taken.n = cumulative.n;
    view.sum = cumulative.sum - taken.sum;
    taken.sum = cumulative.sum;
    view.max = max;
    const tt = this.classes;
    // Requests by their status, as `requests.total` counts them: every recorded request has a duration too, but a
    // cluster's lost ones (src/cluster/lost.ts: cut with a dead worker, never ended) have none (outside review 16, F8).
    let requests = 0;
    for (let c = 0; c < 5; c++) requests += (totals[c] as number) - (tt[c] as number);
    // The judged figures, as the live ones (window-rows.ts routeRows): an `unmatched` row's requests not judged are
    // left out of the count and, their values recorded apart, of the latency (outside review 24, RT24-4; 25, F2).
    const unjudged = this.judge(routes.all(), slots, view, max);
    const bucket: RequestBucket = {
      requests,
      count_judged: Math.max(0, requests - unjudged),
      count_4xx: (totals[3] as number) - (tt[3] as number),
      count_5xx: (totals[4] as number) - (tt[4] as number),
      count_aborted: (totals[5] as number) - (tt[5] as number),
      count_aborted_failed: (totals[6] as number) - (tt[6] as number),
      histogram: view.n > 0 ? toHistogram(view) : undefined,
      latency: summarizeView(view),
    };
    tt.set(totals);
    return bucket;
  }

  /**
   * Takes each `unmatched` or catch-all row's part of the bucket: its requests not judged (unjudgedOf), returned
   * summed, and its latency in `view` without their values, recorded apart (addViewJudged; those not recorded apart,
   * an older cluster worker's, as its fastest). Moves the rows' marks.
   */
  private judge(entries: Iterable<RouteEntry>, slots: number, view: View, max: number): number {
    let unjudged = 0;
    for (const e of entries) {
      const total = e.total;
      if (total === null || !judgedApart(e.route)) continue;
      const mark = this.markOf(e);
      const now = entryTotals(e.counters, slots);
      const d = (c: number) => (now[c] as number) - (mark.classes[c] as number);
      const counts = [d(0) + d(1) + d(2) + d(3) + d(4), d(3), d(4), d(5), d(6)];
      mark.classes.set(now);
      const row = this.rowDelta(total, mark.latency);
      this.apartScratch ??= createView();
      if (e.apart !== null) mark.apart ??= createView();
      const apart = e.apart && mark.apart ? delta(e.apart.total, mark.apart, this.apartScratch) : null;
      const skip = Math.min(unjudgedOf(e.method, e.route, counts), counts[0] as number);
      if (!(skip > 0)) continue;
      unjudged += skip;
      if (row.n === 0) continue;
      // The row's values out, then back without those not judged.
      for (let i = row.lo; i <= row.hi; i++) view.counts[i]! -= row.counts[i] as number;
      view.n -= row.n;
      view.sum -= row.sum;
      addViewJudged(view, row, apart, Math.max(0, skip - (apart?.n ?? 0)));
    }
    if (unjudged > 0) {
      view.max = max; // the largest since the take; capped below when it may have been a value not judged
      capMax(view);
    }
    return unjudged;
  }

  /**
   * Requests absorbed into an `unmatched` or catch-all row's totals only (RequestStats.absorb with `window` false):
   * already history elsewhere, so its mark moves past them as `classes` does (absorbCounts); others have no mark.
   */
  skipRow(
    entry: RouteEntry,
    classes: ArrayLike<number>,
    extra: ArrayLike<number> | undefined,
    latency: SparseCounts | null,
    apart?: SparseCounts | null,
  ): void {
    if (entry.total === null || !judgedApart(entry.route)) return;
    const mark = this.markOf(entry);
    if (apart && apart.n > 0) {
      mark.apart ??= createView();
      skipSparse(mark.apart, apart);
    }
    for (let c = 0; c < 5; c++) mark.classes[c]! += (classes[c] as number) || 0;
    const aborted = (extra?.[0] as number) || 0;
    mark.classes[ABORTED_COLUMN - 1]! += aborted;
    mark.classes[ABORTED_FAILED_COLUMN - 1]! +=
      extra !== undefined && extra.length > 3 ? (extra[3] as number) || 0 : aborted;
    if (latency !== null && latency.n > 0) skipSparse(mark.latency, latency);
  }

  private markOf(entry: RouteEntry): RowMark {
    let mark = this.rows.get(entry);
    if (mark === undefined) {
      mark = { classes: new Float64Array(COLUMNS), latency: createView() };
      this.rows.set(entry, mark);
    }
    return mark;
  }

  /** `total` since `mark` (a scratch view, overwritten); moves the mark to now. */
  private rowDelta(total: CountsView, mark: View): View {
    this.rowScratch ??= createView();
    return delta(total, mark, this.rowScratch);
  }

  /** Latency added to the totals that is already history elsewhere: the next bucket must not count it again. */
  skipLatency(latency: SparseCounts): void {
    skipSparse(this.latency, latency);
  }

  get bytes(): number {
    let bytes =
      this.classes.byteLength + this.latency.counts.byteLength + (this.rowScratch?.counts.byteLength ?? 0);
    bytes += this.apartScratch?.counts.byteLength ?? 0;
    for (const m of this.rows.values())
      bytes += m.classes.byteLength + m.latency.counts.byteLength + (m.apart?.counts.byteLength ?? 0);
    return bytes;
  }
}

/** Moves a mark past values added to its totals that are already history elsewhere. */
function skipSparse(mark: View, latency: SparseCounts): void {
  for (let i = 0; i < latency.slots.length; i++) {
    const slot = latency.slots[i] as number;
    mark.counts[slot]! += latency.counts[i] as number;
  }
  mark.n += latency.n;
  mark.sum += latency.sum;
}

/** `total` since `mark` into `into` (cleared first); moves the mark to now. The max is `total`'s since start. */
function delta(total: CountsView, mark: View, into: View): View {
  clearView(into);
  for (let i = total.lo; i <= total.hi; i++) {
    const c = total.counts[i] as number;
    into.counts[i] = c - (mark.counts[i] as number);
    mark.counts[i] = c;
  }
  into.lo = total.lo;
  into.hi = total.hi;
  into.n = total.n - mark.n;
  mark.n = total.n;
  into.sum = total.sum - mark.sum;
  mark.sum = total.sum;
  into.max = total.max;
  return into;
}

/**
 * After values left `view`: its max no higher than its highest value left can be (the largest duration since the
 * take may have been a value left out); exact when that value is judged.
 */
function capMax(view: View): void {
  let hi = view.hi;
  while (hi >= view.lo && (view.counts[hi] as number) <= 0) hi--;
  if (hi < view.lo) {
    view.n = 0;
    view.sum = 0;
    view.max = 0;
    return;
  }
  view.max = Math.min(view.max, slotHighest(hi));
  view.sum = Math.max(0, view.sum);
}
