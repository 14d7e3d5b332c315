// NotificationRouter: decides when and where an alert is sent (grouping, repeat, resolved, inhibition, silences, maintenance).

import type { Alert, AlertEvent } from '../alerts/alert.js';
import { AlertClock, type AlertTime } from '../alerts/alert-clock.js';
import { withSelectedLabels } from '../alerts/selected-labels.js';
import { nodeCrypto } from '../builtins.js';
import { consoleLogger, guarded, OutageLog, safeLogger } from '../logger.js';
import type { Clock, Logger } from '../types.js';
import {
  type AlertDelivery,
  type Channel,
  exportPending,
  type Group,
  type PendingNotifications,
  restoreFiring,
  restorePending,
} from './carry-over.js';
import { sortForChannel, takes } from './channel-filters.js';
import { loadChannelConfig } from './channel-loader.js';
import type { ChannelStatus } from './channel-status.js';
import { DeliveryQueue } from './delivery-queue.js';
import { type MaintenanceWindow, type MaintenanceWindowStatus, parseMaintenance } from './maintenance.js';
import { parseRouting, type RoutingConfig } from './routing-config.js';
import { adoptSeveritySince, trackSeveritySince } from './severity-since.js';
import { SilenceStore } from './silences.js';
import type { Notification, NotifiedAlert } from './types.js';

/** Why an alert is not sent; stored on its history record. */
export interface Suppression {
  suppressed: 'silenced' | 'maintenance' | 'inhibited';
  /** The silence id, the maintenance window's name, or the id of the critical alert that inhibits. */
  suppressed_by: string;
}

/** What the router is built from; the monitor passes its `channels`, `routing` and `maintenance` options. */
export interface NotificationRouterOptions {
  /** `ChannelOptions[]`, checked at setup. */
  channels?: unknown;
  /** `RoutingOptions`, checked at setup. */
  routing?: unknown;
  /** `MaintenanceWindowOptions[]`, checked at setup. */
  maintenance?: unknown;
  /** @defaultValue Date.now */
  clock?: Clock;
  /** Times the group wait and repeats. @defaultValue performance.now (with a `clock` alone: that clock) */
  monotonicClock?: Clock;
  logger?: Logger;
  /** The host named in messages. */
  host: string;
  /** The monitor's instance id. */
  instance: string;
  /**
   * The alert rule names a silence may name (the monitor passes the built-in ones and its `alerts.rules`);
   * a silence naming another is refused. @defaultValue the built-in rules' names
   */
  rules?: readonly string[];
  /**
   * What an alert's critical inhibits the warnings of (`routing.inhibit`): the monitor maps a rule on a
   * custom metric, a route or a plugin to that one metric, route or plugin. @defaultValue the alert's component
   */
  inhibitScope?: (alert: Alert) => string;
}

/** How often grouped and repeated notifications are checked. */
const TICK_MS = 1000;

export type { AlertDelivery, PendingNotifications } from './carry-over.js';

/**
 * Receives every alert event, groups those that start within `groupWaitMs` into one message per
 * channel, repeats still-firing ones after each channel's repeat interval, sends resolved notices to
 * channels that got the firing one, and holds back silenced, inhibited and in-maintenance alerts
 * (sent once they are no longer held back, if still firing). Time comes from the injected clock;
 * `tick()` does the due work (a 1 s unref'd timer calls it; tests call it after moving the clock).
 */
export class NotificationRouter {
  readonly config: RoutingConfig;
  readonly silences: SilenceStore;
  /** @internal */
  readonly maintenance: readonly MaintenanceWindow[];
  private readonly channels: Channel[];
  private readonly clock: Clock;
  // The clock's readings with their elapsed time (group waits, repeats: alert-clock.ts).
  private readonly time: AlertClock;
  private readonly host: string;
  private readonly instance: string;
  private readonly firing = new Map<string, NotifiedAlert>();
  /** When each firing alert's present severity began (epoch ms): Alertmanager's startsAt. */
  private readonly severityAt = new Map<string, number>();
  private pendingFiring: Group<true> | null = null;
  private pendingResolved: Group<NotifiedAlert> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private changeListener: (() => void) | undefined;
  private fence: (() => boolean) | undefined;
  private readonly inhibitScope: (alert: Alert) => string;

