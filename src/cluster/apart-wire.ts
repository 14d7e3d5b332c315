// A route's requests not judged on the cluster wire (README Judged requests, outside review 25 F2): their values and
// Apdex counts since the previous report, under keys of their own (`n`, `na`) that an older aggregator ignores.

import type { SparseCounts } from '../latency/latency-ring.js';
import { type CountsView, slotHighest } from '../latency/latency-ring.js';
import type { ApartFigures } from '../requests/apart.js';
import {
  addSparse,
  type CountsWire,
  decodeCounts,
  encodeCounts,
  SentCounts,
  subtractSparse,
} from './counts-wire.js';

/** A route's requests not judged since start (RequestStats.routeStates(): RouteState.apart). */
export interface ApartState {
  latency: Readonly<CountsView>;
  satisfied: number;
  tolerating: number;
}

/**
 * Of a route's requests (RouteWire), those not judged: `n` their values (also in `l`, whose max is the judged
 * requests' alone), `na` their Apdex satisfied and tolerating (also in `x`). Absent: none since the previous report.
 * An older aggregator ignores both keys and leaves out as many of the row's fastest values, as it did.
 */
export interface ApartWire {
  n?: CountsWire;
  na?: number[];
  /** The judged requests' max (µs) when `l`'s max is an apart value's (withWholeMax). */
  jx?: number;
}

/**
 * An older aggregator ignores `n` and reads `l` as an older worker's, whose max was the row's slowest value: given
 * the judged max there, it clamped the row's and the server's percentiles to it (a row of 0.45 ms 200s and 250 ms
 * 404s read p95 and max 0.45 ms beside an average of 50 ms). So `l` carries the max of all the row's values, as an
 * older worker's did, and the judged max, when lower, travels under `jx` (read by decodeRowLatency).
 */
export function withWholeMax(wire: { l?: CountsWire } & ApartWire): void {
  const jx = raiseToWholeMax(wire.l, wire.n);
  if (jx !== undefined) wire.jx = jx;
}

/** Raises `l`'s max to `n`'s when above; returns the judged max it had then (undefined: unchanged). */
function raiseToWholeMax(l: CountsWire | null | undefined, n: CountsWire | undefined): number | undefined {
  if (!l || !n || !(n.x > l.x)) return undefined;
  const jx = l.x;
  l.x = n.x;
  return jx;
}

/** A route's `l` decoded, the judged max `jx` put back (absent: `l`'s max is the judged one); throws when malformed. */
export function decodeRowLatency(x: { l?: CountsWire } & ApartWire, maxSlot: number): SparseCounts | null {
  const latency = x.l === undefined ? null : decodeCounts(x.l, maxSlot);
  if (x.jx === undefined) return latency;
  if (!(typeof x.jx === 'number' && x.jx >= 0 && latency !== null && x.jx <= latency.max))
    throw new Error('bad jx');
  latency.max = x.jx;
  return latency;
}

/** What was reported of one route's requests not judged. */
export class SentApart {
  private readonly latency = new SentCounts();
  private readonly apdex = [0, 0];

  /** The wire keys of what changed since the previous take (none: an empty object); `l` as withWholeMax. */
  take(state: ApartState | null | undefined, l: CountsWire | null): ApartWire {
    const out: ApartWire = {};
    if (!state) return out;
    const n = this.latency.take(state.latency, slotHighest);
    if (n !== null) out.n = n;
    const na = [state.satisfied, state.tolerating].map((v, k) => Math.max(0, v - (this.apdex[k] as number)));
    if (na.some((v) => v > 0)) {
      out.na = na;
      this.apdex.splice(0, 2, state.satisfied, state.tolerating);
    }
    const jx = raiseToWholeMax(l, out.n);
    if (jx !== undefined) out.jx = jx;
    return out;
  }
}

/** Reads `n` and `na` of a route on the wire; undefined when absent; throws when malformed (the report is dropped). */
export function decodeApart(x: ApartWire, maxSlot: number): ApartFigures | undefined {
  if (x.n === undefined && x.na === undefined) return undefined;
  const na = x.na ?? [0, 0];
  if (!Array.isArray(na) || na.length !== 2 || !na.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error('bad apart');
  }
  const latency = x.n === undefined ? null : decodeCounts(x.n, maxSlot);
  return { latency, satisfied: na[0] as number, tolerating: na[1] as number };
}

/** The wire keys of read-back figures (the inverse of decodeApart). */
export function encodeApart(a: ApartFigures | undefined): ApartWire {
  if (a === undefined) return {};
  const out: ApartWire = {};
  if (a.latency !== null && a.latency.n > 0) out.n = encodeCounts(a.latency);
  if (a.satisfied > 0 || a.tolerating > 0) out.na = [a.satisfied, a.tolerating];
  return out;
}

/** Adds `a` into `known` (one worker's totals as an aggregator knows them: known-totals.ts). */
export function addApart(known: ApartFigures, a: ApartFigures | undefined): void {
  if (a === undefined) return;
  if (a.latency !== null) {
    if (known.latency === null) known.latency = { slots: [], counts: [], n: 0, sum: 0, max: 0, errors: 0 };
    addSparse(known.latency, a.latency);
  }
  known.satisfied += a.satisfied;
  known.tolerating += a.tolerating;
}

/** Of a full report's figures (totals since start), what is beyond `known`; adds that into `known`. */
export function apartBeyond(full: ApartFigures | undefined, known: ApartFigures): ApartFigures | undefined {
  if (full === undefined) return undefined;
  const latency =
    full.latency === null ? null : known.latency ? subtractSparse(full.latency, known.latency) : full.latency;
  const beyond = {
    latency,
    satisfied: Math.max(0, full.satisfied - known.satisfied),
    tolerating: Math.max(0, full.tolerating - known.tolerating),
  };
  addApart(known, beyond);
  return beyond;
}
