// Prometheus Alertmanager channel: POST /api/v2/alerts with labels, annotations, startsAt and endsAt, re-sent while firing.

import type { Clock } from '../types.js';
import { thresholdText, valueText } from './format.js';
import { postJson } from './http-send.js';
import { headerSecrets, urlSecrets } from './secret-parts.js';
import type { ChannelSender, CommonChannelOptions, Notification, NotifiedAlert } from './types.js';
import { httpUrl, stringRecord } from './validate.js';

/**
 * `{ type: 'alertmanager', url: 'http://alertmanager:9093' }`. Alertmanager expects clients to re-send
 * firing alerts (Prometheus does every minute), so this channel repeats every 60 s by default, with
 * `endsAt` four intervals ahead: if this process dies, Alertmanager resolves its alerts on its own.
 */
export interface AlertmanagerChannelOptions extends CommonChannelOptions {
  type: 'alertmanager';
  /** Alertmanager's base URL; alerts go to `<url>/api/v2/alerts`. */
  url: string;
  /** An Authorization header for a proxy in front, say; values are treated as secrets. */
  headers?: Record<string, string>;
}

export const ALERTMANAGER_KEYS = ['url', 'headers'] as const;

interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

function postable(a: NotifiedAlert, n: Notification, endsAt: string, severity = a.severity): PostableAlert {
  const alert: PostableAlert = {
    // alert_id keeps two alerts of one rule apart (two disks); severity is a label so routes can use it.
    labels: { ...a.labels, severity, alert_id: a.id },
    annotations: {
      summary: a.message,
      description: `${a.message} on ${n.host}: ${valueText(a)} (threshold ${thresholdText(a)})`,
      value: String(a.value),
      threshold: String(a.threshold),
    },
    startsAt: a.timestamp,
    endsAt,
  };
  if (n.dashboard_url) alert.generatorURL = n.dashboard_url;
  return alert;
}

export function alertmanagerSender(
  opts: AlertmanagerChannelOptions,
  where: string,
  clock: Clock,
  repeatIntervalMs: number,
) {
  const base = httpUrl(opts.url, `${where}.url`).replace(/\/$/, '');
  const url = `${base}/api/v2/alerts`;
  const headers = stringRecord(opts.headers, `${where}.headers`);
  /** The severity last sent per alert: a changed severity is a new label set, so the old one is ended. */
  const sentSeverity = new Map<string, string>();
  const sender: ChannelSender = {
    async send(n, ctx) {
      const now = clock.now();
      const body: PostableAlert[] = [];
      for (const a of n.alerts) {
        const previous = sentSeverity.get(a.id);
        if (n.status === 'resolved') {
          body.push(postable(a, n, a.cleared_at ?? new Date(now).toISOString()));
          if (previous && previous !== a.severity) {
            body.push(postable(a, n, new Date(now).toISOString(), previous as NotifiedAlert['severity']));
          }
          continue;
        }
        body.push(postable(a, n, new Date(now + 4 * repeatIntervalMs).toISOString()));
        if (previous && previous !== a.severity) {
          body.push(postable(a, n, new Date(now).toISOString(), previous as NotifiedAlert['severity']));
        }
      }
      await postJson(url, body, ctx, headers);
      for (const a of n.alerts) {
        if (n.status === 'resolved') sentSeverity.delete(a.id);
        else sentSeverity.set(a.id, a.severity);
      }
    },
  };
  return { sender, secrets: [...urlSecrets(base), ...headerSecrets(headers)] };
}
