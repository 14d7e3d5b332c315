// AlertSystem: evaluates the rules against each snapshot; raises, escalates and clears alerts; keeps the history; notifies.

import { nodeCrypto } from '../builtins.js';
import { invalidOption } from '../errors.js';
import { consoleLogger, OutageLog } from '../logger.js';
import { didYouMean, rejectUnknownKeys } from '../options/option-keys.js';
import type {
  Alert,
  AlertEvent,
  AlertEventType,
  AlertRecord,
  AlertSeverity,
  Clock,
  HealthStatus,
  Logger,
  MetricsSnapshot,
} from '../types.js';
import { getHealthStatus } from './health.js';
import {
  ALERT_HINTS,
  type AlertRuleName,
  type AlertRulesConfig,
  type AlertRulesOptions,
  type AvailabilityRuleConfig,
  type LevelRuleConfig,
  parseRules,
} from './rules.js';
import { enoughRequests, round } from './status.js';
import { WebhookChannel, type WebhookOptions } from './webhook.js';

/** Receives each alert event (raise, escalation, de-escalation, clear); may be async; a throw is logged. */
export type AlertListener = (event: AlertEvent) => void | Promise<void>;
/** Receives every history entry as it is made; the monitor uses it to persist alert history to its store. */
export type AlertRecorder = (record: AlertRecord) => void | Promise<void>;
/**
 * Says whether an alert is held back from notification channels (silenced, in maintenance,
 * inhibited), given the active alerts; the history record is marked with the answer.
 */
export type AlertSuppressor = (
  alert: Alert,
  active: readonly Alert[],
) => Pick<AlertRecord, 'suppressed' | 'suppressed_by'> | null;

/** Options of an AlertSystem (the monitor's `alerts` option). */
export interface AlertSystemOptions {
  /** Per-rule levels, pending time and hysteresis; see AlertRulesOptions (or a config from parseRules). */
  rules?: AlertRulesOptions | AlertRulesConfig;
  /** @defaultValue Date.now */
  clock?: Clock;
  /** History entries kept in memory (each raise, escalation, de-escalation and clear is one). @defaultValue 1000 */
  historyLimit?: number;
  /** Called for every alert event; may be async. A throwing callback is logged, never propagated. */
  onAlert?: AlertListener;
  /** POST every alert event as JSON to this URL (or with these options). */
  webhook?: WebhookOptions | string;
  /** @defaultValue consoleLogger (warnings and errors to stderr) */
  logger?: Logger;
}

/** close() waits at most this long for queued webhook deliveries, whatever the webhook's timeoutMs. */
export const CLOSE_DRAIN_LIMIT_MS = 2000;

export const DEFAULT_HISTORY_LIMIT = 1000;
export const DEFAULT_HISTORY_READ_LIMIT = 100;

const OPTION_KEYS = ['rules', 'clock', 'historyLimit', 'onAlert', 'webhook', 'logger'];

interface ActiveAlert extends Alert {
  raisedAt: number;
}

/** An active alert as exportActive() gives it: the rule state's key and the alert (raisedAt: epoch ms). */
export interface PersistedAlert {
  key: string;
  alert: Alert & { raisedAt: number };
}

/** Per rule and key (a disk mount; '' for the others): how long each level has been breached, and the alert. */
interface RuleState {
  warnSince: number | null;
  critSince: number | null;
  alert: ActiveAlert | null;
}

/** Gives extra observations per snapshot (the monitor's analytics rules); must not throw. */
export type ObservationSource = (snapshot: MetricsSnapshot) => AlertObservation[];

/** One rule's reading of one snapshot. */
export interface AlertObservation {
  rule: AlertRuleName;
  key: string;
  component: string;
  pendingMs: number;
  value: number;
  breachWarning: boolean;
  breachCritical: boolean;
  /** An active alert clears (the value is below the clear level, the dependency answers, or too few requests). */
  clear: boolean;
  /** An active critical alert falls back to warning. */
  deescalate: boolean;
  warningLevel: number;
  criticalLevel: number;
  message: (severity: AlertSeverity) => string;
}

/** Evaluates the alert rules on each snapshot: active alerts, history, listeners and the webhook. */
export class AlertSystem {
  readonly rules: AlertRulesConfig;
  readonly historyLimit: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outage: OutageLog;
  private readonly webhook: WebhookChannel | undefined;
  private readonly states = new Map<string, RuleState>();
  /** Oldest first; read newest first. */
  private readonly history: AlertRecord[] = [];
  private readonly listeners = new Set<AlertListener>();
  private readonly sources: ObservationSource[] = [];
  private readonly onAlert: AlertListener | undefined;
  private recorder: AlertRecorder | undefined;
  private suppressor: AlertSuppressor | undefined;
  private closed = false;

