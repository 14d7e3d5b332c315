// Cluster mode from the monitor's side: the worker's agent, the cluster's own monitor (built on the aggregator
// from the same options) and the source the admin API reads.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { NotificationRouter } from '../channels/router.js';
import { BudgetBook } from '../cluster/admin-guesses.js';
import { ClusterAgent } from '../cluster/agent.js';
import type { ClusterConfig } from '../cluster/options.js';
import { ClusterSource } from '../cluster/source.js';
import type { ProcessCollector } from '../collector/process.js';
import type { AdminInFlight } from '../lifecycle/admin-in-flight.js';
import type { ProbeVerdict } from '../lifecycle/lifecycle.js';
import { IDLE_LOAD_READER } from '../lifecycle/load-watch.js';
import type { RequestStats } from '../requests/requests.js';
import type { Clock, Logger } from '../types.js';
import { markClusterView } from './notification-state.js';
import type { MonitorOptions } from './options.js';
import { closeWorkerPlugins, withoutClose } from './shared-groups.js';

type AgentDeps = ConstructorParameters<typeof ClusterAgent>[2];

/** The worker's monitor, as cluster mode reads it. */
export type ClusterWorkerMonitor = ConstructorParameters<typeof ClusterAgent>[0] &
  ConstructorParameters<typeof ClusterSource>[1] & {
    readonly requests: RequestStats;
    readonly logger: Logger;
    readonly clock: Clock;
    readonly collector: { readonly proc: ProcessCollector };
    readonly notifications: NotificationRouter;
    /** Its requests in flight and ended (a closing worker's last report waits for them). */
    readonly lifecycle: {
      readonly inFlight: number;
      readonly endedTotal: number;
      onServerClose: (() => void) | null;
      drainConnection(req: IncomingMessage, res: ServerResponse): void;
      readonly adminInFlight: AdminInFlight;
    };
    probe(kind: 'live' | 'ready' | 'startup'): ProbeVerdict | Promise<ProbeVerdict>;
  };

/**
 * Starts this worker's side of the cluster. `createClusterMonitor` builds the cluster's monitor from the
 * options given here (the user's store, alert delivery, probes and plugins; no process lifecycle).
 */
export function startClusterMode(
  own: ClusterWorkerMonitor,
  options: MonitorOptions,
  config: ClusterConfig,
  createClusterMonitor: (options: MonitorOptions) => ReturnType<AgentDeps['createClusterMonitor']> & {
    readonly collector: { readonly proc: ProcessCollector };
  },
): { cluster: ClusterAgent; clusterSource: ClusterSource } {
  own.requests.trackRouteLatency();
  const clusterInstance = options.instanceId ?? `${hostname()}:${config.name}`;
  // The cluster's monitor: the user's store, alert delivery and probes; no process lifecycle.
  const clusterOptions: MonitorOptions = { ...options, cluster: false, instanceId: clusterInstance };
  markClusterView(clusterOptions);
  for (const key of ['handleSignals', 'shed', 'shutdown', 'loadReader', 'probeRules'] as const) {
    delete clusterOptions[key];
  }
  // Its lifecycle answers no probe and sheds nothing (the worker's own does both): no second lag timer
  // and memory read in the aggregator's process (bench/cluster.ts profile: ~0.5 % of its CPU under load),
  // nor a load-watch timer (Lifecycle runs none for this reader).
  clusterOptions.loadReader = IDLE_LOAD_READER;
  // Its probes and plugins run there alone (shared-groups.ts); each worker closes its plugins once, itself.
  clusterOptions.collectors = withoutClose(options.collectors);
  // The admin APIs' rate-limit budgets, counted for the cluster by whichever process is the aggregator.
  const budgets = new BudgetBook();
  const agent = new ClusterAgent(own, config, {
    budgets,
    logger: own.logger,
    now: () => own.clock.now(),
    createClusterMonitor: () => {
      const monitor = createClusterMonitor(clusterOptions);
      // One delay histogram per process: the cluster's monitor reports this process's (the workers' figures
      // replace it once one reported: process-figures.ts).
      monitor.collector.proc.followDelay(own.collector.proc);
      return monitor;
    },
    afterClose: () => closeWorkerPlugins(options.collectors, own.logger),
    requests: () => ({ inFlight: own.lifecycle.inFlight, ended: own.lifecycle.endedTotal }),
  });
  // A graceful exit without monitor.close() (`server.close(() => process.exit(0))`): the report goes first.
  own.lifecycle.onServerClose = () => agent.reportNow();
  const clusterSource = new ClusterSource(agent, own, {
    logger: own.logger,
    clock: own.clock,
    instanceId: clusterInstance,
    probe: (kind) => own.probe(kind),
    lifecycle: own.lifecycle,
    budgets,
    notifications: () =>
      (agent.clusterMonitor as { notifications?: NotificationRouter } | null)?.notifications ??
      own.notifications,
  });
  return { cluster: agent, clusterSource };
}

export { placeCluster } from '../cluster/placement.js';
