// Requests in flight per route, for routes/: worked out when it is read, by walking the requests in flight and
// asking each adapter which route its own tickets have reached. Nothing is added to a request's path (issue 18).

import { routeKey } from '../profiling/series-history.js';
import type { InFlightAges, InFlightEntry } from './in-flight.js';
import { methodIndex, methodLabel, OTHER_HTTP_METHOD } from './route-counters.js';

/**
 * The route of requests in flight whose route is not known yet: Express before its router matched one, Koa before
 * @koa/router did (a hang in a middleware before the routes). Real templates start with `/`, so this cannot clash.
 */
export const UNROUTED_ROUTE = 'unrouted';

/**
 * An adapter's reading of one of its own requests in flight (adapters/flight-routes.ts flightRouteReader): its method
 * and route (null: not routed yet), read from the objects its end reads them from; undefined for another's entry.
 */
export type InFlightRouteReader = (
  entry: InFlightEntry,
) => readonly [method: string, route: string | null] | undefined;

/** One method + route with requests in flight: how many, and the age of the oldest (ms, the request window's clock). */
export interface RouteInFlight {
  method: string;
  route: string;
  count: number;
  oldestMs: number;
  /** When the oldest was admitted, on the request window's clock (absent: not known, a cluster's merged row). */
  oldestAt?: number;
  /** When the newest was admitted, on the same clock (absent: not known, a cluster's merged row). */
  newestAt?: number;
}

/** The adapters' readers of one monitor's tickets, and the walk that groups its requests in flight by route. */
export class InFlightRoutes {
  private readonly readers: InFlightRouteReader[] = [];

  /** An adapter's reader (once per middleware or plugin made for the monitor, not per request). */
  add(reader: InFlightRouteReader): void {
    if (!this.readers.includes(reader)) this.readers.push(reader);
  }

  /**
   * The requests in flight by method (counted as the request table counts it: methods outside the standard seven
   * as OTHER) and route, keyed by routeKey() (`GET /users/:id`). The ones aging leaves out are left out (event
   * streams, bodies still arriving, responses the application has ended: InFlightAges.eachEntry), and so are excluded
   * paths (never in flight), requests admitted without a ticket (monitor.admitRequest(): the route comes with
   * recordRequest()) and those a reader fails on. With `minMs`,
   * only those in flight for at least that long, and those admitted at or before `keptUpTo` (the request window's
   * clock): a cluster worker's periodic report, which keeps naming the requests its last routes/ read named
   * (cluster/routes-in-flight.ts). Never throws.
   */
  read(ages: InFlightAges, minMs = 0, keptUpTo = Number.NEGATIVE_INFINITY): Map<string, RouteInFlight> {
    const out = new Map<string, RouteInFlight>();
    const readers = this.readers;
    if (readers.length === 0 || ages.size === 0) return out;
    ages.eachEntry((entry, ageMs) => {
      if (ageMs < minMs && !(entry.t <= keptUpTo)) return;
      const named = nameOf(readers, entry);
      if (named === undefined) return;
      const i = methodIndex(named[0]);
      const method = i < 0 ? OTHER_HTTP_METHOD : methodLabel(named[0], i);
      const route = typeof named[1] === 'string' ? named[1] : UNROUTED_ROUTE;
      const key = routeKey(method, route);
      const row = out.get(key);
      if (row === undefined)
        out.set(key, { method, route, count: 1, oldestMs: ageMs, oldestAt: entry.t, newestAt: entry.t });
      else {
        row.count++;
        row.newestAt = Math.max(row.newestAt ?? entry.t, entry.t);
        if (ageMs > row.oldestMs) {
          row.oldestMs = ageMs;
          row.oldestAt = entry.t;
        }
      }
    });
    return out;
  }
}

function nameOf(
  readers: readonly InFlightRouteReader[],
  entry: InFlightEntry,
): readonly [string, string | null] | undefined {
  for (const read of readers) {
    try {
      const named = read(entry);
      if (named !== undefined) return named;
    } catch {
      return undefined; // a framework object that throws on a read: that request is left out of the table
    }
  }
  return undefined;
}
