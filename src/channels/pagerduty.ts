// PagerDuty channel: Events API v2, one trigger or resolve event per alert, deduplicated by the alert id.

import { thresholdText, truncate, valueText } from './format.js';
import { postJson } from './http-send.js';
import type { ChannelSender, CommonChannelOptions, Notification, NotifiedAlert } from './types.js';
import { httpUrl, nonEmptyString } from './validate.js';

/** `{ type: 'pagerduty', routingKey }`: the integration key of an "Events API v2" integration (a secret). */
export interface PagerDutyChannelOptions extends CommonChannelOptions {
  type: 'pagerduty';
  routingKey: string;
  /** @defaultValue 'https://events.pagerduty.com/v2/enqueue' (use events.eu.pagerduty.com for EU accounts) */
  url?: string;
}

export const PAGERDUTY_KEYS = ['routingKey', 'url'] as const;

/** The alert's text in custom_details, at most (≤ 6 bytes a character in JSON: far under the 512 KB event limit). */
const MAX_DETAILS_MESSAGE = 16_384;

/** The dedup key: the alert's id, the same from trigger to resolve (at most 255 characters). */
export function dedupKey(a: NotifiedAlert): string {
  return `sysvitals-${a.id}`.slice(0, 255);
}

/** One event per alert: trigger (with summary, source, severity, custom details) or resolve. */
export function pagerDutyEvents(n: Notification, routingKey: string): Record<string, unknown>[] {
  return n.alerts.map((a) => {
    if (n.status === 'resolved') {
      return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey(a) };
    }
    const event: Record<string, unknown> = {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: dedupKey(a),
      payload: {
        summary: truncate(`${a.message} on ${n.host}: ${valueText(a)} (threshold ${thresholdText(a)})`, 1024),
        source: truncate(n.host, 255),
        severity: a.severity,
        timestamp: a.timestamp,
        component: a.component,
        group: n.instance,
        class: a.rule,
        // The whole event must stay under PagerDuty's 512 KB: a probe's error can be a page long (RT34-1).
        custom_details: {
          value: a.value,
          threshold: a.threshold,
          labels: a.labels,
          message: truncate(a.message, MAX_DETAILS_MESSAGE),
        },
      },
      client: 'sysvitals',
    };
    if (n.dashboard_url) {
      event.client_url = n.dashboard_url;
      event.links = [{ href: n.dashboard_url, text: 'sysvitals dashboard' }];
    }
    return event;
  });
}

export function pagerDutySender(opts: PagerDutyChannelOptions, where: string) {
  const key = nonEmptyString(opts.routingKey, `${where}.routingKey`);
  const url = httpUrl(opts.url ?? 'https://events.pagerduty.com/v2/enqueue', `${where}.url`);
  // Resending a trigger or resolve with the same dedup key is harmless, so a retry resends them all.
  const sender: ChannelSender = {
    async send(n, ctx) {
      for (const event of pagerDutyEvents(n, key)) await postJson(url, event, ctx);
    },
  };
  return { sender, secrets: [key] };
}
