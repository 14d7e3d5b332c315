import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter, type NotificationRouterOptions } from '../../src/channels/router.js';
import type { Notification } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<NotificationRouterOptions> & { channels?: unknown[] } = {}) {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const clock = testClock();
  const router = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock,
    logger: silentLogger,
    channels: opts.channels ?? [{ type: 'webhook', url: `${rx.origin}/hook`, retries: 0 }],
    routing: { groupWaitMs: 30_000, ...(opts.routing as object) },
    maintenance: opts.maintenance,
  });
  cleanups.push(() => router.close());
  /** Runs the due work and waits until every queue is empty; the notifications received so far. */
  const deliveries = async (): Promise<Notification[]> => {
    router.tick();
    await router.idle();
    return rx.received.map((r) => r.json as Notification);
  };
  return { rx, clock, router, deliveries };
}

/** A router on `clock` to `channels` that sends each alert at once (no group wait); closed after the test. */
function ungroupedRouter(clock: NotificationRouterOptions['clock'], channels: unknown[]): NotificationRouter {
  const r = new NotificationRouter({
    host: 'h',
    instance: 'i',
    clock,
    logger: silentLogger,
    routing: { groupWaitMs: 0 },
    channels,
  });
  cleanups.push(() => r.close());
  return r;
}

const ids = (n: Notification) => n.alerts.map((a) => a.id).sort();

describe('grouping', () => {
  it('sends alerts that start within the window as one message, after the window', async () => {
    const { clock, router, deliveries } = await setup();
    router.notify(event('raised', alert('a')));
    clock.advance(10_000);
    router.notify(event('raised', alert('b', { rule: 'memory', component: 'memory' })));
    clock.advance(19_999);
    expect(await deliveries()).toHaveLength(0);
    clock.advance(1);
    const sent = await deliveries();
    expect(sent).toHaveLength(1);
    expect(ids(sent[0]!)).toEqual(['a', 'b']);
    expect(sent[0]).toMatchObject({ status: 'firing', repeat: false, host: 'web-1', instance: 'web-1:42' });
    // A later alert opens a new group.
    clock.advance(10_000);
    router.notify(event('raised', alert('c', { rule: 'disk', component: 'disk' })));
    clock.advance(29_999);
    expect(await deliveries()).toHaveLength(1);
    clock.advance(1);
    const after = await deliveries();
    expect(after).toHaveLength(2);
    expect(ids(after[1]!)).toEqual(['c']);
  });

  it('sends at once with groupWaitMs 0, and an alert cleared inside the window is never sent', async () => {
    const zero = await setup({ routing: { groupWaitMs: 0 } });
    zero.router.notify(event('raised', alert('a')));
    expect(await zero.deliveries()).toHaveLength(1);

    const { clock, router, deliveries } = await setup();
    router.notify(event('raised', alert('x')));
    clock.advance(5000);
    router.notify(event('cleared', alert('x')));
    clock.advance(60_000);
    expect(await deliveries()).toHaveLength(0);
  });
});

describe('repeat and resolve', () => {
  it('repeats a still-firing alert after repeatIntervalMs (default 4 h), then sends the resolved notice', async () => {
    const { clock, router, deliveries } = await setup();
    router.notify(event('raised', alert('a')));
    clock.advance(30_000);
    expect(await deliveries()).toHaveLength(1);
    clock.advance(4 * 3600_000 - 1);
    expect(await deliveries()).toHaveLength(1);
    clock.advance(1);
    const sent = await deliveries();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ status: 'firing', repeat: true });
    clock.advance(60_000);
    router.notify(event('cleared', alert('a')));
    clock.advance(30_000);
    const all = await deliveries();
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ status: 'resolved', repeat: false });
    expect(all[2]!.alerts[0]).toMatchObject({ id: 'a', state: 'cleared' });
  });

  it('sends resolved notices only to channels that want them and were told of the alert', async () => {
    const other = await startReceiver();
    cleanups.push(() => other.close());
    const { clock, router, deliveries } = await setup({
      channels: undefined,
    });
    await router.close();
    const r = ungroupedRouter(clock, [
      { type: 'webhook', url: `${other.origin}/quiet`, sendResolved: false },
      { type: 'webhook', url: `${other.origin}/critical`, minSeverity: 'critical' },
    ]);
    r.notify(event('raised', alert('w')));
    r.notify(event('cleared', alert('w')));
    await r.idle();
    // /quiet got the firing notice only; /critical got nothing (warning below its minimum).
    expect(other.received.map((x) => `${x.url} ${(x.json as Notification).status}`)).toEqual([
      '/quiet firing',
    ]);
    expect(await deliveries()).toHaveLength(0);
  });

  it('sends an escalation again, to channels that take only critical alerts too', async () => {
    const { clock, router, rx } = await setup({
      channels: undefined,
    });
    await router.close();
    const r = ungroupedRouter(clock, [
      { type: 'webhook', url: `${rx.origin}/all` },
      { type: 'webhook', url: `${rx.origin}/critical`, minSeverity: 'critical' },
      { type: 'webhook', url: `${rx.origin}/disk`, rules: ['disk'] },
    ]);
    r.notify(event('raised', alert('a')));
    r.notify(event('escalated', alert('a', { severity: 'critical', threshold: 90 })));
    await r.idle();
    expect(rx.received.map((x) => `${x.url} ${(x.json as Notification).alerts[0]!.severity}`).sort()).toEqual(
      ['/all critical', '/all warning', '/critical critical'],
    );
  });
});

