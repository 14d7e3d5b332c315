// The router's delivery state, as a cluster aggregator keeps it in its ledger (outside review F7, F8, F10):
// what a receiver accepted is exported per channel; a router that restores firing alerts sends each channel
// what it never accepted (after what is left of the group wait, or once no silence holds it back), repeats
// from the last delivery, and resolves what was delivered.

import { afterEach, describe, expect, it } from 'vitest';
import {
  type AlertDelivery,
  NotificationRouter,
  type PendingNotifications,
} from '../../src/channels/router.js';
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

function router(rx: Receiver, clock: TestClock, routing: object = {}, failing?: Receiver, hook: object = {}) {
  const r = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock,
    logger: silentLogger,
    channels: [
      { type: 'webhook', name: 'hook', url: `${rx.origin}/hook`, retries: 0, ...hook },
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
    r.onChange(() => written++);
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

// Issue #13: a resolved notice decided and not yet accepted when its aggregator dies is delivered by the
// successor (from the ledger's `pending`), once. The receiver (a real HTTP server) is the oracle.
describe('pending resolved notices', () => {
  const resolvedOf = (rx: Receiver, id: string) =>
    rx.received.filter((x) => {
      const n = x.json as Notification;
      return n.status === 'resolved' && n.alerts.some((a) => a.id === id);
    });
  /** A router whose hook retries once, 10 min after a refused attempt; it delivers then ends. */
  const retrying = (rx: Receiver, clock: TestClock, routing: object = {}) =>
    router(rx, clock, { closeTimeoutMs: 0, ...routing }, undefined, { retries: 1, retryDelayMs: 600_000 });

  it('one refused and waiting for its retry is delivered by the successor, once', async () => {
    // The first resolved notice is refused (503: retried later); everything else is accepted.
    let refused = 0;
    const rx = await startReceiver((r, res) => {
      if ((r.json as Notification).status !== 'resolved' || refused++ > 0) return undefined;
      res.writeHead(503).end('busy');
      return true;
    });
    cleanups.push(() => rx.close());
    const clock = testClock(RAISED);
    const a = retrying(rx, clock, { groupWaitMs: 0 });
    let changes = 0;
    a.onChange(() => changes++);
    a.notify(event('raised', alert('a')));
    await rx.waitFor(1);
    await a.idle();
    a.notify(event('cleared', alert('a')));
    expect(changes).toBe(2); // the firing notice accepted, then the clear
    await rx.waitFor(2); // the refused attempt: the queue now waits 10 min to retry
    const pending = a.exportPending();
    expect(pending.resolving).toBeNull();
    expect(
      pending.queued.map((q) => [q.channel, q.notification.status, q.notification.alerts[0]?.id]),
    ).toEqual([['hook', 'resolved', 'a']]);
    // Through the ledger (JSON), to a successor that never saw the alert.
    const carried = JSON.parse(JSON.stringify(pending)) as PendingNotifications;
    const b = router(rx, clock, { groupWaitMs: 0 });
    b.restore([], a.exportDeliveries());
    b.restorePending(carried);
    await rx.waitFor(3);
    await b.idle();
    expect(resolvedOf(rx, 'a').map((x) => x.json)).toEqual([
      pending.queued[0]?.notification,
      pending.queued[0]?.notification,
    ]);
    expect(b.exportPending()).toEqual({ resolving: null, queued: [] });
  });

  it('one still in its group wait is made by the successor when the wait ends, for the channels told of it', async () => {
    const { rx, clock, sent } = await setup();
    const a = router(rx, clock);
    a.notify(event('raised', alert('a')));
    clock.advance(30_000);
    expect(await sent(a)).toHaveLength(1);
    clock.advance(10_000);
    a.notify(event('cleared', alert('a')));
    const pending = JSON.parse(JSON.stringify(a.exportPending())) as PendingNotifications;
    expect(pending.queued).toEqual([]);
    expect(pending.resolving?.openedAt).toBe(RAISED + 40_000);
    expect(pending.resolving?.alerts.map((x) => [x.alert.id, x.channels])).toEqual([['a', ['hook']]]);
    clock.advance(5000); // the predecessor died 5 s into the wait
    const b = router(rx, clock);
    b.restore([], []);
    b.restorePending(pending);
    clock.advance(24_999);
    expect(await sent(b)).toHaveLength(1);
    clock.advance(1);
    const out = await sent(b);
    expect(out.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(out[1]!.alerts.map((x) => x.id)).toEqual(['a']);
    clock.advance(600_000);
    expect(await sent(b)).toHaveLength(2);
  });

  it('one its receiver accepted is no longer pending: the successor sends nothing', async () => {
    const { rx, clock, sent } = await setup();
    const a = router(rx, clock, { groupWaitMs: 0 });
    let changes = 0;
    a.onChange(() => changes++);
    a.notify(event('raised', alert('a')));
    a.notify(event('cleared', alert('a')));
    expect((await sent(a)).map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(changes).toBe(2); // the clear, the accepted resolved notice (the firing one was accepted once cleared)
    const pending = a.exportPending();
    expect(pending).toEqual({ resolving: null, queued: [] });
    const b = router(rx, clock, { groupWaitMs: 0 });
    b.restore([], a.exportDeliveries());
    b.restorePending(pending);
    clock.advance(600_000);
    expect(await sent(b)).toHaveLength(2);
  });
});
