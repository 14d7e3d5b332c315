// RT37-1: a rule on a custom metric's label set (`labels: { queue: 'sms' }`) raises alerts that carry that set among
// their labels, so a silence, a maintenance window or a real Alertmanager can match and route by it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor } from '../../src/monitor.js';
import {
  ALERTMANAGER_INSTALL,
  type PrivateAlertmanager,
  skipAlertmanager,
  startAlertmanager,
} from '../helpers/alertmanager.js';

const silent = { warn() {}, error() {} };

function setup(extra: Record<string, unknown> = {}) {
  const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
  const events: AlertEvent[] = [];
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: silent,
    alerts: {
      rules: [
        { name: 'q', metric: 'custom.q', labels: { queue: 'sms' }, warning: 5 },
        { name: 'q_host', metric: 'custom.q', labels: { queue: 'email', host: 'mx-1' }, warning: 5 },
        { name: 'q_all', metric: 'custom.q', warning: 1_000 },
      ],
    },
    onAlert: (e: AlertEvent) => {
      if (e.alert.rule.startsWith('q')) events.push(e);
    },
    ...extra,
  } as never);
  return { clock, events, monitor };
}

describe('the label set a rule selects is among its alert labels (RT37-1)', () => {
  it('is on the alert, and a silence on it holds that alert only', async () => {
    const { clock, events, monitor } = setup();
    try {
      const q = monitor.gauge('q', { labels: ['queue', 'host'] });
      const sms = monitor.notifications.silences.create({
        rule: 'q',
        labels: { queue: 'sms' },
        duration_ms: 600_000,
      });
      const wrong = monitor.notifications.silences.create({
        labels: { queue: 'push' },
        duration_ms: 600_000,
      });
      q.set({ queue: 'sms', host: 'mx-1' }, 10);
      q.set({ queue: 'email', host: 'mx-1' }, 10);
      clock.t += 1000;
      await monitor.sample();
      const raised = events.filter((e) => e.type === 'raised').map((e) => e.alert);
      const byRule = new Map(raised.map((a) => [a.rule, a]));
      expect(byRule.get('q')?.labels).toEqual({ queue: 'sms' });
      expect(byRule.get('q_host')?.labels).toEqual({ queue: 'email', host: 'mx-1' });
      expect(raised.map((a) => a.rule).sort()).toEqual(['q', 'q_host']);
      // The sms alert is held by its silence; the email one by none (the `push` silence matches nothing here).
      expect(monitor.notifications.classify(byRule.get('q')!)).toEqual({
        suppressed: 'silenced',
        suppressed_by: sms.id,
      });
      expect(monitor.notifications.classify(byRule.get('q_host')!)).toBeNull();
      expect(wrong.id).not.toBe(sms.id);
      // One alert per rule still: a second sample steps the same alert (no new raise).
      clock.t += 1000;
      await monitor.sample();
      expect(events.filter((e) => e.type === 'raised')).toHaveLength(2);
      expect(monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'q')?.labels).toEqual({
        queue: 'sms',
      });
    } finally {
      await monitor.close();
    }
  });

  it('a maintenance window on the label set covers the alert', async () => {
    const { clock, events, monitor } = setup({
      maintenance: [
        {
          name: 'sms-vendor',
          start: '2025-12-31T00:00:00Z',
          end: '2026-01-02T00:00:00Z',
          labels: { queue: 'sms' },
        },
      ],
    });
    try {
      const q = monitor.gauge('q', { labels: ['queue', 'host'] });
      q.set({ queue: 'sms', host: 'a' }, 10);
      clock.t += 1000;
      await monitor.sample();
      const a = events.find((e) => e.alert.rule === 'q')!.alert;
      expect(monitor.notifications.classify(a)).toEqual({
        suppressed: 'maintenance',
        suppressed_by: 'sms-vendor',
      });
    } finally {
      await monitor.close();
    }
  });
});

if (skipAlertmanager) console.warn(`skipping the Alertmanager label-set test: ${ALERTMANAGER_INSTALL}`);

describe.skipIf(skipAlertmanager)('a real Alertmanager sees the selected label set (RT37-1)', () => {
  let am: PrivateAlertmanager | undefined;
  let url: string;

  beforeAll(async () => {
    am = await startAlertmanager();
    url = am.url;
  }, 20_000);

  afterAll(() => am?.stop());

  it('filters by queue="sms"; a colliding `host` is kept as exported_host', async () => {
    const clock = { t: Date.now(), now: () => clock.t };
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      clock,
      logger: silent,
      alerts: {
        rules: [
          { name: 'q', metric: 'custom.q', labels: { queue: 'sms' }, warning: 5 },
          { name: 'q_host', metric: 'custom.q', labels: { queue: 'email', host: 'mx-1' }, warning: 5 },
        ],
      },
      channels: [{ type: 'alertmanager', url, rules: ['q', 'q_host'] }],
      routing: { groupWaitMs: 0, labels: { env: 'test' } },
    } as never);
    try {
      const q = monitor.gauge('q', { labels: ['queue', 'host'] });
      q.set({ queue: 'sms', host: 'mx-1' }, 10);
      q.set({ queue: 'email', host: 'mx-1' }, 10);
      clock.t += 1000;
      await monitor.sample();
      await monitor.notifications.idle();
      // Alertmanager's own matcher filter is the oracle: it selects by the label, as a route or silence would.
      const read = async (filter: string) =>
        (await (await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent(filter)}`)).json()) as Array<{
          labels: Record<string, string>;
        }>;
      const sms = await read('queue="sms"');
      expect(
        sms.map((a) => a.labels.rule),
        am?.log,
      ).toEqual(['q']);
      expect(sms[0]!.labels).toMatchObject({
        alertname: 'q',
        queue: 'sms',
        env: 'test',
        component: 'custom',
      });
      const email = await read('queue="email"');
      expect(email.map((a) => a.labels.rule)).toEqual(['q_host']);
      // sysvitals' own `host` keeps its meaning (the monitor's host); the rule's is exported_host.
      expect(email[0]!.labels.exported_host).toBe('mx-1');
      expect(email[0]!.labels.host).not.toBe('mx-1');
    } finally {
      await monitor.close();
    }
  }, 20_000);
});
