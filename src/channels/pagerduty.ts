// PagerDuty channel: Events API v2, one trigger or resolve event per alert, deduplicated by the alert id.

import { nodeCrypto } from '../builtins.js';
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

/** PagerDuty's limit on dedup_key (Events API v2: at most 255 characters). */
const MAX_DEDUP_KEY = 255;
/** A longer key keeps this many characters of its start, then ':' and a hash of the whole key. */
const DEDUP_PREFIX = 200;

/**
 * The dedup key: the alert's id, the same from trigger to resolve and from one process to the next. A key over
 * 255 characters becomes its first 200 characters, ':' and 32 hex digits of the SHA-256 of the whole key, so
 * two long ids sharing their start still get distinct keys (a cut would merge their incidents).
 */
export function dedupKey(a: NotifiedAlert): string {
  const key = `sysvitals-${a.id}`;
  if (key.length <= MAX_DEDUP_KEY) return key;
  let prefix = key.slice(0, DEDUP_PREFIX);
  // Do not end on half of a surrogate pair.
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) prefix = prefix.slice(0, -1);
  const hash = nodeCrypto().createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32);
  return `${prefix}:${hash}`;
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
