// What RequestStats hands to other processes and takes from them (src/cluster/): routes since start, window rows.

import type { SparseCounts } from '../latency/latency-ring.js';
import { APDEX_SATISFIED_COLUMN, APDEX_TOLERATING_COLUMN, apdexTotals } from './apdex-columns.js';
import type { TakenTotals } from './bucket.js';
import type { RouteState } from './request-figures.js';
import {
  ABORTED_COLUMN,
  ABORTED_FAILED_COLUMN,
  ANSWERED_CLOSE_COLUMN,
  BODY_CLOSE_COLUMN,
  entryTotals,
  openCounters,
  QUICK_CLOSE_COLUMN,
  type RouteEntry,
  STRIDE,
  type WindowAt,
} from './route-counters.js';
import { placeSplit, type SubCounts } from './sub-split.js';

/**
 * The window as it stands, sub-window by sub-window. `rows`: [stamp, 1xx … 5xx, aborted, Apdex satisfied,
 * tolerating, failed aborted, answered closes, body closes, quick closes] per request sub-window holding any (a row
 * without failed aborted, from an older version, counts every aborted request as failed; each close figure is there
 * only when it or a later one is not 0: an older receiver takes the row as before); `latency`: the latency
 * sub-windows with their stamp.
 * `ms`: the request and latency sub-window lengths (stamps are absolute: floor(epoch ms / length)).
 */
export interface WindowStates {
  ms: [number, number];
  /** When this window's recording started (epoch ms): the time its window covers begins at the later of this and its oldest sub-window. */
  startedAt: number;
  routes: Array<{
    method: string;
    route: string;
    rows: number[][];
    latency: Array<{ abs: number; counts: SparseCounts }>;
  }>;
}

/** Every route's figures since start (live views: read them synchronously), in the entries' order. */
export function* routeStatesOf(entries: Iterable<RouteEntry>, slots: number): Generator<RouteState> {
  for (const e of entries) {
    const classes = entryTotals(e.counters, slots);
    const [satisfied, tolerating] = apdexTotals(e.counters, slots);
    yield {
      method: e.method,
      route: e.route,
      classes,
      latency: e.total,
      apart: e.apart && {
        latency: e.apart.total,
        satisfied: e.apart.apdexTotal[0]!,
        tolerating: e.apart.apdexTotal[1]!,
      },
      extra: [
        classes[ABORTED_COLUMN - 1] as number,
        satisfied,
        tolerating,
        classes[ABORTED_FAILED_COLUMN - 1] as number,
        classes[ANSWERED_CLOSE_COLUMN - 1] as number,
        classes[BODY_CLOSE_COLUMN - 1] as number,
        classes[QUICK_CLOSE_COLUMN - 1] as number,
      ],
    };
  }
}

/** Every route's window rows (see WindowStates); reads only. */
export function windowStatesOf(
  entries: Iterable<RouteEntry>,
  at: WindowAt,
  ms: [number, number],
  startedAt: number,
): WindowStates {
  const routes = [];
  for (const e of entries) {
    const rows: number[][] = [];
    for (let pos = 0; pos < at.slots; pos++) {
      const b = pos * STRIDE;
      const stamp = e.counters[b] as number;
      if (!(stamp > at.sub - at.slots && stamp <= at.sub)) continue;
      const row = [stamp];
      for (let c = 1; c <= ABORTED_COLUMN; c++) row.push(e.counters[b + c] as number);
      row.push(
        e.counters[b + APDEX_SATISFIED_COLUMN] as number,
        e.counters[b + APDEX_TOLERATING_COLUMN] as number,
      );
      row.push(e.counters[b + ABORTED_FAILED_COLUMN] as number);
      const answered = e.counters[b + ANSWERED_CLOSE_COLUMN] as number;
      const body = e.counters[b + BODY_CLOSE_COLUMN] as number;
      const quick = e.counters[b + QUICK_CLOSE_COLUMN] as number;
      if (answered > 0 || body > 0 || quick > 0) row.push(answered);
      if (body > 0 || quick > 0) row.push(body); // the wire carries it apart (window-wire.ts takeWindow)
      if (quick > 0) row.push(quick); // so too
      if (row.some((v, i) => i > 0 && v > 0)) rows.push(row);
    }
    const latency = [...e.latency.subWindows(at.lat)];
    if (rows.length > 0 || latency.length > 0)
      routes.push({ method: e.method, route: e.route, rows, latency });
  }
  return { ms, startedAt, routes };
}

/** True when a window's sub-window lengths (requests, latency) are `mine`: only then is it absorbed. */
export function sameLengths(ms: readonly number[], mine: readonly [number, number]): boolean {
  return ms[0] === mine[0] && ms[1] === mine[1];
}

