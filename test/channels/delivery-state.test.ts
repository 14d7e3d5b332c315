// The router's delivery state, as a cluster aggregator keeps it in its ledger (outside review F7, F8, F10):
// what a receiver accepted is exported per channel; a router that restores firing alerts sends each channel
// what it never accepted (after what is left of the group wait, or once no silence holds it back), repeats
// from the last delivery, and resolves what was delivered.

import { afterEach, describe, expect, it } from 'vitest';
import { type AlertDelivery, NotificationRouter } from '../../src/channels/router.js';
import type { Notification } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { type TestClock, testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { type Receiver, startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RAISED = Date.parse('2025-12-27T12:00:00.000Z');

function router(rx: Receiver, clock: TestClock, routing: object = {}, failing?: Receiver) {
  const r = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock,
    logger: silentLogger,
    channels: [
      { type: 'webhook', name: 'hook', url: `${rx.origin}/hook`, retries: 0 },
      ...(failing ? [{ type: 'webhook', name: 'down', url: `${failing.origin}/hook`, retries: 0 }] : []),
    ],
    routing: { groupWaitMs: 30_000, repeatIntervalMs: 600_000, ...routing },
  });
  cleanups.push(() => r.close());
  return r;
}

async function setup() {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const clock = testClock(RAISED);
  const sent = async (r: NotificationRouter): Promise<Notification[]> => {
    r.tick();
    await r.idle();
    return rx.received.map((x) => x.json as Notification);
  };
  return { rx, clock, sent };
}

describe('delivery state', () => {
  it('exports only what a receiver accepted, at the severity and time of the notification', async () => {
    const { rx, clock, sent } = await setup();
    const down = await startReceiver((_req, res) => {
      res.statusCode = 400;
      res.end('no');
      return true;
    });
    cleanups.push(() => down.close());
    const r = router(rx, clock, {}, down);
    let written = 0;
    r.onDelivery(() => written++);
    r.notify(event('raised', alert('a')));
    expect(r.exportDeliveries()).toEqual([]); // queued in the group: not delivered
    clock.advance(30_000);
    expect(await sent(r)).toHaveLength(1);
    expect(down.received).toHaveLength(1); // refused: not delivered
    expect(r.exportDeliveries()).toEqual([
      { channel: 'hook', alert: 'a', severity: 'warning', at: RAISED + 30_000 },
    ]);
    expect(written).toBe(1);
    // Escalated: delivered at its new severity; cleared: no longer exported.
    r.notify(event('escalated', alert('a', { severity: 'critical' })));
    clock.advance(30_000);
    await sent(r);
    expect(r.exportDeliveries()).toEqual([
      { channel: 'hook', alert: 'a', severity: 'critical', at: RAISED + 60_000 },
    ]);
    r.notify(event('cleared', alert('a', { severity: 'critical' })));
    expect(r.exportDeliveries()).toEqual([]);
  });

  it('a restored alert never delivered is sent after what is left of the group wait (F8)', async () => {
    const { rx, clock, sent } = await setup();
    clock.advance(5000); // the predecessor died 5 s after the raise, its group still waiting
    const r = router(rx, clock);
    r.restore([alert('a', { severity: 'critical' })], []);
    clock.advance(24_999);
    expect(await sent(r)).toHaveLength(0);
    clock.advance(1);
    const out = await sent(r);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ status: 'firing', repeat: false });
    expect(out[0]!.alerts.map((a) => [a.id, a.severity])).toEqual([['a', 'critical']]);
    expect(r.exportDeliveries()).toEqual([
      { channel: 'hook', alert: 'a', severity: 'critical', at: RAISED + 30_000 },
    ]);
  });

  it('a restored alert already delivered is not sent again; it repeats from its delivery and resolves', async () => {
    const { rx, clock, sent } = await setup();
    clock.advance(100_000);
    const r = router(rx, clock);
    const d: AlertDelivery[] = [{ channel: 'hook', alert: 'a', severity: 'warning', at: RAISED + 30_000 }];
    r.restore([alert('a')], d);
    clock.advance(60_000);
    expect(await sent(r)).toHaveLength(0);
    clock.advance(600_000 - 160_000 - 1 + 30_000);
    expect(await sent(r)).toHaveLength(0);
    clock.advance(1); // 600 s after the delivery
    const repeat = await sent(r);
    expect(repeat).toHaveLength(1);
    expect(repeat[0]).toMatchObject({ status: 'firing', repeat: true });
    r.notify(event('cleared', alert('a')));
    clock.advance(30_000);
    const all = await sent(r);
    expect(all.map((n) => n.status)).toEqual(['firing', 'resolved']);
  });

  it('a restored alert delivered at warning but now critical sends the escalation', async () => {
    const { rx, clock, sent } = await setup();
    clock.advance(100_000);
    const r = router(rx, clock);
    r.restore(
      [alert('a', { severity: 'critical' })],
      [{ channel: 'hook', alert: 'a', severity: 'warning', at: RAISED + 30_000 }],
    );
    const out = await sent(r);
    expect(out).toHaveLength(1);
    expect(out[0]!.alerts[0]!.severity).toBe('critical');
  });

  it('a restored silenced alert is sent once its silence ends (F7)', async () => {
    const { rx, clock, sent } = await setup();
    const r = router(rx, clock, { groupWaitMs: 0 });
    const silence = r.silences.create({ rule: 'cpu', duration_ms: 60_000 });
    r.restore([alert('a')], []);
    clock.advance(59_000);
    expect(await sent(r)).toHaveLength(0);
    r.silences.expire(silence.id);
    const out = await sent(r);
    expect(out).toHaveLength(1);
    expect(out[0]!.alerts.map((a) => a.id)).toEqual(['a']);
    clock.advance(120_000);
    expect(await sent(r)).toHaveLength(1);
  });
});
