// What a Reporter sent of a route its process reclaimed (route-table.ts reclaim: the route's totals since start moved
// into `* other`'s): counted as sent of `* other`, so only the unsent rest goes out, once, under `* other`.

import { SentApart } from './apart-wire.js';
import { SentCounts } from './counts-wire.js';

/** A process's route table (RouteTable): the pairs reclaimed since the last call, their totals now `* other`'s. */
export interface ReclaimedSource {
  takeReclaimed(): Iterable<[string, string]>;
}

/** What was sent of one route: totals since start when last reported. */
export interface SentRoute {
  classes: Float64Array;
  extra: Float64Array;
  latency: SentCounts;
  apart: SentApart;
}

/**
 * Moves `method route`'s sent totals into `* other`'s and forgets the route (if it comes back, from nothing). `sep`:
 * report.ts ROUTE_SEP.
 */
export function foldSent(
  routes: Map<string, SentRoute>,
  method: string,
  route: string,
  sep = '\u0000',
): void {
  const key = `${method}${sep}${route}`;
  const sent = routes.get(key);
  if (sent === undefined) return;
  routes.delete(key);
  const otherKey = `*${sep}other`;
  let into = routes.get(otherKey);
  if (into === undefined) {
    const [classes, extra] = [new Float64Array(5), new Float64Array(7)];
    into = { classes, extra, latency: new SentCounts(), apart: new SentApart() };
    routes.set(otherKey, into);
  }
  for (let c = 0; c < 5; c++) into.classes[c]! += sent.classes[c] as number;
  for (let c = 0; c < 7; c++) into.extra[c]! += sent.extra[c] as number;
  into.latency.addSent(sent.latency);
}
