// Prometheus families for the lifecycle: requests in flight (OpenTelemetry's `http.server.active_requests`),
// requests shed, whether load is being shed, the observations dropped for bad input, and cluster mode off.

import { DROPPED_SOURCES } from '../../collector/dropped.js';
import type { MetricsSnapshot } from '../../types.js';
import { family } from './runtime.js';

/**
 * Appends the in-flight and load-shedding families to `out` (a monitor's snapshots carry them); `shedTotal`,
 * when given, is the live count of shed requests (read at scrape time, like the request counters).
 */
export function renderLifecycle(out: string[], s: MetricsSnapshot, prefix: string, shedTotal?: number): void {
  if (s.cluster_mode) {
    family(
      out,
      `${prefix}cluster_mode_off`,
      'gauge',
      '1: cluster mode was asked for but is off in this process (no private directory for its socket; the reason is logged and in metrics/ cluster_mode), so every sample is this process alone.',
      [`${prefix}cluster_mode_off 1`],
    );
  }
  const dropped = s.dropped_observations;
  if (dropped) {
    const name = `${prefix}dropped_observations_total`;
    family(
      out,
      name,
      'counter',
      'Observations ignored for bad input (a NaN, negative or infinite duration or value, a status outside 100-599) since start, by source.',
      DROPPED_SOURCES.map((source) => `${name}{source="${source}"} ${dropped[source]}`),
    );
  }
  const r = s.requests;
  if (!r) return;
  if (typeof r.in_flight === 'number') {
    family(
      out,
      `${prefix}http_server_active_requests`,
      'gauge',
      'Application requests in flight (started, not yet ended).',
      [`${prefix}http_server_active_requests ${r.in_flight}`],
    );
  }
  if (typeof r.shed_total === 'number') {
    // Never below the snapshot's (a counter does not go back), live when the scrape could read it.
    const total = typeof shedTotal === 'number' ? Math.max(shedTotal, r.shed_total) : r.shed_total;
    family(
      out,
      `${prefix}requests_shed_total`,
      'counter',
      'Requests answered 503 by load shedding since start.',
      [`${prefix}requests_shed_total ${total}`],
    );
    family(
      out,
      `${prefix}load_shedding`,
      'gauge',
      '1 while requests are being shed (in the last sample interval), else 0.',
      [`${prefix}load_shedding ${r.shedding ? 1 : 0}`],
    );
  }
}
