// A notification channel's delivery status, as health/?detailed=true, channels/ and the dashboard show it.

/** Delivery status of one notification channel, as `health/?detailed=true`, `channels/` and the dashboard show it. */
export interface ChannelStatus {
  name: string;
  /** webhook, slack, email, twilio, sms-gateway, teams, discord, pagerduty or alertmanager. */
  type: string;
  /**
   * `ok` (last notification delivered, or none yet), `failing` (the last attempt failed: it is being retried, or was
   * given up on) or `held` (the receiver refused with a 429/503 `Retry-After`: the channel waits until `held_until`;
   * `last_error` says why).
   */
  status: 'ok' | 'failing' | 'held';
  sent: number;
  failed: number;
  dropped: number;
  /** Notifications not delivered yet: those queued and the one in flight or waiting for its retry. */
  pending: number;
  last_error: string | null;
  last_sent_at: string | null;
  last_failed_at: string | null;
  /** While `held`, when the receiver's Retry-After ends (ISO); null otherwise. */
  held_until: string | null;
}
