// AlertSystem: evaluates the rules against each snapshot; raises, escalates and clears alerts; keeps the history; notifies.

import { nodeCrypto } from '../builtins.js';
import { consoleLogger, guarded, OutageLog, safeLogger } from '../logger.js';
import type { Clock, HealthStatus, Logger, MetricsSnapshot } from '../types.js';
import { type ActiveAlert, changeSeverity, publicAlert } from './active-alert.js';
import type { Alert, AlertEvent, AlertEventType, AlertRecord } from './alert.js';
import { AlertClock, type AlertTime } from './alert-clock.js';
import {
  type AlertListener,
  type AlertRecorder,
  type AlertSuppressor,
  type AlertSystemOptions,
  checkAlertSystemOptions,
  DEFAULT_HISTORY_READ_LIMIT,
} from './engine-options.js';
import { getHealthStatus, type HealthOptions } from './health.js';
import { type AlertObservation, type ObservationSource, observeSnapshot } from './observations.js';
import {
  gone,
  isPersistedAlert,
  type PersistedAlert,
  persisted,
  type RuleExists,
  revive,
} from './restored.js';
import {
  clearAlert,
  firingSeverity,
  type RuleState,
  resetTimes,
  restoredWaits,
  ruleState,
  severityChange,
  unsureClear,
} from './rule-state.js';
import { type AlertRulesConfig, parseRules } from './rules.js';
import { round } from './status.js';
import { WebhookChannel } from './webhook.js';
import { WindowHold } from './window-hold.js';

/** close() waits at most this long for queued webhook deliveries, whatever the webhook's timeoutMs. */
export const CLOSE_DRAIN_LIMIT_MS = 2000;

export type { PersistedAlert } from './restored.js';

type AlertEvents = Array<[AlertEventType, ActiveAlert]>;

/** Evaluates the alert rules on each snapshot: active alerts, history, listeners and the webhook. */
export class AlertSystem {
  readonly rules: AlertRulesConfig;
  readonly historyLimit: number;
  private readonly clock: Clock;
  // Each reading of the clock with its elapsed time: every wait, hold and duration is on it (alert-clock.ts).
  private readonly time: AlertClock;
  private readonly logger: Logger;
  private readonly outage: OutageLog;
  /** The `webhook` option's channel (a cluster aggregator's ledger carries what it did not deliver). @internal */
  readonly webhook: WebhookChannel | undefined;
  private readonly states = new Map<string, RuleState>();
  /** Oldest first; read newest first. */
  private readonly history: AlertRecord[] = [];
  private readonly listeners = new Set<AlertListener>();
  private readonly sources: ObservationSource[] = [];
  /** The holds (window-hold.ts): of windowed rules after a takeover, of an error_rate alert paged on few requests. */
  private readonly hold = new WindowHold(this.states, () => this.rules.error_rate.horizonMs);
  private readonly onAlert: AlertListener | undefined;
  private recorder: AlertRecorder | undefined;
  private suppressor: AlertSuppressor | undefined;
  private fence: (() => boolean) | undefined;
  private closed = false;
  /** clearRemovedRules()'s check: this monitor's rules (parts.ts). @internal */
  ruleExists: RuleExists | undefined;
  /** The custom metrics (and label sets) enabled rules read: one a rule cannot read is unknown in health. @internal */
  ruleMetrics: NonNullable<HealthOptions['ruleMetrics']> = [];
  /** The label set a rule selects (`alerts.rules[].labels`), stamped on its alerts (parts.ts). @internal */
  ruleLabels: ((rule: string) => Readonly<Record<string, string>> | undefined) | undefined;
  /** True for a job declared without `expectEvery` (parts.ts): its restored job_stale alert clears. @internal */
  jobUnwatched: ((job: string) => boolean) | undefined;
  /** Ids clearRemovedRules() cleared, never restored again (a cluster's store read after its ledger). */
  private readonly retired = new Set<string>();

  constructor(options: AlertSystemOptions = {}) {
    const limit = checkAlertSystemOptions(options);
    this.rules = parseRules(options.rules);
    this.historyLimit = limit;
    this.clock = options.clock ?? { now: Date.now };
    this.time = new AlertClock(options.clock, options.monotonicClock);
    this.logger = safeLogger(options.logger ?? consoleLogger);
    this.outage = new OutageLog(this.logger, () => this.clock.now());
    this.onAlert = options.onAlert;
    if (options.webhook !== undefined) {
      const webhook = typeof options.webhook === 'string' ? { url: options.webhook } : options.webhook;
      this.webhook = new WebhookChannel({ logger: this.logger, ...webhook });
    }
  }

