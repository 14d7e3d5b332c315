// Health status from a snapshot and the active alerts: component statuses, the green/yellow/red colour, the 0–100 score.

import type { Clock, ComponentStatus, HealthColor, HealthStatus, MetricsSnapshot } from '../types.js';
import type { Alert } from './alert.js';
import { DEFAULT_MIN_REQUESTS } from './rules.js';
import {
  bandStatus,
  cpuJudgedPercent,
  diskJudgedPercent,
  enoughRequests,
  judgedInWindow,
  MIN_FAILED_BELOW_GUARD,
  memoryJudgedPercent,
  worstStatus,
} from './status.js';

/**
 * Score penalties (documented in the README): start at 100, subtract per component in warning or
 * critical, per component that could not be measured (`unmeasured`: its collector or probe failed),
 * and per active alert by severity; clamp to 0–100. A component that is `unknown` because nothing is
 * configured for it (no database probe) costs nothing. Each penalty is positive, so a worse component,
 * one more failure or one more alert never raises the score.
 */
export const SCORE_PENALTIES = Object.freeze({
  component: Object.freeze({ warning: 10, critical: 30, unmeasured: 10 }),
  alert: Object.freeze({ warning: 5, critical: 15 }),
  /** Points for an Apdex of 0: the score loses round(20 × (1 − Apdex)) (README "Health"). */
  apdex: 20,
});

/** Options of getHealthStatus(). */
export interface HealthOptions {
  /** Error-rate guard shared with the error_rate rule: below it, errors are judged only on the Wilson bound. */
  minRequests?: number;
  /**
   * Custom metrics an enabled alert rule reads (`custom.<name>`), each a name or `{ name, labels }` with the label set
   * the rule selects: a gauge among them the rule cannot read is unknown (component `custom.<name>`), as a failed
   * collector plugin is: without `labels`, while its collect() fails; with `labels`, while that set has no reading
   * (gone from the gauge, or its last reading failed: `stale`), whatever the other sets read.
   */
  ruleMetrics?: readonly (
    | string
    | { readonly name: string; readonly labels?: Readonly<Record<string, string>> }
  )[];
}

/** The components health reports, in display order. */
export const HEALTH_COMPONENTS = Object.freeze([
  'cpu',
  'memory',
  'disk',
  'database',
  'redis',
  'requests',
  'errors',
  'latency',
  'process',
] as const);

export function componentStatuses(
  snapshot: MetricsSnapshot,
  options: HealthOptions = {},
): Record<(typeof HEALTH_COMPONENTS)[number], ComponentStatus> & Record<string, ComponentStatus> {
  const minRequests = options.minRequests ?? DEFAULT_MIN_REQUESTS;
  const s = snapshot as Partial<MetricsSnapshot>;
  // cpu, memory and disk follow the seed's bands (healthy < 70 ≤ warning ≤ 85 < critical) on
  // their values; the others are the status their collector or probe reported.
  const reported = (group: { status?: ComponentStatus } | undefined): ComponentStatus =>
    group?.status ?? 'unknown';
  const banded = (
    group: { status?: ComponentStatus } | undefined,
    value: number | undefined,
  ): ComponentStatus =>
    group === undefined || group.status === 'unknown' || typeof value !== 'number'
      ? 'unknown'
      : bandStatus(value);

  let disk: ComponentStatus = 'unknown';
  if (s.disk && s.disk.status !== 'unknown' && Array.isArray(s.disk.partitions)) {
    disk = worstStatus(
      s.disk.partitions.map((p) =>
        typeof p.used_percent === 'number' ? bandStatus(diskJudgedPercent(p) ?? NaN) : 'unknown',
      ),
    );
  }

  // The request statistics decide `errors.status` with errorRateVerdict() (src/alerts/status.ts): below the guard,
  // critical or warning only on the 95 % Wilson bound with 5 failures, else `unknown` (not judged, no penalty),
  // never `healthy`; critical when most requests of the window were closed unanswered; when the window cannot judge, on
  // the error horizon's bound (`errors.horizon`). The guard is applied again here on per_minute for snapshots from elsewhere (no bound), so one
  // failed request out of one never turns health red.
  let errors = reported(s.errors);
  if (
    errors !== 'unknown' &&
    !judgedInWindow(s.errors) &&
    !enoughRequests(s.requests?.per_minute ?? 0, minRequests)
  )
    errors = 'unknown';

  // Requests refused by load shedding are the server failing its clients: the `requests` component is critical
  // for the interval that shed any (as the load_shedding alert on it), whatever the served requests' figures say.
  const requests = shedding(s.requests) ? 'critical' : reported(s.requests);

  // Collector plugins count as `plugins.<name>`: a status rule's warning or critical lowers health; a plugin whose
  // collect() failed is unknown with its error, which costs as any failed collector (unmeasuredComponents).
  const plugins: Record<string, ComponentStatus> = {};
  for (const [name, group] of Object.entries(s.plugins ?? {}))
    plugins[`${PLUGIN_PREFIX}${name}`] = reported(group);
  // A gauge a rule reads whose collect() failed (it shows `error`, value null or stale): the rule cannot judge it, so
  // it is `custom.<name>: unknown` while it fails (listed only then); gauges no rule reads cost nothing.
  for (const name of Object.keys(failingRuleGauges(s, options.ruleMetrics)))
    plugins[`${CUSTOM_PREFIX}${name}`] = 'unknown';
  return {
    // On the measured share, not the rounded display (outside review 33, RT33-2).
    cpu: banded(s.cpu, cpuJudgedPercent(s.cpu)),
    memory: banded(s.memory, memoryJudgedPercent(s.memory)),
    disk,
    database: reported(s.database),
    redis: reported(s.redis),
    requests,
    errors,
    latency: reported(s.latency),
    process: reported(s.process),
    ...plugins,
  };
}

