// The snapshot's requests, errors and latency groups from the request window's figures, with their statuses.

import {
  type ErrorRateVerdict,
  errorRateVerdict,
  failedPercent,
  levelStatus,
  round,
} from '../alerts/status.js';
import type { LatencySummary } from '../latency/histogram.js';
import type { RequestGroups } from '../types.js';
import { horizonDecides, onHorizon } from './error-horizon.js';
import type { RequestStatsConfig } from './request-options.js';
import type { RouteStats } from './route-stats.js';

/** The request window's figures, as RequestStats.groups() reads them in one pass. */
export interface WindowFigures {
  /**
   * Requests, 4xx, 5xx, aborted and failed aborted over the window, then the requests not judged (`unmatched` ones
   * answered 4xx, `unmatched` OPTIONS answered below 500: window-rows.ts unjudgedOf), then the early closes of
   * responses the application had ended, then of the requests not judged the OPTIONS ones, then the early closes
   * while the request's body was still arriving, then the quick closes (before `unansweredMinWaitMs`).
   */
  readonly counts: readonly [number, number, number, number, number, number, number, number, number, number];
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
  /** Judged and failed requests of the error horizon before the window (ErrorHorizon.totals()), or null when off. */
  readonly horizon?: readonly [number, number] | null;
}

/** Why `latency.status` is `unknown`: no figure to judge. */
export const NOTHING_MEASURED = `no request completed in the window (unmatched 4xx aside: not judged) and none is in flight for the critical level or longer: nothing to measure`;

