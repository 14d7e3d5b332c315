// Outside review 16, F10: a channel's per-attempt `timeoutMs` must fire whatever the garbage collector does. With
// AbortSignal.any([c.signal, AbortSignal.timeout(ms)]) on Node 20, a garbage collection during the attempt freed the
// timeout signal and its timer never aborted the composite: a receiver that hangs (or drips its body) held the channel
// with status "ok", nothing logged, later notifications queued behind it. Real receivers, forced collections; the
// oracle is the README: each attempt is aborted at timeoutMs, retried `retries` times, then the channel is failing
// with "timed out".

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it, type TestContext } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { makeSnapshot } from '../alerts/snapshot.js';
import { countFetchAttempts } from '../helpers/fetch-attempts.js';
import { startReceiver } from './receiver.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The test's cleanups, run at its end in reverse order (the cases run at the same time: each closes its own). */
function cleanupsOfTest(onTestFinished: TestContext['onTestFinished']): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  onTestFinished(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

/** Collects garbage every 20 ms until `done` resolves: what a busy host's heap does on its own. */
async function collectingUntil<T>(done: Promise<T>): Promise<T> {
  const timer = setInterval(gc, 20);
  try {
    return await done;
  } finally {
    clearInterval(timer);
  }
}

// The cases run at the same time (describe.concurrent): each its own receiver, monitor and attempt counter (by the
// receiver's origin); the oracle is each channel's status and attempts, not a duration.
describe.concurrent('a per-attempt timeout survives garbage collection', () => {
  for (const type of ['webhook', 'slack'] as const) {
    for (const kind of ['hangs', 'drips its body'] as const) {
      it(`${type}: a receiver that ${kind}: every attempt times out, the channel is failing`, async ({
        expect,
        onTestFinished,
      }) => {
        const cleanups = cleanupsOfTest(onTestFinished);
        const receiver = await startReceiver((_req, res) => {
          if (kind === 'hangs') return false;
          res.writeHead(200, { 'content-type': 'text/plain' });
          const drip = setInterval(() => res.write('.'), 50);
          res.on('close', () => clearInterval(drip));
          return true;
        });
        cleanups.push(() => receiver.close());
        // Attempts counted where fetch makes them: under load an attempt can be cut before this process's receiver
        // has read it (a clean-clone run at load 30 saw 1 received of 2).
        const attempts = countFetchAttempts(receiver.origin);
        cleanups.push(async () => attempts.stop());
        const monitor = createMonitor({
          sampleIntervalMs: 0,
          logger: silentLogger,
          alerts: { cpu: { for: 0 } },
          routing: { groupWaitMs: 0, closeTimeoutMs: 0 },
          channels: [
            {
              ...(type === 'slack'
                ? { type, webhookUrl: `${receiver.origin}/services/T0/B0/X` }
                : { type, url: `${receiver.origin}/` }),
              name: 'c',
              timeoutMs: 1_000,
              retries: 1,
              retryDelayMs: 50,
            },
          ],
        });
        cleanups.push(() => monitor.close());
        monitor.alertSystem.checkThresholds(makeSnapshot({ cpu: { current_percent: 99 } }));
        const status = () => monitor.notifications.status().find((s) => s.name === 'c')!;
        await collectingUntil(
          expect
            .poll(status, { timeout: 20_000, interval: 25 })
            .toMatchObject({ sent: 0, failed: 1, status: 'failing', last_error: 'timed out' }),
        );
        // Two attempts (retries: 1), each cut at its timeout.
        expect(attempts.count).toBe(2);
        expect(receiver.received.length).toBeLessThanOrEqual(2);
      });
    }
  }

  it('the webhook option: a receiver that hangs gets every attempt, each timed out', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = cleanupsOfTest(onTestFinished);
    const receiver = await startReceiver(() => false);
    cleanups.push(() => receiver.close());
    const attempts = countFetchAttempts(receiver.origin);
    cleanups.push(async () => attempts.stop());
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: { cpu: { for: 0 } },
      webhook: { url: `${receiver.origin}/`, timeoutMs: 1_000, retries: 2, retryDelayMs: 50 },
    });
    cleanups.push(() => monitor.close());
    monitor.alertSystem.checkThresholds(makeSnapshot({ cpu: { current_percent: 99 } }));
    // Had a collection lost an attempt's timer, that attempt would wait for undici's 300 s headers timeout and the
    // retries would never come.
    await collectingUntil(expect.poll(() => attempts.count, { timeout: 20_000, interval: 25 }).toBe(3));
  });
});