describe('inhibition', () => {
  it('a critical alert on a component mutes its warnings; the warning is sent once the critical clears', async () => {
    const { clock, router, deliveries } = await setup();
    const down = alert('db-down', { rule: 'database', component: 'database', severity: 'critical' });
    const slow = alert('db-slow', { rule: 'db_latency', component: 'database', severity: 'warning' });
    router.notify(event('raised', down));
    router.notify(event('raised', slow));
    expect(router.classify(slow, [down, slow])).toEqual({
      suppressed: 'inhibited',
      suppressed_by: 'db-down',
    });
    expect(router.classify(down, [down, slow])).toBeNull();
    clock.advance(30_000);
    const sent = await deliveries();
    expect(sent.map(ids)).toEqual([['db-down']]);
    router.notify(event('cleared', down));
    clock.advance(30_000);
    const after = await deliveries();
    // The warning goes out as soon as nothing mutes it; the resolved notice after its group window.
    expect(after.map((n) => `${n.status} ${ids(n).join(',')}`)).toEqual([
      'firing db-down',
      'firing db-slow',
      'resolved db-down',
    ]);
  });

  it('can be turned off', async () => {
    const { router } = await setup({ routing: { inhibit: false } });
    const down = alert('d', { component: 'database', severity: 'critical' });
    expect(router.classify(alert('s', { component: 'database' }), [down])).toBeNull();
  });
});

describe('silences', () => {
  it('hold back matching alerts until they end or are expired, then the still-firing alert is sent', async () => {
    const { clock, router, deliveries } = await setup();
    const s = router.silences.create({ rule: 'cpu', labels: { host: 'web-1' }, duration_ms: 3600_000 });
    expect(s.status).toBe('active');
    router.notify(event('raised', alert('a')));
    router.notify(event('raised', alert('m', { rule: 'memory', component: 'memory' })));
    expect(router.classify(alert('a'))).toEqual({ suppressed: 'silenced', suppressed_by: s.id });
    clock.advance(30_000);
    expect((await deliveries()).map(ids)).toEqual([['m']]);
    clock.advance(3600_000 - 30_001);
    expect(await deliveries()).toHaveLength(1);
    clock.advance(1);
    const sent = await deliveries();
    expect(sent.map(ids)).toEqual([['m'], ['a']]);
    expect(router.silences.get(s.id)?.status).toBe('expired');
  });

  it('expire ends a silence now', async () => {
    const { clock, router, deliveries } = await setup();
    const s = router.silences.create({
      component: 'cpu',
      ends_at: new Date(clock.now() + 86_400_000).toISOString(),
    });
    router.notify(event('raised', alert('a')));
    clock.advance(30_000);
    expect(await deliveries()).toHaveLength(0);
    expect(router.silences.expire(s.id)?.status).toBe('expired');
    expect(router.silences.expire('nope')).toBeUndefined();
    expect(await deliveries()).toHaveLength(1);
  });

  it('a silence whose labels differ does not match', async () => {
    const { router } = await setup({ routing: { labels: { env: 'prod' } } });
    router.silences.create({ labels: { env: 'staging' }, duration_ms: 60_000 });
    expect(router.classify(alert('a'))).toBeNull();
    const s = router.silences.create({ labels: { env: 'prod' }, duration_ms: 60_000 });
    expect(router.classify(alert('a'))?.suppressed_by).toBe(s.id);
  });
});

describe('maintenance windows', () => {
  it('a recurring window (cron, UTC) holds alerts back while open', async () => {
    // The test clock starts at 2025-12-27T12:00Z (a Saturday).
    const { clock, router, deliveries } = await setup({
      maintenance: [{ name: 'nightly', cron: '30 12 * * 6', durationMs: 3600_000, rule: 'cpu' }],
    });
    expect(router.maintenanceStatus()[0]).toMatchObject({
      name: 'nightly',
      kind: 'recurring',
      active: false,
      starts_at: '2025-12-27T12:30:00.000Z',
      ends_at: '2025-12-27T13:30:00.000Z',
    });
    clock.advance(45 * 60_000); // 12:45, inside
    expect(router.maintenanceStatus()[0]?.active).toBe(true);
    router.notify(event('raised', alert('a')));
    expect(router.classify(alert('a'))).toEqual({ suppressed: 'maintenance', suppressed_by: 'nightly' });
    expect(router.classify(alert('m', { rule: 'memory' }))).toBeNull();
    clock.advance(30_000);
    expect(await deliveries()).toHaveLength(0);
    clock.advance(45 * 60_000 - 30_001); // 13:29:59.999
    expect(await deliveries()).toHaveLength(0);
    clock.advance(1); // 13:30, closed
    expect((await deliveries()).map(ids)).toEqual([['a']]);
    expect(router.maintenanceStatus()[0]).toMatchObject({
      active: false,
      starts_at: '2026-01-03T12:30:00.000Z',
    });
  });

  it('a one-off window covers [start, end)', async () => {
    const { clock, router } = await setup({
      maintenance: [{ name: 'upgrade', start: '2025-12-27T12:10:00Z', end: '2025-12-27T12:20:00Z' }],
    });
    expect(router.classify(alert('a'))).toBeNull();
    clock.set(Date.parse('2025-12-27T12:10:00Z'));
    expect(router.classify(alert('a'))?.suppressed).toBe('maintenance');
    clock.set(Date.parse('2025-12-27T12:20:00Z'));
    expect(router.classify(alert('a'))).toBeNull();
  });
});
