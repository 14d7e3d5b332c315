// The request window read per route: the snapshot's route rows and the endpoints table's windows, one pass each.

import { addViewJudged, clearView, createView, summarizeView } from '../latency/latency-ring.js';
import { apartWindowApdex } from './apart.js';
import { windowApdex } from './apdex-columns.js';
import type { EndpointWindow } from './request-figures.js';
import { type RouteEntry, unjudgedOf, windowCounts } from './route-counters.js';
import type { RouteStats } from './route-stats.js';

type View = ReturnType<typeof createView>;

/** A row's apart latency over the window (read synchronously, one row at a time): made on the first such row. */
let apartScratch: View | undefined;

/** The apart latency of `e` over the latency window `lat` (a shared scratch view), or null when it has none. */
function apartWindow(e: RouteEntry, lat: number): View | null {
  if (e.apart === null) return null;
  apartScratch ??= createView();
  e.apart.ring.window(lat, apartScratch);
  return apartScratch;
}

/**
 * A row without any duration (its aborted ones all closed early, or its requests all lost with a dead cluster worker):
 * no latency reading, never 0 ms.
 */
const NO_LATENCY = { avg_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null } as const;

/**
 * Each route with requests (or aborted ones only) in the window: counts, latency summary and time, Apdex counts and T (the
 * endpoints table, profiling/endpoints.ts). One pass; reads only. Counts cover the request sub-windows
 * `from` … `sub`, the ones the latency window `lat` covers: the same requests.
 */
export function endpointWindowRows(
  entries: Iterable<RouteEntry>,
  slots: number,
  sub: number,
  from: number,
  lat: number,
  scratch: View,
): EndpointWindow[] {
  const out: EndpointWindow[] = [];
  for (const e of entries) {
    const [count, count4xx, count5xx, countAborted, failedAborted] = windowCounts(
      e.counters,
      slots,
      sub,
      from,
    );
    if (count === 0 && countAborted === 0) continue; // a route of early closes only keeps its row (red team F1)
    const view = e.latency.window(lat, scratch);
    const [satisfied, tolerating] = windowApdex(e.counters, slots, sub, from);
    // Its requests not judged recorded apart (the server-wide Apdex leaves out exactly their Apdex counts).
    const apart = apartWindow(e, lat);
    if (apart !== null && apart.max > view.max) view.max = apart.max; // the row's own: all its values
    const apartApdex = e.apart === null ? null : apartWindowApdex(e.apart.apdex, slots, sub, from);
    out.push({
      method: e.method,
      route: e.route,
      count,
      count_4xx: count4xx,
      count_5xx: count5xx,
      count_aborted: countAborted,
      count_aborted_failed: failedAborted,
      latency: summarizeView(view),
      time_ms: Math.round(view.sum) / 1000,
      satisfied,
      tolerating,
      apdex_t_ms: e.satisfiedUs / 1000,
      ...(apart === null || apartApdex === null
        ? {}
        : { count_apart: apart.n, apart_satisfied: apartApdex[0], apart_tolerating: apartApdex[1] }),
    });
  }
  return out;
}

/** Server-wide latency over the window `lat`, merged from the routes into `view` (cleared first). */
export function windowLatency(entries: Iterable<RouteEntry>, lat: number, view: View): View {
  clearView(view);
  for (const e of entries) {
    e.latency.addWindow(lat, view);
    const apart = apartWindow(e, lat); // its values are in the row's counts, kept out of its max
    if (apart !== null && apart.max > view.max) view.max = apart.max;
  }
  return view;
}

/**
 * The window's counts over every route (windowCounts summed): requests, 4xx, 5xx, aborted, failed aborted, then the
 * requests kept out of the judged figures (unjudgedOf), then the answered closes (ANSWERED_CLOSE_COLUMN), then of the
 * requests not judged those of the `unmatched` OPTIONS row, then the closes while a body arrived (BODY_CLOSE_COLUMN),
 * then the quick closes (QUICK_CLOSE_COLUMN).
 */
export function windowTotals(
  entries: Iterable<RouteEntry>,
  slots: number,
  sub: number,
  from: number,
): [number, number, number, number, number, number, number, number, number, number] {
  const out: [number, number, number, number, number, number, number, number, number, number] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  ];
  for (const e of entries) {
    const window = windowCounts(e.counters, slots, sub, from);
    for (let i = 0; i < 5; i++) out[i]! += window[i] as number;
    const unjudged = unjudgedOf(e.method, e.route, window);
    out[5] += unjudged;
    out[6] += window[5];
    if (e.method === 'OPTIONS') out[7] += unjudged;
    out[8] += window[6];
    out[9] += window[7];
  }
  return out;
}

/**
 * Rows of the routes with requests (or aborted ones only) in the window (sub-windows `from` … `sub`, the latency window `lat`'s),
 * busiest first; their latency windows are also added to `all`, the judged server-wide latency: an `unmatched` or
 * catch-all row's without the values of its requests not judged, recorded apart (addViewJudged); those it has not
 * recorded apart (an older cluster worker's) left out as its fastest.
 */
export function routeRows(
  entries: Iterable<RouteEntry>,
  slots: number,
  sub: number,
  from: number,
  lat: number,
  scratch: View,
  all: View,
): RouteStats[] {
  clearView(all);
  const out: RouteStats[] = [];
  for (const e of entries) {
    const counts = windowCounts(e.counters, slots, sub, from);
    const [count, count4xx, count5xx, countAborted] = counts;
    const view = e.latency.window(lat, scratch);
    const apart = apartWindow(e, lat);
    addViewJudged(all, view, apart, Math.max(0, unjudgedOf(e.method, e.route, counts) - (apart?.n ?? 0)));
    if (apart !== null && apart.max > view.max) view.max = apart.max; // the row's own: all its values
    if (count === 0 && countAborted === 0) continue;
    // Over the durations it holds: none when its requests were all lost with a dead cluster worker (src/cluster/lost.ts,
    // no latency: they never ended), a reading of no value, not 0 ms (outside review 16, F1).
    const l = view.n > 0 ? summarizeView(view) : NO_LATENCY;
    out.push({
      method: e.method,
      route: e.route,
      count,
      count_4xx: count4xx,
      count_5xx: count5xx,
      count_aborted: countAborted,
      avg_ms: l.avg_ms,
      p50_ms: l.p50_ms,
      p95_ms: l.p95_ms,
      p99_ms: l.p99_ms,
      max_ms: l.max_ms,
    });
  }
  return out.sort(
    (a, b) =>
      b.count - a.count ||
      (a.method < b.method
        ? -1
        : a.method > b.method
          ? 1
          : a.route < b.route
            ? -1
            : a.route > b.route
              ? 1
              : 0),
  );
}