  /**
   * Evaluates every enabled rule against the snapshot, raises, escalates, de-escalates and clears
   * alerts, notifies, and returns the active alerts. Never throws.
   */
  checkThresholds(snapshot: MetricsSnapshot): Alert[] {
    // A cluster aggregator that lost its role evaluates nothing (its successor does).
    if (this.fence && !this.fence()) return this.getActiveAlerts();
    const at = this.time.read();
    const events: Array<[AlertEventType, ActiveAlert]> = [];
    let observations: AlertObservation[] = [];
    try {
      observations = this.hold.filter(observeSnapshot(snapshot, this.rules, this.sources), at.t);
      this.outage.recovered('alert rules');
    } catch (err) {
      this.outage.failed('alert rules', err);
    }
    const observed = new Set<string>();
    for (const obs of observations) {
      const id = `${obs.rule}\u0000${obs.key}`;
      observed.add(id);
      this.step(id, obs, at, events);
    }
    // A gap in the data restarts pending time: a breach must be seen continuously for `for` ms.
    for (const [id, state] of this.states) if (!observed.has(id)) resetTimes(state);
    this.clearGone(gone(this.states, snapshot, observed, at.t, this.jobUnwatched), at, events);
    this.emit(events, at.t);
    return this.getActiveAlerts();
  }

  /** The key of the active alert with this id (a disk mount; '' for most rules): inhibition's scope. @internal */
  keyOf(id: string): string | undefined {
    for (const [key, s] of this.states) if (s.alert?.id === id) return key.slice(key.indexOf('\u0000') + 1);
    return undefined;
  }
  /** Active alerts, critical first, then longest-running first; duration_seconds as of now. */
  getActiveAlerts(): Alert[] {
    const { t } = this.time.read();
    const active: Alert[] = [];
    for (const state of this.states.values()) if (state.alert) active.push(publicAlert(state.alert, t));
    return active.sort(
      (a, b) =>
        (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) ||
        a.timestamp.localeCompare(b.timestamp),
    );
  }

  /**
   * The active alerts with the state they live in (a cluster aggregator keeps them in its ledger, so that
   * its successor still knows them: it clears them with a `cleared` event, or keeps them, without a
   * second `raised`).
   */
  exportActive(): PersistedAlert[] {
    const out: PersistedAlert[] = [];
    for (const [key, state] of this.states) {
      if (state.alert) out.push({ key, alert: persisted(state.alert) });
    }
    return out;
  }

  /**
   * Adopts alerts another AlertSystem exported as active (a new cluster aggregator): the next evaluation clears,
   * keeps, escalates or de-escalates them as its own. One of the same key active here under another id (raised while
   * another process held the instanceId's state, RTC-2) continues under the adopted id, its own cleared (before: the
   * adopted id dropped, never cleared). Malformed entries are ignored. Returns how many were adopted.
   */
  restoreActive(entries: readonly PersistedAlert[]): number {
    let n = 0;
    const [at, events] = [this.time.read(), [] as Array<[AlertEventType, ActiveAlert]>];
    for (const e of Array.isArray(entries) ? entries : []) {
      const own = isPersistedAlert(e) && !this.retired.has(e.alert.id) ? this.states.get(e.key) : null;
      if (own === null || own?.alert?.id === e.alert.id) continue;
      if (own?.alert) clearAlert(own, at, events);
      this.states.set(e.key, revive(e.alert, this.ruleLabels?.(e.alert.rule), at, this.rules));
      n++;
    }
    this.emit(events, at.t);
    return n;
  }

  /**
   * Clears (a `cleared` event each) the active alerts whose rule `exists` says is gone: restored ones whose
   * rule the new deploy removed, renamed or disabled, which nothing would evaluate again. Returns how many.
   * Each is cleared once: a later restoreActive() of the same id is ignored. @internal
   */
  clearRemovedRules(exists: RuleExists | undefined = this.ruleExists): number {
    if (!exists || (this.fence && !this.fence())) return 0;
    const at = this.time.read();
    const events: Array<[AlertEventType, ActiveAlert]> = [];
    for (const [id, state] of this.states) {
      if (!state.alert || exists(state.alert.rule, id.slice(id.indexOf('\u0000') + 1))) continue;
      this.retired.add(state.alert.id);
      clearAlert(state, at, events);
      this.states.delete(id);
    }
    this.emit(events, at.t);
    return events.length;
  }

