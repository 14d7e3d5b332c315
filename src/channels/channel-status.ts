// A notification channel's delivery status, as health/?detailed=true, channels/ and the dashboard show it.

/** Delivery status of one notification channel, as `health/?detailed=true`, `channels/` and the dashboard show it. */
export interface ChannelStatus {
  name: string;
  /** webhook, slack, email, twilio, sms-gateway, teams, discord, pagerduty or alertmanager. */
  type: string;
  /** `ok` (last notification delivered, or none yet) or `failing` (the last one was given up on). */
  status: 'ok' | 'failing';
  sent: number;
  failed: number;
  dropped: number;
  pending: number;
  last_error: string | null;
  last_sent_at: string | null;
  last_failed_at: string | null;
}
