// Merges a report's routes into a monitor's request statistics: each route's counts into the sub-windows (clock
// seconds) its worker counted them in (`ps`: seconds-wire.ts), split among the routes (sub-split.ts).

import type { SparseCounts } from '../latency/latency-ring.js';
import type { ApartFigures } from '../requests/apart.js';
import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import type { RequestStats } from '../requests/requests.js';
import { type SubCounts, splitAmongRoutes } from '../requests/sub-split.js';

/**
 * Where a report's requests are merged: a SystemMonitor's RequestStats, whose absorb() is the one definition of the
 * signature (a copy of it here drifted apart silently when either changed).
 */
export type RequestsTarget = Pick<RequestStats, 'absorb'>;

/** A report's route as read back (report.ts Report). */
interface RouteFigures {
  method: string;
  route: string;
  classes: number[];
  latency: SparseCounts | null;
  extra?: number[];
  apart?: ApartFigures;
}

/**
 * Merges `routes` (see RequestStats.absorb for `window` and `span`). With `subs` (the report's requests per
 * sub-window) each route's counts go into the sub-windows it takes of them; without (an older worker's report), or
 * when they do not add up to the routes' (requests of sub-windows its worker's ring no longer held), spread over
 * the span, as before.
 */
export function absorbRoutes(
  target: RequestsTarget,
  routes: readonly RouteFigures[],
  subs: SubCounts | undefined,
  window: boolean,
  span: AbsorbSpan | undefined,
): void {
  const needs = routes.map((r) => r.classes.reduce((a, b) => a + b, 0));
  const split = window && subs ? splitAmongRoutes(subs, needs) : undefined;
  routes.forEach((r, i) => {
    target.absorb(r.method, r.route, r.classes, r.latency, window, r.extra, span, split?.[i], r.apart);
  });
}