  constructor(options: NotificationRouterOptions) {
    this.clock = options.clock ?? { now: Date.now };
    this.time = new AlertClock(options.clock, options.monotonicClock);
    this.inhibitScope = options.inhibitScope ?? ((a) => a.component);
    const logger = safeLogger(options.logger ?? consoleLogger);
    this.config = parseRouting(options.routing);
    this.maintenance = Object.freeze(parseMaintenance(options.maintenance));
    this.silences = new SilenceStore(this.clock, options.rules);
    this.host = options.host;
    this.instance = options.instance;
    const outage = new OutageLog(logger, () => this.clock.now());
    // The senders load only when channels are set (channel-loader.ts).
    const parsed =
      options.channels === undefined
        ? []
        : loadChannelConfig().parseChannels(options.channels, this.clock, this.config.repeatIntervalMs);
    this.channels = parsed.map((c) => {
      const channel: Channel = {
        config: c.config,
        queue: new DeliveryQueue(c.config, c.sender, outage, logger, this.clock, (n) =>
          this.delivered(channel, n),
        ),
        sent: new Map(),
        delivered: new Map(),
      };
      return channel;
    });
    if (this.channels.length > 0) {
      this.timer = setInterval(
        guarded(outage, 'alert delivery', () => this.tick()),
        TICK_MS,
      );
      this.timer.unref();
    }
  }

  /** True when at least one channel is configured. */
  get active(): boolean {
    return this.channels.length > 0;
  }

  /** Whether an alert is held back now, given the engine's active alerts (for inhibition). */
  classify(alert: Alert, active: readonly Alert[] = [...this.firing.values()]): Suppression | null {
    return this.suppression(this.label(alert), active, this.clock.now());
  }

  /** Takes one alert event from the engine. Never throws, never blocks. */
  notify(event: AlertEvent): void {
    if (this.closing || this.channels.length === 0 || this.fenced()) return;
    const { wall, t } = this.time.read();
    const alert = this.label(event.alert);
    trackSeveritySince(this.severityAt, event, alert, wall);
    if (event.type === 'cleared') {
      this.firing.delete(alert.id);
      this.pendingFiring?.items.delete(alert.id);
      this.pendingResolved ??= { openedAt: t, items: new Map() };
      this.pendingResolved.items.set(alert.id, alert);
    } else {
      this.firing.set(alert.id, alert);
      if (event.type !== 'deescalated') {
        this.pendingFiring ??= { openedAt: t, items: new Map() };
        this.pendingFiring.items.set(alert.id, true);
      }
    }
    this.tick();
    // Its resolved notice is owed (grouped or queued): in the ledger before it is delivered.
    if (event.type === 'cleared') this.changed();
  }

  /** Sends what is due: groups whose window has passed, repeats, alerts no longer held back. */
  tick(): void {
    if (this.closing || this.fenced()) return;
    const at = this.time.read();
    this.flushDue(at, false);
    if (this.firing.size === 0) return;
    const active = [...this.firing.values()];
    const held = new Set(active.filter((a) => this.suppression(a, active, at.wall)).map((a) => a.id));
    for (const channel of this.channels) {
      const pending = (id: string) => this.pendingFiring?.items.has(id) === true;
      const { fresh, repeats, below } = sortForChannel(channel, active, held, pending, at.t);
      if (fresh.length > 0) this.send(channel, fresh, 'firing', false, at);
      if (repeats.length > 0) this.send(channel, repeats, 'firing', true, at);
      if (below.length > 0 && channel.config.sendResolved) this.send(channel, below, 'resolved', false, at);
    }
  }

