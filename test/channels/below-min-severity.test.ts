// An alert that falls below a channel's minSeverity: what the channel was sent ends then (Alertmanager: endsAt = now,
// checked on a real Alertmanager; Slack, webhook, PagerDuty: a resolved notice at the severity sent), none at the clear;
// an escalated label set starts when its severity began (Alertmanager API v2: labels identify an alert).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import type { ChannelOptions } from '../../src/channels/channel-config.js';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import {
  ALERTMANAGER_INSTALL,
  type PrivateAlertmanager,
  skipAlertmanager,
  startAlertmanager,
} from '../helpers/alertmanager.js';
import { alert, event } from './alerts.js';
import { type Receiver, startReceiver } from './receiver.js';

if (skipAlertmanager) console.warn(`skipping the Alertmanager part: ${ALERTMANAGER_INSTALL}`);

interface Postable {
  labels: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const BASE = Date.UTC(2026, 11, 1, 12, 0, 0);

/** Raised warning at `base`, critical at +30 s, warning again at +60 s, cleared at +90 s; the clock follows. */
async function drive(router: NotificationRouter, setNow: (ms: number) => void, base: number, id: string) {
  const warn = alert(id, { timestamp: iso(base), value: 15, threshold: 10 });
  const crit: Alert = {
    ...warn,
    severity: 'critical',
    value: 25,
    threshold: 20,
    message: 'CPU usage critical',
  };
  const steps: Array<[number, Parameters<typeof event>[0], Alert]> = [
    [0, 'raised', warn],
    [30_000, 'escalated', crit],
    [60_000, 'deescalated', { ...warn, value: 15 }],
    [90_000, 'cleared', { ...warn, value: 5, cleared_at: iso(base + 90_000) }],
  ];
  const after: number[] = [];
  for (const [at, type, a] of steps) {
    setNow(base + at);
    router.notify(event(type, a));
    await router.idle();
    after.push(router.status().reduce((s, c) => s + c.sent, 0));
  }
  return after;
}

/** A router on an injected clock with `channels`, driven through {@link drive} from BASE and closed; the sends. */
async function driven(channels: ChannelOptions[], id: string): Promise<number[]> {
  let now = BASE;
  const router = new NotificationRouter({
    host: 'h',
    instance: 'h:1',
    clock: { now: () => now },
    logger: silentLogger,
    channels,
    routing: { groupWaitMs: 0 },
  });
  try {
    return await drive(router, (ms) => (now = ms), BASE, id);
  } finally {
    await router.close();
  }
}

/** Each Alertmanager post `rx` received: its alerts' [severity, startsAt, endsAt]. */
const amPosts = (rx: Receiver) =>
  rx.received.map((r) => (r.json as Postable[]).map((a) => [a.labels.severity, a.startsAt, a.endsAt]));

describe('an alert falling below a channel minSeverity', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  it('Alertmanager payloads: critical starts at the escalation, ends at the de-escalation, no warning ever', async () => {
    rx.received.length = 0;
    const base = BASE;
    await driven([{ type: 'alertmanager', minSeverity: 'critical', url: rx.origin }], 'am-1');
    expect(amPosts(rx)).toEqual([
      [['critical', iso(base + 30_000), iso(base + 30_000 + 4 * 60_000)]],
      [['critical', iso(base + 30_000), iso(base + 60_000)]],
    ]);
  });

  it('Alertmanager on all severities: each label set starts when its severity began', async () => {
    rx.received.length = 0;
    const base = BASE;
    await driven([{ type: 'alertmanager', url: rx.origin }], 'am-2');
    const ahead = 4 * 60_000;
    expect(amPosts(rx)).toEqual([
      [['warning', iso(base), iso(base + ahead)]],
      [
        ['critical', iso(base + 30_000), iso(base + 30_000 + ahead)],
        ['warning', iso(base), iso(base + 30_000)],
      ],
      [
        ['warning', iso(base + 60_000), iso(base + 60_000 + ahead)],
        ['critical', iso(base + 30_000), iso(base + 60_000)],
      ],
      [['warning', iso(base + 60_000), iso(base + 90_000)]],
    ]);
  });

  it('Slack, webhook and PagerDuty: resolved at the severity sent when it falls below, nothing at the clear', async () => {
    rx.received.length = 0;
    const common = { minSeverity: 'critical' as const, retries: 0 };
    const sent = await driven(
      [
        { type: 'webhook', url: `${rx.origin}/hook`, ...common },
        { type: 'slack', webhookUrl: `${rx.origin}/slack`, ...common },
        { type: 'pagerduty', routingKey: 'k'.repeat(32), url: `${rx.origin}/pd`, ...common },
      ],
      'pd-1',
    );
    // Three channels: nothing at the warning, a trigger at the critical, a resolve at the de-escalation, none after.
    expect(sent).toEqual([0, 3, 6, 6]);
    const hook = rx.received.filter((r) => r.url === '/hook').map((r) => r.json as Record<string, unknown>);
    expect(hook.map((n) => [n.status, (n.alerts as Alert[])[0]!.severity])).toEqual([
      ['firing', 'critical'],
      ['resolved', 'critical'],
    ]);
    const pd = rx.received.filter((r) => r.url === '/pd').map((r) => r.json as Record<string, unknown>);
    // Events v2: the resolve names the dedup_key the trigger opened.
    expect(pd.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(pd[1]!.dedup_key).toBe(pd[0]!.dedup_key);
    expect(rx.received.filter((r) => r.url === '/slack')).toHaveLength(2);
  });
});

describe.skipIf(skipAlertmanager)('a real Alertmanager and a minSeverity critical channel', () => {
  let am: PrivateAlertmanager | undefined;
  beforeAll(async () => {
    am = await startAlertmanager();
  }, 20_000);
  afterAll(() => am?.stop());

  it('lists the critical from when it escalated, and no longer once it dropped to warning', async () => {
    // Two minutes ago, so that an endsAt of the de-escalation is past for Alertmanager and 4 min ahead is not.
    const base = Math.floor(Date.now() / 1000) * 1000 - 2 * 60_000;
    let now = base;
    const id = '44444444-4444-4444-8444-444444444444';
    const router = new NotificationRouter({
      host: 'h',
      instance: 'h:1',
      clock: { now: () => now },
      logger: silentLogger,
      channels: [{ type: 'alertmanager', minSeverity: 'critical', url: am!.url }],
      routing: { groupWaitMs: 0 },
    });
    const listed = async () => {
      const res = await fetch(`${am!.url}/api/v2/alerts`);
      return ((await res.json()) as Postable[]).filter((a) => a.labels.alert_id === id);
    };
    try {
      const warn = alert(id, { timestamp: iso(base) });
      now = base;
      router.notify(event('raised', warn));
      now = base + 30_000;
      router.notify(event('escalated', { ...warn, severity: 'critical' }));
      await router.idle();
      const critical = await listed();
      expect(
        critical.map((a) => [a.labels.severity, Date.parse(a.startsAt)]),
        am?.log,
      ).toEqual([['critical', base + 30_000]]);
      now = base + 60_000;
      router.notify(event('deescalated', warn));
      await router.idle();
      expect(await listed(), am?.log).toEqual([]);
    } finally {
      await router.close();
    }
  }, 20_000);
});
