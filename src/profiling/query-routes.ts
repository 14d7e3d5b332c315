// The routes that issued a query fingerprint: up to ROUTES_PER_FINGERPRINT by name, the rest summed under `other`.

import { wellFormed } from '../custom/well-formed.js';

/** Routes kept per fingerprint; the rest are summed under `other`. */
export const ROUTES_PER_FINGERPRINT = 5;

/** A fingerprint's routes. */
export interface RouteCounts {
  readonly routes: Map<string, number>;
  otherRoutes: number;
}

/**
 * Counts `count` queries of `entry` issued by `route`, filed well-formed (a lone surrogate as U+FFFD, as the route
 * table files it: outside review 16, F9), into `other` past ROUTES_PER_FINGERPRINT routes. Returns the route as filed.
 */
export function countRoute(entry: RouteCounts, route: string, count: number): string {
  const seen = entry.routes.get(route);
  if (seen !== undefined) {
    entry.routes.set(route, seen + count);
    return route;
  }
  const filed = wellFormed(route);
  if (filed !== route) return countRoute(entry, filed, count);
  if (entry.routes.size < ROUTES_PER_FINGERPRINT) entry.routes.set(route, count);
  else entry.otherRoutes += count;
  return route;
}
