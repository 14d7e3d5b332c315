// The notifications panel in Debian's Chromium with a channel held back by its receiver (RT37-7): the receiver
// answers the first notification 429 with `Retry-After: 300`, so the panel shows the channel's warning badge
// "held until <time>" (the monitor's clock, frozen, + the 300 s the receiver asked for: the oracle); once the wait
// ends the retry is delivered (the receiver's 200) and the badge reads ok, the held badge gone.
//
// The wait is the delivery queue's real 300 s timer: the test takes that one timer (the only setTimeout of
// 300 000 ms armed while the refusal is handled) and ends it itself, so nothing waits on wall time.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import { type Browser, DEFAULT_VIEWPORT, launch, MISSING, openPage, skipBrowser } from './browser-helpers.js';

if (skipBrowser) console.warn(`held channel browser test skipped: ${MISSING}`);

const TOKEN = 'held-channel-browser-token';
const RETRY_AFTER_S = 300;
const off = { enabled: false };

/** Polls `ok` until true, at most 2000 turns of 5 ms: a wait bounded by progress. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
}

/** Takes the next setTimeout of `ms` (a timer that never fires on its own); `end()` runs its callback. */
function takeTimer(ms: number): { taken: () => boolean; end: () => void; restore: () => void } {
  const real = globalThis.setTimeout;
  let callback: (() => void) | undefined;
  let stand: ReturnType<typeof setTimeout> | undefined;
  const restore = () => {
    globalThis.setTimeout = real;
  };
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    if (delay !== ms || callback !== undefined) return real(fn, delay, ...args);
    callback = () => fn(...args);
    restore();
    stand = real(() => {}, 2 ** 31 - 1);
    return stand;
  }) as typeof setTimeout;
  return {
    taken: () => callback !== undefined,
    end: () => {
      clearTimeout(stand);
      callback?.();
    },
    restore,
  };
}

describe.skipIf(skipBrowser)('dashboard: a channel held by its receiver’s Retry-After, in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let rx: Receiver;
  let browser: Browser;
  let base: string;
  // Frozen on a whole second: held_until is this + the receiver's wait, exactly.
  const now = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    rx = await startReceiver((_r, res, n) => {
      if (n > 1) return undefined; // 200
      res.writeHead(429, { 'retry-after': String(RETRY_AFTER_S) }).end('rate_limited');
      return true;
    });
    monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock: () => now,
      alerts: {
        cpu: off,
        memory: off,
        disk: off,
        event_loop_delay: off,
        disk_full_in: off,
        memory_leak: off,
        rules: [{ name: 'app_cpu', metric: 'custom.app_cpu_percent', warning: 85, critical: 95 }],
      },
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', name: 'ops-hook', url: `${rx.origin}/hook`, retries: 3 }],
    });
    served = await serveAdmin(monitor, { adminToken: TOKEN });
    base = `${served.url}${BASE}/`;
    browser = await launch(DEFAULT_VIEWPORT);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
    await served?.close();
    await rx?.close();
  });

  it('shows "held until <time>" as a warning while held; ok once the retry is delivered', async () => {
    const timer = takeTimer(RETRY_AFTER_S * 1000);
    try {
      monitor.gauge('app_cpu_percent', { help: 'CPU the test says' }).set(99);
      await monitor.sample();
      monitor.notifications.tick();
      await rx.waitFor(1);
      await until(() => timer.taken() && monitor.notifications.status()[0]?.status === 'held');
    } finally {
      timer.restore();
    }
    expect(rx.received).toHaveLength(1);

    // Oracle: the frozen clock + the receiver's Retry-After, as Chromium (en-US, UTC) prints a time to the second.
    const until_ = new Date(now + RETRY_AFTER_S * 1000);
    const hh = String(((until_.getUTCHours() + 11) % 12) + 1).padStart(2, '0');
    const mm = String(until_.getUTCMinutes()).padStart(2, '0');
    const ss = String(until_.getUTCSeconds()).padStart(2, '0');
    const ampm = until_.getUTCHours() < 12 ? 'AM' : 'PM';

    const { page, pageErrors } = await openPage(browser.context, TOKEN);
    await page.goto(`${base}dashboard/`);
    const badge = page.locator('#channels [data-channel="ops-hook"] > .badge');
    await badge.waitFor();
    expect(await badge.getAttribute('class')).toBe('badge warning');
    expect(await badge.textContent()).toMatch(new RegExp(`^held until ${hh}:${mm}:${ss}\\s${ampm}$`));
    expect(await page.locator('#channels [data-channel="ops-hook"]').textContent()).toContain('HTTP 429');

    // The wait ends: the retry goes out, the receiver takes it.
    timer.end();
    await rx.waitFor(2);
    await until(() => monitor.notifications.status()[0]?.sent === 1);
    expect(monitor.notifications.status()[0]).toMatchObject({ status: 'ok', sent: 1, held_until: null });
    // The same notification, retried (the first attempt's body).
    expect(rx.received[1]!.raw).toBe(rx.received[0]!.raw);
    expect((rx.received[1]!.json as { alerts: Array<{ rule: string }> }).alerts.map((a) => a.rule)).toEqual([
      'app_cpu',
    ]);

    await page.reload();
    await badge.waitFor();
    expect(await badge.getAttribute('class')).toBe('badge cleared');
    expect(await badge.textContent()).toBe('ok');
    expect(await page.locator('#channels .badge.warning').count()).toBe(0);
    expect(await page.locator('#channels [data-channel="ops-hook"]').textContent()).toContain('sent 1');
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);
});
