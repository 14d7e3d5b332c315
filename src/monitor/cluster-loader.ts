// Cluster mode's code (the agent, aggregator and cluster source), loaded when a monitor is created with `cluster`.

import * as clusterMode from './cluster-mode.js';

/**
 * Cluster mode's module. From source (vitest, tsx) it is this plain import; in the build, tsup.config.ts
 * (`lazyModules`) replaces this module's body with a synchronous `require()` of dist/lazy-cluster-mode.cjs,
 * a separate entry, so that a process that never sets `cluster` does not load its code (issue 18).
 */
export function loadClusterMode(): typeof clusterMode {
  return clusterMode;
}
