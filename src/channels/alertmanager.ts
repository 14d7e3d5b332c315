// Prometheus Alertmanager channel: POST /api/v2/alerts with labels, annotations, startsAt and endsAt, re-sent while firing.

import type { Clock } from '../types.js';
import { thresholdText, valueText } from './format.js';
import { postJson } from './http-send.js';
import { headerSecrets, urlSecrets } from './secret-parts.js';
import { severitySince } from './severity-since.js';
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

function postable(
  a: NotifiedAlert,
  n: Notification,
  startsAt: string,
  endsAt: string,
  severity = a.severity,
): PostableAlert {
  const alert: PostableAlert = {
    // alert_id keeps two alerts of one rule apart (two disks); severity is a label so routes can use it.
    labels: { ...a.labels, severity, alert_id: a.id },
    annotations: {
      summary: a.message,
      description: `${a.message} on ${n.host}: ${valueText(a)} (threshold ${thresholdText(a)})`,
      value: String(a.value),
      threshold: String(a.threshold),
    },
    startsAt,
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
  /**
   * The label set last sent per alert (its severity) and its startsAt: a changed severity is a new alert in
   * Alertmanager (labels identify it), starting when that severity began, so the old one is ended.
   */
  const sentAs = new Map<string, { severity: NotifiedAlert['severity']; startsAt: string }>();
  const sender: ChannelSender = {
    async send(n, ctx) {
      const nowIso = new Date(clock.now()).toISOString();
      const body: PostableAlert[] = [];
      const next = new Map<string, { severity: NotifiedAlert['severity']; startsAt: string }>();
      for (const a of n.alerts) {
        const previous = sentAs.get(a.id);
        const startsAt = previous?.severity === a.severity ? previous.startsAt : severitySince(a);
        const endsAt =
          n.status === 'resolved'
            ? (a.cleared_at ?? nowIso)
            : new Date(clock.now() + 4 * repeatIntervalMs).toISOString();
        body.push(postable(a, n, startsAt, endsAt));
        if (previous && previous.severity !== a.severity) {
          body.push(postable(a, n, previous.startsAt, nowIso, previous.severity));
        }
        next.set(a.id, { severity: a.severity, startsAt });
      }
      await postJson(url, body, ctx, headers);
      for (const [id, sent] of next) {
        if (n.status === 'resolved') sentAs.delete(id);
        else sentAs.set(id, sent);
      }
    },
  };
  return { sender, secrets: [...urlSecrets(base), ...headerSecrets(headers)] };
}