/**
 * The start of recording of a window that absorbed another recorded since `since` (epoch ms, the stamps'
 * clock): a new cluster aggregator that rebuilt its window from a worker's covers that worker's time, not only
 * the time since its own takeover, so rates divide the rebuilt counts by the time they were recorded in.
 * Moves `current` back, never forward, and never past now.
 */
export function coveredSince(current: number, since: number, clock: { now(): number }): number {
  if (!Number.isFinite(since)) return current;
  let now: number;
  try {
    now = clock.now();
  } catch {
    return current;
  }
  const at = Number.isFinite(now) ? Math.min(since, now) : since;
  return Math.min(at, current);
}

/**
 * Adds another process's window rows to one entry's window at the same stamps, without touching totals since
 * start: rows outside the current window are ignored.
 */
export function absorbWindowRows(
  entry: RouteEntry,
  at: WindowAt,
  rows: readonly (readonly number[])[],
  latency: ReadonlyArray<{ abs: number; counts: SparseCounts }>,
): void {
  const counters = entry.counters;
  for (const row of rows) {
    const stamp = row[0] as number;
    if (!(stamp > at.sub - at.slots && stamp <= at.sub)) continue;
    const pos = stamp % at.slots;
    const b = pos * STRIDE;
    const held = counters[b] as number;
    if (held !== stamp) {
      if (held > stamp) continue;
      // An older sub-window at this position: fold it into the totals, as a record() would.
      openCounters(counters, b, stamp, at.totalsOffset);
    }
    // Columns 1 … 6 as in the row; failed aborted at the row's end (absent from older versions: all aborted).
    const failed = row.length > ABORTED_COLUMN + 3 ? row[ABORTED_COLUMN + 3] : row[ABORTED_COLUMN];
    for (let c = 1; c <= ABORTED_FAILED_COLUMN; c++) {
      const n = ((c === ABORTED_FAILED_COLUMN ? failed : row[c]) as number) || 0;
      counters[b + c]! += n;
      // Window only: the totals already hold these (the worker's totals come in apart).
      counters[at.totalsOffset + c - 1]! -= n;
    }
    const answered = (row[ABORTED_COLUMN + 4] as number) || 0; // absent: none, or an older sender
    counters[b + ANSWERED_CLOSE_COLUMN]! += answered;
    counters[at.totalsOffset + ANSWERED_CLOSE_COLUMN - 1]! -= answered;
    const body = (row[ABORTED_COLUMN + 5] as number) || 0; // absent: none, or an older sender
    counters[b + BODY_CLOSE_COLUMN]! += body;
    counters[at.totalsOffset + BODY_CLOSE_COLUMN - 1]! -= body;
    const quick = (row[ABORTED_COLUMN + 6] as number) || 0; // absent: none, or an older sender
    counters[b + QUICK_CLOSE_COLUMN]! += quick;
    counters[at.totalsOffset + QUICK_CLOSE_COLUMN - 1]! -= quick;
    // Apdex, window only as the columns above.
    for (let k = 1; k <= 2; k++) {
      const n = (row[ABORTED_COLUMN + k] as number) || 0;
      counters[b + APDEX_SATISFIED_COLUMN + k - 1]! += n;
      counters[at.totalsOffset + APDEX_SATISFIED_COLUMN + k - 2]! -= n;
    }
  }
  for (const l of latency) {
    if (!(l.abs > at.lat - at.latencySlots && l.abs <= at.lat)) continue;
    entry.latency.addSparse(l.abs, l.abs % at.latencySlots, l.counts);
  }
}

/**
 * When figures absorbed from another process were recorded: `from`…`to` (epoch ms) and, when that process cut
 * its frame where its windows turn (src/cluster/cuts.ts), the sub-window `s` (of length `ms`, absolute stamps)
 * that holds them all. A frame of one interval says nothing: its figures go into the current sub-window.
 */
export interface AbsorbSpan {
  from: number;
  to: number;
  s?: number;
  ms?: number;
}

/**
 * The sub-window of `length` ms (stamps absolute) that `span` names, when it has turned since (older than
 * `current`): its stamp, or null when it has left a window of `slots` sub-windows. `current` otherwise (the
 * figures are this sub-window's, or the span names none, or another length).
 */
export function spanStamp(span: AbsorbSpan | undefined, length: number, current: number, slots: number) {
  if (span?.s === undefined || span.ms !== length || !(span.s < current)) return current;
  return span.s > current - slots ? span.s : null;
}

