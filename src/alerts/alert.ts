// Alerts as users see them: one alert, its severity, the events it goes through, and its history entries.

/** An alert's level. */
export type AlertSeverity = 'warning' | 'critical';

/** One alert: the rule that fired, its severity, the value and the level it crossed, active or cleared. */
export interface Alert {
  id: string;
  /** Rule name: cpu, memory, disk, db_latency, api_response_time, error_rate, database, redis. */
  rule: string;
  component: string;
  severity: AlertSeverity;
  message: string;
  /** When the alert was raised (ISO). */
  timestamp: string;
  duration_seconds: number;
  value: number;
  threshold: number;
  state: 'active' | 'cleared';
  cleared_at: string | null;
  /**
   * The label set its rule selects (`alerts.rules[].labels`, e.g. `{ queue: 'sms' }`): only on the alerts of such
   * rules. Channels, silences, maintenance windows and Alertmanager see these among the alert's labels.
   */
  labels?: Readonly<Record<string, string>>;
}

/** escalated: warning -> critical; deescalated: critical -> warning (same alert id). */
export type AlertEventType = 'raised' | 'escalated' | 'deescalated' | 'cleared';

/** What alert listeners and the webhook receive: the event type and the alert. */
export interface AlertEvent {
  type: AlertEventType;
  alert: Alert;
}

/** One alert history entry: the alert as it was at one event (history is an event log, newest first). */
export interface AlertRecord extends Alert {
  event: AlertEventType;
  /** Set when the alert was held back from the channels: by a silence, a maintenance window, or inhibition. */
  suppressed?: 'silenced' | 'maintenance' | 'inhibited';
  /** The silence id, the maintenance window's name, or the id of the critical alert that inhibits it. */
  suppressed_by?: string;
}
