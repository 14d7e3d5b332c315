// The cluster's load shedding as the aggregator serves it: requests refused by every worker (a total that
// never goes back), and whether a live worker sheds now or shed any in the interval the snapshot closes.

import type { Report } from './report.js';
import type { WorkerEntry, WorkerTable } from './workers.js';

/**
 * A worker's report: its shedding state when it said it (older workers never do), and, when `counted` (a
 * delta, or what a reconnection's totals add), the requests it refused mark the interval as shed.
 */
export function noteShed(entry: WorkerEntry, report: Report, counted: boolean): void {
  if (report.shedState !== undefined) {
    entry.shedSaid = true;
    entry.shedNow = report.shedState === '' ? null : report.shedState;
  }
  if (counted && report.shed) entry.shedding = entry.shedNow ?? 'requests shed';
}

/**
 * Sets the snapshot's `requests.shed_total` (the sum of every worker's totals as known: live, gone, retired
 * and the ledger's) and `requests.shedding` (why a live worker sheds now or shed since the previous snapshot,
 * prefixed with its id; else null), then, on a sample (`close`), forgets the interval's, as a process's lifecycle
 * does at each sample; a read (`close` false) leaves the episode to the next sample. Also `requests.unseen_total`.
 */
export function shedOfCluster(
  requests: { shed_total?: number; shedding?: string | null; unseen_total?: number } | undefined,
  workers: WorkerTable,
  close = true,
): void {
  let total = 0;
  for (const w of workers.values()) total += w.known.shed;
  const live = workers.live();
  const now = live.find((w) => w.shedNow !== null);
  const shed = now ?? live.find((w) => w.shedding !== null);
  const reason = shed ? `${shed.id}: ${now ? now.shedNow : shed.shedding}` : null;
  if (close) for (const w of workers.values()) w.shedding = null;
  if (!requests) return;
  requests.shed_total = total;
  requests.shedding = reason;
  unseenOfCluster(requests, workers);
}

/**
 * Sets the snapshot's `requests.unseen_total`: the sum of every worker's requests its Express or Koa middleware never
 * saw, as known (live, gone, retired and the ledger's, like shed_total: it never goes back). Left out when no worker
 * said it counts them (Fastify workers, workers of an older version).
 */
export function unseenOfCluster(requests: { unseen_total?: number } | undefined, workers: WorkerTable): void {
  let total: number | undefined;
  for (const w of workers.values()) if (w.known.unseen !== undefined) total = (total ?? 0) + w.known.unseen;
  if (requests && total !== undefined) requests.unseen_total = total;
}