  constructor(options: AlertSystemOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw invalidOption('sysvitals: AlertSystem options must be an object.');
    }
    rejectUnknownKeys(
      options,
      OPTION_KEYS,
      'ERR_SYSVITALS_UNKNOWN_OPTION',
      (key) =>
        `sysvitals: AlertSystem has no option \`${key}\`.${didYouMean(key, OPTION_KEYS, ALERT_HINTS)} Supported: ${OPTION_KEYS.join(', ')}.`,
    );
    const limit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw invalidOption(`sysvitals: \`historyLimit\` must be an integer ≥ 1, got ${String(limit)}.`);
    }
    if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
      throw invalidOption('sysvitals: `clock` must be an object with a now() method returning milliseconds.');
    }
    if (options.onAlert !== undefined && typeof options.onAlert !== 'function') {
      throw invalidOption('sysvitals: `onAlert` must be a function (event) => void.');
    }
    if (
      options.logger !== undefined &&
      (typeof options.logger?.warn !== 'function' || typeof options.logger?.error !== 'function')
    ) {
      throw invalidOption('sysvitals: `logger` must have warn() and error() methods (pino-compatible).');
    }
    this.rules = parseRules(options.rules);
    this.historyLimit = limit;
    this.clock = options.clock ?? { now: Date.now };
    this.logger = options.logger ?? consoleLogger;
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
    const now = this.clock.now();
    const events: Array<[AlertEventType, ActiveAlert]> = [];
    let observations: AlertObservation[] = [];
    try {
      observations = this.observe(snapshot);
      this.outage.recovered('alert rules');
    } catch (err) {
      this.outage.failed('alert rules', err);
    }
    const observed = new Set<string>();
    for (const obs of observations) {
      const id = `${obs.rule}\u0000${obs.key}`;
      observed.add(id);
      this.step(id, obs, now, events);
    }
    // A gap in the data restarts pending time: a breach must be seen continuously for `for` ms.
    for (const [id, state] of this.states) {
      if (!observed.has(id)) {
        state.warnSince = null;
        state.critSince = null;
      }
    }
    this.clearVanishedPartitions(snapshot, now, events);
    for (const [type, alert] of events) this.emit(type, alert, now);
    return this.getActiveAlerts();
  }

  /** Active alerts, critical first, then longest-running first; duration_seconds as of now. */
  getActiveAlerts(): Alert[] {
    const now = this.clock.now();
    const active: Alert[] = [];
    for (const state of this.states.values()) if (state.alert) active.push(publicAlert(state.alert, now));
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
      if (state.alert) out.push({ key, alert: { ...state.alert } });
    }
    return out;
  }

  /**
   * Adopts alerts another AlertSystem exported as active (a new cluster aggregator): the next
   * evaluation clears, keeps, escalates or de-escalates them as its own. An alert already active under
   * the same key here is kept; malformed entries are ignored. Returns how many were adopted.
   */
  restoreActive(entries: readonly PersistedAlert[]): number {
    let n = 0;
    for (const e of Array.isArray(entries) ? entries : []) {
      const a = e?.alert as Partial<ActiveAlert> | undefined;
      if (
        typeof e?.key !== 'string' ||
        !a ||
        typeof a.id !== 'string' ||
        typeof a.rule !== 'string' ||
        (a.severity !== 'warning' && a.severity !== 'critical') ||
        typeof a.raisedAt !== 'number' ||
        !Number.isFinite(a.raisedAt)
      ) {
        continue;
      }
      if (this.states.get(e.key)?.alert) continue;
      const alert = { ...(a as ActiveAlert), state: 'active', cleared_at: null } as ActiveAlert;
      this.states.set(e.key, {
        // Breached since it was raised (its level at least): a continued breach keeps it, no new pending.
        warnSince: alert.raisedAt,
        critSince: alert.severity === 'critical' ? alert.raisedAt : null,
        alert,
      });
      n++;
    }
    return n;
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
    return getHealthStatus(snapshot, this.getActiveAlerts(), this.clock, {
      minRequests: this.rules.error_rate.minRequests,
    });
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

  /** Adds observations from outside the built-in rules (the analytics rules) to every evaluation. */
  addObservationSource(source: ObservationSource): void {
    this.sources.push(source);
  }

  /** Sets (or with undefined removes) the function that persists each history entry. */
  setRecorder(recorder: AlertRecorder | undefined): void {
    this.recorder = recorder;
  }

  /** Sets (or with undefined removes) the function that marks history entries of held-back alerts. */
  setSuppressor(suppressor: AlertSuppressor | undefined): void {
    this.suppressor = suppressor;
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
        timer = setTimeout(resolve, Math.min(webhook.config.timeoutMs, CLOSE_DRAIN_LIMIT_MS));
        timer.unref();
      });
      await Promise.race([webhook.flush(), bound]);
      clearTimeout(timer);
    }
    this.close();
  }

  private step(
    id: string,
    obs: AlertObservation,
    now: number,
    events: Array<[AlertEventType, ActiveAlert]>,
  ): void {
    let state = this.states.get(id);
    if (!state) {
      state = { warnSince: null, critSince: null, alert: null };
      this.states.set(id, state);
    }
    state.warnSince = obs.breachWarning ? (state.warnSince ?? now) : null;
    state.critSince = obs.breachCritical ? (state.critSince ?? now) : null;
    const firing: AlertSeverity | null =
      state.critSince !== null && now - state.critSince >= obs.pendingMs
        ? 'critical'
        : state.warnSince !== null && now - state.warnSince >= obs.pendingMs
          ? 'warning'
          : null;
    const alert = state.alert;
    if (!alert) {
      if (!firing) return;
      const raised: ActiveAlert = {
        id: nodeCrypto().randomUUID(),
        rule: obs.rule,
        component: obs.component,
        severity: firing,
        message: obs.message(firing),
        timestamp: new Date(now).toISOString(),
        duration_seconds: 0,
        value: round(obs.value),
        threshold: firing === 'critical' ? obs.criticalLevel : obs.warningLevel,
        state: 'active',
        cleared_at: null,
        raisedAt: now,
      };
      state.alert = raised;
      events.push(['raised', raised]);
      return;
    }
    alert.value = round(obs.value);
    if (obs.clear) {
      this.clear(state, now, events);
    } else if (alert.severity === 'warning' && firing === 'critical') {
      this.changeSeverity(alert, 'critical', obs.criticalLevel, obs.message('critical'));
      events.push(['escalated', alert]);
    } else if (alert.severity === 'critical' && obs.deescalate) {
      this.changeSeverity(alert, 'warning', obs.warningLevel, obs.message('warning'));
      events.push(['deescalated', alert]);
    }
  }

  private changeSeverity(
    alert: ActiveAlert,
    severity: AlertSeverity,
    threshold: number,
    message: string,
  ): void {
    alert.severity = severity;
    alert.threshold = threshold;
    alert.message = message;
  }

  private clear(state: RuleState, now: number, events: Array<[AlertEventType, ActiveAlert]>): void {
    const alert = state.alert;
    state.warnSince = null;
    state.critSince = null;
    if (!alert) return;
    state.alert = null;
    alert.state = 'cleared';
    alert.cleared_at = new Date(now).toISOString();
    events.push(['cleared', alert]);
  }

  /** A partition that is no longer mounted cannot recover on its own: clear its alert once disks are known again. */
  private clearVanishedPartitions(
    snapshot: MetricsSnapshot,
    now: number,
    events: Array<[AlertEventType, ActiveAlert]>,
  ): void {
    const disk = snapshot?.disk;
    if (!disk || disk.status === 'unknown' || !Array.isArray(disk.partitions)) return;
    const mounts = new Set(disk.partitions.map((p) => p.mount));
    for (const [id, state] of this.states) {
      if (!id.startsWith('disk\u0000') || mounts.has(id.slice('disk\u0000'.length))) continue;
      this.clear(state, now, events);
      this.states.delete(id);
    }
  }

  private emit(type: AlertEventType, alert: ActiveAlert, now: number): void {
    const snapshot = Object.freeze(publicAlert(alert, now));
    const record: AlertRecord = Object.freeze({ ...snapshot, event: type, ...this.suppressionOf(snapshot) });
    this.history.push(record);
    if (this.history.length > this.historyLimit)
      this.history.splice(0, this.history.length - this.historyLimit);
    const event: AlertEvent = Object.freeze({ type, alert: snapshot });
    if (this.onAlert) this.safeCall('onAlert callback', this.onAlert, event);
    for (const listener of this.listeners) this.safeCall("'alert' listener", listener, event);
    if (this.recorder) this.safeCall('alert recorder', this.recorder, record);
    if (!this.closed) this.webhook?.send(event);
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

  /** Runs a user callback: a throw or a rejected promise is logged once per outage and never reaches the caller. */
  private safeCall<T>(key: string, fn: (arg: T) => unknown, arg: T): void {
    try {
      const result = fn(arg);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(
          () => this.outage.recovered(key),
          (err: unknown) => this.outage.failed(key, err),
        );
      } else {
        this.outage.recovered(key);
      }
    } catch (err) {
      this.outage.failed(key, err);
    }
  }

  /** Reads the snapshot into one observation per enabled rule (and per disk partition); unknown inputs are skipped. */
  private observe(snapshot: MetricsSnapshot): AlertObservation[] {
    const s = (snapshot ?? {}) as Partial<MetricsSnapshot>;
    const r = this.rules;
    const out: AlertObservation[] = [];
    const known = (group: { status?: string } | undefined): boolean => !!group && group.status !== 'unknown';

    if (known(s.cpu)) this.level(out, r.cpu, 'cpu', '', s.cpu?.current_percent, (v) => `CPU usage ${v}`);
    if (known(s.memory)) {
      this.level(out, r.memory, 'memory', '', s.memory?.used_percent, (v) => `Memory usage ${v}`);
    }
    if (known(s.disk) && Array.isArray(s.disk?.partitions)) {
      for (const p of s.disk.partitions) {
        this.level(out, r.disk, 'disk', p.mount, p.used_percent, (v) => `Disk usage ${v} on: ${p.mount}`);
      }
    }
    if (known(s.database)) {
      this.level(
        out,
        r.db_latency,
        'database',
        '',
        s.database?.response_time_ms,
        (v) => `Database latency ${v}`,
      );
    }
    if (known(s.latency)) {
      this.level(
        out,
        r.api_response_time,
        'latency',
        '',
        s.latency?.p95_ms,
        (v) => `API response time (p95) ${v}`,
      );
    }
    const enough = enoughRequests(s.requests?.per_minute ?? 0, r.error_rate.minRequests);
    // Below the guard the errors status is `unknown` (not judged): the rule still runs, suppressed, so an
    // active error_rate alert clears rather than hanging on.
    if ((known(s.errors) || (s.errors && !enough)) && known(s.requests)) {
      this.level(
        out,
        r.error_rate,
        'errors',
        '',
        s.errors?.error_rate_percent,
        (v) => `Error rate ${v}`,
        !enough,
      );
    }
    this.availability(out, r.database, 'Database', s.database);
    this.availability(out, r.redis, 'Redis', s.redis);
    this.shedding(out, r.load_shedding, s.requests?.shedding);
    if (s.queries) {
      // A minute without queries has no p95: the rule runs suppressed (value 0), so an active alert clears
      // as api_response_time's does when its window empties, instead of holding its last value forever.
      const none = !(s.queries.count > 0);
      this.level(
        out,
        r.db_query_p95,
        'queries',
        '',
        none ? 0 : s.queries.p95_ms,
        (v) => `Database query time (p95) ${v}`,
        none,
      );
    }
    if (r.job_stale.enabled && Array.isArray(s.jobs?.watched)) {
      for (const job of s.jobs.watched) this.staleJob(out, r.job_stale, job);
    }
    for (const source of this.sources) out.push(...source(snapshot));
    return out;
  }

  private level(
    out: AlertObservation[],
    rule: LevelRuleConfig,
    component: string,
    key: string,
    value: number | null | undefined,
    message: (severity: AlertSeverity) => string,
    suppressed = false,
  ): void {
    if (!rule.enabled || typeof value !== 'number' || !Number.isFinite(value)) return;
    out.push({
      rule: rule.name,
      key,
      component,
      pendingMs: rule.for,
      value,
      breachWarning: !suppressed && value >= rule.warning,
      breachCritical: !suppressed && value >= rule.critical,
      clear: suppressed || value < rule.clear,
      deescalate: value < rule.deescalate,
      warningLevel: rule.warning,
      criticalLevel: rule.critical,
      message,
    });
  }

  /** Load shedding (a monitor with `shed`): critical while requests are refused, saying why. Value 1 = shedding. */
  private shedding(
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
  private staleJob(
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
   * Value 1 = answering, 0 = not (like Prometheus `up`); the threshold is 1.
   */
  private availability(
    out: AlertObservation[],
    rule: AvailabilityRuleConfig,
    label: string,
    group: { status?: string; error?: string; response_time_ms?: number | null } | undefined,
  ): void {
    if (!rule.enabled || !group || group.status === 'unknown' || group.status === undefined) return;
    const down = group.status === 'critical' && (group.error !== undefined || group.response_time_ms == null);
    const reason = group.error ?? 'no answer';
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
      message: () => `${label} unavailable: ${reason}`,
    });
  }
}

function publicAlert(alert: ActiveAlert, now: number): Alert {
  const end = alert.cleared_at === null ? now : Date.parse(alert.cleared_at);
  const { raisedAt, ...rest } = alert;
  return { ...rest, duration_seconds: Math.max(0, Math.floor((end - raisedAt) / 1000)) };
}
