// The requests RequestStats has taken but not yet counted: a small preallocated ring the request path appends to, and
// RequestStats folds into its counters and histograms in one batch (issue 18).
//
// Why: counting a request touches its route's entry (a Map lookup, its counters, Apdex and latency arrays) and the
// server-wide cumulative counts, about ten scattered cache lines and a large function's code. At a steady rate each
// request is its own wake-up of the process, after the core ran other work, so those lines and that code are cold
// every time (bench/RESULTS.md `under-load-gap`, `ring`). Appending here writes two sequential slots (one cache line
// for several requests); the fold then counts a batch with its code and data warm.

import { type CumulativeCounts, slotOf } from '../latency/latency-ring.js';
import {
  ABORTED_STATUS,
  APDEX_STRIDE,
  countAborted,
  openCounters,
  type RouteEntry,
  STRIDE,
  type WindowAt,
} from './route-counters.js';
import type { RouteTable } from './route-table.js';

/** Requests a fold takes at most: a full ring is folded before the next request is appended. */
export const PENDING_CAPACITY = 128;

/**
 * Up to PENDING_CAPACITY requests of the current sub-window, in order: method and route (the strings as given) and
 * status and duration (µs), each pair in one array. Nothing is allocated after construction.
 */
export class PendingRequests {
  /** Requests held: slots 0 … n - 1. */
  n = 0;
  /** Method and route of request i at 2i and 2i + 1. */
  readonly keys: string[];
  /** Status and duration (µs) of request i at 2i and 2i + 1. */
  readonly values = new Float64Array(PENDING_CAPACITY * 2);

  constructor() {
    this.keys = new Array<string>(PENDING_CAPACITY * 2).fill('');
  }

  /** Holds one request; the caller folds first when `full`. */
  push(method: string, route: string, status: number, us: number): void {
    const i = this.n * 2;
    this.n++;
    const keys = this.keys;
    keys[i] = method;
    keys[i + 1] = route;
    const values = this.values;
    values[i] = status;
    values[i + 1] = us;
  }

  get full(): boolean {
    return this.n >= PENDING_CAPACITY;
  }
}

/** What a fold counts into besides the routes: RequestStats' limits and server-wide figures. */
export interface FoldTarget {
  /** An aborted request this long (µs) is failed. */
  readonly abortedFailureUs: number;
  /** An early close shorter than this (µs) is quick: not toward `unanswered`. */
  readonly quickUs: number;
  /** Every request's latency since start. */
  readonly cumulative: CumulativeCounts;
  /** The largest µs since the last history bucket. */
  readonly bucketMax: Float64Array;
}

/**
 * Counts the requests `pending` holds, in the order they came, into the sub-windows `at` (the current ones: a
 * request is held only until the window's next boundary), and empties it. Each request as RequestStats.record()
 * counted it when it counted at once: its route's counters, Apdex and latency, the cumulative counts, the bucket max.
 */
export function foldPending(
  pending: PendingRequests,
  routes: RouteTable,
  at: WindowAt,
  to: FoldTarget,
): void {
  const n = pending.n;
  pending.n = 0;
  const { keys, values } = pending;
  const latPos = at.lat % at.latencySlots;
  for (let i = 0; i < 2 * n; i += 2) {
    const status = values[i] as number;
    const us = values[i + 1] as number;
    countOne(routes.entryFor(keys[i] as string, keys[i + 1] as string), at, latPos, status, us, to);
  }
}

function countOne(
  entry: RouteEntry,
  at: WindowAt,
  latPos: number,
  status: number,
  us: number,
  to: FoldTarget,
): void {
  // 501 (method not implemented) and 505 (HTTP version) answer what the client asked for, not a server
  // fault: counted with the 4xx, so that anonymous unusual-method traffic cannot raise the error rate.
  const cls = status === 501 || status === 505 ? 4 : (status / 100) | 0;
  const { sub, pos } = at;
  const counters = entry.counters;
  const b = pos * STRIDE;
  if (counters[b] !== sub) openCounters(counters, b, sub, at.totalsOffset);
  if (status === ABORTED_STATUS && !countAborted(counters, b, us >= to.abortedFailureUs, us < to.quickUs))
    return;
  counters[b + cls]!++;
  // Apdex: successful requests by their time against the route's T; failed ones are frustrated.
  const a = entry.apdex;
  const ab = pos * APDEX_STRIDE;
  if (a[ab] !== sub) {
    a[ab] = sub;
    a[ab + 1] = 0;
    a[ab + 2] = 0;
  }
  const limits = entry.apdexLimits; // [T, 4T]
  if (cls < 5 && status !== ABORTED_STATUS && us <= (limits[1] as number)) {
    const k = us <= (limits[0] as number) ? 1 : 2;
    a[ab + k]!++;
    entry.apdexTotal[k - 1]!++;
  }
  const slot = slotOf(us);
  entry.latency.record(at.lat, latPos, slot, us, false);
  to.cumulative.add(slot, us, false);
  const total = entry.total;
  if (total !== null) total.add(slot, us, false);
  const bucketMax = to.bucketMax;
  bucketMax[0] = Math.max(us, bucketMax[0] as number);
}
