// Cluster rows a worker's `* other` may hold requests of (outside review 20, F7): each worker fills its `maxRoutes`
// slots in its own first-seen order, so past them a route that has a cluster row can have requests folded into a
// worker's `* other` (the name is lost there, at no cost per request). Such rows are marked `folded: true`.

import { OTHER_METHOD, OTHER_ROUTE, UNMATCHED_ROUTE } from '../requests/route-counters.js';
import type { WorkerTable } from './workers.js';

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
 * folding worker that never saw the route marks it too. `unmatched` rows never fold (they take no slot).
 */
export function markFolded(rows: readonly FoldableRow[], workers: WorkerTable): void {
  const known = [...workers.values()].map((w) => w.known);
  for (const row of rows) {
    if (row.route === UNMATCHED_ROUTE || (row.method === OTHER_METHOD && row.route === OTHER_ROUTE)) continue;
    if (known.some((k) => k.mayHaveFolded(row.method, row.route))) row.folded = true;
  }
}
