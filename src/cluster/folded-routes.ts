// Cluster rows a worker's `* other` may hold requests of (outside review 20, F7): each worker fills its `maxRoutes`
// slots in its own first-seen order, so past them a route that has a cluster row can have requests folded into a
// worker's `* other` (the name is lost there, at no cost per request). Such rows are marked `folded: true`, in
// routes/, metrics/ and, as `http_route_folded`, in Prometheus. The cluster's own table (outside review 22, RT22-2)
// was capped at `maxRoutes` in first-merged order, so a route a worker tracks could sit in the cluster's `* other`,
// unmarked: every row a worker reports is a route it tracks, and now has a cluster row of its own.

import { OTHER_METHOD, OTHER_ROUTE, UNMATCHED_ROUTE } from '../requests/route-counters.js';
import type { RouteTable } from '../requests/route-table.js';
import type { PrometheusWire } from './answers.js';
import type { WorkerTable } from './workers.js';

/**
 * Rows the cluster's table holds for routes its workers track, in `maxRoutes`: as many as 16 workers tracking
 * `maxRoutes` routes each with none in common (~20 KB a row: 32 MB at the default 100). Past it (more workers with
 * disjoint routes, or raw paths as routes over many restarts) a tracked route folds into the cluster's `* other`,
 * and that row is then marked `folded` (below).
 */
export const CLUSTER_ROUTES_FACTOR = 16;

/** The cluster monitor's route table, when it has one (a SystemMonitor's RequestStats). */
type WithRoutes = { readonly requests: object };
const tableOf = (monitor: WithRoutes): RouteTable | undefined =>
  (monitor.requests as { routes?: RouteTable }).routes;

/** Lets the cluster's table give a row to every route a worker reports (within the ceiling above). */
export function admitWorkerRoutes(monitor: WithRoutes): void {
  tableOf(monitor)?.admitAbsorbed?.(CLUSTER_ROUTES_FACTOR);
}

/** Whether a route a worker reported folded into the cluster's `* other` (past the ceiling): that row is marked. */
export function clusterSpilled(monitor: WithRoutes): boolean {
  return tableOf(monitor)?.spilled?.() ?? false;
}

/** A route row of the cluster's figures (RouteStats, EndpointRow). */
export interface FoldableRow {
  method: string;
  route: string;
  folded?: boolean;
}

/**
 * Marks `folded: true` on each row of `rows` that some worker known to this aggregator (live, gone or retired) may
 * have folded requests of: it folded requests into `* other` and reported no row of that method + route. A worker
 * that tracks the route counts all its requests there, so an unmarked row holds every request of its route; a
 * marked one may lack some (they are in the cluster's `* other`, never lost from the totals). Conservative: a
 * folding worker that never saw the route marks it too. `unmatched` rows never fold (they take no slot). The
 * cluster's `* other` is marked when `spilled`: a route a worker tracks folded there (clusterSpilled).
 */
export function markFolded(rows: readonly FoldableRow[], workers: WorkerTable, spilled = false): void {
  const known = [...workers.values()].map((w) => w.known);
  for (const row of rows) {
    if (row.route === UNMATCHED_ROUTE) continue;
    if (row.method === OTHER_METHOD && row.route === OTHER_ROUTE) {
      if (spilled) row.folded = true;
      continue;
    }
    if (known.some((k) => k.mayHaveFolded(row.method, row.route))) row.folded = true;
  }
}

/**
 * The aggregator's answer to `op` with its route rows marked: routes/ rows (`endpoints`), and for Prometheus the
 * method + route pairs of its counters that are marked (`folded`; the snapshot's rows are marked as it is taken).
 */
export function markAnswer(op: string, out: unknown, workers: WorkerTable, spilled: boolean): unknown {
  if (op === 'endpoints') markFolded((out as { routes: FoldableRow[] }).routes, workers, spilled);
  if (op === 'prometheus') {
    const w = out as PrometheusWire;
    const pairs = new Map<string, FoldableRow>();
    for (const r of w.routes) pairs.set(`${r.method} ${r.route}`, { method: r.method, route: r.route });
    const rows = [...pairs.values()];
    markFolded(rows, workers, spilled);
    w.folded = rows.filter((r) => r.folded).map((r) => [r.method, r.route]);
  }
  return out;
}
