// The admin endpoints' paths under basePath, known without loading the route table (routes.ts, loaded lazily).

import type { AdminRoute } from './route.js';

/**
 * The paths of ADMIN_ROUTES (routes.ts), each with whether its sub-paths are its too (`silences/<id>`,
 * `dashboard/<file>`). test/http/admin-paths.test.ts keeps it equal to the route table.
 */
export const ADMIN_ENDPOINT_PATHS: readonly (readonly [path: string, prefix: boolean])[] = Object.freeze([
  ['metrics', false],
  ['health', false],
  ['alerts', false],
  ['history', false],
  ['token', false],
  ['stream', false],
  ['dashboard', true],
  ['metrics/prometheus', false],
  ['silences', true],
  ['channels', false],
  ['queries', false],
  ['routes', false],
  ['jobs', false],
  ['capacity', false],
]);

/**
 * Whether a sub-path of basePath (no query) is an endpoint, by the route table's rule (admin-routes-table.ts):
 * one trailing slash optional, a prefix route's sub-paths included. Anything else is the application's path.
 */
export function endpointTest(
  routes: readonly Pick<AdminRoute, 'path' | 'prefix'>[] | undefined,
): (subpath: string) => boolean {
  const list = routes ? routes.map((r) => [r.path, r.prefix === true] as const) : ADMIN_ENDPOINT_PATHS;
  const exact = new Set(list.map(([p]) => p));
  const prefixes = list.filter(([, prefix]) => prefix).map(([p]) => `${p}/`);
  return (subpath) => {
    const path = subpath.endsWith('/') ? subpath.slice(0, -1) : subpath;
    return exact.has(path) || prefixes.some((p) => path.startsWith(p));
  };
}
