// Cluster mode at a monitor's creation: the `cluster` option parsed and its directory settled, or cluster mode
// off for this process (warned once), with its snapshots and health marked as this process's alone.

import { hostname } from 'node:os';
import { type ClusterConfig, parseClusterOptions } from '../cluster/options.js';
import { MemoryStore } from '../stores/memory.js';
import type { ClusterModeOff, Logger, MetricsSnapshot } from '../types.js';
import { loadClusterMode } from './cluster-loader.js';
import { instanceIdOf, type MonitorOptions } from './options.js';

/** What the monitor starts with: `config` null when cluster mode is off or not asked for; its instance id. */
export interface ClusterStart {
  readonly config: ClusterConfig | null;
  readonly off: ClusterModeOff | null;
  /** With `cluster` set (on or off) this process alone (`host:pid`): `instanceId` names the cluster. */
  readonly instanceId: string;
}

/**
 * Parses `cluster` and settles its private directory (cluster/placement.ts). A refused default directory turns
 * cluster mode off for this process instead of failing createMonitor (a crash loop in every worker): one
 * warning, naming each directory and why it was refused.
 */
export function startOfCluster(options: MonitorOptions, logger: Logger): ClusterStart {
  const asked = parseClusterOptions(options.cluster);
  const instanceId = instanceIdOf(options, asked !== null);
  if (asked === null) {
    warnPerProcessSeries(options, instanceId, logger);
    return { config: null, off: null, instanceId };
  }
  // Cluster mode's code loads here, not at import (cluster-loader.ts).
  const placed = loadClusterMode().placeCluster(asked);
  if (placed.off !== null) {
    logger.warn(
      { reason: placed.off.reason, cluster: asked.name },
      `sysvitals: cluster mode is OFF in this process: figures, alerts and the admin API are per process, not the cluster's (${placed.off.reason})`,
    );
  }
  return { config: placed.config, off: placed.off, instanceId };
}

/** The snapshot decorator of a process whose cluster mode is off: `cluster_mode` says so (health reads it). */
export const markProcessOnly =
  (off: ClusterModeOff) =>
  (snapshot: MetricsSnapshot): MetricsSnapshot => {
    snapshot.cluster_mode = off;
    return snapshot;
  };

/**
 * Outside review 1, F4: a persistent store (RedisStore, your own) under the default instance id, `host:pid`,
 * starts a new series at every restart: history, the dashboard's charts, capacity and the anomaly models come
 * back empty after each deploy, and per-pid keys pile up. Warned once, at setup. Not in cluster mode: the
 * cluster's monitor names its series itself (`host:<cluster name>`, cluster-mode.ts), the workers use no store.
 */
function warnPerProcessSeries(options: MonitorOptions, instanceId: string, logger: Logger): void {
  if (options.instanceId !== undefined || options.store === undefined) return;
  if (options.store instanceof MemoryStore) return;
  // The store's own id, when it has one, was defaulted too only if it is this process's `host:pid`.
  if (instanceId !== `${hostname()}:${process.pid}`) return;
  logger.warn(
    { instanceId },
    `sysvitals: the store is persistent but instanceId defaulted to ${JSON.stringify(instanceId)} (host:pid): every ` +
      'restart starts a new series, so history, dashboard charts, capacity and anomaly models come back empty ' +
      "after each deploy and per-process keys pile up in the store; give it a stable id: createMonitor({ instanceId: 'api-1', store }) " +
      "or new RedisStore({ instanceId: 'api-1' })",
  );
}
