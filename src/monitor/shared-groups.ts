// Cluster mode's dependency probes and collector plugins: they measure what the workers share (a database, a
// queue's depth), so the aggregator's cluster monitor runs them once, as it reads host metrics once per host;
// a worker's own monitor keeps only the probes its own readiness requires.

import { type LevelsOption, parseCollectorOptions } from '../collector/config.js';
import { type CollectorPlugin, closePlugins } from '../collector/plugins.js';
import type { Probe, ProbeName } from '../collector/probes.js';
import type { Logger } from '../types.js';

type Probes = { database?: Probe; redis?: Probe };

/**
 * What a cluster worker's own collector runs: the probes named in `probeRules.required` (readiness is per
 * process and must not wait on an aggregator), no plugin. Every probe and plugin is checked here all the same,
 * so that a mistake fails at setup in every worker, not at an election in the aggregator.
 */
export function workerGroups(
  probes: Probes | undefined,
  plugins: readonly CollectorPlugin[] | undefined,
  levels: LevelsOption | undefined,
  required: readonly string[],
): { probes: Probes; plugins: readonly CollectorPlugin[] } {
  parseCollectorOptions({ probes, plugins, levels });
  const kept: Probes = {};
  for (const name of ['database', 'redis'] as const satisfies readonly ProbeName[]) {
    const probe = probes?.[name];
    if (probe && required.includes(name)) kept[name] = probe;
  }
  return { probes: kept, plugins: [] };
}

/**
 * The plugins as the cluster's monitor runs them: the same collect() and status(), without close(): each
 * worker closes its own plugins once when it closes (closeWorkerPlugins), aggregator or not.
 */
export function withoutClose(plugins: readonly CollectorPlugin[] | undefined): CollectorPlugin[] | undefined {
  return plugins?.map((p) => {
    const out: CollectorPlugin = { name: p.name, collect: (ctx) => p.collect(ctx) };
    if (p.intervalMs !== undefined) out.intervalMs = p.intervalMs;
    if (p.timeoutMs !== undefined) out.timeoutMs = p.timeoutMs;
    if (p.maxRecordKeys !== undefined) out.maxRecordKeys = p.maxRecordKeys;
    if (p.status) out.status = (group) => (p.status as NonNullable<CollectorPlugin['status']>).call(p, group);
    return out;
  });
}

/**
 * Calls every plugin's close() once, side by side, each within PLUGIN_CLOSE_TIMEOUT_MS (errors and overruns are
 * logged, never thrown), as MetricsCollector.closePlugins does: the worker's close() keeps its bound
 * (`cluster.closeTimeoutMs` and a second).
 */
export function closeWorkerPlugins(
  plugins: readonly CollectorPlugin[] | undefined,
  logger: Logger,
): Promise<void> {
  return closePlugins(plugins ?? [], logger);
}
