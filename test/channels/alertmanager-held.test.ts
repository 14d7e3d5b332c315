// RT40-1: an alert held back by sysvitals (a silence, a maintenance window, inhibition) that Alertmanager already has
// must stay active there. The oracle is a real Alertmanager: an alert whose endsAt has passed is resolved (dropped from
// /api/v2/alerts and notified as RESOLVED downstream). The router's clock is injected: it starts 4 minutes minus 3 s
// behind, so the first send's endsAt (4 repeat intervals ahead) lies 3 s ahead of Alertmanager's own clock.

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
  endsAt: string;
  status: { state: string };
}

describe.skipIf(skipAlertmanager)('a real Alertmanager, alerts held back by sysvitals', () => {
  let am: PrivateAlertmanager | undefined;

  beforeAll(async () => {
    am = await startAlertmanager();
  }, 20_000);

  afterAll(() => am?.stop());

  async function listed(): Promise<GettableAlert[]> {
    const res = await fetch(`${am!.url}/api/v2/alerts`);
    return (await res.json()) as GettableAlert[];
  }

  it('keeps silenced, in-maintenance and inhibited alerts it already sent active in Alertmanager', async () => {
    const INTERVAL = 60_000; // the channel's default repeat interval; endsAt is 4 of them ahead
    let offset = -4 * INTERVAL + 3_000;
    const clock = { now: () => Date.now() + offset };
    const t0 = clock.now();
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock,
      logger: silentLogger,
      channels: [{ type: 'alertmanager', url: am!.url }],
      routing: { groupWaitMs: 0, inhibit: true },
      maintenance: [{ name: 'deploy', rule: 'disk', start: t0 + 30_000, end: t0 + 3_600_000 }],
    });
    const at = new Date(Math.floor(t0 / 1000) * 1000).toISOString();
    const silenced = alert('11111111-1111-4111-8111-111111111111', { timestamp: at });
    const maintained = alert('22222222-2222-4222-8222-222222222222', {
      rule: 'disk',
      component: 'disk',
      timestamp: at,
    });
    const inhibited = alert('33333333-3333-4333-8333-333333333333', {
      rule: 'memory',
      component: 'memory',
      timestamp: at,
    });
    const critical = alert('44444444-4444-4444-8444-444444444444', {
      rule: 'memory',
      component: 'memory',
      severity: 'critical',
      timestamp: at,
    });
    const held = [silenced, maintained, inhibited];
    try {
      for (const a of held) router.notify(event('raised', a));
      await router.idle();
      const first = await listed();
      for (const a of held)
        expect(first.find((g) => g.labels.alert_id === a.id)?.status.state, am?.log).toBe('active');
      const firstEnd = Math.max(...first.map((g) => Date.parse(g.endsAt)));

      // Each is held back now: a silence for cpu, the deploy window (disk) starting, a critical of the same component.
      router.silences.create({ rule: 'cpu', duration_ms: 3_600_000 });
      router.notify(event('raised', critical));
      await router.idle();
      offset += INTERVAL;
      router.tick();
      await router.idle();
      for (const a of held) expect(router.classify(a), a.rule).not.toBeNull();

      // Past the first endsAt on Alertmanager's own clock: a held alert not re-sent is resolved there by now.
      while (Date.now() <= firstEnd + 1_000) await delay(200);
      const after = await listed();
      for (const a of held) {
        const got = after.find((g) => g.labels.alert_id === a.id);
        expect(got?.status.state, `${a.rule} resolved by Alertmanager while still firing`).toBe('active');
      }
    } finally {
      await router.close();
    }
  }, 30_000);
});