  /**
   * History entries, newest first: one per raise, escalation, de-escalation and clear, each the
   * alert as it was at that event (`event` says which). At most `historyLimit` are kept.
   */
  getAlertHistory(limit: number = DEFAULT_HISTORY_READ_LIMIT): AlertRecord[] {
    const n = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : DEFAULT_HISTORY_READ_LIMIT;
    const out: AlertRecord[] = [];
    for (let i = this.history.length - 1; i >= 0 && out.length < n; i--) out.push(this.history[i]!);
    return out;
  }

  /** Overall and per-component health of `snapshot`, given the active alerts. */
  getHealthStatus(snapshot: MetricsSnapshot): HealthStatus {
    const options = { minRequests: this.rules.error_rate.minRequests, ruleMetrics: this.ruleMetrics };
    return getHealthStatus(snapshot, this.getActiveAlerts(), this.clock, options);
  }

  /** Adds a listener of alert events; returns this. */
  on(event: 'alert', listener: AlertListener): this {
    if (event === 'alert' && typeof listener === 'function') this.listeners.add(listener);
    return this;
  }

  /** Removes a listener added with on(); returns this. */
  off(event: 'alert', listener: AlertListener): this {
    if (event === 'alert') this.listeners.delete(listener);
    return this;
  }

  /** Adds observations from outside the built-in rules (the analytics rules) to every evaluation. @internal */
  addObservationSource(source: ObservationSource): void {
    this.sources.push(source);
  }

  /**
   * Holds the rules on windowed figures for `ms` from now, on this system's clock (a cluster aggregator that took
   * over a window lacking its predecessor's share): no reading for them meanwhile (window-hold.ts). @internal
   */
  holdWindowedRules(ms: number): void {
    this.hold.start(this.time.read().t, ms);
  }

  /** Sets (or with undefined removes) the function that persists each history entry. */
  setRecorder(recorder: AlertRecorder | undefined): void {
    this.recorder = recorder;
  }

  /** Sets (or with undefined removes) the function that marks history entries of held-back alerts. */
  setSuppressor(suppressor: AlertSuppressor | undefined): void {
    this.suppressor = suppressor;
  }

  /**
   * Sets (or removes) the check made before each evaluation, webhook attempt and history write (HistoryWriter
   * reads fenced()): while false, nothing is evaluated, sent or stored (a deposed cluster aggregator). @internal
   */
  setFence(fence: (() => boolean) | undefined): void {
    this.fence = fence;
    if (this.webhook) this.webhook.fence = fence;
  }

  /** True while a fence is set and down (see setFence). @internal */
  fenced(): boolean {
    return this.fence !== undefined && !this.fence();
  }

  /** Stops notifications (the webhook drops its queue and retries). Alerts can still be evaluated and read. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.webhook?.close();
  }

  /** Resolves when queued webhook deliveries are done (delivered or given up on). */
  flush(): Promise<void> {
    return this.webhook?.flush() ?? Promise.resolve();
  }

