// The latencies the judge leaves out of one row, kept apart as well as in the row (README Judged requests): an
// `unmatched` or catch-all row's 4xx, its OPTIONS row's answers below 500. Made with the row's first such request.

import { CumulativeCounts, LatencyRing, type SparseCounts } from '../latency/latency-ring.js';
import { stampedPair } from './stamped-pair.js';

/** Apdex per request sub-window: stamp, satisfied, tolerating (as RouteEntry.apdex). */
const APDEX = 3;

/** One row's requests not judged as another process reports them (src/cluster/apart-wire.ts): since its last report. */
export interface ApartFigures {
  latency: SparseCounts | null;
  satisfied: number;
  tolerating: number;
}

/**
 * The values of one row's requests not judged: the same sub-windows as the row's latency ring (so the judged latency
 * is the row's less these, value for value: window-rows.ts, bucket.ts), since start (the history bucket, the cluster
 * wire), and their Apdex counts (the server-wide Apdex leaves exactly them out: profiling/endpoints.ts overallApdex).
 */
export class ApartLatency {
  readonly ring: LatencyRing;
  readonly total = new CumulativeCounts();
  /** Per request sub-window: [stamp, satisfied, tolerating]. */
  readonly apdex: Float64Array;
  /** Since start: [satisfied, tolerating]. */
  readonly apdexTotal = new Float64Array(2);

  constructor(slots: number, latencySlots: number) {
    this.ring = new LatencyRing(latencySlots);
    this.apdex = new Float64Array(slots * APDEX).fill(Number.NaN);
  }

  /** One request's value (RequestStats.record's slot and µs) at its sub-windows, with its Apdex against `limits` [T, 4T]. */
  record(
    sub: number,
    pos: number,
    lat: number,
    latPos: number,
    slot: number,
    us: number,
    limits: Float64Array,
  ): void {
    this.ring.record(lat, latPos, slot, us, false);
    this.total.add(slot, us, false);
    if (us <= (limits[1] as number)) this.countApdex(sub, pos, us <= (limits[0] as number) ? 1 : 2, 1);
  }

  /** Adds `n` to satisfied (`k` 1) or tolerating (2) of request sub-window `sub` at ring position `pos`, and since start. */
  countApdex(sub: number, pos: number, k: 1 | 2, n: number): void {
    if (!(n > 0)) return;
    this.apdexTotal[k - 1]! += n;
    const a = this.apdex;
    const b = pos * APDEX;
    if (a[b] !== sub) {
      if ((a[b] as number) > sub) return; // a later sub-window holds the place: since start only
      a[b] = sub;
      a[b + 1] = 0;
      a[b + 2] = 0;
    }
    a[b + k]! += n;
  }

  get bytes(): number {
    return this.ring.bytes + this.total.bytes + this.apdex.byteLength + this.apdexTotal.byteLength;
  }
}

/** [satisfied, tolerating] of an ApartLatency's `apdex` in the sub-windows `from` … `sub` (as windowApdex). */
export function apartWindowApdex(
  apdex: Float64Array,
  slots: number,
  sub: number,
  from: number,
): [number, number] {
  return stampedPair(apdex, APDEX, 1, slots, sub, from);
}
