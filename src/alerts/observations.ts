// Alert observations: each rule's reading of a snapshot (value, breach, clear) that the engine steps its alert states with.

import type { AnalyticsObservation } from '../analytics/predict-observations.js';
import type { MetricsSnapshot } from '../types.js';
import type { AlertSeverity } from './alert.js';
import type { AlertRuleName, AlertRulesConfig, AvailabilityRuleConfig, LevelRuleConfig } from './rules.js';
import {
  cpuJudgedPercent,
  diskJudgedPercent,
  enoughRequests,
  judgedInWindow,
  judgedOnBound,
  judgedOnHorizon,
  memoryJudgedPercent,
} from './status.js';

/** Gives extra observations per snapshot (the monitor's analytics rules); must not throw. */
export type ObservationSource = (snapshot: MetricsSnapshot) => AlertObservation[];

/** One rule's reading of one snapshot: the shape the analytics give too, with the rule's name typed. */
export interface AlertObservation extends AnalyticsObservation {
  rule: AlertRuleName;
  message: (severity: AlertSeverity) => string;
  /** Reads a figure of the request, query or histogram window: held after a cluster takeover (window-hold.ts). */
  windowed?: boolean;
  /** error_rate: judged on a Wilson bound (few requests: the window's or the horizon's) or on the rate (horizon-hold.ts). */
  judged?: 'bound' | 'rate';
  /** No judgement (error_rate too few requests, api_response_time no request completed): clears, but not a restored alert (RT46-11). */
  unjudged?: boolean;
}

/** The built-in level rules on windowed figures (latency p95, error rate, query p95 of the last minute). */
const WINDOWED_RULES: ReadonlySet<AlertRuleName> = new Set([
  'api_response_time',
  'error_rate',
  'db_query_p95',
]);

/** Reads the snapshot into one observation per enabled rule (and per disk partition); unknown inputs are skipped. */
export function observeSnapshot(
  snapshot: MetricsSnapshot,
  rules: AlertRulesConfig,
  sources: readonly ObservationSource[],
): AlertObservation[] {
  const s = (snapshot ?? {}) as Partial<MetricsSnapshot>;
  const r = rules;
  const out: AlertObservation[] = [];
  const known = (group: { status?: string } | undefined): boolean => !!group && group.status !== 'unknown';

  // cpu, memory and disk: the levels judge the measured share, the alert shows the rounded figure (RT33-2).
  if (known(s.cpu)) {
    const judged = cpuJudgedPercent(s.cpu);
    level(out, r.cpu, 'cpu', '', s.cpu?.current_percent, (v) => `CPU usage ${v}`, false, judged);
  }
  if (known(s.memory)) {
    const judged = memoryJudgedPercent(s.memory);
    level(out, r.memory, 'memory', '', s.memory?.used_percent, (v) => `Memory usage ${v}`, false, judged);
  }
  if (known(s.disk) && Array.isArray(s.disk?.partitions)) {
    for (const p of s.disk.partitions) {
      const message = (v: string) => `Disk usage ${v} on: ${p.mount}`;
      level(out, r.disk, 'disk', p.mount, p.used_percent, message, false, diskJudgedPercent(p));
    }
  }
  if (known(s.database)) {
    level(out, r.db_latency, 'database', '', s.database?.response_time_ms, (v) => `Database latency ${v}`);
  }
  if (known(s.latency)) {
    level(out, r.api_response_time, 'latency', '', s.latency?.p95_ms, (v) => `API response time (p95) ${v}`);
  } else if (s.latency && s.latency.p95_ms === null && s.latency.error === undefined) {
    // Nothing measured in the window (no request completed, none in flight past the critical level): the
    // rule runs suppressed with no reading, so an active alert clears rather than holding on; its value stays
    // the last one read, never a 0 ms nobody measured (outside review 24, RT24-5), and the clear says why.
    level(out, r.api_response_time, 'latency', '', NaN, (v) => `API response time (p95) ${v}`, true);
    noReading(out, 'API response time (p95): no reading (no request completed in the window)');
  }
  // Not judged when the request window said so (errors unknown with a reason: too few requests in it, and too few
  // failures or a low bound), or, for snapshots from elsewhere, below the guard on per_minute. Judged below the
  // guard on the 95 % Wilson bound (errorRateVerdict): the rule reads that bound, as the errors status did; judged on
  // the error horizon (the window could not judge: `errors.horizon`), the horizon's bound.
  const notJudged = s.errors?.status === 'unknown' && typeof s.errors.reason === 'string';
  const bound = judgedOnHorizon(s.errors)
    ? s.errors.horizon.error_rate_lower_percent
    : judgedOnBound(s.errors)
      ? s.errors.error_rate_lower_percent
      : undefined;
  // Judged in the window too when most requests of it were closed unanswered (`unanswered`, critical, over 50 %).
  const enough =
    !notJudged &&
    (judgedInWindow(s.errors) || enoughRequests(s.requests?.per_minute ?? 0, r.error_rate.minRequests));
  // Below the guard the errors status is `unknown` (not judged): the rule still runs, suppressed, so an
  // active error_rate alert clears rather than hanging on.
  if ((known(s.errors) || (s.errors && !enough)) && known(s.requests)) {
    // No judged request in the window: no reading (the 0 % of 0 requests is not one; RT24-5, as latency above).
    const none = !enough && s.errors?.count_judged === 0;
    const value = none ? NaN : (bound ?? s.errors?.error_rate_percent ?? NaN);
    level(out, r.error_rate, 'errors', '', value, (v) => `Error rate ${v}`, !enough);
    if (none) noReading(out, 'Error rate: no reading (no judged request in the window)');
    const obs = out[out.length - 1];
    if (enough && obs?.rule === 'error_rate') obs.judged = bound === undefined ? 'rate' : 'bound';
  }
  if (known(s.process)) {
    level(
      out,
      r.event_loop_delay,
      'process',
      '',
      s.process?.event_loop_delay_p99_ms,
      (v) => `Event loop delay (p99) ${v}`,
    );
  }
  availability(out, r.database, 'Database', s.database);
  availability(out, r.redis, 'Redis', s.redis);
  shedding(out, r.load_shedding, s.requests?.shedding);
  // A minute without queries (none answered, none in flight past the critical level) has no p95: no reading, so
  // the rule's pending time restarts and an active alert keeps its state (README "Rules on any metric"), rather
  // than clearing at 0 while a database hangs or a cluster aggregator hears nothing (outside review F19).
  if (s.queries && s.queries.count > 0) {
    level(out, r.db_query_p95, 'queries', '', s.queries.p95_ms, (v) => `Database query time (p95) ${v}`);
  }
  if (r.job_stale.enabled && Array.isArray(s.jobs?.watched)) {
    for (const job of s.jobs.watched) staleJob(out, r.job_stale, job);
  }
  for (const source of sources) out.push(...source(snapshot));
  return out;
}

