// Prometheus families for the lifecycle: requests in flight (OpenTelemetry's `http.server.active_requests`),
// requests shed, whether load is being shed, the observations dropped for bad input, cluster mode off, two live
// processes under one instanceId, and whether a cluster's figures are complete (outside review 20, F5: until then only the JSON said so).

import { DROPPED_SOURCES } from '../../collector/dropped.js';
import { BUILTIN_FAMILIES as F } from '../../custom/builtin-families.js';
import type { ClusterSummary, MetricsSnapshot } from '../../types.js';
import { family } from './runtime.js';

/**
 * Appends the in-flight, load-shedding and unseen-request families to `out` (a monitor's snapshots carry them);
 * `shedTotal` and `unseenTotal`, when given, are the live counts (read at scrape time, like the request counters).
 */
export function renderLifecycle(
  out: string[],
  s: MetricsSnapshot,
  prefix: string,
  shedTotal?: number,
  unseenTotal?: number,
): void {
  if (s.cluster_mode) {
    family(out, prefix, F.cluster_mode_off, [` 1`]);
  }
  if (s.instance_conflict) family(out, prefix, F.instance_conflict, [` ${s.instance_conflict.processes}`]);
  if (s.cluster) renderCluster(out, s.cluster, prefix);
  const dropped = s.dropped_observations;
  if (dropped) {
    family(out, prefix, F.dropped_observations_total, [
      ...DROPPED_SOURCES.map((source) => `{source="${source}"} ${dropped[source]}`),
      ...(typeof dropped.observed_series === 'number'
        ? [`{source="observed_series"} ${dropped.observed_series}`]
        : []),
    ]);
  }
  const r = s.requests;
  if (!r) return;
  if (typeof r.in_flight === 'number') {
    family(out, prefix, F.http_server_active_requests, [` ${r.in_flight}`]);
  }
  if (typeof r.shed_total === 'number') {
    // Never below the snapshot's (a counter does not go back), live when the scrape could read it.
    const total = typeof shedTotal === 'number' ? Math.max(shedTotal, r.shed_total) : r.shed_total;
    family(out, prefix, F.requests_shed_total, [` ${total}`]);
    family(out, prefix, F.load_shedding, [` ${r.shedding ? 1 : 0}`]);
  }
  if (typeof r.unseen_total === 'number') {
    const total = typeof unseenTotal === 'number' ? Math.max(unseenTotal, r.unseen_total) : r.unseen_total;
    family(out, prefix, F.http_unseen_requests_total, [` ${total}`]);
  }
}

/**
 * A cluster's scrape (the aggregator's snapshot carries its summary): the workers connected, how many of its workers
 * are missing from these figures, and whether they are complete, so that a Prometheus user can see and alert on what
 * `cluster.complete`/`missing` say in JSON (a worker stopped, blocked or still unread).
 */
function renderCluster(out: string[], c: ClusterSummary, prefix: string): void {
  const missing = new Set(c.missing);
  family(out, prefix, F.cluster_workers_connected, [` ${c.workers_connected}`]);
  family(out, prefix, F.cluster_workers_missing, [` ${c.workers.filter((w) => missing.has(w.id)).length}`]);
  family(out, prefix, F.cluster_complete, [` ${c.complete ? 1 : 0}`]);
}
