// The application-side groups (requests, errors, latency, routes, functions, websocket): read from
// sources that other parts of sysvitals feed, zero-valued until something feeds them.

import { notJudgedReason } from '../alerts/status.js';
import { DEFAULT_MIN_REQUESTS, type RuleLevels, type RuleName } from '../alerts/thresholds.js';
import { errorMessage, type OutageLog } from '../logger.js';
import { NOTHING_MEASURED } from '../requests/request-groups.js';
import type { ComponentStatus, RequestGroups, WebSocketMetrics } from '../types.js';

type Levels = Readonly<Record<RuleName, Readonly<RuleLevels>>>;

/**
 * The request groups of a collector without a request source (status `healthy` for requests: nothing is wrong) or
 * whose source failed (`unknown` with its error). The errors group is never `healthy` without requests: 0 requests
 * are fewer than minRequests, so it is `unknown` with the monitor's reason, as health reads it (outside review 31, RT31-7).
 */
export function emptyRequestGroups(
  levels: Levels,
  status: ComponentStatus = 'healthy',
  error?: string,
): RequestGroups {
  const e = error === undefined ? {} : { error };
  return {
    requests: { per_second: 0, per_minute: 0, total: 0, status, ...e },
    errors: {
      count_4xx: 0,
      count_5xx: 0,
      count_aborted: 0,
      count_aborted_early: 0,
      count_aborted_answered: 0,
      error_rate_percent: null,
      status: 'unknown',
      threshold: levels.error_rate.warning,
      ...(error === undefined ? { reason: notJudgedReason(0, DEFAULT_MIN_REQUESTS) } : e),
    },
    // No request measured: null figures, unknown (never "healthy, 0 ms").
    latency: {
      p50_ms: null,
      p95_ms: null,
      p99_ms: null,
      avg_ms: null,
      max_ms: null,
      status: 'unknown',
      threshold: levels.api_response_time.warning,
      ...(error === undefined ? { reason: NOTHING_MEASURED } : e),
    },
    routes: [],
    functions: {},
  };
}

export function websocketMetrics(count: number): WebSocketMetrics {
  if (!(Number.isFinite(count) && count >= 0)) {
    return { active_connections: 0, status: 'unknown', error: `websocket source returned ${String(count)}` };
  }
  return { active_connections: Math.round(count), status: 'healthy' };
}

/** The `websocket` group from its source (0 without one); a source that fails makes it `unknown`, logged once. */
export function readWebsocket(source: (() => number) | undefined, outages: OutageLog): WebSocketMetrics {
  if (!source) return websocketMetrics(0);
  try {
    const metrics = websocketMetrics(source());
    if (metrics.error) outages.failed('websocket', metrics.error);
    else outages.recovered('websocket');
    return metrics;
  } catch (err) {
    outages.failed('websocket', err);
    return { active_connections: 0, status: 'unknown' as const, error: errorMessage(err) };
  }
}