/** Whether a snapshot's requests group says load was shed in its interval (`requests.shedding`, a reason). */
export function shedding(requests: { shedding?: string | null } | undefined): boolean {
  return typeof requests?.shedding === 'string';
}

const PLUGIN_PREFIX = 'plugins.';
const CUSTOM_PREFIX = 'custom.';

/**
 * The custom gauges of `reads` a rule cannot read, with why: without labels, its last collect() failed (the snapshot's
 * gauge shows an `error`); with the rule's label set, that set is not in the gauge's series (gone, never read) or its
 * last reading failed (`stale`); another set's failure is not the rule's (outside review rtF, F6).
 */
function failingRuleGauges(
  s: Partial<MetricsSnapshot>,
  reads: HealthOptions['ruleMetrics'] = [],
): Record<string, string> {
  const custom = s.custom;
  const out: Record<string, string> = {};
  if (!custom) return out;
  for (const read of reads) {
    const { name, labels } = typeof read === 'string' ? { name: read, labels: undefined } : read;
    const m = Object.hasOwn(custom, name) ? custom[name] : undefined;
    if (m?.type !== 'gauge') continue;
    const error = typeof m.error === 'string' && m.error !== '' ? m.error : undefined;
    let why: string | undefined;
    if (labels === undefined) why = error;
    else {
      const wanted = Object.entries(labels);
      const set = m.series.find((x) => wanted.every(([k, v]) => x.labels[k] === v));
      // The gauge's error when there is one (as without labels), else the set the rule reads has no reading.
      if (set === undefined) why = error ?? `label set ${JSON.stringify(labels)}: no reading`;
      else if (set.stale === true)
        why = error ?? `label set ${JSON.stringify(labels)}: its last reading failed`;
    }
    if (why !== undefined && out[name] === undefined) out[name] = why;
    else if (why !== undefined && !out[name]?.includes(why)) out[name] = `${out[name]}; ${why}`;
  }
  return out;
}

/**
 * Why each component that could not be measured is `unknown`: its group reports status `unknown`
 * with an `error` (the collector or probe failed, or timed out). A component that is `unknown` with no
 * error is not configured (no database probe) and is not listed.
 */
export function unmeasuredComponents(
  snapshot: MetricsSnapshot,
  components: Readonly<Record<string, ComponentStatus>>,
): Record<string, string> {
  const groups = (snapshot ?? {}) as unknown as Record<
    string,
    { status?: unknown; error?: unknown } | undefined
  >;
  const plugins = (snapshot as Partial<MetricsSnapshot> | undefined)?.plugins as
    | Record<string, { error?: unknown } | undefined>
    | undefined;
  const reasons: Record<string, string> = {};
  for (const [name, status] of Object.entries(components)) {
    if (status !== 'unknown') continue;
    // A collector plugin's group is `plugins[name]`, its component `plugins.<name>` (a failing collect() is a
    // failed collector like any other: outside review 29, RT29-6).
    const group = name.startsWith(PLUGIN_PREFIX)
      ? plugins && Object.hasOwn(plugins, name.slice(PLUGIN_PREFIX.length))
        ? plugins[name.slice(PLUGIN_PREFIX.length)]
        : undefined
      : name.startsWith(CUSTOM_PREFIX)
        ? (snapshot.custom?.[name.slice(CUSTOM_PREFIX.length)] as { error?: unknown } | undefined)
        : groups[name];
    const error = group?.error;
    if (typeof error === 'string' && error !== '') reasons[name] = error;
  }
  return reasons;
}

