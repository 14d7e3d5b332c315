// The aggregator's answers for one worker (forwarded to it, with the host groups it does not read) and for
// history (the cluster's series, the fleet, or one worker's).

import { SysvitalsError } from '../errors.js';
import type { MetricsSnapshot } from '../types.js';
import { answer, type Question } from './answers.js';
import type { AggregatorOptions, ClusterMonitor } from './cluster-monitor.js';
import { RemoteError } from './peer.js';
import type { WorkerTable } from './workers.js';

/** What these answers read of the aggregator. */
export interface ClusterView {
  readonly workers: WorkerTable;
  readonly monitor: ClusterMonitor;
  readonly options: AggregatorOptions;
}

/** One worker's answer (its own view, with the host groups): the aggregator's own, or asked over its socket. */
export async function forward(view: ClusterView, q: Question, instance: string): Promise<unknown> {
  const w = view.workers.find(instance);
  if (!w) {
    throw new RemoteError(
      'not_found',
      `no worker ${JSON.stringify(instance)} in cluster ${view.options.name}; workers: ${view.workers.liveIds().join(', ')}`,
    );
  }
  if (w.self) return withHost(view, q, await view.options.self.answerSelf(q));
  if (w.peer === null) throw new RemoteError('unavailable', `worker ${w.id} is not connected`);
  return withHost(view, q, await w.peer.ask({ t: 'q', q }, view.options.syncTimeoutMs * 4));
}

/**
 * A worker's `metrics/` view: what is not measured there from the cluster's latest snapshot, the same
 * values, marked `host_from` (the aggregator that measured them): the host groups, the plugins' groups, and
 * the database and redis groups unless the worker probes them itself (for its readiness).
 */
async function withHost(view: ClusterView, q: Question, out: unknown): Promise<unknown> {
  if (q.op !== 'metrics' || out === null || typeof out !== 'object') return out;
  const question = { op: 'metrics', maxAgeMs: 60_000, callbacksMaxAgeMs: Number.POSITIVE_INFINITY } as const;
  const host = (await answer(view.monitor, question)) as MetricsSnapshot;
  const shown = { ...(out as MetricsSnapshot), host_from: view.options.self.id };
  for (const g of ['cpu', 'memory', 'disk', 'network', 'plugins'] as const) {
    if (host?.[g]) (shown as Record<string, unknown>)[g] = host[g];
  }
  for (const g of ['database', 'redis'] as const) {
    const own = shown[g] as { response_time_ms: number | null; status: string; error?: string } | undefined;
    const measured = own && (own.response_time_ms !== null || own.status !== 'unknown' || own.error);
    if (host?.[g] && !measured) (shown as Record<string, unknown>)[g] = host[g];
  }
  return shown;
}

/** History: the cluster's series, the fleet (`all`), another host's cluster, or one worker's (forwarded). */
export async function clusterHistory(
  view: ClusterView,

  q: Extract<Question, { op: 'history' }>,
  instance: string | undefined,
): Promise<unknown> {
  const w = instance === undefined || instance === 'all' ? undefined : view.workers.find(instance);
  if (w) return forward(view, { op: 'history', period: q.period }, w.id);
  // The cluster's series, the fleet (`all`: every cluster sharing the store), or another host's cluster.
  const named = q.instance !== undefined && q.instance !== 'all' && q.instance !== view.monitor.instanceId;
  // getHistory() throws ERR_SYSVITALS_INVALID_OPTION for an instance with no history (RT34-3): the 404 below.
  const out = await answer(view.monitor, q).catch((err: unknown) => {
    if (named && err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_INVALID_OPTION') return null;
    throw err;
  });
  // Neither a worker nor an instance with history in the store: a 404, as `metrics/` answers.
  if (named && ((out as { points?: unknown[] } | null)?.points?.length ?? 0) === 0) {
    throw new RemoteError(
      'not_found',
      `no worker ${JSON.stringify(instance)} in cluster ${view.options.name} and no history of an instance of that name; workers: ${view.workers.liveIds().join(', ')}`,
    );
  }
  return out;
}
