// The dashboard's notifications panel in Debian's Chromium: channel status, silences with a working
// Expire button, maintenance windows, and silenced alerts marked in the history.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { makeSnapshot } from '../alerts/snapshot.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import { type Browser, DEFAULT_VIEWPORT, launch, MISSING, openPage, skipBrowser } from './browser-helpers.js';

if (skipBrowser) console.warn(`notifications browser test skipped: ${MISSING}`);

const TOKEN = 'notifications-browser-token';

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
      alerts: { cpu: { for: 0 }, memory: { for: 0 } },
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', name: 'ops-hook', url: `${rx.origin}/hook` }],
      maintenance: [{ name: 'sunday-backup', cron: '0 3 * * 0', durationMs: 7_200_000 }],
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
      body: JSON.stringify({ rule: 'cpu', duration_ms: 3_600_000, comment: 'deploy', created_by: 'ana' }),
    });
    const silence = ((await created.json()) as { data: { id: string } }).data;
    // cpu is silenced (recorded, not sent); memory goes out.
    monitor.alertSystem.checkThresholds(
      makeSnapshot({ cpu: { current_percent: 99 }, memory: { used_percent: 99 } }),
    );
    await monitor.notifications.idle();
    expect(rx.received).toHaveLength(1);

    const { page, pageErrors: errors } = await openPage(browser.context, TOKEN);
    await page.goto(`${base}dashboard/`);

    const channel = page.locator('#channels [data-channel="ops-hook"]');
    await channel.waitFor();
    expect(await channel.textContent()).toContain('sent 1');
    const row = page.locator(`#silences [data-silence-id="${silence.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('rule=cpu');
    expect(await row.locator('.badge').textContent()).toBe('active');
    expect(await page.locator('#windows [data-window="sunday-backup"]').textContent()).toContain('0 3 * * 0');
    await page.locator('#alert-history-box summary').click();
    await page.locator('#alert-history [data-rule="cpu"][data-suppressed="silenced"]').waitFor();

    await row.locator('button.expire').click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('expired');
    expect(monitor.notifications.silences.get(silence.id)?.status).toBe('expired');
    expect(await row.locator('button.expire').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
