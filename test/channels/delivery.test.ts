// Delivery: each channel has its own queue, so one that refuses, hangs or is slow delays no other; bounded
// queues; retries; close() delivers what is queued within its timeout; sampling never waits for a channel.

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import type { Logger } from '../../src/types.js';
import { makeSnapshot } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receivers() {
  const good = await startReceiver();
  const hang = await startReceiver(() => false);
  const slow = await startReceiver((_r, res) => {
    setTimeout(() => res.writeHead(200).end('ok'), 300);
    return true;
  });
  cleanups.push(
    () => good.close(),
    () => hang.close(),
    () => slow.close(),
  );
  // A port where nothing listens: connections are refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const refusedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return { good, hang, slow, refused: `http://127.0.0.1:${refusedPort}` };
}

describe('isolation', () => {
  it('a channel that refuses, hangs or answers slowly does not delay another, nor sampling', async () => {
    const { good, hang, slow, refused } = await receivers();
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: { cpu: { for: 0 } },
      routing: { groupWaitMs: 0, closeTimeoutMs: 0 },
      channels: [
        { type: 'webhook', name: 'hang', url: `${hang.origin}/`, timeoutMs: 60_000, retries: 0 },
        { type: 'webhook', name: 'refused', url: `${refused}/`, retries: 5, retryDelayMs: 60_000 },
        { type: 'webhook', name: 'slow', url: `${slow.origin}/`, retries: 0 },
        { type: 'webhook', name: 'good', url: `${good.origin}/`, retries: 0 },
      ],
    });
    cleanups.push(() => monitor.close());
    monitor.alertSystem.checkThresholds(makeSnapshot({ cpu: { current_percent: 99 } }));
    // The good and slow receivers get their message while the hanging one still holds its request
    // (60 s timeout) and the refused one waits a minute to retry: had they shared a queue, this would
    // wait that long and the test would time out.
    await Promise.all([good.waitFor(1), slow.waitFor(1), hang.waitFor(1)]);
    const byName = Object.fromEntries(monitor.notifications.status().map((s) => [s.name, s]));
    expect(byName.hang).toMatchObject({ sent: 0, failed: 0 });
    expect(byName.refused).toMatchObject({ sent: 0, failed: 0 });
    // Sampling and the admin reads go on meanwhile.
    await monitor.sample();
    expect((await monitor.getHealth({ detailed: true })).channels).toHaveLength(4);
    await slow.waitFor(1);
    expect(good.received).toHaveLength(1);
  }, 10_000);
});

