// The shapes shared by channels, the router and the delivery queue: a notification and a sender.

import type { Alert, AlertSeverity } from '../alerts/alert.js';

/** An alert as a channel sees it: the alert plus its labels (rule, component, severity, instance, host and yours). */
export interface NotifiedAlert extends Alert {
  /** What silences and Alertmanager match on: `alertname`, `rule`, `component`, `severity`, `instance`, `host`, plus `routing.labels`. */
  labels: Readonly<Record<string, string>>;
}

/**
 * One message to one channel: a group of alerts that started firing (or were resolved) together.
 * Serialised as is (snake_case) by the generic webhook channel.
 */
export interface Notification {
  /** `firing` for new, escalated and repeated alerts; `resolved` for cleared ones. */
  status: 'firing' | 'resolved';
  /** True when still-firing alerts are re-sent after the repeat interval. */
  repeat: boolean;
  /** Stable for the alerts of one group (the ids joined), for receivers that deduplicate. */
  group_key: string;
  alerts: NotifiedAlert[];
  /** The host the monitor runs on. */
  host: string;
  /** The monitor's instance id. */
  instance: string;
  /** Link to the dashboard, when `routing.dashboardUrl` is set. */
  dashboard_url: string | null;
  /** When the notification was made (ISO). */
  timestamp: string;
}

/** The kinds of channel `channels: [...]` accepts. */
export type ChannelType =
  | 'webhook'
  | 'slack'
  | 'email'
  | 'twilio'
  | 'sms-gateway'
  | 'teams'
  | 'discord'
  | 'pagerduty'
  | 'alertmanager';

/** What the queue gives a sender for one attempt. */
export interface SendContext {
  /** Aborts on the per-send timeout and on close. */
  readonly signal: AbortSignal;
}

/** Formats and sends one notification; throws a DeliveryError (or any error: retried) on failure. */
export interface ChannelSender {
  send(notification: Notification, ctx: SendContext): Promise<void>;
  /** Releases connections (the SMTP transport). */
  close?(): void;
}

/** Options every channel takes besides its own. */
export interface CommonChannelOptions {
  /** Names the channel in logs, status and the dashboard. @defaultValue the type, numbered when repeated */
  name?: string;
  /** The lowest severity sent. @defaultValue 'warning' ('critical' for SMS) */
  minSeverity?: AlertSeverity;
  /** Only these rules (e.g. `['cpu', 'database']`). @defaultValue every rule */
  rules?: string[];
  /** Send a notice when an alert clears. @defaultValue true (false for SMS) */
  sendResolved?: boolean;
  /** Re-send still-firing alerts this often. @defaultValue routing.repeatIntervalMs (60 s for Alertmanager) */
  repeatIntervalMs?: number;
  /** Per-attempt timeout. @defaultValue 10000 */
  timeoutMs?: number;
  /** Further attempts after a failed one (network error, timeout, 408, 429 or 5xx). @defaultValue 3 */
  retries?: number;
  /** Delay before the first retry; doubles each retry, at most 60 s. @defaultValue 1000 */
  retryDelayMs?: number;
  /** Notifications waiting; when full the oldest is dropped. @defaultValue 100 */
  maxQueue?: number;
}
