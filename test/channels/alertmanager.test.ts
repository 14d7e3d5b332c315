// A real Prometheus Alertmanager started by the test: /api/v2/alerts shows the alert, its re-send, then its resolution.

import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import {
  ALERTMANAGER_INSTALL,
  type PrivateAlertmanager,
  skipAlertmanager,
  startAlertmanager,
} from '../helpers/alertmanager.js';
import { alert, event } from './alerts.js';

if (skipAlertmanager) console.warn(`skipping the Alertmanager test: ${ALERTMANAGER_INSTALL}`);

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  status: { state: string };
}

describe.skipIf(skipAlertmanager)('a real Alertmanager', () => {
  let am: PrivateAlertmanager | undefined;
  let url: string;

  beforeAll(async () => {
    am = await startAlertmanager();
    url = am.url;
  }, 20_000);

  afterAll(() => am?.stop());

  async function listed(id: string): Promise<GettableAlert | undefined> {
    const res = await fetch(`${url}/api/v2/alerts`);
    const alerts = (await res.json()) as GettableAlert[];
    return alerts.find((a) => a.labels.alert_id === id);
  }

  it('receives the alert with labels and annotations, re-sent while firing, then resolved', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock,
      logger: silentLogger,
      channels: [{ type: 'alertmanager', url }],
      routing: { groupWaitMs: 0, labels: { env: 'test' }, dashboardUrl: 'https://ops.example.com/dash/' },
    });
    const started = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const a = alert('33333333-3333-4333-8333-333333333333', {
      severity: 'critical',
      message: 'CPU usage critical',
      value: 97.2,
      threshold: 90,
      timestamp: started,
    });
    try {
      router.notify(event('raised', a));
      await router.idle();
      expect(router.status()[0]).toMatchObject({ sent: 1, failed: 0 });
      const got = await listed(a.id);
      expect(got, am?.log).toBeDefined();
      expect(got!.labels).toEqual({
        alertname: 'cpu',
        rule: 'cpu',
        component: 'cpu',
        severity: 'critical',
        instance: 'web-1:42',
        host: 'web-1',
        env: 'test',
        alert_id: a.id,
      });
      expect(got!.annotations).toMatchObject({
        summary: 'CPU usage critical',
        value: '97.2',
        threshold: '90',
      });
      expect(got!.status.state).toBe('active');
      expect(Date.parse(got!.startsAt)).toBe(Date.parse(started));
      const firstEnd = Date.parse(got!.endsAt);
      expect(firstEnd).toBeGreaterThan(Date.now());

      // Re-sent after the channel's 60 s interval: the end moves forward by as much.
      offset = 60_000;
      router.tick();
      await router.idle();
      expect(router.status()[0]!.sent).toBe(2);
      const again = await listed(a.id);
      expect(Date.parse(again!.endsAt) - firstEnd).toBeGreaterThanOrEqual(60_000);

      router.notify(event('cleared', { ...a, cleared_at: new Date().toISOString() }));
      await router.idle();
      expect(router.status()[0]!.sent).toBe(3);
      // A resolved alert (endsAt past) is no longer listed by /api/v2/alerts.
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = (await listed(a.id)) === undefined;
        if (!gone) await delay(100);
      }
      expect(gone, am?.log).toBe(true);
    } finally {
      await router.close();
    }
  }, 20_000);
});
