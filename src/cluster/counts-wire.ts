// Latency counts on the wire between processes and threads: the difference of two cumulative states
// as run-length slots, so that a report carries only what changed and merges exactly.

import type { CountsView, SparseCounts } from '../latency/latency-ring.js';

/**
 * Counts in JSON: `c` walks the slots from 0, a negative number -k skips k empty slots and a positive
 * one is the count at the current slot (then the next). `[-120, 3, 1, -4, 9]` is 3 at slot 120, 1 at
 * 121 and 9 at 126. Sent packed (packRuns: about half the bytes of the JSON array); the array form is
 * read too (ledgers written before). With n, sum (µs), max (µs) and errors beside them.
 */
export interface CountsWire {
  n: number;
  s: number;
  x: number;
  e: number;
  c: number[] | string;
}

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE_OF = new Map([...DIGITS].map((d, i) => [d, i]));

/**
 * Run-length numbers as text: each zigzag-coded (-k as 2k-1, v as 2v), in base-64 digits of 5 bits,
 * least significant first, the sixth bit set on every digit but a number's last.
 */
export function packRuns(c: readonly number[]): string {
  let out = '';
  for (const v of c) {
    let z = v < 0 ? -2 * v - 1 : 2 * v;
    while (z >= 32) {
      out += DIGITS[32 | (z % 32)];
      z = Math.floor(z / 32);
    }
    out += DIGITS[z];
  }
  return out;
}

/** The numbers of packRuns' text; throws on a character outside its digits or a cut number. */
export function unpackRuns(text: string): number[] {
  const out: number[] = [];
  let z = 0;
  let scale = 1;
  for (const ch of text) {
    const d = VALUE_OF.get(ch);
    if (d === undefined || scale > 2 ** 50) throw new Error('bad counts');
    z += (d & 31) * scale;
    if (d & 32) {
      scale *= 32;
      continue;
    }
    out.push(z % 2 === 1 ? -(z + 1) / 2 : z / 2);
    z = 0;
    scale = 1;
  }
  if (scale !== 1) throw new Error('bad counts');
  return out;
}

/** What was reported of one cumulative counts view so far. */
export class SentCounts {
  private counts = new Float64Array(0);
  n = 0;
  sum = 0;
  errors = 0;
  /** The cumulative max when last reported: a larger one now was recorded since, so it is the delta's own. */
  private max = 0;

  /**
   * The difference between `now` (a live cumulative view) and what was reported, then records `now`
   * as reported. Null when nothing changed. `max` is exact when a new maximum was recorded since the previous
   * take (so a cluster's max, the max of its workers' maxima, is exact: above the one-hour ceiling too; outside
   * review 20, F2); otherwise the delta's own max is not kept and the highest changed slot's upper edge bounds
   * it (within the histogram's precision; in the ceiling slot, one hour).
   */
  take(now: Readonly<CountsView>, slotTop: (slot: number) => number): CountsWire | null {
    const n = now.n - this.n;
    if (!(n > 0)) return null;
    if (this.counts.length <= now.hi) {
      const grown = new Float64Array(Math.max(now.hi + 1, this.counts.length * 2, 64));
      grown.set(this.counts);
      this.counts = grown;
    }
    const sent = this.counts;
    const c: number[] = [];
    let at = 0;
    let top = -1;
    for (let i = now.lo; i <= now.hi; i++) {
      const v = (now.counts[i] as number) - (sent[i] as number);
      if (v <= 0) continue;
      if (i > at) c.push(at - i);
      c.push(v);
      at = i + 1;
      sent[i] = now.counts[i] as number;
      top = i;
    }
    const out: CountsWire = {
      n,
      s: now.sum - this.sum,
      x: top < 0 ? 0 : now.max > this.max ? now.max : Math.min(now.max, slotTop(top)),
      e: now.errors - this.errors,
      c: packRuns(c),
    };
    this.n = now.n;
    this.sum = now.sum;
    this.errors = now.errors;
    this.max = now.max;
    return out;
  }

