// The dashboard's routes, queries and jobs tables in Debian's Chromium: rows as the API serves them,
// sorting by a column header, a route's history on click; saves a screenshot (test/artifacts).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import { type Browser, launch, MISSING, openPage, skipBrowser } from './browser-helpers.js';

if (skipBrowser) console.warn(`profiling browser test skipped: ${MISSING}`);

const TOKEN = 'profiling-browser-token';

/** Requests with durations spread around `ms`, a share failing. */
function traffic(
  m: SystemMonitor,
  method: string,
  route: string,
  n: number,
  ms: number,
  failEvery = 0,
): void {
  for (let i = 0; i < n; i++) {
    const status = failEvery > 0 && i % failEvery === 0 ? 500 : 200;
    m.recordRequest({ method, route, status, durationMs: ms * (0.5 + ((i * 37) % 100) / 100) });
  }
}

describe.skipIf(skipBrowser)('dashboard routes, queries and jobs tables in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // An injected clock: on the wall clock a minute boundary during the test closed the current minute
    // and the route history had 4 points, not 3 (seen under load).
    const MIN = 60_000;
    const t0 = Math.floor(Date.now() / MIN) * MIN - 4 * MIN;
    let now = t0;
    monitor = createMonitor({
      sampleIntervalMs: 0,
      clock: { now: () => now },
      logger: silentLogger,
      apdex: { thresholdMs: 100 },
    });
    // Three minutes of history for the sparklines, then the current minute (its middle, from then on).
    for (let minute = 0; minute < 4; minute++) {
      now = t0 + minute * MIN + 30_000;
      traffic(monitor, 'GET', '/api/users/:id', 120, 20 + minute * 10);
      traffic(monitor, 'POST', '/api/orders', 40, 180 + minute * 40, 9);
      traffic(monitor, 'GET', '/api/search', 60, 90 + (minute % 2) * 200, 25);
      if (minute < 3) {
        now = t0 + (minute + 1) * MIN;
        await monitor.flush();
      }
    }
    for (let i = 0; i < 50; i++)
      monitor.recordQuery(
        'postgresql',
        'SELECT * FROM users WHERE id = $1',
        0.8 + (i % 7) * 0.2,
        false,
        '/api/users/:id',
      );
    for (let i = 0; i < 12; i++)
      monitor.recordQuery(
        'postgresql',
        'INSERT INTO orders (user_id, total) VALUES ($1, $2)',
        4 + i,
        i === 3,
        '/api/orders',
      );
    monitor.recordQuery(
      'mysql',
      'SELECT * FROM products WHERE name LIKE ? AND id IN (...)',
      640,
      false,
      '/api/search',
    );
    for (let i = 0; i < 30; i++) monitor.recordQuery('redis', 'GET', 0.2, false, '/api/users/:id');
    const digest = monitor.job('email-digest', async () => undefined, { expectEvery: '5m' });
    await digest();
    await digest();
    monitor.recordJob('nightly-export', 2400, false);
    monitor.recordJob('nightly-export', 3100, true, new Error('S3 bucket unreachable'));

    served = await serveAdmin(monitor, { adminToken: TOKEN });
    base = `${served.url}${BASE}/`;
    browser = await launch({ width: 1280, height: 900 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
    await served?.close();
  });

  it('lists routes, queries and jobs; sorts by a header; a click shows the route history', async () => {
    const { page, pageErrors: errors } = await openPage(browser.context, TOKEN);
    await page.addInitScript(() => {
      // Counts the routes/ answers the page has read, so the test knows when one has been handled.
      const json = Response.prototype.json;
      Response.prototype.json = async function (this: Response) {
        const body = await json.call(this);
        const w = window as unknown as { routesRead?: number };
        if (new URL(this.url).pathname.endsWith('/routes/')) w.routesRead = (w.routesRead ?? 0) + 1;
        return body;
      };
    });
    // Two sort clicks in a row, the first one's answer slow: once the table is shown, routes/ loads
    // sorted by time are held until the table shows the second click's order (rate), then answered.
    // The older answer must not put its order back (it did before).
    let routesRequested = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.endsWith('/routes/')) routesRequested++;
    });
    const held: Route[] = [];
    let holding = false;
    await page.route(
      (url) => url.pathname.endsWith('/routes/') && url.searchParams.get('sort') === 'time',
      (route) => (holding ? void held.push(route) : route.continue()),
    );
    await page.goto(`${base}dashboard/`);
    const rows = page.locator('#routes-body tr');
    const routeOrder = () => rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.route));
    // No fixed time is right under load: wait for each state as long as the test may run.
    const until = { timeout: 45_000 };

    await rows.first().waitFor();
    const expected = monitor.endpoints('time', 20).routes.map((r) => r.route);
    expect(await routeOrder()).toEqual(expected);
    // Sparklines from history/?route= (3 closed minutes).
    await expect.poll(() => page.locator('#routes-body svg.sparkline polyline').count(), until).toBe(3);

    holding = true;
    const heldBefore = held.length; // start-up refreshes still under way may be held too
    await page.locator('#routes-head th[data-sort="time"]').click();
    await expect.poll(() => held.length, until).toBeGreaterThan(heldBefore);
    await page.locator('#routes-head th[data-sort="rate"]').click();
    // By rate, not p95: here p95 orders the routes as time does, and the click would show nothing.
    const byRate = monitor.endpoints('rate', 20).routes.map((r) => r.route);
    expect(byRate).not.toEqual(expected);
    await expect.poll(routeOrder, until).toEqual(byRate);
    holding = false;
    for (const route of held.splice(0)) await route.continue();
    await page.waitForFunction(
      (n) => ((window as unknown as { routesRead?: number }).routesRead ?? 0) >= n,
      routesRequested,
      until,
    );
    expect(await routeOrder()).toEqual(byRate);
    expect(await page.locator('#routes-head th[data-sort="rate"]').getAttribute('aria-sort')).toBe(
      'descending',
    );

    await page.locator('#routes-body tr[data-route="/api/orders"]').click();
    const detail = page.locator('#route-detail');
    await detail.locator('h3').waitFor();
    expect(await detail.locator('h3').textContent()).toContain(
      'POST /api/orders: one-minute history (3 points)',
    );
    expect(await detail.locator('polyline').count()).toBe(2);

    const queries = page.locator('#queries-body tr');
    await queries.first().waitFor();
    expect(await queries.count()).toBe(4);
    expect(await page.locator('#slow-queries li').first().textContent()).toContain('SELECT * FROM products');
    const jobs = page.locator('#jobs-body tr');
    await jobs.first().waitFor();
    expect(await jobs.count()).toBe(2);
    expect(await page.locator('#jobs-body').textContent()).toContain('S3 bucket unreachable');

    mkdirSync(join(process.cwd(), 'test/artifacts'), { recursive: true });
    const cards = page.locator('#routes-card');
    await cards.scrollIntoViewIfNeeded();
    const top = await page.locator('#routes-card').boundingBox();
    const bottom = await page.locator('#jobs-card').boundingBox();
    if (top && bottom) {
      await page.screenshot({
        path: join(process.cwd(), 'test/artifacts/dashboard-profiling.png'),
        fullPage: true,
        clip: {
          x: top.x - 8,
          y: top.y - 8,
          width: top.width + 16,
          height: bottom.y + bottom.height - top.y + 16,
        },
      });
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
