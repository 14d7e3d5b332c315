// The dashboard in Debian's Chromium (playwright-core) against the Express example, with a short sample interval.

import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExpressExample, start } from '../../examples/express.js';
import type { Logger } from '../../src/types.js';
import { type Browser, failedNote, launch, MISSING, openPage, skipBrowser } from './browser-helpers.js';

if (skipBrowser) console.warn(`dashboard browser test skipped: ${MISSING}`);

const TOKEN = 'browser-test-token';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const silent: Logger = { warn() {}, error() {} };

describe.skipIf(skipBrowser)('dashboard in Chromium', () => {
  let example: ExpressExample;
  let browser: Browser;
  let dashboardUrl: string;
  let traffic: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    delete process.env.REDIS_URL; // the example's MemoryStore
    example = await start({
      port: 0,
      host: '127.0.0.1',
      monitor: { adminToken: TOKEN, sampleIntervalMs: 250, resolutionMs: 1000, logger: silent },
    });
    dashboardUrl = `${example.adminUrl}/dashboard/`;
    // Steady traffic without failures (so no error-rate alert until the test makes one): fast, slow, users.
    let n = 0;
    traffic = setInterval(() => {
      n += 1;
      const path = n % 5 === 0 ? '/slow' : n % 2 === 0 ? '/' : `/users/${n % 50}`;
      fetch(`${example.url}${path}`)
        .then((r) => r.arrayBuffer())
        .catch(() => {});
    }, 50);
    traffic.unref();
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    clearInterval(traffic);
    await browser?.close();
    await example?.close();
  });

  /** A new tab (its own sessionStorage) that records console errors, uncaught page errors and failed responses. */
  const newPage = (token?: string) => openPage(browser.context, token);

  const points = (page: Page, chart: string) =>
    page.locator(`[data-chart="${chart}"]`).evaluate((el) => Number((el as HTMLElement).dataset.points));

  it('shows health, charts that grow with each sample, a server alert without reload, and history', async () => {
    const { page, errors, failed } = await newPage(TOKEN);
    await page.goto(dashboardUrl);

    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    await expect
      .poll(() => page.locator('#health').getAttribute('data-status'))
      .toMatch(/^(green|yellow|red)$/);
    expect(await page.locator('#health-score').textContent()).toMatch(/^\d+$/);
    expect(await page.locator('#components [data-component="cpu"]').getAttribute('data-status')).toMatch(
      /^(healthy|warning|critical)$/,
    );

    // Live: the request-rate chart gains points as samples arrive.
    const before = await points(page, 'requests');
    await expect.poll(() => points(page, 'requests')).toBeGreaterThanOrEqual(before + 3);

    // An error-rate burst on the app raises the error_rate alert on the server; the page shows it without reload.
    expect(await page.locator('#active-alerts [data-rule="error_rate"]').count()).toBe(0);
    const fail = `${example.url}/fail`;
    await Promise.all(Array.from({ length: 40 }, () => fetch(fail).then((r) => r.arrayBuffer())));
    await page.locator('#active-alerts [data-rule="error_rate"]').waitFor();
    await page.locator('.toast').first().waitFor();
    expect(await page.locator('#active-count').textContent()).not.toBe('0');

    // The period switch loads history from the API.
    await example.monitor.flush();
    await page.locator('button[data-period="1h"]').click();
    await expect.poll(() => page.locator('#charts').getAttribute('data-loaded-period')).toBe('1h');
    expect(await page.locator('button[data-period="1h"]').getAttribute('aria-pressed')).toBe('true');
    expect(await points(page, 'cpu')).toBeGreaterThan(0);
    expect(await page.locator('#period-caption').textContent()).toContain('1h');
    await page.locator('button[data-period="live"]').click();
    await expect.poll(() => points(page, 'requests')).toBeGreaterThan(before + 3);

    // A few more samples, so that the screenshot shows lines rather than dots.
    await expect.poll(() => points(page, 'requests'), { timeout: 20_000 }).toBeGreaterThanOrEqual(16);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header belongs at the top of the picture
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // On a phone: one column, and nothing wider than the screen once the charts have followed the resize.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page.evaluate(() => window.scrollTo(0, 0));
    const columns = await page
      .locator('#charts')
      .evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
    expect(columns).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });

    expect(errors, failedNote(failed)).toEqual([]);
    await page.close();
    // Each wait above is on a condition (a sample, a page state), bounded on its own (expect.poll 15 s, waitFor
    // 30 s): together above 90 s. The test's own limit stays above their sum, so on a loaded machine a condition
    // that never comes fails at its wait, naming it, rather than the whole test at a wall-clock total.
  }, 300_000);

  it('asks for the token, shows the refusal of a wrong one, and opens with the right one', async () => {
    const { page, errors, failed } = await newPage();
    await page.goto(dashboardUrl);
    await page.locator('#signin').waitFor();
    expect(await page.locator('#main').isHidden()).toBe(true);

    await page.locator('#token').fill('not-the-token');
    await page.locator('#signin button[type="submit"]').click();
    await expect.poll(() => page.locator('#signin-reason').getAttribute('data-refused')).toBe('true');
    expect(await page.locator('#signin-reason').textContent()).toContain('403');
    expect(await page.locator('#banner').textContent()).toContain('Access refused');
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('refused');
    expect(await page.evaluate(() => window.sessionStorage.getItem('sysvitals.adminToken'))).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-refused.png') });

    await page.locator('#token').fill(TOKEN);
    await page.locator('#signin button[type="submit"]').click();
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    await expect
      .poll(() => page.locator('#health').getAttribute('data-status'))
      .toMatch(/^(green|yellow|red)$/);
    expect(await page.locator('#banner').isHidden()).toBe(true);

    // The only console errors are the browser's own lines for the 401 and 403 answers.
    expect(
      errors.filter((e) => !/status of 40[13]/.test(e)),
      failedNote(failed),
    ).toEqual([]);
    await page.close();
  }, 60_000);

  it('says when the server is unreachable and reconnects by itself', async () => {
    const { page } = await newPage(TOKEN);
    await page.goto(dashboardUrl);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');

    const { port } = example.server.address() as AddressInfo;
    example.server.closeAllConnections();
    await new Promise<void>((resolve) => example.server.close(() => resolve()));
    // First "interrupted, retrying", then the retry finds no server.
    await expect
      .poll(() => page.locator('#banner').getAttribute('data-kind'), { timeout: 15_000 })
      .toBe('unreachable');
    expect(await page.locator('#banner').textContent()).toContain('Cannot reach the server');
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('offline');

    await new Promise<void>((resolve) => example.server.listen(port, '127.0.0.1', resolve));
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 40_000 })
      .toBe('live');
    expect(await page.locator('#banner').isHidden()).toBe(true);
    await page.close();
  }, 90_000);
});