describe('queue and retries', () => {
  it('bounds the queue, dropping the oldest, and logs the overflow once', async () => {
    const hang = await startReceiver(() => false);
    cleanups.push(() => hang.close());
    const lines: string[] = [];
    const logger: Logger = { warn: (_o, m) => lines.push(m ?? ''), error: (_o, m) => lines.push(m ?? '') };
    const router = new NotificationRouter({
      host: 'h',
      instance: 'i',
      logger,
      routing: { groupWaitMs: 0, closeTimeoutMs: 0 },
      channels: [{ type: 'webhook', url: hang.origin, maxQueue: 2, timeoutMs: 60_000, retries: 0 }],
    });
    cleanups.push(() => router.close());
    for (let i = 0; i < 5; i++) router.notify(event('raised', alert(`a${i}`, { rule: `r${i}` })));
    // One in flight, two waiting (pending counts all three not delivered: RT40-3), two dropped.
    expect(router.status()[0]).toMatchObject({ pending: 3, dropped: 2 });
    expect(lines.filter((l) => l.includes('queue full'))).toHaveLength(1);
  });

  it('retries 5xx and 429 with backoff, not 4xx; one failure line per outage and one recovery line', async () => {
    let n = 0;
    const answers = [503, 429, 200, 400, 500, 200];
    const rx = await startReceiver((_r, res) => {
      res.writeHead(answers[n++] ?? 200).end();
      return true;
    });
    cleanups.push(() => rx.close());
    const lines: string[] = [];
    const log = (_o: unknown, m?: string) => lines.push(m ?? '');
    const router = new NotificationRouter({
      host: 'h',
      instance: 'i',
      logger: { warn: log, error: log, info: log },
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', url: rx.origin, retries: 3, retryDelayMs: 1 }],
    });
    cleanups.push(() => router.close());
    router.notify(event('raised', alert('a'))); // 503, 429, 200: delivered on the third attempt
    await router.idle();
    expect(router.status()[0]).toMatchObject({ sent: 1, failed: 0 });
    router.notify(event('raised', alert('b', { rule: 'memory' }))); // 400: not retried
    await router.idle();
    expect(rx.received).toHaveLength(4);
    expect(router.status()[0]).toMatchObject({
      sent: 1,
      failed: 1,
      status: 'failing',
      last_error: 'HTTP 400',
    });
    router.notify(event('raised', alert('c', { rule: 'disk' }))); // 500 then 200
    await router.idle();
    expect(router.status()[0]).toMatchObject({ sent: 2, failed: 1, status: 'ok' });
    expect(lines.filter((l) => l.includes('is failing'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('recovered'))).toHaveLength(1);
  });
});

describe('close()', () => {
  it('delivers what is queued, then resolves; a hanging channel is bounded by closeTimeoutMs', async () => {
    const { good, hang } = await receivers();
    const router = new NotificationRouter({
      host: 'h',
      instance: 'i',
      logger: silentLogger,
      // Long enough for the good receiver's answer on a loaded machine (300 ms was not, at load 20+): the hanging
      // one is still cut off by it.
      routing: { groupWaitMs: 60_000, closeTimeoutMs: 2000 },
      channels: [
        { type: 'webhook', name: 'good', url: good.origin },
        { type: 'webhook', name: 'hang', url: hang.origin, timeoutMs: 60_000 },
      ],
    });
    // Still inside the group window: close() sends the group now rather than dropping it.
    router.notify(event('raised', alert('a')));
    router.notify(event('raised', alert('b', { rule: 'memory' })));
    expect(good.received).toHaveLength(0);
    await router.close();
    expect(good.received).toHaveLength(1);
    expect((good.received[0]!.json as { alerts: unknown[] }).alerts).toHaveLength(2);
    const hangStatus = router.status().find((s) => s.name === 'hang')!;
    expect(hangStatus).toMatchObject({ sent: 0, pending: 0 });
    // close() is idempotent and later events are ignored.
    await router.close();
    router.notify(event('raised', alert('c', { rule: 'disk' })));
    expect(router.status().find((s) => s.name === 'good')).toMatchObject({ sent: 1, pending: 0 });
  });

  it('a channel waiting to retry is cut off at the close timeout, counted as dropped, not failed', async () => {
    const { refused } = await receivers();
    const lines: string[] = [];
    const log = (_o: unknown, m?: string) => lines.push(m ?? '');
    const router = new NotificationRouter({
      host: 'h',
      instance: 'i',
      logger: { warn: log, error: log },
      routing: { groupWaitMs: 0, closeTimeoutMs: 100 },
      channels: [{ type: 'webhook', url: refused, retries: 3, retryDelayMs: 60_000 }],
    });
    router.notify(event('raised', alert('a')));
    // Without the cut-off this would wait out the 60 s backoff and time the test out.
    await router.close();
    expect(router.status()[0]).toMatchObject({ sent: 0, failed: 0, dropped: 1, pending: 0 });
    expect(lines.filter((l) => l.includes('is failing'))).toHaveLength(0);
  });

  it('monitor.close() delivers the queued notifications', async () => {
    const rx = await startReceiver((_r, res) => {
      setTimeout(() => res.writeHead(200).end(), 50);
      return true;
    });
    cleanups.push(() => rx.close());
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: { cpu: { for: 0 }, memory: { for: 0 } },
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', url: rx.origin }],
    });
    monitor.alertSystem.checkThresholds(makeSnapshot({ cpu: { current_percent: 99 } }));
    monitor.alertSystem.checkThresholds(
      makeSnapshot({ cpu: { current_percent: 99 }, memory: { used_percent: 99 } }),
    );
    await monitor.close();
    expect(rx.received).toHaveLength(2);
  });
});
