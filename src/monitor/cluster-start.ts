// Cluster mode at a monitor's creation: the `cluster` option parsed and its directory settled, or cluster mode
// off for this process (warned once), with its snapshots and health marked as this process's alone.

import { type ClusterConfig, parseClusterOptions } from '../cluster/options.js';
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
  if (asked === null) return { config: null, off: null, instanceId };
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
