// Request counts per request sub-window (one clock second by default): what a cluster worker reports beside its
// counts, so that the aggregator adds them to the seconds they were recorded in (per_second), not spread evenly over
// the span of its report (outside review 18, F1).

import { type RouteEntry, STRIDE, type WindowAt } from './route-counters.js';

/** Requests per sub-window of `ms` ms (absolute stamps: floor(epoch ms / ms)), from stamp `first` on. */
export interface SubCounts {
  ms: number;
  first: number;
  counts: number[];
}

/** The most sub-windows a report may name (a report held longer than this is spread over its span, as before). */
export const MAX_SUBS = 600;

/**
 * Requests (1xx … 5xx) in each sub-window from `from` (clamped to the ring: the last `slots`) to the current one,
 * summed over the routes; a sub-window whose place in the ring holds another stamp reads 0 (none recorded in it).
 */
export function requestsBySub(entries: Iterable<RouteEntry>, at: WindowAt, from: number): SubCounts {
  const first = Math.min(Math.max(from, at.sub - at.slots + 1), at.sub);
  const counts = new Array<number>(at.sub - first + 1).fill(0);
  for (const e of entries) {
    for (let s = first; s <= at.sub; s++) {
      const b = (s % at.slots) * STRIDE;
      if (e.counters[b] !== s) continue;
      let n = 0;
      for (let c = 1; c <= 5; c++) n += e.counters[b + c] as number;
      counts[s - first]! += n;
    }
  }
  return { ms: at.subWindowMs, first, counts };
}

/** Reads a report's `ps` ([ms, first stamp, count, count, ...]); undefined when absent or malformed (then spread). */
export function decodeSubCounts(v: unknown): SubCounts | undefined {
  if (!Array.isArray(v) || v.length < 3 || v.length > MAX_SUBS + 2) return undefined;
  if (!v.every((x) => Number.isSafeInteger(x) && x >= 0) || !(v[0] > 0)) return undefined;
  return { ms: v[0] as number, first: v[1] as number, counts: v.slice(2) as number[] };
}

/**
 * Splits a report's per-sub-window counts among its routes (`needs`: each route's requests, in order): each route
 * takes the next ones (greedy), so that every sub-window holds, summed over the routes, exactly the count reported
 * for it. Undefined when the counts do not add up to the routes' (a report older than the worker's ring: spread).
 */
export function splitAmongRoutes(subs: SubCounts, needs: readonly number[]): SubCounts[] | undefined {
  const left = subs.counts.slice();
  let total = 0;
  for (const n of left) total += n;
  let need = 0;
  for (const n of needs) need += n;
  if (total !== need || total === 0) return undefined;
  let i = 0;
  return needs.map((n) => {
    const counts = new Array<number>(left.length).fill(0);
    while (n > 0) {
      while ((left[i] as number) === 0) i++;
      const take = Math.min(n, left[i] as number);
      counts[i]! += take;
      left[i]! -= take;
      n -= take;
    }
    return { ms: subs.ms, first: subs.first, counts };
  });
}

/**
 * Puts one route's counts (`values`: 1xx … 5xx, then the extra figures) into the sub-windows `split` names, within
 * `lo`…`hi` (the sub-windows the part may fill: its latency sub-window's, in the window): the classes greedily, so
 * that each sub-window holds exactly its count of requests, the extra figures in proportion (floored, exact in sum).
 * `put(sub, share)` adds a share. False (nothing put) when `split` does not fit: another length, another sum.
 */
export function placeSplit(
  split: SubCounts,
  values: readonly number[],
  range: { lo: number; hi: number },
  at: WindowAt,
  counters: Float64Array,
  put: (sub: number, share: number[]) => void,
): boolean {
  // Its sub-windows, or whole seconds within the sub-windows (2 s at 120 s): each lies in one sub-window here.
  const per = at.subWindowMs / split.ms;
  if (!Number.isInteger(per) || !Number.isInteger(split.ms)) return false;
  let n = 0;
  for (const c of split.counts) n += c;
  let requests = 0;
  for (let c = 0; c < 5; c++) requests += values[c] as number;
  if (n !== requests || n === 0) return false;
  const classes = values.slice(0, 5);
  let k = 0;
  let done = 0;
  for (let i = 0; i < split.counts.length; i++) {
    let want = split.counts[i] as number;
    if (want === 0) continue;
    const share = new Array<number>(values.length).fill(0);
    while (want > 0) {
      while ((classes[k] as number) === 0) k++;
      const take = Math.min(want, classes[k] as number);
      share[k]! += take;
      classes[k]! -= take;
      want -= take;
    }
    const before = done;
    done += split.counts[i] as number;
    for (let x = 5; x < values.length; x++) {
      const v = values[x] as number;
      share[x] = Math.floor((v * done) / n) - Math.floor((v * before) / n);
    }
    let sub = Math.min(Math.max(Math.floor((split.first + i) / per), range.lo), range.hi);
    // Its place in the ring holds a later sub-window (a clock stepped back): the current one, as spreadCounts does.
    if ((counters[(sub % at.slots) * STRIDE] as number) > sub) sub = at.sub;
    put(sub, share);
  }
  return true;
}
