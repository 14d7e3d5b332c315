// RT40-3: while a notification is being retried, the channel's status shows it: pending (in flight or waiting for its
// retry), `failing` with the receiver's refusal and when, from the first failed attempt on. The receiver is a real
// HTTP server; what it answered is the oracle.

import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { alert, event } from './alerts.js';
import { type Receiver, startReceiver } from './receiver.js';

const ALERT = alert('55555555-5555-4555-8555-555555555555');

/** A long retry delay: the status is read while the notification waits for its second attempt. */
function router(url: string, timeoutMs = 10_000): NotificationRouter {
  return new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    logger: silentLogger,
    channels: [{ type: 'webhook', url, retryDelayMs: 60_000, timeoutMs }],
    routing: { groupWaitMs: 0, closeTimeoutMs: 1 },
  });
}

describe('channel status during retries', () => {
  let receiver: Receiver | undefined;
  let r: NotificationRouter | undefined;
  afterEach(async () => {
    await r?.close();
    await receiver?.close();
  });

  it('a refused attempt shows at once: failing, the error, pending 1', async () => {
    receiver = await startReceiver((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver down');
      return true;
    });
    r = router(`${receiver.origin}/hook`);
    r.notify(event('raised', ALERT));
    await receiver.waitFor(1);
    // The answer reaches the channel after the receiver wrote it: read once the channel has taken it in (bounded).
    for (let i = 0; i < 100 && r.status()[0]!.last_error === null; i++) await delay(20);
    const s = r.status()[0]!;
    expect(receiver.received).toHaveLength(1);
    expect(s).toMatchObject({ status: 'failing', pending: 1, sent: 0, failed: 0 });
    expect(s.last_error).toBe('HTTP 500: receiver down');
    expect(s.last_failed_at).not.toBeNull();
  });

  it('an attempt in flight to a receiver that does not answer is pending', async () => {
    receiver = await startReceiver(() => false);
    r = router(`${receiver.origin}/hook`);
    r.notify(event('raised', ALERT));
    await receiver.waitFor(1);
    expect(r.status()[0]).toMatchObject({ status: 'ok', pending: 1, sent: 0, failed: 0 });
  });
});
