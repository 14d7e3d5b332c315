// Checks on the active alerts restored from the previous process (a restart with a persistent store): well
// formed, and their rule still there. One whose rule the new deploy removed, renamed or disabled has nothing
// left to evaluate it: it is cleared at once instead of staying active (and open at the receivers) forever.

import type { ActiveAlert } from './active-alert.js';
import type { Alert } from './alert.js';
import type { AlertTime } from './alert-clock.js';
import type { MetricRuleConfig } from './metric-rules.js';
import { type RuleState, ruleState } from './rule-state.js';
import type { AlertRulesConfig } from './rules.js';

/**
 * An active alert as exportActive() gives it: the rule state's key and the alert (raisedAt: epoch ms; severitySince:
 * when its present severity began, epoch ms, absent while it is the one it was raised with or in an older ledger).
 */
export interface PersistedAlert {
  key: string;
  alert: Alert & { raisedAt: number; severitySince?: number };
}

/** True when the rule `rule` exists and is enabled, and for a prediction's key (`predict…`), still predicts. */
export type RuleExists = (rule: string, key: string) => boolean;

/** The check for the built-in rules and the rules on any metric (`alerts.rules`) of one monitor. */
export function ruleExists(rules: AlertRulesConfig, metricRules: readonly MetricRuleConfig[]): RuleExists {
  const byName = new Map<string, { enabled: boolean; predict?: number | null }>();
  for (const [name, r] of Object.entries(rules)) byName.set(name, r);
  for (const r of metricRules) byName.set(r.name, r);
  return (rule, key) => {
    const r = byName.get(rule);
    if (!r?.enabled) return false;
    // The predictions of a level rule are keyed `predict` (`predict:<mount>` for disk): gone with its `predict`.
    const prediction = key === 'predict' || key.startsWith('predict:');
    return !prediction || !('predict' in r) || (r.predict !== null && r.predict !== undefined);
  };
}

/** A well-formed entry of exportActive() (what a store or a ledger gave back may not be). */
export function isPersistedAlert(e: PersistedAlert | undefined): e is PersistedAlert {
  const a = e?.alert as Partial<PersistedAlert['alert']> | undefined;
  return (
    typeof e?.key === 'string' &&
    typeof a?.id === 'string' &&
    typeof a.rule === 'string' &&
    (a.severity === 'warning' || a.severity === 'critical') &&
    typeof a.raisedAt === 'number' &&
    Number.isFinite(a.raisedAt)
  );
}

/** restoredHoldMs() with the error horizon off (the horizon's default). */
export const DEFAULT_RESTORED_HOLD_MS = 900_000;

/**
 * How long a restored alert waits for a judged reading before a reading that judges nothing clears it (RT46-11):
 * the error horizon (`alerts.error_rate.horizonMs`: its failures would have left it by then), 15 min when off.
 */
export function restoredHoldMs(rules: AlertRulesConfig): number {
  const ms = rules.error_rate.horizonMs;
  return ms > 0 ? ms : DEFAULT_RESTORED_HOLD_MS;
}

/**
 * The states to clear, each with its message (null: keep it): a disk alert's partition no longer mounted once disks
 * are known again, and a restored `job_stale` alert whose job no evaluation read by the bound of its wait
 * (restoredHoldMs(): the deploy removed or renamed the job; a job may be declared lazily) or declared without
 * `expectEvery` (`unwatched`), which nothing else would clear (RT48-1).
 */
export function gone(
  states: ReadonlyMap<string, { alert: unknown; restoredUntil?: number }>,
  snapshot: { disk?: { status?: string; partitions?: ReadonlyArray<{ mount: string }> } } | undefined,
  observed: ReadonlySet<string>,
  now: number,
  unwatched: ((job: string) => boolean) | undefined,
): Map<string, string | null> {
  const gone = new Map<string, string | null>();
  const disk = snapshot?.disk;
  const mounts =
    disk && disk.status !== 'unknown' && Array.isArray(disk.partitions)
      ? new Set(disk.partitions.map((p) => p.mount))
      : null;
  for (const [id, state] of states) {
    if (mounts && id.startsWith('disk\u0000') && !mounts.has(id.slice(5))) gone.set(id, null);
    const until = state.restoredUntil;
    if (!id.startsWith('job_stale\u0000') || observed.has(id) || until === undefined) continue;
    const job = id.slice(10);
    if (unwatched?.(job)) gone.set(id, `Job ${job} no longer watched (declared without expectEvery)`);
    else if (now >= until)
      gone.set(id, `Job ${job} no longer watched (not declared with expectEvery since the restart)`);
  }
  return gone;
}

/**
 * A saved alert's rule state: the alert active again, with its rule's label set as this deploy selects it (one saved
 * before RT37-1 had none), held until a judged reading (restoredHoldMs), its times on the elapsed view of `at`.
 */
export function revive(
  saved: PersistedAlert['alert'],
  labels: Readonly<Record<string, string>> | undefined,
  at: AlertTime,
  rules: AlertRulesConfig,
): RuleState {
  // Its raise on this process's elapsed view: the wall time since its saved raise (all a restart can know), then
  // elapsed time in-process. `since`/`endedAt` a store or ledger may hold are not this process's: replaced.
  const {
    since: _since,
    endedAt: _endedAt,
    ...kept
  } = saved as PersistedAlert['alert'] & {
    since?: unknown;
    endedAt?: unknown;
  };
  const since = saved.raisedAt + (at.t - at.wall);
  const alert = { ...kept, since, state: 'active', cleared_at: null } as ActiveAlert;
  if (labels) alert.labels = labels;
  // When its severity began (kept across the hand-over), only a number the successor can trust.
  if (!(typeof alert.severitySince === 'number' && Number.isFinite(alert.severitySince)))
    delete alert.severitySince;
  return ruleState(alert, at.t + restoredHoldMs(rules));
}

/**
 * An active alert as saved (store, ledger): its wall-clock raise time and when its severity began, not this process's
 * elapsed-view times.
 */
export function persisted(alert: ActiveAlert): PersistedAlert['alert'] {
  const { since: _since, endedAt: _endedAt, ...kept } = alert;
  return kept;
}