/** The snapshot groups RequestStats owns; `functions` comes from the `functions` option. */
export function requestGroups(config: RequestStatsConfig, figures: WindowFigures): RequestGroups {
  const [count, count4xx, count5xx, countAborted, failedAborted, unjudged, answered, options, body, quick] =
    figures.counts;
  const latency = figures.latency;
  const { error_rate: er, api_response_time: api } = config.levels;
  // Judged: the window's requests but the `unmatched` ones answered 4xx (made-up URLs: anonymous clients send them
  // at will, and 2,000 of them diluted a 50 % outage to 0.98 %) and the `unmatched` OPTIONS answered below 500 (the
  // router's own 200 to OPTIONS did the same, and one of them cleared `unanswered`: outside review 7, F4), as the early closes are not in `count` (not
  // requests: countAborted). Failed = 5xx + the aborted requests whose client waited at least abortedFailureMs
  // (route-counters.ts), unmatched ones included.
  const judged = count - unjudged;
  const early = countAborted - failedAborted;
  const errorRate = failedPercent(judged, count5xx, failedAborted);
  // The guard counts the judged requests in the window (not per_minute, scaled from 45–60 s to a minute).
  // The early closes of responses the application had ended (a slow reader's large body) were answered: not an outage;
  // nor those while the request's body was still arriving (the server waited for its client: 20 half-sent POSTs,
  // headers and no body, paged an idle service, even on URLs no route matched: outside review 7, F2); nor those
  // closed before `unansweredMinWaitMs` (30 connections that sent `GET /<random>` and closed at once, before the
  // server could write even the 404, paged an idle service: outside review 8, F6).
  // The unanswered closes count against the judged requests (outside review 46, RT46-5: one answered GET /ok beside
  // 40 clients that gave up at 600 ms on a hung route read errors unknown, health green).
  const failed = count5xx + failedAborted;
  const closedUnanswered = early - answered - body - quick;
  const inWindow =
    unanswered(judged, failed, closedUnanswered, config.minRequests) ??
    errorRateVerdict(judged, failed, er, config.minRequests);
  // Not judged in the window (too few requests, too few failures or a low bound): the error horizon's judged requests,
  // the window's and those banked before it, on the same bound (outside review 9, F4).
  const horizon = inWindow.status === 'unknown' ? onHorizon(config, figures.horizon, judged, failed) : null;
  const decided =
    horizon === null ? inWindow : horizonDecides(inWindow, horizon, config.minRequests, judged, failed);
  const verdict = withFewUnanswered(decided, judged, closedUnanswered, config.minRequests);
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
      count_aborted_early: early,
      count_aborted_answered: answered,
      count_aborted_body: body,
      count_aborted_quick: quick,
      // No judged request (and not `unanswered`): no reading, null, never "0 %" (outside review rtF, F3).
      error_rate_percent: verdict.unanswered
        ? unansweredPercent(judged, failed, closedUnanswered)
        : judged > 0
          ? errorRate
          : null,
      threshold: er.warning,
      count_judged: judged,
      count_unmatched_4xx: unjudged - options,
      count_unmatched_options: options,
      ...(verdict.unanswered ? { unanswered: true } : {}),
      ...(verdict.lowerPercent === undefined ? {} : { error_rate_lower_percent: verdict.lowerPercent }),
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      ...(horizon === null ? {} : { horizon }),
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

/**
 * A window in which most of those who asked got no answer is an outage, not "no traffic" nor "healthy": at least
 * `minRequests` (at least 1) early closes unanswered (by clients with a deadline under `abortedFailureMs`:
 * service-to-service calls, meshes, load balancers; a connection the server closes itself is a failed request, not
 * an early close, cut-off.ts cutByServer, but not every close tells who closed: an HTTP/2 stream, a recordRequest()
 * 499, so the reason does not say), and more of them than judged requests in the window. `early`: the early closes
 * but those of responses the application had ended (`count_aborted_answered`: answered, the client did not read),
 * those while the body arrived (`count_aborted_body`) and the quick ones (`count_aborted_quick`: closed before
 * `unansweredMinWaitMs`). Critical. An early close costs an anonymous client nothing, so the closes must outnumber
 * the judged requests, not merely be there: a few impatient clients, or tabs closed, among answered requests never
 * page; one answered request beside 40 unanswered ones no longer disarms it (outside review 46, RT46-5: it did
 * while any judged request completed). Undefined when it does not apply.
 */
export function unanswered(
  judged: number,
  failed: number,
  early: number,
  minRequests: number,
): ErrorRateVerdict | undefined {
  if (early < Math.max(1, minRequests) || early <= judged) return undefined;
  const answered = judged - failed;
  return {
    status: 'critical',
    unanswered: true,
    reason:
      judged === 0
        ? `no request completed in the window and ${early} were closed unanswered (after unansweredMinWaitMs, before abortedFailureMs, at least minRequests: ${minRequests}): every request failed`
        : `${early} requests were closed unanswered in the window (after unansweredMinWaitMs, before abortedFailureMs, at least minRequests: ${minRequests}), more than the ${judged} judged requests (${answered} answered without failing): most requests failed`,
  };
}

/**
 * A verdict left `unknown` while requests of the window were closed unanswered (fewer than `minRequests`, or not more
 * than the judged requests): its reason says so first, so a low-traffic service that answers nobody does not read as
 * "no traffic" (outside review rtF, F3: 15 clients that gave up at 800 ms read `0 requests in the window`). With no
 * judged request the health score counts it as not measured (health.ts unansweredFew); it is never judged (no alert).
 */
export function withFewUnanswered(
  verdict: ErrorRateVerdict,
  judged: number,
  early: number,
  minRequests: number,
): ErrorRateVerdict {
  if (verdict.status !== 'unknown' || early <= 0) return verdict;
  const bounds = 'after unansweredMinWaitMs, before abortedFailureMs';
  const head =
    judged === 0
      ? `${early} requests, all closed unanswered (${bounds}): no request completed in the window; fewer than minRequests (${minRequests}) closes, not judged`
      : `${early} requests closed unanswered in the window (${bounds}), beside ${judged} judged: fewer than minRequests (${minRequests}) closes, or not more than the judged requests, not judged`;
  return { ...verdict, reason: verdict.reason === undefined ? head : `${head}; ${verdict.reason}` };
}

/**
 * `error_rate_percent` with `unanswered`: the failed requests and the unanswered closes of the window over the judged
 * requests and those closes, percent, two decimals (100 when no judged request completed; above 50 otherwise).
 */
export function unansweredPercent(judged: number, failed: number, early: number): number {
  return round(((failed + early) / (judged + early)) * 100, 2);
}
