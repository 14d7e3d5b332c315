// Regression (outside review 9b, F11): a critical disk alert on one partition inhibited the warnings of every other
// partition, its `disk_full_in` forecast included, since built-in rules inhibited within their component: a /boot at
// 97 % muted the data disk's 90 % warning and its "full in 7 h" for as long as /boot stayed full. A disk alert now
// inhibits within its partition only. The real AlertSystem, analytics and NotificationRouter wired as the monitor wires
// them (parts.ts), a real webhook receiver; the oracle is what the receiver got.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { parseRules } from '../../src/alerts/rules.js';
import { NotificationRouter } from '../../src/channels/router.js';
import type { Notification } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { inhibitScopes } from '../../src/monitor/parts.js';
import { makeSnapshot, partition, testClock } from '../alerts/snapshot.js';
import { analyticsOf } from '../analytics/analytics-of.js';
import { startReceiver } from './receiver.js';

const MIN = 60_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const clock = testClock();
  const rules = parseRules({
    memory_leak: { enabled: false },
    cpu: { enabled: false },
    memory: { enabled: false },
  });
  const analytics = analyticsOf(rules);
  const alerts = new AlertSystem({ clock, rules, logger: silentLogger });
  alerts.addObservationSource((s) => analytics.observations(s) as never);
  const router = new NotificationRouter({
    host: 'h',
    instance: 'i',
    clock,
    logger: silentLogger,
    routing: { groupWaitMs: 0 },
    channels: [{ type: 'webhook', url: `${rx.origin}/hook`, retries: 0 }],
    inhibitScope: inhibitScopes([], (id) => alerts.keyOf(id)),
  });
  cleanups.push(async () => router.close());
  alerts.setSuppressor((alert, active) => router.classify(alert, active));
  alerts.on('alert', (e: AlertEvent) => router.notify(e));
  /** One sample a minute of these partitions (mount → used %). */
  const sample = (used: Record<string, number>) => {
    const s = makeSnapshot({
      disk: { partitions: Object.entries(used).map(([mount, pct]) => partition(mount, pct)) },
    });
    analytics.sample(s, clock.now());
    alerts.checkThresholds(s);
    clock.advance(MIN);
  };
  /** `rule/severity mount` of every firing alert the receiver got, and the history's suppressed entries. */
  const outcome = async () => {
    router.tick();
    await router.idle();
    const got = rx.received.flatMap((r) => {
      const n = r.json as Notification;
      return n.status === 'firing' ? n.alerts.map((a) => `${a.rule}/${a.severity} ${a.message}`) : [];
    });
    const held = alerts
      .getAlertHistory()
      .filter((h) => h.suppressed === 'inhibited')
      .map((h) => `${h.rule}/${h.severity} ${h.message}`);
    return { got: [...new Set(got)].sort(), held: [...new Set(held)].sort() };
  };
  return { sample, outcome };
}

describe('disk inhibition is per partition', () => {
  it('a critical on /boot does not mute the warning on /data; both are sent', async () => {
    const { sample, outcome } = await setup();
    sample({ '/boot': 97, '/data': 92 });
    const { got, held } = await outcome();
    expect(got).toEqual([
      'disk/critical Disk usage critical on: /boot',
      'disk/warning Disk usage warning on: /data',
    ]);
    expect(held).toEqual([]);
  });

  it("a static full /boot does not mute /data's disk_full_in forecast", async () => {
    const { sample, outcome } = await setup();
    // /data fills 2 points an hour from 60 % (full in 20 h: within disk_full_in's 24 h warning); /boot stays at 97 %.
    for (let m = 0; m <= 120; m++) sample({ '/boot': 97, '/data': 60 + m / 30 });
    const { got, held } = await outcome();
    expect(got.filter((g) => g.startsWith('disk/'))).toEqual(['disk/critical Disk usage critical on: /boot']);
    const forecasts = got.filter((g) => g.startsWith('disk_full_in/'));
    expect(forecasts.length).toBeGreaterThan(0);
    for (const f of forecasts) expect(f).toMatch(/^disk_full_in\/warning Disk \/data full in /);
    expect(held).toEqual([]);
  });

  it('a critical on a partition still mutes the warnings on that same partition', async () => {
    const { sample, outcome } = await setup();
    // /data at 96 % and rising half a point an hour (full in about 8 h: a disk_full_in warning), /boot quiet.
    for (let m = 0; m <= 120; m++) sample({ '/boot': 20, '/data': 96 + m / 120 });
    const { got, held } = await outcome();
    expect(got).toEqual(['disk/critical Disk usage critical on: /data']);
    expect(held.length).toBeGreaterThan(0);
    for (const h of held) expect(h).toMatch(/^disk_full_in\/warning Disk \/data full in /);
  });
});
