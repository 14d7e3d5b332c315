// The dashboard's notifications panel in Debian's Chromium: channel status, silences with a working
// Expire button, maintenance windows, and silenced alerts marked in the history.
//
// The alerts come from gauges the test sets, through rules on them; the built-in rules on the host's figures
// are off. Every dashboard read samples the real machine, and under load its real CPU, memory and event-loop
// figures used to clear an alert raised from a made-up snapshot or raise another, so the channel had sent
// 2 or 3 notifications by the time the panel was read (CI at load average 17: 'sent 3').

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import { type Browser, DEFAULT_VIEWPORT, launch, MISSING, openPage, skipBrowser } from './browser-helpers.js';

const WINDOW_CRON = `0 3 * * ${(new Date().getUTCDay() + 3) % 7}`;

if (skipBrowser) console.warn(`notifications browser test skipped: ${MISSING}`);

const TOKEN = 'notifications-browser-token';
const off = { enabled: false };

describe.skipIf(skipBrowser)('dashboard notifications panel in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let rx: Receiver;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    rx = await startReceiver();
    monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: {
        // The host's figures (real under load) can raise or clear nothing here.
        cpu: off,
        memory: off,
        disk: off,
        event_loop_delay: off,
        disk_full_in: off,
        memory_leak: off,
        rules: [
          { name: 'app_cpu', metric: 'custom.app_cpu_percent', warning: 85, critical: 95 },
          { name: 'app_memory', metric: 'custom.app_memory_percent', warning: 85, critical: 95 },
        ],
      },
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', name: 'ops-hook', url: `${rx.origin}/hook` }],
      // A weekly window on a day three days from today (real clock): never open while the test runs (at '0 3 * * 0'
      // a Sunday run from 03:00 UTC found it open, and the alert it expects to be sent was held).
      maintenance: [{ name: 'sunday-backup', cron: WINDOW_CRON, durationMs: 7_200_000 }],
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

  it('shows channel status, silences and windows; Expire ends the silence on the server', async () => {
    const created = await fetch(`${base}silences/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rule: 'app_cpu', duration_ms: 3_600_000, comment: 'deploy', created_by: 'ana' }),
    });
    const silence = ((await created.json()) as { data: { id: string } }).data;
    // app_cpu is silenced (recorded, not sent); app_memory goes out. The gauges keep these values, so the
    // samples the dashboard's reads take see the same figures and change no alert.
    monitor.gauge('app_cpu_percent', { help: 'CPU the test says' }).set(99);
    monitor.gauge('app_memory_percent', { help: 'memory the test says' }).set(99);
    await monitor.sample();
    monitor.notifications.tick();
    await monitor.notifications.idle();
    expect(rx.received).toHaveLength(1);

    const { page, pageErrors: errors } = await openPage(browser.context, TOKEN);
    await page.goto(`${base}dashboard/`);

    const channel = page.locator('#channels [data-channel="ops-hook"]');
    await channel.waitFor();
    expect(await channel.textContent()).toContain('sent 1');
    const row = page.locator(`#silences [data-silence-id="${silence.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('rule=app_cpu');
    expect(await row.locator('.badge').textContent()).toBe('active');
    expect(await page.locator('#windows [data-window="sunday-backup"]').textContent()).toContain(WINDOW_CRON);
    await page.locator('#alert-history-box summary').click();
    await page.locator('#alert-history [data-rule="app_cpu"][data-suppressed="silenced"]').waitFor();

    await row.locator('button.expire').click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('expired');
    expect(monitor.notifications.silences.get(silence.id)?.status).toBe('expired');
    expect(await row.locator('button.expire').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
