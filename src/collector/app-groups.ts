// The application-side groups (requests, errors, latency, routes, functions, websocket): read from
// sources that other parts of sysvitals feed, zero-valued until something feeds them.

import type { RuleLevels, RuleName } from '../alerts/thresholds.js';
import type { ComponentStatus, RequestGroups, WebSocketMetrics } from '../types.js';

type Levels = Readonly<Record<RuleName, Readonly<RuleLevels>>>;

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
      error_rate_percent: 0,
      status,
      threshold: levels.error_rate.warning,
      ...e,
    },
    latency: {
      p50_ms: 0,
      p95_ms: 0,
      p99_ms: 0,
      avg_ms: 0,
      max_ms: 0,
      status,
      threshold: levels.api_response_time.warning,
      ...e,
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