/**
 * Adds latency recorded elsewhere to the totals since start (`cumulative`, the entry's own) and, with `window`,
 * to the latency sub-window `span` names (spanStamp; the current one by default); without, into `taken` too,
 * so that the next history bucket does not count it again. A sub-window that has left the window: totals and
 * the history bucket only.
 */
export function absorbLatency(
  entry: RouteEntry,
  at: WindowAt,
  latency: SparseCounts,
  window: boolean,
  cumulative: { addSparse(latency: SparseCounts): void },
  taken: TakenTotals,
  span?: AbsorbSpan,
): void {
  cumulative.addSparse(latency);
  entry.total?.addSparse(latency);
  if (!window) taken.skipLatency(latency);
  const lat = window
    ? spanStamp(span, at.subWindowMs * (at.slots / at.latencySlots), at.lat, at.latencySlots)
    : null;
  if (lat !== null) entry.latency.addSparse(lat, lat % at.latencySlots, latency);
}

/**
 * Adds request counts recorded elsewhere to one entry: into the current sub-window (`window`), or into the
 * totals since start only, and then also into `takenTotals`, so that the next history bucket does not count
 * them again. `extra`: aborted (among the 4xx already), Apdex satisfied, tolerating, failed aborted (absent
 * from older versions: every aborted request failed), answered, body and quick closes (of the early closes;
 * absent: none). `span` (with `window`): when they were recorded (a paced
 * cluster worker's frame of several intervals, or a part cut at a latency sub-window's turn): they are spread
 * over the request sub-windows of that span (see spreadCounts) rather than all put in the current one; a span
 * in a sub-window that has left the window goes to the totals and the history bucket only. `split`: the requests
 * per request sub-window the worker counted (sub-split.ts): they go into those, within the span's (splitRange).
 * True when they did (else spread or put as above).
 */
export function absorbCounts(
  entry: RouteEntry,
  at: WindowAt,
  classes: ArrayLike<number>,
  extra: ArrayLike<number> | undefined,
  window: boolean,
  takenTotals: Float64Array,
  span?: AbsorbSpan,
  split?: SubCounts,
): boolean {
  const counters = entry.counters;
  const aborted = (extra?.[0] as number) || 0;
  const satisfied = (extra?.[1] as number) || 0;
  const tolerating = (extra?.[2] as number) || 0;
  const failedAborted = extra !== undefined && extra.length > 3 ? (extra[3] as number) || 0 : aborted;
  const answered = (extra?.[4] as number) || 0;
  const body = (extra?.[5] as number) || 0;
  const quick = (extra?.[6] as number) || 0;
  const range = window && span !== undefined ? spanRange(at, span) : undefined;
  // Left the window: totals only, and (not marked taken) in the history bucket.
  if (range === null) {
    absorbCounts(entry, at, classes, extra, false, new Float64Array(takenTotals.length));
    return false;
  }
  const x = [aborted, satisfied, tolerating, failedAborted, answered, body, quick];
  // Counted per sub-window by the worker (sub-split.ts): each into its own, within the part's sub-windows.
  if (window && split !== undefined) {
    const sub = splitRange(at, span);
    const values = [0, 1, 2, 3, 4].map((c) => (classes[c] as number) || 0).concat(x);
    const put = (s: number, share: number[]) =>
      absorbCounts(
        entry,
        { ...at, sub: s, pos: s % at.slots },
        share.slice(0, 5),
        share.slice(5),
        true,
        takenTotals,
      );
    if (sub !== null && placeSplit(split, values, sub, at, counters, put)) return true;
  }
  if (range !== undefined && range.first < range.last) {
    spreadCounts(entry, at, classes, x, range, takenTotals);
    return false;
  }
  if (range !== undefined && range.last !== at.sub)
    at = { ...at, sub: range.last, pos: range.last % at.slots };
  if (window) {
    const b = at.pos * STRIDE;
    if (counters[b] !== at.sub) openCounters(counters, b, at.sub, at.totalsOffset);
    for (let c = 0; c < 5; c++) counters[b + 1 + c]! += (classes[c] as number) || 0;
    counters[b + ABORTED_COLUMN]! += aborted;
    counters[b + ABORTED_FAILED_COLUMN]! += failedAborted;
    counters[b + ANSWERED_CLOSE_COLUMN]! += answered;
    counters[b + BODY_CLOSE_COLUMN]! += body;
    counters[b + QUICK_CLOSE_COLUMN]! += quick;
    counters[b + APDEX_SATISFIED_COLUMN]! += satisfied; // since start: derived (apdexTotals)
    counters[b + APDEX_TOLERATING_COLUMN]! += tolerating;
  } else {
    for (let c = 0; c < 5; c++) {
      const n = (classes[c] as number) || 0;
      counters[at.totalsOffset + c]! += n;
      // Already history elsewhere: the next bucket must not count it again.
      takenTotals[c]! += n;
    }
    counters[at.totalsOffset + ABORTED_COLUMN - 1]! += aborted;
    takenTotals[ABORTED_COLUMN - 1]! += aborted;
    counters[at.totalsOffset + ABORTED_FAILED_COLUMN - 1]! += failedAborted;
    takenTotals[ABORTED_FAILED_COLUMN - 1]! += failedAborted;
    counters[at.totalsOffset + ANSWERED_CLOSE_COLUMN - 1]! += answered;
    takenTotals[ANSWERED_CLOSE_COLUMN - 1]! += answered;
    counters[at.totalsOffset + BODY_CLOSE_COLUMN - 1]! += body;
    takenTotals[BODY_CLOSE_COLUMN - 1]! += body;
    counters[at.totalsOffset + QUICK_CLOSE_COLUMN - 1]! += quick;
    takenTotals[QUICK_CLOSE_COLUMN - 1]! += quick;
    counters[at.totalsOffset + APDEX_SATISFIED_COLUMN - 1]! += satisfied; // not in the history bucket: no mark
    counters[at.totalsOffset + APDEX_TOLERATING_COLUMN - 1]! += tolerating;
  }
  return false;
}

