// The snapshot's requests, errors and latency groups from the request window's figures, with their statuses.

import { errorRateVerdict, failedPercent, levelStatus, round } from '../alerts/status.js';
import type { LatencySummary } from '../latency/histogram.js';
import type { RequestGroups } from '../types.js';
import type { RequestStatsConfig } from './request-options.js';
import type { RouteStats } from './route-stats.js';

/** The request window's figures, as RequestStats.groups() reads them in one pass. */
export interface WindowFigures {
  /** Requests, 4xx, 5xx, aborted and failed aborted over the window. */
  readonly counts: readonly [number, number, number, number, number];
  /** Requests per second (rates.ts perSecond). */
  readonly perSecond: number;
  /** Requests per minute over the window (rates.ts perMinute). */
  readonly perMinute: number;
  /** Requests since start. */
  readonly total: number;
  /** Server-wide latency over the window, the requests in flight past the critical level included. */
  readonly latency: LatencySummary;
  /** Requests in flight counted in `latency` at their age. */
  readonly inFlightCounted: number;
  readonly routes: RouteStats[];
}

/** Why `latency.status` is `unknown`: no figure to judge. */
export const NOTHING_MEASURED = `no request completed in the window and none is in flight for the critical level or longer: nothing to measure`;

/** The snapshot groups RequestStats owns; `functions` comes from the `functions` option. */
export function requestGroups(config: RequestStatsConfig, figures: WindowFigures): RequestGroups {
  const [count, count4xx, count5xx, countAborted, failedAborted] = figures.counts;
  const latency = figures.latency;
  const { error_rate: er, api_response_time: api } = config.levels;
  // Failed = 5xx + the aborted requests whose client waited at least abortedFailureMs (route-counters.ts);
  // the early closes are not in `count` (not requests: countAborted).
  const errorRate = failedPercent(count, count5xx, failedAborted);
  // The guard counts the requests in the window (not per_minute, scaled from 45–60 s to a minute).
  const verdict = errorRateVerdict(count, count5xx + failedAborted, er, config.minRequests);
  const perMinute = round(figures.perMinute, 2);
  return {
    requests: {
      status: 'healthy',
      per_second: round(figures.perSecond, 2),
      per_minute: perMinute,
      total: figures.total,
    },
    errors: {
      status: verdict.status,
      count_4xx: count4xx,
      count_5xx: count5xx,
      count_aborted: countAborted,
      count_aborted_early: countAborted - failedAborted,
      error_rate_percent: errorRate,
      threshold: er.warning,
      ...(verdict.lowerPercent === undefined ? {} : { error_rate_lower_percent: verdict.lowerPercent }),
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
    },
    latency:
      latency.count > 0
        ? {
            status: levelStatus(latency.p95_ms, api.warning, api.critical),
            p50_ms: latency.p50_ms,
            p95_ms: latency.p95_ms,
            p99_ms: latency.p99_ms,
            avg_ms: latency.avg_ms,
            max_ms: latency.max_ms,
            threshold: api.warning,
            in_flight_counted: figures.inFlightCounted,
          }
        : {
            // Nothing measured: unknown, never "healthy, 0 ms" (README Health: unknown is never read as healthy).
            status: 'unknown',
            p50_ms: null,
            p95_ms: null,
            p99_ms: null,
            avg_ms: null,
            max_ms: null,
            threshold: api.warning,
            in_flight_counted: 0,
            reason: NOTHING_MEASURED,
          },
    routes: figures.routes,
    functions: config.functions?.snapshot() ?? {},
  };
}
