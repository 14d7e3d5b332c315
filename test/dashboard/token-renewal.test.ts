// The dashboard in a real Chromium keeps its live stream across access-token expiry (issue 12, door 5):
// the server ends a stream when its token expires, and the page takes a fresh token and reconnects at
// once, without showing the "interrupted" banner.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { launchChromium, skipBrowser } from '../security/doors.js';

const TOKEN = 'renewal-test-token-0123456789';
const BASE = '/api/core/admin/system';

if (skipBrowser) console.warn('test/dashboard/token-renewal.test.ts: skipped: install chromium');

describe.skipIf(skipBrowser)('dashboard token renewal (Chromium)', () => {
  let tokensMinted = 0;
  let streamsOpened = 0;
  const monitor = createMonitor({
    sampleIntervalMs: 1000,
    adminToken: TOKEN,
    accessTokenTtlMs: 1500,
    logger: { warn() {}, error() {} },
  });
  const app = express();
  app.use((req, _res, next) => {
    if (req.url.startsWith(`${BASE}/token/`)) tokensMinted++;
    if (req.url.startsWith(`${BASE}/stream/`)) streamsOpened++;
    next();
  });
  app.use(monitor.middleware());
  const server = createServer(app);
  let url = '';
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await monitor.close();
  });

  it('takes a fresh token when the stream’s token expires, and never shows the banner', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript((t) => {
      window.sessionStorage.setItem('sysvitals.adminToken', t);
      const w = window as unknown as { bannerShown: number };
      w.bannerShown = 0;
      document.addEventListener('DOMContentLoaded', () => {
        const banner = document.getElementById('banner');
        if (!banner) return;
        new MutationObserver(() => {
          if (!banner.hidden) w.bannerShown++;
        }).observe(banner, { attributes: true, attributeFilter: ['hidden'] });
      });
    }, TOKEN);
    await page.goto(`${url}${BASE}/dashboard/`);
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('live');
    // Two expiries (1.5 s each): two more tokens and two more streams.
    await expect.poll(() => streamsOpened, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    expect(tokensMinted).toBeGreaterThanOrEqual(3);
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('live');
    expect(await page.evaluate(() => (window as unknown as { bannerShown: number }).bannerShown)).toBe(0);
    await page.close();
  }, 60_000);
});