/**
 * The request sub-windows `span` covers: up to the current one, as far back as it lasts (a paced frame of several
 * intervals), or those of the latency sub-window it names when that has turned since, within `from`…`to`; not
 * before the window's oldest, nor before recording started. null: a latency sub-window that has left the window.
 */
function spanRange(at: WindowAt, span: AbsorbSpan): { first: number; last: number } | null {
  const perLat = at.slots / at.latencySlots;
  const lat = spanStamp(span, at.subWindowMs * perLat, at.lat, at.latencySlots);
  if (lat === null) return null;
  let last = at.sub;
  let first = at.sub - Math.ceil((span.to - span.from) / at.subWindowMs) + 1;
  if (lat !== at.lat) {
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    last = clamp(Math.floor((span.to - 1) / at.subWindowMs), lat * perLat, lat * perLat + perLat - 1);
    first = clamp(Math.floor(span.from / at.subWindowMs), lat * perLat, last);
  }
  first = Math.max(first, at.sub - at.slots + 1, Math.floor(at.startedAt / at.subWindowMs));
  return { first: Math.min(first, last), last };
}

/**
 * The request sub-windows a part counted per sub-window may fill: those of the latency sub-window it names when that
 * has turned since (spanStamp), else up to the current one; within the window and not before recording started.
 * null: a latency sub-window that has left the window (the counts then go to the totals: absorbCounts).
 */
function splitRange(at: WindowAt, span: AbsorbSpan | undefined): { lo: number; hi: number } | null {
  const perLat = at.slots / at.latencySlots;
  const lat = spanStamp(span, at.subWindowMs * perLat, at.lat, at.latencySlots);
  if (lat === null) return null;
  const hi = lat === at.lat ? at.sub : lat * perLat + perLat - 1;
  const floor = span?.s === undefined ? at.sub - at.slots + 1 : lat * perLat;
  const lo = Math.max(floor, at.sub - at.slots + 1, Math.floor(at.startedAt / at.subWindowMs));
  return { lo: Math.min(lo, hi), hi };
}

/**
 * Spreads counts evenly over the request sub-windows `range` (spanRange), in whole requests, the remainder in
 * the latest ones: the sum is exact, and a rate over the window sees them in the time they happened, to within
 * the span. A sub-window whose place in the ring holds a later one (a clock stepped back) gives its share to
 * the current.
 */
function spreadCounts(
  entry: RouteEntry,
  at: WindowAt,
  classes: ArrayLike<number>,
  extra: readonly number[],
  range: { first: number; last: number },
  takenTotals: Float64Array,
): void {
  const first = range.first;
  const n = range.last - first + 1;
  const values = [0, 1, 2, 3, 4].map((c) => (classes[c] as number) || 0).concat(extra);
  for (let i = 0; i < n; i++) {
    let sub = first + i;
    if ((entry.counters[(sub % at.slots) * STRIDE] as number) > sub) sub = at.sub;
    const share = values.map((v) => Math.floor((v * (i + 1)) / n) - Math.floor((v * i) / n));
    if (!share.some((v) => v > 0)) continue;
    const here = { ...at, sub, pos: sub % at.slots };
    absorbCounts(entry, here, share.slice(0, 5), share.slice(5), true, takenTotals);
  }
}