  /**
   * What each channel's receiver accepted of the alerts firing now (see AlertDelivery); a cluster
   * aggregator writes it to its ledger. @internal
   */
  exportDeliveries(): AlertDelivery[] {
    const out: AlertDelivery[] = [];
    for (const channel of this.channels) {
      for (const [alert, d] of channel.delivered) {
        if (this.firing.has(alert)) out.push({ channel: channel.config.name, alert, ...d });
      }
    }
    return out;
  }

  /**
   * Sets (or with undefined removes) the check made before anything is sent: while it returns false, alert
   * events are ignored, nothing is queued, and each channel drops what it would deliver (a cluster aggregator
   * that lost its role: its successor delivers). @internal
   */
  setFence(fence: (() => boolean) | undefined): void {
    this.fence = fence;
    for (const c of this.channels) c.queue.fence = fence;
  }

  private fenced(): boolean {
    return this.fence !== undefined && !this.fence();
  }

  /**
   * `listener` runs after each notification a receiver accepted and after an alert cleared (its resolved
   * notice is owed): what exportDeliveries and exportPending say changed (a cluster aggregator writes its ledger). @internal
   */
  onChange(listener: (() => void) | undefined): void {
    this.changeListener = listener;
  }

  /**
   * Adopts the alerts another router had firing (a new cluster aggregator's, from its predecessor's
   * ledger) with what each channel's receiver had accepted of them. A channel that never got an
   * alert's notification at its severity gets it: grouped from when the alert was raised (so it waits
   * out what is left of `groupWaitMs`), or once nothing holds it back any more; repeats count from
   * the last delivery; resolved notices go to the channels that got it. Alerts already firing here are
   * kept as they are. @internal
   */
  restore(alerts: readonly Alert[], deliveries: readonly AlertDelivery[] = []): void {
    if (this.closing || this.channels.length === 0) return;
    const label = (a: Alert) => this.label(a);
    const at = this.time.read();
    const adopted = alerts.filter((a) => !this.firing.has(a.id));
    const { due, openedAt } = restoreFiring(this.channels, this.firing, alerts, deliveries, label, takes, at);
    // Their severity's start as the predecessor's engine had it (an escalation's, not the raise: Alertmanager's startsAt).
    for (const raw of adopted) {
      const alert = this.firing.get(raw.id);
      if (alert) adoptSeveritySince(this.severityAt, raw, alert);
    }
    if (due.length === 0) return;
    this.pendingFiring ??= { openedAt, items: new Map() };
    for (const id of due) this.pendingFiring.items.set(id, true);
    this.tick();
  }

  /** The resolved notices no receiver accepted yet (a cluster aggregator writes them to its ledger). @internal */
  exportPending(): PendingNotifications {
    return exportPending(this.channels, this.pendingResolved, this.time.read());
  }

  /**
   * Delivers a predecessor's pending resolved notices (from its ledger; after restore()): see
   * restorePending in carry-over.ts. @internal
   */
  restorePending(pending: PendingNotifications | undefined): void {
    if (this.closing || this.channels.length === 0) return;
    const at = this.time.read();
    this.pendingResolved = restorePending(this.channels, this.firing, this.pendingResolved, pending, at);
    this.tick();
  }

  /** Delivery status of every channel. */
  status(): ChannelStatus[] {
    return this.channels.map((c) => c.queue.status());
  }

  /** The status of every maintenance window (whether it is active now). */
  maintenanceStatus(): MaintenanceWindowStatus[] {
    const now = this.clock.now();
    return this.maintenance.map((w) => w.status(now));
  }

