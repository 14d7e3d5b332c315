// Requests per whole second over the last few seconds, for `per_second` when the request sub-windows are not whole
// seconds (a `requestWindowMs` other than 60 s: 2 s sub-windows at 120 s, red team 18 F8). No work per request: the
// count since start is read when the clock enters a new second (RequestStats.turn), and its difference from the
// previous reading is the previous second's requests.

import type { SubCounts } from './sub-split.js';

/** Seconds held: the last 5 complete ones, the current one and the time since start in the first 5 s. */
const SECONDS = 8;

export class SecondRing {
  /** `local`: the count since start it reads (RequestStats' cumulative latency: a value per request recorded). */
  constructor(private readonly local: { readonly n: number }) {}

  private readonly counts = new Float64Array(SECONDS);
  private readonly stamps = new Float64Array(SECONDS).fill(Number.NaN);
  /** The second the clock is in (epoch s), and the local count since start when it entered it. */
  private second = Number.NEGATIVE_INFINITY;
  private mark = 0;

  /**
   * The clock entered `second`: every request recorded since the previous turn was recorded in the previous second
   * (a record in any second between would have turned it).
   */
  turn(second: number): void {
    if (!Number.isFinite(second) || !(second > this.second)) return;
    const local = this.local.n;
    if (Number.isFinite(this.second)) this.add(this.second, local - this.mark);
    this.second = second;
    this.mark = local;
  }

  /** Requests counted in the local count that are not this process's own (absorbed latency): not its records. */
  skip(n: number): void {
    this.mark += n;
  }

  /**
   * Adds requests recorded elsewhere (src/cluster/), `classes` by status class 1xx … 5xx, from `from` to `to` (epoch
   * ms), each class spread evenly over those seconds in whole requests, the remainder in the latest ones (as the
   * request sub-windows take them: spreadCounts in cluster-exchange.ts); a second not come yet is the current one.
   */
  absorb(classes: ArrayLike<number>, from: number, to: number): void {
    if (!(classRequests(classes) > 0) || !Number.isFinite(this.second)) return;
    const last = Number.isFinite(to) ? Math.min(Math.ceil(to / 1000) - 1, this.second) : this.second;
    const first = Number.isFinite(from) ? Math.min(Math.floor(from / 1000), last) : last;
    const k = last - first + 1;
    // Only the seconds still held get a share (the ring holds SECONDS): a long span costs no more.
    for (let i = Math.max(0, k - SECONDS); i < k; i++) {
      let share = 0;
      for (let c = 0; c < 5; c++) {
        const n = (classes[c] as number) || 0;
        share += Math.floor((n * (i + 1)) / k) - Math.floor((n * i) / k);
      }
      if (share > 0) this.add(first + i, share);
    }
  }

  /** absorb() over the last `ms` up to now, in whole seconds (at least the current one), not before `startedAt`. */
  absorbRecent(classes: ArrayLike<number>, ms: number, startedAt: number): void {
    const k = ms > 1000 ? Math.ceil(ms / 1000) : 1;
    this.absorb(classes, Math.max((this.second - k + 1) * 1000, startedAt), (this.second + 1) * 1000);
  }

  /** Requests in the seconds `from` up to, not including, `to` (epoch s) that are still held. */
  between(from: number, to: number): number {
    let n = 0;
    for (let i = 0; i < SECONDS; i++) {
      const s = this.stamps[i] as number;
      if (s >= from && s < to) n += this.counts[i] as number;
    }
    return n;
  }

  /** Requests in the current second so far: absorbed ones, and those recorded here since it began. */
  current(): number {
    return this.between(this.second, this.second + 1) + this.local.n - this.mark;
  }

  /**
   * Requests per second (`ps`: sub-split.ts) from `from` (clamped to the seconds held) to the current one so far;
   * a second no longer held reads nothing (a cluster report's counts then fall short of its routes': spread).
   */
  bySecond(from: number | null): SubCounts {
    if (!Number.isFinite(this.second)) return { ms: 1000, first: 0, counts: [0] };
    const first = Math.min(Math.max(from ?? this.second, this.second - SECONDS + 1), this.second);
    const counts: number[] = [];
    for (let s = first; s < this.second; s++) counts.push(this.between(s, s + 1));
    counts.push(this.current());
    return { ms: 1000, first, counts };
  }

  private add(second: number, n: number): void {
    if (!(second > this.second - SECONDS)) return; // left the ring
    const i = ((second % SECONDS) + SECONDS) % SECONDS;
    if (this.stamps[i] !== second) {
      if ((this.stamps[i] as number) > second) return; // left the ring
      this.stamps[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i]! += n;
  }
}

/** Requests (1xx … 5xx) among figures by status class. */
export function classRequests(classes: ArrayLike<number>): number {
  let n = 0;
  for (let c = 0; c < 5; c++) n += (classes[c] as number) || 0;
  return n;
}
