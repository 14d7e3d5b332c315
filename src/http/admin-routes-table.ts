// The admin routes looked up by path (exact, then by prefix), and the list the 404 message names.

import type { AdminRoute } from './route.js';

/** The routes by exact path and by prefix, and their list for the 404 message. */
export interface AdminRouteTable {
  match(subpath: string): AdminRoute | undefined;
  readonly endpointList: string;
}

export function adminRouteTable(routes: readonly AdminRoute[]): AdminRouteTable {
  const exact = new Map<string, AdminRoute>();
  const prefixed: AdminRoute[] = [];
  for (const route of routes) {
    if (!exact.has(route.path)) exact.set(route.path, route);
    if (route.prefix) prefixed.push(route);
  }
  return {
    match(subpath) {
      const path = subpath.endsWith('/') ? subpath.slice(0, -1) : subpath;
      const found = exact.get(path);
      if (found) return found;
      for (const route of prefixed) if (path.startsWith(`${route.path}/`)) return route;
      return undefined;
    },
    endpointList: routes.map((r) => `${r.path}/`).join(', '),
  };
}

export function cut(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}
