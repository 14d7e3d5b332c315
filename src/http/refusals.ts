// The admin API's refusals that do not depend on the request: a spent rate limit (429), and a route that failed
// (a coded monitor error as 404 or 503, anything else as 500, logged once per outage).

import type { ServerResponse } from 'node:http';
import { SysvitalsError } from '../errors.js';
import { errorStack, type OutageLog } from '../logger.js';
import type { AdminDecision } from './admin-api-options.js';
import { WWW_AUTHENTICATE } from './auth.js';
import type { RateLimitVerdict } from './rate-limit.js';
import { sendError } from './respond.js';

/** The refusal to send for a rate-limit verdict that says no; undefined when it says yes (or there is none). */
export function rateLimitRefusal(
  verdict: RateLimitVerdict | undefined,
): Extract<AdminDecision, { status: 429 }> | undefined {
  if (!verdict || verdict.ok) return undefined;
  return {
    ok: false,
    status: 429,
    code: 'rate_limited',
    message: `too many admin requests; retry in ${verdict.retryAfterSeconds}s`,
    headers: { 'retry-after': String(verdict.retryAfterSeconds) },
  };
}

/** Answers a refused auth decision with its status and headers (`WWW-Authenticate` on a 401 that names none). */
export function sendRefusal(res: ServerResponse, decision: Extract<AdminDecision, { ok: false }>): void {
  const headers =
    'headers' in decision
      ? decision.headers
      : decision.status === 401
        ? { 'www-authenticate': WWW_AUTHENTICATE }
        : undefined;
  sendError(res, decision.status, decision.code, decision.message, headers);
}

/** Answers a route that threw `err`; failures that are ours (not the caller's, not a dependency's) go to `outages`. */
export function sendRouteFailure(
  res: ServerResponse,
  err: unknown,
  outages: OutageLog,
  outageKey: string,
): void {
  if (err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_CLOSED') {
    sendError(res, 503, 'unavailable', 'the monitor is closed');
    return;
  }
  // Cluster mode: `instance=` names no worker, or that worker cannot be reached now.
  if (err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_NOT_FOUND') {
    sendError(res, 404, 'not_found', err.message);
    return;
  }
  if (err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_UNAVAILABLE') {
    sendError(res, 503, 'unavailable', err.message, { 'retry-after': 2 });
    return;
  }
  const store = err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_STORE';
  // A 500 is a bug of ours: its log line (the first of an outage) says where it threw, so a failure says why.
  outages.failed(outageKey, err, store ? undefined : { status: 500, stack: errorStack(err) });
  if (store) {
    // The store (Redis) is down or frozen: a dependency outage the client may retry, not our bug.
    sendError(res, 503, 'unavailable', 'the history store is not answering; see the server log', {
      'retry-after': 5,
    });
    return;
  }
  if (res.headersSent) res.destroy();
  else sendError(res, 500, 'internal_error', 'internal error in the admin API; see the server log');
}
