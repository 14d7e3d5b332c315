// How a value maps to a component status. Utilisation percentages (cpu, memory, disk) use the
// seed's health bands (healthy < 70, warning 70-85, critical > 85); latencies and rates use their
// alert rule's warning and critical levels.

import type { ComponentStatus } from '../types.js';

export interface Bands {
  warning: number;
  critical: number;
}

/** The seed's health bands: "Green: all metrics < 70%, Yellow: 70-85%, Red: > 85%". */
export const HEALTH_BANDS: Readonly<Bands> = Object.freeze({ warning: 70, critical: 85 });

export function bandStatus(value: number, bands: Bands = HEALTH_BANDS): ComponentStatus {
  if (!Number.isFinite(value)) return 'unknown';
  if (value > bands.critical) return 'critical';
  if (value >= bands.warning) return 'warning';
  return 'healthy';
}

/** For latencies and rates: at or above the warning level is warning, at or above critical is critical. */
export function levelStatus(value: number, warning: number, critical: number): ComponentStatus {
  if (!Number.isFinite(value)) return 'unknown';
  if (value >= critical) return 'critical';
  if (value >= warning) return 'warning';
  return 'healthy';
}

/**
 * The minimum-requests guard: with fewer requests than `minRequests` in the request window
 * (`requests.per_minute`), an error rate is not judged: the errors component is `unknown` (never
 * `healthy` beside a 100 % rate), which costs the health score nothing, and the error_rate rule does not
 * fire (an active one clears).
 */
export function enoughRequests(perMinute: number, minRequests: number): boolean {
  return perMinute >= minRequests;
}

/**
 * The status of the `errors` component, the one function that decides it: `/metrics` (the request
 * statistics), `/health` and the alert engine's error_rate rule all read it, so they never disagree.
 */
export function errorRateStatus(
  ratePercent: number,
  perMinute: number,
  levels: Bands,
  minRequests: number,
): ComponentStatus {
  if (!enoughRequests(perMinute, minRequests)) return 'unknown';
  return levelStatus(ratePercent, levels.warning, levels.critical);
}

/**
 * The error rate's one rule, used wherever an error rate is shown (metrics/ errors, routes/ and route history
 * `error_percent`, history's `error_rate_percent`, the error_rate rule, health): a request FAILED when it was
 * answered 5xx or its response did not complete (aborted, status 499: the client or the server closed the
 * connection first, which the server cannot reliably tell apart). Aborted requests are 4xx (status 499), never
 * 5xx, so the two are disjoint. Percent of `requests`, two decimals; 0 without requests.
 */
export function failedPercent(requests: number, count5xx: number, aborted: number): number {
  return requests > 0 ? round(((count5xx + aborted) / requests) * 100, 2) : 0;
}

/** Why `errors.status` is `unknown` below the guard (the snapshot's `errors.reason`). */
export function notJudgedReason(perMinute: number, minRequests: number): string {
  return `${perMinute} requests in the window, fewer than minRequests (${minRequests}): the error rate is not judged`;
}

const RANK: Record<ComponentStatus, number> = { unknown: 0, healthy: 1, warning: 2, critical: 3 };

/** The worst of several statuses; `unknown` only when nothing is known. */
export function worstStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst: ComponentStatus = 'unknown';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
