// An in-process cluster on one injected clock, for the route-table tests (cluster-routes, folded-routes): `n` real
// worker monitors with their Reporter, the aggregator's real WorkerTable and Merger into a real SystemMonitor. The
// aggregator can be replaced (a takeover); each test keeps its own oracle of what it recorded and sent.

import type { ClusterMonitor } from '../../src/cluster/cluster-monitor.js';
import { Merger } from '../../src/cluster/merger.js';
import { Reporter, type ReportSources } from '../../src/cluster/report.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';

export const T0 = 1_700_000_000_000;

/** A cluster route row as routes/, metrics/ or Prometheus serve it. */
export type Row = { method: string; route: string; count: number; folded?: boolean };

const monitorAt = (now: () => number, id: string, maxRoutes: number) =>
  new SystemMonitor({ clock: { now }, sampleIntervalMs: 0, logger: silentLogger, instanceId: id, maxRoutes });

/** `n` workers and the aggregator, every one with `maxRoutes`; `record(i, route)` then `send(i)` a frame. */
export function inProcessCluster(n: number, maxRoutes: number) {
  const t = { now: T0 };
  const now = () => t.now;
  const aggregator = (id: string) => {
    const monitor = monitorAt(now, id, maxRoutes);
    const table = new WorkerTable();
    const merger = new Merger(monitor as unknown as ClusterMonitor, table, {
      logger: silentLogger,
      now,
      changed: () => {},
    });
    return { monitor, table, merger };
  };
  const workers = Array.from({ length: n }, (_, i) => {
    const own = monitorAt(now, `w${i}`, maxRoutes);
    own.requests.trackRouteLatency();
    return {
      own,
      entry: newEntry(`w${i}`, 100 + i, now()),
      reporter: new Reporter(own as unknown as ReportSources),
    };
  });
  const c = {
    t,
    now,
    workers,
    ...aggregator('c'),
    /** A new, empty aggregator `id` (the caller loads its ledger and merges the workers' hellos). */
    replaceAggregator(id: string) {
      Object.assign(c, aggregator(id));
    },
    /** Worker `i` records one request of `route`; the clock moves 10 ms. */
    record(i: number, route: string) {
      workers[i]!.own.recordRequest({ method: 'GET', route, status: 200, durationMs: 5 });
      t.now += 10;
    },
    /** Worker `i` sends a frame of what it recorded since its last: the aggregator merges it as read from the wire. */
    send(i: number) {
      const w = workers[i]!;
      c.merger.merge(w.entry, JSON.parse(JSON.stringify(w.reporter.take())), null, false);
    },
  };
  for (const w of workers) c.table.set(w.entry);
  return c;
}