/**
 * The reason health counts an `unknown` errors component as not measured (yellow, 10 points, `unknown_reasons`):
 * no judged request in the window and at least MIN_FAILED_BELOW_GUARD (5) early closes unanswered, fewer than
 * `minRequests` (so not `unanswered`, not judged: no alert, never red). Every request that came got no answer: a
 * low-traffic service that hangs (15 clients giving up at 800 ms) is not "no traffic" (outside review rtF, F3). The
 * closes are `count_aborted_early` less the answered, body and quick ones, as the `unanswered` rule counts them.
 */
export function unansweredFew(
  snapshot: MetricsSnapshot,
  status: ComponentStatus | undefined,
): string | undefined {
  const e = (snapshot as Partial<MetricsSnapshot>).errors;
  if (status !== 'unknown' || !e || e.count_judged !== 0 || e.unanswered === true) return undefined;
  const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const closes =
    n(e.count_aborted_early) -
    n(e.count_aborted_answered) -
    n(e.count_aborted_body) -
    n(e.count_aborted_quick);
  if (closes < MIN_FAILED_BELOW_GUARD) return undefined;
  return typeof e.reason === 'string' && e.reason !== ''
    ? e.reason
    : `${closes} requests, all closed unanswered: no request completed in the window`;
}

/**
 * green: everything measured is healthy; yellow: any warning, or any component that could not be
 * measured (`unmeasured` > 0: a failure is never read as healthy); red: any critical.
 */
export function healthColor(statuses: Iterable<ComponentStatus>, unmeasured = 0): HealthColor {
  const worst = worstStatus(statuses);
  if (worst === 'critical') return 'red';
  if (worst === 'warning' || unmeasured > 0) return 'yellow';
  return 'green';
}

export function healthScore(
  statuses: Iterable<ComponentStatus>,
  activeAlerts: readonly Pick<Alert, 'severity'>[],
  unmeasured = 0,
  apdex: number | null = null,
): number {
  let score = 100;
  if (typeof apdex === 'number' && apdex >= 0 && apdex <= 1)
    score -= Math.round(SCORE_PENALTIES.apdex * (1 - apdex));
  for (const status of statuses) {
    if (status === 'warning' || status === 'critical') score -= SCORE_PENALTIES.component[status];
  }
  if (unmeasured > 0) score -= unmeasured * SCORE_PENALTIES.component.unmeasured;
  for (const alert of activeAlerts) score -= SCORE_PENALTIES.alert[alert.severity];
  return Math.max(0, Math.min(100, score));
}

/** The server-wide Apdex when the window holds at least `minRequests` requests (as the errors status), else null. */
function countedApdex(snapshot: MetricsSnapshot, options: HealthOptions): number | null {
  const a = (snapshot as Partial<MetricsSnapshot>).apdex;
  if (!a || a.score === null) return null;
  const total = a.satisfied + a.tolerating + a.frustrated;
  return total >= (options.minRequests ?? DEFAULT_MIN_REQUESTS) ? a.score : null;
}

export function getHealthStatus(
  snapshot: MetricsSnapshot,
  activeAlerts: readonly Alert[],
  clock: Clock = { now: Date.now },
  options: HealthOptions = {},
): HealthStatus {
  const components = componentStatuses(snapshot, options);
  const statuses = Object.values(components);
  const reasons = unmeasuredComponents(snapshot, components);
  for (const [name, why] of Object.entries(failingRuleGauges(snapshot, options.ruleMetrics)))
    reasons[`${CUSTOM_PREFIX}${name}`] = why;
  const few = unansweredFew(snapshot, components.errors);
  if (few !== undefined) reasons.errors = few;
  const unmeasured = Object.keys(reasons).length;
  const health: HealthStatus = {
    status: healthColor(statuses, unmeasured),
    timestamp: new Date(clock.now()).toISOString(),
    health_score: healthScore(statuses, activeAlerts, unmeasured, countedApdex(snapshot, options)),
    components,
    active_alerts: activeAlerts.length,
  };
  if (unmeasured > 0) health.unknown_reasons = reasons;
  return health;
}
