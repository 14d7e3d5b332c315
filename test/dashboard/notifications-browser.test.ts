// The dashboard's notifications panel in Debian's Chromium: channel status, silences with a working
// Expire button, maintenance windows, and silenced alerts marked in the history.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { makeSnapshot } from '../alerts/snapshot.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = 'install chromium (apt-get install --no-install-recommends chromium)';
const skip = !existsSync(CHROMIUM) && process.env.CI !== 'true';
if (skip) console.warn(`notifications browser test skipped: ${MISSING}`);

const TOKEN = 'notifications-browser-token';

describe.skipIf(skip)('dashboard notifications panel in Chromium', () => {
  let monitor: SystemMonitor;
  let server: Server;
  let rx: Receiver;
  let context: BrowserContext;
  let profile: string;
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
    const api = createAdminApi(monitor, { adminToken: TOKEN, rateLimit: false });
    server = createServer((req, res) => {
      void api.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/core/admin/system/`;
    if (!existsSync(CHROMIUM)) throw new Error(`chromium is missing at ${CHROMIUM}: ${MISSING}`);
    profile = mkdtempSync(join(tmpdir(), 'sysvitals-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await monitor?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await rx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
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

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((t) => window.sessionStorage.setItem('sysvitals.adminToken', t), TOKEN);
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
