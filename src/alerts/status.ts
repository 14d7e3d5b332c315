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

/**
 * The exact percentages the utilisation judgments read (outside review 33, RT33-2): the snapshot shows
 * `used_percent` and `current_percent` rounded to 0.1, and judging that rounded figure put a host at 94.99 % over a
 * 95 % level (and one at 85.04 % under "above 85 %"). Health bands, the cpu/memory/disk rules and the groups' own
 * `status` judge the measured ratio; only the display is rounded. Memory and disk carry their exact bytes in the
 * snapshot; the CPU group's unrounded share is kept beside the object (never serialised) by the collector.
 */
const EXACT_PERCENT = new WeakMap<object, number>();

/** Keeps `exact` (unrounded percent) as the figure the judgments read for `group`; returns `group`. */
export function withExactPercent<T extends object>(group: T, exact: number): T {
  if (Number.isFinite(exact)) EXACT_PERCENT.set(group, exact);
  return group;
}

/** The CPU share to judge: the collector's unrounded one, else (a snapshot from elsewhere) `current_percent`. */
export function cpuJudgedPercent(cpu: { current_percent?: number } | undefined): number | undefined {
  if (cpu === undefined) return undefined;
  return EXACT_PERCENT.get(cpu) ?? cpu.current_percent;
}

/** Memory to judge: used_bytes ÷ total_bytes × 100 when the group has its bytes, else `used_percent`. */
export function memoryJudgedPercent(
  memory: { used_percent?: number; used_bytes?: number; total_bytes?: number } | undefined,
): number | undefined {
  if (memory === undefined) return undefined;
  const { used_bytes: used, total_bytes: total } = memory;
  if (typeof used === 'number' && typeof total === 'number' && total > 0 && Number.isFinite(used)) {
    return (used / total) * 100;
  }
  return memory.used_percent;
}

/** A partition to judge: used ÷ (used + free available to users) × 100, as its `used_percent` before rounding. */
export function diskJudgedPercent(
  p: { used_percent?: number; used_bytes?: number; free_bytes?: number } | undefined,
): number | undefined {
  if (p === undefined) return undefined;
  const { used_bytes: used, free_bytes: free } = p;
  if (
    typeof used === 'number' &&
    typeof free === 'number' &&
    used + free > 0 &&
    Number.isFinite(used + free)
  ) {
    return (used / (used + free)) * 100;
  }
  return p.used_percent;
}

/** For latencies and rates: at or above the warning level is warning, at or above critical is critical. */
export function levelStatus(value: number, warning: number, critical: number): ComponentStatus {
  if (!Number.isFinite(value)) return 'unknown';
  if (value >= critical) return 'critical';
  if (value >= warning) return 'warning';
  return 'healthy';
}

/**
 * The minimum-requests guard: with fewer requests than `minRequests` in the request window, the error rate is
 * not judged on its point value. Below it (errorRateVerdict) only a confident breach is reported; anything else is
 * `unknown` (not judged: never `healthy` beside a 100 % rate), which costs the health score nothing, and the
 * error_rate rule does not fire (an active one clears).
 */
export function enoughRequests(perMinute: number, minRequests: number): boolean {
  return perMinute >= minRequests;
}

/** z of a two-sided 95 % interval: the Wilson bound below minRequests is that interval's lower end. */
export const WILSON_Z = 1.96;

/** Below minRequests, a verdict needs at least this many failed requests: tiny samples (1 of 2) never page. */
export const MIN_FAILED_BELOW_GUARD = 5;

/**
 * The lower end of the 95 % Wilson score interval of `failed` ÷ `requests`, percent, two decimals: the error
 * rate the window shows with 95 % confidence (19 failed of 19: 83.18 %; 1 of 2: 9.45 %). Null without requests.
 */
export function wilsonLowerPercent(failed: number, requests: number): number | null {
  if (!(requests > 0)) return null;
  const p = Math.min(1, Math.max(0, failed / requests));
  const z2 = WILSON_Z * WILSON_Z;
  const centre = p + z2 / (2 * requests);
  const spread = WILSON_Z * Math.sqrt((p * (1 - p)) / requests + z2 / (4 * requests * requests));
  return round((Math.max(0, centre - spread) / (1 + z2 / requests)) * 100, 2);
}

/** The errors component's verdict on one window: its status, and below minRequests the bound and why. */
export interface ErrorRateVerdict {
  status: ComponentStatus;
  /** Below minRequests (with requests): wilsonLowerPercent(), what the status is judged on. */
  lowerPercent?: number;
  /** When `status` is `unknown`: why the error rate is not judged; with `unanswered`, why it is critical. */
  reason?: string;
  /** At least minRequests closed early unanswered, more than the judged requests: critical (request-groups.ts unanswered). */
  unanswered?: true;
}

