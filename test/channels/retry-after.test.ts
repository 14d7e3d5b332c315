// Regression (outside review F11): a 429 that said how long to wait (Retry-After, or Discord's and Slack Web
// API's JSON `retry_after`) was retried at the channel's own 1, 2, 4 s and given up: the firing notice never
// arrived in the alert storm that rate-limited it. RFC 9110 §10.2.3: Retry-After is delay-seconds or an
// HTTP-date. Real receiver, real time (short waits); the oracle is the receiver's own clock.

import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { type Receiver, startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A receiver that answers 429 with `answer` until `busyMs` after the first request, then 200; logs arrival times. */
async function limited(busyMs: number, answer: (res: import('node:http').ServerResponse) => void) {
  const at: number[] = [];
  const rx = await startReceiver((_r, res) => {
    at.push(performance.now());
    if (at.length === 1 || performance.now() - at[0]! < busyMs) {
      answer(res);
      return true;
    }
    return undefined;
  });
  cleanups.push(() => rx.close());
  return { rx, at };
}

async function deliver(rx: Receiver) {
  const r = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock: testClock(Date.now()),
    logger: silentLogger,
    // Without Retry-After the attempts would be 50, 100 and 200 ms apart: all inside the busy second.
    channels: [{ type: 'webhook', name: 'hook', url: `${rx.origin}/hook`, retries: 3, retryDelayMs: 50 }],
    routing: { groupWaitMs: 0 },
  });
  cleanups.push(() => r.close());
  r.notify(event('raised', alert('a', { severity: 'critical' })));
  r.tick();
  await r.idle();
  return r.status()[0]!;
}

describe('a 429 that says how long to wait is waited for', () => {
  it('Retry-After in seconds', async () => {
    const { rx, at } = await limited(900, (res) =>
      res.writeHead(429, { 'retry-after': '1' }).end('slow down'),
    );
    const status = await deliver(rx);
    expect(status).toMatchObject({ sent: 1, failed: 0 });
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(990);
  });

  it('Retry-After as an HTTP date', async () => {
    const { rx, at } = await limited(900, (res) =>
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }).end(),
    );
    const status = await deliver(rx);
    expect(status).toMatchObject({ sent: 1, failed: 0 });
    // A date has whole seconds: the wait is between 1 and 2 s, and past the busy time.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(900);
  });

  it("a JSON body's retry_after (Discord)", async () => {
    const { rx, at } = await limited(900, (res) =>
      res
        .writeHead(429, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.2, global: false })),
    );
    const status = await deliver(rx);
    expect(status).toMatchObject({ sent: 1, failed: 0 });
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1190);
  });
});
