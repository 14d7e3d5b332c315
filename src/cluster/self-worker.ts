// The aggregator's options as a worker gives them when it leads: the cluster's endpoint and timings, and
// itself as the aggregator's own worker entry (its reports, window, process figures and answers).

import type { Logger } from '../types.js';
import { answerOwn, collectGauges, type MonitorLike } from './answers.js';
import type { AggregatorOptions, ClusterMonitor } from './cluster-monitor.js';
import type { ClusterEndpoint } from './endpoint.js';
import type { ClusterConfig } from './options.js';
import { takeWindow, type WindowSources } from './window-wire.js';
import type { WorkerReports } from './worker-reports.js';

/** What a worker leads with (the agent gives its own). */
export interface LeadingWorker {
  readonly id: string;
  readonly startedAt: number;
  readonly endpoint: ClusterEndpoint;
  readonly config: ClusterConfig;
  readonly own: MonitorLike & WindowSources;
  readonly reports: WorkerReports;
  readonly deps: {
    logger: Logger;
    now(): number;
    createClusterMonitor(): ClusterMonitor;
    budgets?: AggregatorOptions['budgets'];
  };
}

export function aggregatorOptions(w: LeadingWorker): AggregatorOptions {
  const { reporter, cuts } = w.reports;
  return {
    name: w.config.name,
    endpoint: w.endpoint,
    syncTimeoutMs: w.config.syncTimeoutMs,
    retireAfterMs: 60_000,
    logger: w.deps.logger,
    now: w.deps.now,
    createMonitor: w.deps.createClusterMonitor,
    budgets: w.deps.budgets,
    self: {
      id: w.id,
      pid: process.pid,
      startedAt: w.startedAt,
      // `full`: totals since start (a takeover's first report), uncut. With every request in flight by route
      // (in process: nothing crosses a socket), as a worker's frame carries them when they changed.
      take: (full) => {
        if (full) {
          reporter.reset();
          cuts.reset(false);
          w.reports.routes.reset();
        }
        return { ...cuts.frame(), ir: w.reports.routes.take(true) };
      },
      window: () => takeWindow(w.own),
      process: () => w.reports.process,
      answerSelf: (q) => answerOwn(w.own, q),
      collectGauges: () => collectGauges(w.own),
    },
  };
}
