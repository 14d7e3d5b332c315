// Paced workers (Cuts + ReportPacer over their own statistics) reporting to a real aggregator-side Merger into a
// real SystemMonitor, on one injected clock: the fixture of history-minutes and custom-window-cuts tests.

import type { ClusterMonitor } from '../../src/cluster/cluster-monitor.js';
import { Cuts } from '../../src/cluster/cuts.js';
import { Merger } from '../../src/cluster/merger.js';
import { ReportPacer } from '../../src/cluster/pacing.js';
import { Reporter } from '../../src/cluster/report.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { RequestStats } from '../../src/requests/requests.js';
import type { MetricsStore } from '../../src/stores/store.js';

/** A Cuts' failure is the test's. */
export const throwing = {
  failed: (_k: string, err: unknown) => {
    throw err;
  },
};

/**
 * `n` workers paced to 256 B/s (frames of several seconds) and the aggregator's monitor and Merger. `send(w)`
 * merges the worker's frame; `spans` false drops the sub-windows its parts name (an aggregator filing by arrival).
 */
export function pacedWorkers(clock: { now(): number }, n: number, store?: MetricsStore, windowMs?: number) {
  const monitor = new SystemMonitor({
    clock,
    store,
    sampleIntervalMs: 0,
    logger: silentLogger,
    instanceId: 'c',
    ...(windowMs === undefined ? {} : { requestWindowMs: windowMs }),
  });
  const table = new WorkerTable();
  const merger = new Merger(monitor as unknown as ClusterMonitor, table, {
    logger: silentLogger,
    now: clock.now,
    changed: () => {},
  });
  const workers = Array.from({ length: n }, (_, i) => {
    const requests = new RequestStats({ clock, windowMs });
    requests.trackRouteLatency();
    const own = { requests, functions: new FunctionTimings({ clock }), custom: new CustomMetrics(), clock };
    const cuts = new Cuts(new Reporter(own), clock.now, throwing, own);
    cuts.reset(true);
    const pacer = new ReportPacer(
      { intervalMs: 1000, bytesPerSecond: 256, maxReportDelayMs: 10_000 },
      clock.now,
    );
    const entry = newEntry(`w${i}`, 100 + i, clock.now());
    table.set(entry);
    return { own, cuts, pacer, entry };
  });
  const send = (w: (typeof workers)[number], spans = true) => {
    const { report, cut, at } = w.cuts.frame();
    const msg = spans
      ? { report, ...(cut.length > 0 ? { cut } : {}), ...(at ? { at } : {}) }
      : { report, cut: cut.map((c) => ({ report: c.report })) };
    w.pacer.sent(JSON.stringify(msg).length);
    merger.mergeFrame(w.entry, JSON.parse(JSON.stringify(msg)), null);
  };
  return { monitor, merger, workers, send };
}