/**
 * The status of the `errors` component, the one function that decides it: `/metrics` (the request statistics)
 * decides it here, `/health`, Prometheus, the dashboard and the alert engine's error_rate rule read it, so they
 * never disagree. From `minRequests` requests on: the error rate against the levels. Below: the lower end of the
 * 95 % Wilson interval against the same levels, with at least MIN_FAILED_BELOW_GUARD failures; else not judged.
 */
export function errorRateVerdict(
  requests: number,
  failed: number,
  levels: Bands,
  minRequests: number,
): ErrorRateVerdict {
  if (enoughRequests(requests, minRequests)) {
    return { status: levelStatus(failedPercent(requests, failed, 0), levels.warning, levels.critical) };
  }
  const lowerPercent = wilsonLowerPercent(failed, requests);
  if (lowerPercent === null) return { status: 'unknown', reason: notJudgedReason(requests, minRequests) };
  const status =
    failed >= MIN_FAILED_BELOW_GUARD ? levelStatus(lowerPercent, levels.warning, levels.critical) : 'unknown';
  if (status !== 'unknown' && status !== 'healthy') return { status, lowerPercent };
  return {
    status: 'unknown',
    lowerPercent,
    reason: notJudgedReason(requests, minRequests, failed, lowerPercent),
  };
}

/**
 * Whether an errors group was judged below minRequests on the Wilson bound (a status beside
 * `error_rate_lower_percent`): health and the error_rate rule then keep its status, judged on the requests counted,
 * rather than re-apply the guard to the scaled `requests.per_minute` (which they do for snapshots from elsewhere).
 */
export function judgedOnBound(
  errors: { status?: ComponentStatus; error_rate_lower_percent?: number } | undefined,
): errors is { status: ComponentStatus; error_rate_lower_percent: number } {
  return (
    errors !== undefined &&
    errors.status !== undefined &&
    errors.status !== 'unknown' &&
    typeof errors.error_rate_lower_percent === 'number'
  );
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
export function notJudgedReason(
  requests: number,
  minRequests: number,
  failed?: number,
  lowerPercent?: number,
): string {
  return `${windowShortfall(requests, minRequests, failed, lowerPercent)}: the error rate is not judged`;
}

/** Why the window alone cannot judge the error rate (notJudgedReason without its conclusion). */
export function windowShortfall(
  requests: number,
  minRequests: number,
  failed?: number,
  lowerPercent?: number,
): string {
  const head = `${requests} requests in the window, fewer than minRequests (${minRequests})`;
  if (failed === undefined || lowerPercent === undefined) return head;
  return `${head}, and ${failedShortfall(failed, lowerPercent)}`;
}

/** Why `failed` requests with this lower bound are not judged: too few failures, or a bound under the warning level. */
export function failedShortfall(failed: number, lowerPercent: number): string {
  return failed < MIN_FAILED_BELOW_GUARD
    ? `${failed} failed, fewer than ${MIN_FAILED_BELOW_GUARD}`
    : `${failed} failed, the 95 % lower bound of the error rate (${lowerPercent} %) is below the warning level`;
}

/**
 * Whether the request window itself judged the errors group, so that health and the error_rate rule keep its status
 * rather than re-apply the guard to `requests.per_minute`: below minRequests on the Wilson bound (judgedOnBound),
 * critical because most requests of the window were closed unanswered (`unanswered`: per_minute is 0 or small), or on
 * the error horizon when the window could not judge (judgedOnHorizon). The value judged: the horizon's bound, else
 * the window's bound, else `error_rate_percent` (over 50 for `unanswered`, 100 with no judged request).
 */
export function judgedInWindow(
  errors:
    | {
        status?: ComponentStatus;
        error_rate_lower_percent?: number;
        unanswered?: boolean;
        horizon?: { status?: string; error_rate_lower_percent?: number };
      }
    | undefined,
): boolean {
  return (
    judgedOnHorizon(errors) ||
    judgedOnBound(errors) ||
    (errors?.status === 'critical' && errors.unanswered === true)
  );
}

/**
 * Whether the errors status was decided on the error horizon (`errors.horizon`, src/requests/error-horizon.ts): the
 * window could not judge, the horizon's bound did (its status is the group's). The error_rate rule reads that bound.
 */
export function judgedOnHorizon(
  errors:
    | { status?: ComponentStatus; horizon?: { status?: string; error_rate_lower_percent?: number } }
    | undefined,
): errors is { status: ComponentStatus; horizon: { status: string; error_rate_lower_percent: number } } {
  const h = errors?.horizon;
  return (
    h !== undefined &&
    h !== null &&
    typeof h === 'object' &&
    (h.status === 'critical' || h.status === 'warning') &&
    h.status === errors?.status &&
    typeof h.error_rate_lower_percent === 'number'
  );
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
  const scaled = value * f;
  // A finite value so large that scaling overflows (a counter's rate near 1e308) has no fraction to round.
  if (scaled === Number.POSITIVE_INFINITY || scaled === Number.NEGATIVE_INFINITY) return value;
  return Math.round(scaled) / f;
}