  /** Resolves when every channel's queue is empty (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.queue.idle()));
  }

  /** Sends the groups still waiting, then lets each queue deliver for up to `closeTimeoutMs`. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      if (!this.fenced()) this.flushDue(this.time.read(), true);
      await Promise.all(this.channels.map((c) => c.queue.close(this.config.closeTimeoutMs)));
    })();
    return this.closing;
  }

  // `at.t` times the group wait; `at.wall` is the silences', maintenance's and timestamps' time.
  private flushDue(at: AlertTime, force: boolean): void {
    const wait = this.config.groupWaitMs;
    const firing = this.pendingFiring;
    if (firing && (force || at.t - firing.openedAt >= wait)) {
      this.pendingFiring = null;
      const alerts = [...firing.items.keys()].flatMap((id) => this.firing.get(id) ?? []);
      const active = [...this.firing.values()];
      const sendable = alerts.filter((a) => !this.suppression(a, active, at.wall));
      for (const channel of this.channels) {
        const list = sendable.filter(
          (a) => takes(channel.config, a) && channel.sent.get(a.id)?.severity !== a.severity,
        );
        if (list.length > 0) this.send(channel, list, 'firing', false, at);
      }
    }
    const resolved = this.pendingResolved;
    if (resolved && (force || at.t - resolved.openedAt >= wait)) {
      this.pendingResolved = null;
      // Resolved notices go to channels that were told about the alert, silenced or not since, so
      // that a ticket opened by the firing notice (PagerDuty, Alertmanager) is closed.
      for (const channel of this.channels) {
        const list = [...resolved.items.values()].filter((a) => channel.sent.has(a.id));
        for (const a of list) channel.sent.delete(a.id);
        for (const a of resolved.items.values()) channel.delivered.delete(a.id);
        if (list.length > 0 && channel.config.sendResolved) this.send(channel, list, 'resolved', false, at);
      }
    }
  }

  private send(
    channel: Channel,
    alerts: NotifiedAlert[],
    status: Notification['status'],
    repeat: boolean,
    at: AlertTime,
  ): void {
    if (status === 'firing')
      for (const a of alerts) channel.sent.set(a.id, { at: at.t, severity: a.severity });
    const ids = alerts.map((a) => a.id).sort();
    channel.queue.push({
      status,
      repeat,
      group_key: nodeCrypto().createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16),
      alerts,
      host: this.host,
      instance: this.instance,
      dashboard_url: this.config.dashboardUrl,
      timestamp: new Date(at.wall).toISOString(),
    });
  }

  /**
   * A receiver accepted `n`: firing alerts still firing are recorded as delivered at its severity; a
   * resolved notice is no longer pending.
   */
  private delivered(channel: Channel, n: Notification): void {
    const at = Date.parse(n.timestamp);
    let changed = n.status === 'resolved';
    for (const a of n.status === 'firing' ? n.alerts : []) {
      if (!this.firing.has(a.id)) continue;
      channel.delivered.set(a.id, { at, severity: a.severity });
      changed = true;
    }
    if (changed) this.changed();
  }

  private changed(): void {
    try {
      this.changeListener?.();
    } catch {
      // The listener's failure (a ledger not written, logged there) is not the receiver's.
    }
  }

  private suppression(alert: NotifiedAlert, active: readonly Alert[], now: number): Suppression | null {
    const silence = this.silences.match(alert, now);
    if (silence) return { suppressed: 'silenced', suppressed_by: silence.id };
    const window = this.maintenance.find((w) => w.covers(alert, now));
    if (window) return { suppressed: 'maintenance', suppressed_by: window.name };
    if (this.config.inhibit && alert.severity === 'warning' && alert.state === 'active') {
      const scope = this.inhibitScope(alert);
      const source = active.find(
        (b) =>
          b.id !== alert.id &&
          this.inhibitScope(b) === scope &&
          b.severity === 'critical' &&
          b.state === 'active',
      );
      if (source) return { suppressed: 'inhibited', suppressed_by: source.id };
    }
    return null;
  }

  private label(alert: Alert): NotifiedAlert {
    return {
      ...alert,
      labels: withSelectedLabels(
        {
          ...this.config.labels,
          alertname: alert.rule,
          rule: alert.rule,
          component: alert.component,
          severity: alert.severity,
          instance: this.instance,
          host: this.host,
        },
        alert.labels,
      ),
    };
  }
}
