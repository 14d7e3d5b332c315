// Channel URLs with credentials in them (`http://user:pass@alertmanager:9093`, the usual way to reach an
// Alertmanager or webhook behind basic auth): delivered with an Authorization header, and the password
// never shown in the channel status or the logs.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { WebhookChannel } from '../../src/alerts/webhook.js';
import { NotificationRouter } from '../../src/channels/router.js';
import type { Logger } from '../../src/types.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PASSWORD = 'p@ss:w0rd/SECRET';

function capturingLogger(lines: string[]): Logger {
  const push = (...args: unknown[]) => lines.push(JSON.stringify(args));
  return { warn: push, error: push, info: push } as Logger;
}

function withCredentials(origin: string, path = ''): string {
  const u = new URL(origin + path);
  u.username = 'am user';
  u.password = PASSWORD;
  return u.href;
}

describe.each([
  ['alertmanager', (url: string) => ({ type: 'alertmanager', url, retries: 0 })],
  ['webhook', (url: string) => ({ type: 'webhook', url, retries: 0 })],
])('%s URL with user:password', (_name, channel) => {
  it('sends them as basic auth (not refused by fetch)', async () => {
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock: testClock(),
      logger: capturingLogger([]),
      channels: [channel(withCredentials(rx.origin, '/hook'))],
      routing: { groupWaitMs: 0 },
    });
    cleanups.push(async () => router.close());
    router.notify(event('raised', alert('11111111-1111-4111-8111-111111111111')));
    await router.idle();
    expect(router.status()[0]).toMatchObject({ sent: 1, failed: 0, last_error: null });
    expect(rx.received).toHaveLength(1);
    const expected = `Basic ${Buffer.from(`am user:${PASSWORD}`).toString('base64')}`;
    expect(rx.received[0]!.headers.authorization).toBe(expected);
  });

  it('never shows the password in status or logs, even when the receiver echoes it', async () => {
    const rx = await startReceiver((req, res) => {
      const auth = String(req.headers.authorization ?? '').replace(/^Basic /, '');
      res.writeHead(401).end(`bad credentials ${auth} ${Buffer.from(auth, 'base64').toString()}`);
      return true;
    });
    cleanups.push(() => rx.close());
    const lines: string[] = [];
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock: testClock(),
      logger: capturingLogger(lines),
      channels: [channel(withCredentials(rx.origin))],
      routing: { groupWaitMs: 0 },
    });
    cleanups.push(async () => router.close());
    router.notify(event('raised', alert('11111111-1111-4111-8111-111111111111')));
    await router.idle();
    const status = router.status()[0]!;
    expect(status.failed).toBe(1);
    const shown = `${JSON.stringify(router.status())}\n${lines.join('\n')}`;
    expect(shown).toContain('bad credentials');
    for (const s of [
      PASSWORD,
      encodeURIComponent(PASSWORD),
      Buffer.from(`am user:${PASSWORD}`).toString('base64'),
    ])
      expect(shown).not.toContain(s);
  });
});

describe('the top-level `webhook` option with user:password in its URL', () => {
  it('delivers with basic auth and logs no password', async () => {
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const lines: string[] = [];
    const channel = new WebhookChannel({
      url: withCredentials(rx.origin, '/legacy'),
      retries: 0,
      logger: capturingLogger(lines),
    });
    cleanups.push(async () => channel.close());
    const a = alert('11111111-1111-4111-8111-111111111111');
    channel.send({ type: 'raised', alert: a, timestamp: a.timestamp } as AlertEvent);
    await channel.flush();
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0]!.url).toBe('/legacy');
    expect(rx.received[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from(`am user:${PASSWORD}`).toString('base64')}`,
    );
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});