function level(
  out: AlertObservation[],
  rule: LevelRuleConfig,
  component: string,
  key: string,
  value: number | null | undefined,
  message: (severity: AlertSeverity) => string,
  suppressed = false,
  /** The figure the levels judge when it is not the shown `value` (the unrounded share); else `value`. */
  judged?: number,
): void {
  // NaN: no reading, allowed only suppressed (it clears; the engine keeps the alert's last value).
  if (
    !rule.enabled ||
    typeof value !== 'number' ||
    !(Number.isFinite(value) || (suppressed && Number.isNaN(value)))
  )
    return;
  const v = typeof judged === 'number' && Number.isFinite(judged) ? judged : value;
  out.push({
    rule: rule.name,
    key,
    component,
    pendingMs: rule.for,
    value,
    breachWarning: !suppressed && v >= rule.warning,
    breachCritical: !suppressed && v >= rule.critical,
    clear: suppressed || v < rule.clear,
    deescalate: v < rule.deescalate,
    warningLevel: rule.warning,
    criticalLevel: rule.critical,
    severityHoldMs: rule.severityHoldMs,
    message,
    windowed: WINDOWED_RULES.has(rule.name),
    ...(suppressed ? { unjudged: true } : {}),
  });
}

/** The clear's notice of the observation just pushed, when it has no reading (level() with NaN). */
function noReading(out: AlertObservation[], notice: string): void {
  const obs = out[out.length - 1];
  if (obs && Number.isNaN(obs.value)) obs.clearMessage = () => notice;
}

/** Load shedding (a monitor with `shed`): critical while requests are refused, saying why. Value 1 = shedding. */
function shedding(
  out: AlertObservation[],
  rule: AvailabilityRuleConfig,
  reason: string | null | undefined,
): void {
  if (!rule.enabled || reason === undefined) return;
  const shedding = reason !== null;
  out.push({
    rule: rule.name,
    key: '',
    component: 'requests',
    pendingMs: rule.for,
    value: shedding ? 1 : 0,
    breachWarning: shedding,
    breachCritical: shedding,
    clear: !shedding,
    deescalate: false,
    warningLevel: 1,
    criticalLevel: 1,
    message: () => `Shedding load (503 to new requests): ${reason ?? ''}`,
  });
}

/** A job with `expectEvery` that has not succeeded for twice that: a warning per job, cleared by a success. */
function staleJob(
  out: AlertObservation[],
  rule: AvailabilityRuleConfig,
  job: { name: string; since_success_seconds: number; limit_seconds: number; stale: boolean },
): void {
  out.push({
    rule: rule.name,
    key: job.name,
    component: 'jobs',
    pendingMs: rule.for,
    value: job.since_success_seconds,
    breachWarning: job.stale,
    breachCritical: false,
    clear: !job.stale,
    deescalate: true,
    warningLevel: job.limit_seconds,
    criticalLevel: job.limit_seconds,
    message: () =>
      `Job ${job.name} has not succeeded for ${job.since_success_seconds} s (limit ${job.limit_seconds} s)`,
  });
}

/**
 * A dependency is down when its probe reports `critical` with an error or no response time (a
 * failed or timed-out probe), as opposed to a slow answer, which is the db_latency rule's business.
 * Value 1 = answering, 0 = not (like Prometheus `up`); the threshold is 1. A pool that freed the probe no
 * connection for 30 s (`pool_stuck`) fires the same rule, its message naming the pool, not the database
 * (`Database pool: no connection freed for 35 s; …`): long statements hold a pool too (outside review 11, F3).
 */
function availability(
  out: AlertObservation[],
  rule: AvailabilityRuleConfig,
  label: string,
  group:
    | { status?: string; error?: string; response_time_ms?: number | null; pool_stuck?: boolean }
    | undefined,
): void {
  if (!rule.enabled || !group || group.status === 'unknown' || group.status === undefined) return;
  const down = group.status === 'critical' && (group.error !== undefined || group.response_time_ms == null);
  const reason = group.error ?? 'no answer';
  const what = group.pool_stuck === true ? `${label} pool` : `${label} unavailable`;
  out.push({
    rule: rule.name,
    key: '',
    component: rule.name,
    pendingMs: rule.for,
    value: down ? 0 : 1,
    breachWarning: down,
    breachCritical: down,
    clear: !down,
    deescalate: false,
    warningLevel: 1,
    criticalLevel: 1,
    message: () => `${what}: ${reason}`,
  });
}
