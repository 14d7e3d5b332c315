// Regression (review 37, RT37-7): a channel held back by a 429 Retry-After read `status: ok`, `last_error: null` for
// the whole wait, and close() then dropped its queued notifications without a log line. Now the status is `held` with
// `held_until` (the clock's time + the wait the receiver asked for) and the refusal in `last_error`, and close()
// giving up logs how many notifications were not delivered, for every channel type (they share DeliveryQueue).
// Oracles: the receiver's own answer (Retry-After: 300 s) and what the receiver accepted (nothing).

import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelOptions } from '../../src/channels/channel-config.js';
import { NotificationRouter } from '../../src/channels/router.js';
import type { Logger } from '../../src/types.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { HTTP_CHANNELS } from './http-channels.js';
import { startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capture() {
  const lines: string[] = [];
  const logger: Logger = {
    warn: (_o, msg) => lines.push(`warn ${msg ?? ''}`),
    error: (_o, msg) => lines.push(`error ${msg ?? ''}`),
    info: (_o, msg) => lines.push(`info ${msg ?? ''}`),
  };
  return { logger, lines };
}

/** Polls `ok` until true, at most 1000 turns of 5 ms: a wait bounded by progress. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
}

/** Three notifications, one per group (three rules), each ticked out on its own. */
function notifyThree(r: NotificationRouter): void {
  for (const [id, rule] of [
    ['a', 'cpu'],
    ['b', 'memory'],
    ['c', 'disk'],
  ] as const) {
    r.notify(event('raised', alert(id, { rule, component: rule, severity: 'critical' })));
    r.tick();
  }
}

describe('a channel the receiver holds back', () => {
  it('reads held, until when and why; close() logs the notifications it drops', async () => {
    const rx = await startReceiver((_r, res) => {
      res.writeHead(429, { 'retry-after': '300' }).end('rate_limited');
      return true;
    });
    cleanups.push(() => rx.close());
    const clock = testClock();
    const { logger, lines } = capture();
    const r = new NotificationRouter({
      host: 'h',
      instance: 'h:1',
      clock,
      logger,
      channels: [{ type: 'slack', webhookUrl: `${rx.origin}/services/T/B/x`, retries: 3 }],
      routing: { groupWaitMs: 0, closeTimeoutMs: 50 },
    });
    notifyThree(r);
    await rx.waitFor(1);
    await until(() => r.status()[0]!.status === 'held');
    const s = r.status()[0]!;
    expect(s.held_until).toBe(new Date(clock.now() + 300_000).toISOString());
    expect(s.last_error).toBe(`HTTP 429: rate_limited; held back until ${s.held_until}`);
    expect(s.pending).toBe(3); // the one held back counts (RT40-3), with the two behind it
    expect(lines.some((l) => l.startsWith('warn') && l.includes('HTTP 429'))).toBe(true);

    await r.close();
    expect(rx.received).toHaveLength(1);
    expect(r.status()[0]).toMatchObject({ sent: 0, dropped: 3 });
    const closing = lines.filter((l) => l.includes('close() gave up'));
    expect(closing).toHaveLength(1);
    expect(closing[0]).toContain('3 notification(s) not delivered');
    expect(closing[0]).toContain('channel slack (slack)');
  });
});

/** A TCP server that accepts and never answers: every HTTP request and every SMTP greeting hangs. */
async function silent(): Promise<{ origin: string; port: number; connected: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as { port: number }).port;
  return { origin: `http://127.0.0.1:${port}`, port, connected: () => count };
}

const TYPES: Array<[string, (origin: string, port: number) => ChannelOptions]> = [
  ...HTTP_CHANNELS,
  [
    'email',
    (_o, port) => ({
      type: 'email',
      smtp: `smtp://127.0.0.1:${port}/?ignoreTLS=true`,
      from: 'a@example.com',
      to: 'b@example.com',
    }),
  ],
];

describe('close() dropping notifications is logged with the count, for every channel type', () => {
  it.each(TYPES)('%s', async (_name, options) => {
    const rx = await silent();
    const { logger, lines } = capture();
    const r = new NotificationRouter({
      host: 'h',
      instance: 'h:1',
      clock: testClock(),
      logger,
      channels: [{ ...options(rx.origin, rx.port), retries: 0, timeoutMs: 60_000 } as ChannelOptions],
      routing: { groupWaitMs: 0, closeTimeoutMs: 50 },
    });
    notifyThree(r);
    await until(() => rx.connected() >= 1);
    await r.close();
    expect(r.status()[0]).toMatchObject({ sent: 0, dropped: 3 });
    const closing = lines.filter((l) => l.includes('close() gave up'));
    expect(closing).toHaveLength(1);
    expect(closing[0]).toContain('3 notification(s) not delivered');
  });
});
