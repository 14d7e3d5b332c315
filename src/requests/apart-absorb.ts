// A row's requests not judged into its apart latency (apart.ts): recorded here, or another process's (src/cluster/apart-wire.ts).

import { type ApartFigures, ApartLatency } from './apart.js';
import { type AbsorbSpan, spanStamp } from './cluster-exchange.js';
import { ABORTED_STATUS, NEVER_APART, type RouteEntry, type WindowAt } from './route-counters.js';

/**
 * RequestStats.record() of a request of status class `apartFrom` … 4 on its row (never a matched route's request):
 * unless a failed abort (judged, as unjudgedOf counts; false: record() goes on as for any request), its value in the
 * row's latency out of its max (LatencyRing.recordUnranked) and in its apart latency (made with the first), out of the
 * history bucket's max: the judged max stays exact, the row's own adds the apart one back on read (window-rows.ts).
 */
export function recordApart(
  entry: RouteEntry,
  at: WindowAt,
  slot: number,
  us: number,
  status: number,
): boolean {
  if (status === ABORTED_STATUS) return false;
  const latPos = at.lat % at.latencySlots;
  entry.latency.recordUnranked(at.lat, latPos, slot, us);
  entry.total?.addUnranked(slot, us);
  entry.apart ??= new ApartLatency(at.slots, at.latencySlots);
  entry.apart.record(at.sub, at.pos, at.lat, latPos, slot, us, entry.apdexLimits);
  return true;
}

/**
 * RequestStats.absorb()'s `apart`: adds `apart` (values and Apdex counts of requests not judged, among those absorbed into `entry` in the same call:
 * RequestStats.absorb) to the row's totals since start and, with `window`, to the latency sub-window absorbLatency
 * puts the row's values in; the Apdex counts to that sub-window's last request sub-window (the current one when it is
 * the current), in the window exactly when those values are. A row whose requests are all judged here (a catch-all
 * folded into `* other`) takes none: its counts judge them.
 */
export function absorbApart(
  entry: RouteEntry,
  at: WindowAt,
  apart: ApartFigures,
  window: boolean,
  span?: AbsorbSpan,
): void {
  if (entry.apartFrom === NEVER_APART) return;
  entry.apart ??= new ApartLatency(at.slots, at.latencySlots);
  const a = entry.apart;
  const perLat = at.slots / at.latencySlots;
  const lat = window ? spanStamp(span, at.subWindowMs * perLat, at.lat, at.latencySlots) : null;
  const latency = apart.latency;
  if (latency !== null && latency.n > 0) {
    a.total.addSparse(latency);
    if (lat !== null) a.ring.addSparse(lat, lat % at.latencySlots, latency);
  }
  if (lat === null) {
    a.apdexTotal[0]! += apart.satisfied;
    a.apdexTotal[1]! += apart.tolerating;
    return;
  }
  const sub = lat === at.lat ? at.sub : lat * perLat + perLat - 1;
  a.countApdex(sub, sub % at.slots, 1, apart.satisfied);
  a.countApdex(sub, sub % at.slots, 2, apart.tolerating);
}