  /** Counts `other`'s as reported too (a reclaimed route's, now in `* other`'s live view: route-table.ts reclaim). */
  addSent(other: SentCounts): void {
    if (this.counts.length < other.counts.length) {
      const grown = new Float64Array(other.counts.length);
      grown.set(this.counts);
      this.counts = grown;
    }
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i] as number;
    this.n += other.n;
    this.sum += other.sum;
    this.errors += other.errors;
    if (other.max > this.max) this.max = other.max;
  }
}

/** Decodes a wire form; throws on anything malformed (a report from a broken peer is dropped whole). */
export function decodeCounts(w: CountsWire, maxSlot: number): SparseCounts {
  if (w === null || typeof w !== 'object') throw new Error('bad counts');
  if (typeof w.c === 'string' && w.c.length > 1_000_000) throw new Error('bad counts');
  const runs = typeof w.c === 'string' ? unpackRuns(w.c) : w.c;
  if (!Array.isArray(runs)) throw new Error('bad counts');
  const slots: number[] = [];
  const counts: number[] = [];
  let at = 0;
  let total = 0;
  for (const v of runs) {
    if (!Number.isInteger(v) || v === 0) throw new Error('bad counts');
    if (v < 0) {
      at -= v;
      continue;
    }
    if (at > maxSlot) throw new Error('bad slot');
    slots.push(at++);
    counts.push(v);
    total += v;
  }
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : Number.NaN);
  const n = num(w.n);
  const s = num(w.s);
  const x = num(w.x);
  const e = num(w.e);
  if (n !== total || Number.isNaN(s) || Number.isNaN(x) || Number.isNaN(e) || e > n) {
    throw new Error('bad counts');
  }
  return { slots, counts, n, sum: s, max: x, errors: e };
}

/** Sparse counts to the wire form (the inverse of decodeCounts). */
export function encodeCounts(s: SparseCounts): CountsWire {
  const c: number[] = [];
  let at = 0;
  for (let i = 0; i < s.slots.length; i++) {
    const slot = s.slots[i] as number;
    if (slot > at) c.push(at - slot);
    c.push(s.counts[i] as number);
    at = slot + 1;
  }
  return { n: s.n, s: s.sum, x: s.max, e: s.errors, c: packRuns(c) };
}

/** Adds `b` into `a` (sparse counts kept ascending): the running totals an aggregator keeps per worker. */
export function addSparse(a: SparseCounts, b: SparseCounts): void {
  if (!(b.n > 0)) return;
  const slots: number[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.slots.length || j < b.slots.length) {
    const sa = i < a.slots.length ? (a.slots[i] as number) : Number.POSITIVE_INFINITY;
    const sb = j < b.slots.length ? (b.slots[j] as number) : Number.POSITIVE_INFINITY;
    if (sa === sb) {
      slots.push(sa);
      counts.push((a.counts[i++] as number) + (b.counts[j++] as number));
    } else if (sa < sb) {
      slots.push(sa);
      counts.push(a.counts[i++] as number);
    } else {
      slots.push(sb);
      counts.push(b.counts[j++] as number);
    }
  }
  a.slots = slots;
  a.counts = counts;
  a.n += b.n;
  a.sum += b.sum;
  a.errors += b.errors;
  if (b.max > a.max) a.max = b.max;
}

/** `now - before` slot by slot, negatives dropped (a full report against what an aggregator already had). */
export function subtractSparse(now: SparseCounts, before: SparseCounts): SparseCounts {
  const slots: number[] = [];
  const counts: number[] = [];
  let j = 0;
  let n = 0;
  for (let i = 0; i < now.slots.length; i++) {
    const slot = now.slots[i] as number;
    while (j < before.slots.length && (before.slots[j] as number) < slot) j++;
    const prev = j < before.slots.length && before.slots[j] === slot ? (before.counts[j] as number) : 0;
    const d = (now.counts[i] as number) - prev;
    if (d > 0) {
      slots.push(slot);
      counts.push(d);
      n += d;
    }
  }
  return {
    slots,
    counts,
    n,
    sum: Math.max(0, now.sum - before.sum),
    max: now.max,
    errors: Math.max(0, Math.min(n, now.errors - before.errors)),
  };
}

/** An empty sparse counts object. */
export function emptySparse(): SparseCounts {
  return { slots: [], counts: [], n: 0, sum: 0, max: 0, errors: 0 };
}
