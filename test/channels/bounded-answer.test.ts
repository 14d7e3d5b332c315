// Regression (review 37, RT37-12): a channel's answer was read whole into memory (res.text(), the alert webhook's
// arrayBuffer()): a receiver answering with 400 MB pushed the host's RSS to 1.2–1.3 GB. Now at most 64 KB (2 MB for
// Slack's chat.postMessage answer, which echoes the message) is read and the body is cancelled. The oracle is the
// server side: a real HTTP server streams a 128 MB answer with backpressure and counts the bytes the kernel took from
// it (socket.bytesWritten) before the connection closed; a client reading it whole takes all 128 MB, a bounded one
// leaves it at its bound plus the loopback socket buffers (a few MB).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookChannel } from '../../src/alerts/webhook.js';
import type { ChannelOptions } from '../../src/channels/channel-config.js';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { HTTP_CHANNELS } from './http-channels.js';
import { startReceiver } from './receiver.js';

const TOTAL = 128 * 1024 * 1024;
/** Far above 2 MB plus loopback buffers, far below the 128 MB a whole read takes. */
const BOUND = 16 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server answering every request with `status` and a 128 MB body; `written` resolves per answer with the bytes the kernel took. */
async function bigAnswer(status: number, contentType = 'application/json') {
  const written: Promise<number>[] = [];
  const settle: Array<(n: number) => void> = [];
  const next = () => {
    written.push(new Promise<number>((r) => settle.push(r)));
  };
  next();
  let served = 0;
  const server: Server = createServer((req, res) => {
    const done = settle[served++]!;
    next();
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': contentType, 'content-length': String(TOTAL) });
      let sent = 0;
      let closed = false;
      res.on('close', () => {
        closed = true;
        done(req.socket.bytesWritten);
      });
      const pump = () => {
        while (!closed && sent < TOTAL) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!closed) res.end();
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, answer: (i: number) => written[i]! };
}

describe('a channel reads a bounded part of its answer', () => {
  for (const status of [200, 500]) {
    it.each(HTTP_CHANNELS)(`%s, HTTP ${status} with a 128 MB body`, async (_name, options) => {
      const rx = await bigAnswer(status);
      const router = new NotificationRouter({
        host: 'h',
        instance: 'h:1',
        clock: testClock(Date.now()),
        logger: silentLogger,
        channels: [{ ...options(rx.origin), retries: 0, timeoutMs: 120_000 } as ChannelOptions],
        routing: { groupWaitMs: 0 },
      });
      cleanups.push(() => router.close());
      router.notify(event('raised', alert('a', { severity: 'critical' })));
      router.tick();
      const bytes = await rx.answer(0);
      await router.idle();
      expect(bytes).toBeLessThan(BOUND);
      const s = router.status()[0]!;
      if (status === 500) {
        expect(s).toMatchObject({ failed: 1, status: 'failing' });
        expect(s.last_error).toMatch(/^HTTP 500: x+…$/);
      } else if (_name !== 'slack bot') {
        expect(s).toMatchObject({ sent: 1, failed: 0 });
      }
    });
  }

  it('the alert webhook (alerts.webhook) drains a bounded part of the answer', async () => {
    const rx = await bigAnswer(200);
    const hook = new WebhookChannel({ url: `${rx.origin}/hook`, timeoutMs: 120_000, logger: silentLogger });
    cleanups.push(async () => hook.close());
    hook.send(event('raised', alert('a')));
    const bytes = await rx.answer(0);
    await hook.flush();
    expect(bytes).toBeLessThan(BOUND);
  });

  it("Slack's chat.postMessage answer echoing a long message (1 MB) is still read whole: the post is accepted", async () => {
    // Slack answers {"ok":true,"channel","ts","message":{...the message posted...}}: far above 64 KB for a long one.
    const rx = await startReceiver((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: true,
          channel: 'C1',
          ts: '1700000000.000100',
          message: { text: 'é'.repeat(500_000) },
        }),
      );
      return true;
    });
    cleanups.push(() => rx.close());
    const router = new NotificationRouter({
      host: 'h',
      instance: 'h:1',
      clock: testClock(Date.now()),
      logger: silentLogger,
      channels: [{ type: 'slack', botToken: 'xoxb-1', channel: 'C1', apiUrl: rx.origin, retries: 0 }],
      routing: { groupWaitMs: 0 },
    });
    cleanups.push(() => router.close());
    router.notify(event('raised', alert('a', { severity: 'critical' })));
    router.tick();
    await router.idle();
    expect(router.status()[0]).toMatchObject({ sent: 1, failed: 0 });
  });
});
