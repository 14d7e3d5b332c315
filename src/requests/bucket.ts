// The history bucket: what was recorded between two takeBucket() calls, as the totals since start minus those at the last take.

import {
  type CountsView,
  type CumulativeCounts,
  clearView,
  createView,
  type SparseCounts,
  summarizeView,
  toHistogram,
} from '../latency/latency-ring.js';
import type { RequestBucket } from './request-figures.js';
import { COLUMNS, entryTotals, type RouteEntry } from './route-counters.js';

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

  /**
   * The bucket since the last take, computed in `view` (scratch, overwritten): `max` is the largest duration
   * recorded since (µs), `totals` the class totals now. Moves the mark to now.
   */
  take(
    cumulative: CumulativeCounts,
    max: number,
    totals: Float64Array,
    view: CountsView & { counts: Float64Array },
  ): RequestBucket {
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
    const bucket: RequestBucket = {
      requests,
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

  /** Latency added to the totals that is already history elsewhere: the next bucket must not count it again. */
  skipLatency(latency: SparseCounts): void {
    const taken = this.latency;
    for (let i = 0; i < latency.slots.length; i++) {
      const slot = latency.slots[i] as number;
      taken.counts[slot]! += latency.counts[i] as number;
    }
    taken.n += latency.n;
    taken.sum += latency.sum;
  }

  get bytes(): number {
    return this.classes.byteLength + this.latency.counts.byteLength;
  }
}