  /**
   * Delivers what the webhook has queued (the alerts raised by the last sample included), waiting at most
   * the webhook's `timeoutMs`, then close(): whatever is still pending is dropped. The monitor's close()
   * calls it, so the last alerts are not lost on shutdown.
   */
  async drainAndClose(): Promise<void> {
    const webhook = this.webhook;
    if (webhook && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        // The send timeout, but never long enough to hold a shutdown up (a receiver that never answers).
        // Ref'd: the process stays open while close() delivers (the retry waits are unref'd), RT40-2.
        timer = setTimeout(resolve, Math.min(webhook.config.timeoutMs, CLOSE_DRAIN_LIMIT_MS));
      });
      await Promise.race([webhook.flush(), bound]);
      clearTimeout(timer);
    }
    this.close();
  }

  // `at.wall`: the timestamps shown; `at.t`: the waits and holds (alert-clock.ts).
  private step(id: string, obs: AlertObservation, at: AlertTime, events: AlertEvents): void {
    const t = at.t;
    let state = this.states.get(id);
    if (!state) {
      state = ruleState();
      this.states.set(id, state);
    }
    // A restored alert is not cleared by a rule that has judged nothing in this process yet (RT46-11).
    if (restoredWaits(state, obs, t)) return;
    state.warnSince = obs.breachWarning ? (state.warnSince ?? t) : null;
    state.critSince = obs.breachCritical ? (state.critSince ?? t) : null;
    const firing = firingSeverity(state, obs, t);
    const alert = state.alert;
    if (!alert) {
      if (!firing) return;
      const raised: ActiveAlert = {
        id: nodeCrypto().randomUUID(),
        rule: obs.rule,
        component: obs.component,
        severity: firing,
        message: obs.message(firing),
        timestamp: new Date(at.wall).toISOString(),
        duration_seconds: 0,
        value: round(obs.value),
        threshold: firing === 'critical' ? obs.criticalLevel : obs.warningLevel,
        state: 'active',
        cleared_at: null,
        raisedAt: at.wall,
        since: t,
      };
      const labels = this.ruleLabels?.(obs.rule);
      if (labels) raised.labels = labels;
      state.alert = raised;
      events.push(['raised', raised]);
      return;
    }
    // A value that is no reading (disk_full_in's "no time to full", NaN) leaves the last one read.
    if (Number.isFinite(obs.value)) alert.value = round(obs.value);
    // The message follows the value while the alert is active ("not succeeded for 900 s", not the 600 s of
    // when it fired); a clearing reading leaves the last active message, unless it has one of its own.
    // A prediction's clear on hold (its trend not significant at this reading) clears once held (rule-state.ts).
    const clearing = obs.clear || unsureClear(state, obs, t);
    alert.message = clearing
      ? (obs.clearMessage?.(alert.severity) ?? alert.message)
      : obs.message(alert.severity);
    if (clearing) {
      clearAlert(state, at, events);
      return;
    }
    // A critical alert falls back, and one that fell back escalates again, only after a hold (rule-state.ts).
    // The hold is on elapsed time (t); the change's time shown and persisted (severitySince) is the wall reading.
    const change = severityChange(state, obs, t);
    if (change) changeSeverity(alert, change, obs, at.wall);
    if (change) events.push([change, alert]);
  }

  /** Clears the states gone() named (a vanished disk, an unwatched restored job), their message saying why. */
  private clearGone(gone: Map<string, string | null>, at: AlertTime, events: AlertEvents): void {
    for (const [id, why] of gone) {
      const state = this.states.get(id)!;
      if (why !== null && state.alert) state.alert.message = why;
      clearAlert(state, at, events);
      this.states.delete(id);
    }
  }

  /**
   * Records and notifies an evaluation's events. The webhook queues them all first: a listener that reads what it
   * owes (a cluster aggregator writing its ledger with the active alerts) finds every event of the evaluation.
   */
  private emit(events: ReadonlyArray<[AlertEventType, ActiveAlert]>, t: number): void {
    const out = events.map(([type, alert]) => {
      const snapshot = Object.freeze(publicAlert(alert, t));
      const record: AlertRecord = Object.freeze({
        ...snapshot,
        event: type,
        ...this.suppressionOf(snapshot),
      });
      const event: AlertEvent = Object.freeze({ type, alert: snapshot });
      return { record, event };
    });
    if (!this.closed) this.webhook?.sendAll(out.map((o) => o.event));
    for (const { record, event } of out) {
      this.history.push(record);
      if (this.history.length > this.historyLimit)
        this.history.splice(0, this.history.length - this.historyLimit);
      if (this.onAlert) guarded(this.outage, 'onAlert callback', this.onAlert)(event);
      for (const listener of this.listeners) guarded(this.outage, "'alert' listener", listener)(event);
      if (this.recorder) guarded(this.outage, 'alert recorder', this.recorder)(record);
    }
  }

  /** The suppressor's verdict; a throwing suppressor is logged once per outage and counts as none. */
  private suppressionOf(alert: Alert): Pick<AlertRecord, 'suppressed' | 'suppressed_by'> | null {
    if (!this.suppressor) return null;
    try {
      const verdict = this.suppressor(alert, this.getActiveAlerts());
      this.outage.recovered('alert suppressor');
      return verdict;
    } catch (err) {
      this.outage.failed('alert suppressor', err);
      return null;
    }
  }
}
