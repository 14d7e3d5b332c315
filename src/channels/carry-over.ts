// What a notification router hands to its successor (a new cluster aggregator, through the ledger): which firing notifications each channel's receiver accepted, and the resolved notices decided but not yet accepted.

import type { Alert } from '../alerts/alert.js';
import type { AlertTime } from '../alerts/alert-clock.js';
import type { ChannelConfig } from './channel-config.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { Notification, NotifiedAlert } from './types.js';

/** One configured channel, as the router drives it. */
export interface Channel {
  readonly config: ChannelConfig;
  readonly queue: DeliveryQueue;
  /** Per alert id: when it was last sent (queued) to this channel (the router's elapsed time), and at which severity. */
  readonly sent: Map<string, { at: number; severity: string }>;
  /** Per firing alert id: the last firing notification the receiver accepted (not only queued). */
  readonly delivered: Map<string, { at: number; severity: string }>;
}

/** Alerts waiting out the group wait together, since `openedAt` (the router's elapsed time, alert-clock.ts). */
export interface Group<T> {
  openedAt: number;
  items: Map<string, T>;
}

/**
 * One firing alert's last notification that a channel's receiver accepted: its severity (which event,
 * `raised` or `escalated`, was delivered) and when it was made (epoch ms). A cluster aggregator keeps
 * these in its ledger so that its successor sends what was never delivered.
 */
export interface AlertDelivery {
  /** The channel's name. */
  channel: string;
  /** The alert's id. */
  alert: string;
  severity: string;
  /** When the delivered notification was made (epoch ms; repeats are counted from it). */
  at: number;
}

/**
 * The resolved notices no receiver has accepted yet: those still in their group wait (not made yet: each
 * cleared alert with the channels that were sent it, whose receivers are owed its resolved notice), and
 * those made and queued per channel (in flight, waiting for a retry, or behind others), oldest first.
 * A cluster aggregator keeps them in its ledger: its successor delivers them, once.
 */
export interface PendingNotifications {
  resolving: { openedAt: number; alerts: Array<{ alert: NotifiedAlert; channels: string[] }> } | null;
  queued: Array<{ channel: string; notification: Notification }>;
}

/** What the router has pending (see PendingNotifications), its group's opening as wall time as of `at`. */
export function exportPending(
  channels: readonly Channel[],
  resolving: Group<NotifiedAlert> | null,
  at: AlertTime,
): PendingNotifications {
  const queued: PendingNotifications['queued'] = [];
  for (const channel of channels) {
    for (const notification of channel.queue.unaccepted()) {
      if (notification.status === 'resolved') queued.push({ channel: channel.config.name, notification });
    }
  }
  if (resolving === null || resolving.items.size === 0) return { resolving: null, queued };
  const alerts = [...resolving.items.values()].map((alert) => ({
    alert,
    channels: channels.filter((c) => c.sent.has(alert.id)).map((c) => c.config.name),
  }));
  return { resolving: { openedAt: resolving.openedAt - (at.t - at.wall), alerts }, queued };
}

/**
 * Takes over a predecessor's pending resolved notices: queued ones go to their channel's queue as they
 * were made; those in their group wait join this router's resolved group (from when the predecessor
 * opened it), owed to the channels that were told of the alert. Malformed entries are skipped.
 * Returns the resolved group to keep. The saved times are wall times: mapped onto the elapsed view of `at`.
 */
export function restorePending(
  channels: readonly Channel[],
  firing: ReadonlyMap<string, unknown>,
  resolving: Group<NotifiedAlert> | null,
  pending: PendingNotifications | undefined,
  at: AlertTime,
): Group<NotifiedAlert> | null {
  const [now, shift] = [at.wall, at.t - at.wall];
  const byName = new Map(channels.map((c) => [c.config.name, c]));
  for (const q of Array.isArray(pending?.queued) ? pending.queued : []) {
    const n = q?.notification;
    if (n && Array.isArray(n.alerts)) byName.get(q.channel)?.queue.push(n);
  }
  const held = pending?.resolving;
  if (!held || !Array.isArray(held.alerts)) return resolving;
  let group = resolving;
  for (const { alert, channels: told } of held.alerts) {
    if (typeof alert?.id !== 'string' || firing.has(alert.id) || !Array.isArray(told)) continue;
    group ??= {
      openedAt: (Number.isFinite(held.openedAt) ? Math.min(held.openedAt, now) : now) + shift,
      items: new Map(),
    };
    group.items.set(alert.id, alert);
    for (const name of told) byName.get(name)?.sent.set(alert.id, { at: at.t, severity: alert.severity });
  }
  return group;
}

/**
 * Adopts the alerts a predecessor had firing with what each channel's receiver had accepted of them
 * (records them in `firing` and the channels' `sent` and `delivered`). Returns the ids of the alerts
 * some channel never got at their severity, and since when they wait (the earliest raise). The saved times
 * (deliveries, raises) are wall times: mapped onto the elapsed view of `at` (sent times, the group's opening).
 */
export function restoreFiring(
  channels: readonly Channel[],
  firing: Map<string, NotifiedAlert>,
  alerts: readonly Alert[],
  deliveries: readonly AlertDelivery[],
  label: (alert: Alert) => NotifiedAlert,
  takes: (config: ChannelConfig, alert: NotifiedAlert) => boolean,
  at: AlertTime,
): { due: string[]; openedAt: number } {
  const [now, shift] = [at.wall, at.t - at.wall];
  const due: string[] = [];
  let openedAt = now;
  for (const raw of alerts) {
    if (firing.has(raw.id)) continue;
    const alert = label(raw);
    firing.set(alert.id, alert);
    let undelivered = false;
    for (const channel of channels) {
      const d = deliveries.find((x) => x?.channel === channel.config.name && x.alert === alert.id);
      if (d && typeof d.severity === 'string' && Number.isFinite(d.at)) {
        const record = { at: Math.min(d.at, now), severity: d.severity };
        channel.sent.set(alert.id, { ...record, at: record.at + shift });
        channel.delivered.set(alert.id, record);
      }
      if (takes(channel.config, alert) && channel.sent.get(alert.id)?.severity !== alert.severity)
        undelivered = true;
    }
    if (!undelivered) continue;
    due.push(alert.id);
    const raisedAt = Date.parse(alert.timestamp);
    if (Number.isFinite(raisedAt)) openedAt = Math.min(openedAt, raisedAt);
  }
  return { due, openedAt: openedAt + shift };
}
