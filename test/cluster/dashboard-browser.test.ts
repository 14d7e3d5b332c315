// The dashboard in Chromium against node:cluster (2 real workers): no request fails in normal use. capacity/ and
// history/?route= answer for the cluster (its stored history; the route minutes the aggregator closes over the
// merged requests), so the Capacity panel is shown and the routes table asks each route's history (it did not,
// while history/?route= was a 404 per process in cluster mode).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  failedNote,
  launch,
  MISSING,
  openPage,
  skipBrowser,
} from '../dashboard/browser-helpers.js';
import { BASE, get, getJson, type Started, startReadyCluster } from './helpers.js';

if (skipBrowser) console.warn(`cluster dashboard browser test skipped: ${MISSING}`);

describe.skipIf(skipBrowser)('dashboard in Chromium, node:cluster with 2 workers', () => {
  let c: Started;
  let browser: Browser;
  beforeAll(async () => {
    // Ready: an aggregator answers (during an election the cluster's reads are 503s, retried).
    c = await startReadyCluster({}, 2);
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await c?.kill(); // teardown: killed, not closed (Started.kill)
  });

  it("loads with no failed request: capacity shown, each route's cluster history asked", async () => {
    for (let i = 0; i < 10; i++) expect((await get(c.port, '/')).status).toBeLessThan(500);
    // The API's own answers, the cluster's: a route recorded whose minute has not closed yet has no points.
    const routes = await getJson(c.port, `${BASE}/routes/?limit=20`);
    const row = (routes.data.data as { routes: Array<{ method: string; route: string }> }).routes[0];
    expect(row).toBeDefined();
    const history = await getJson(
      c.port,
      `${BASE}/history/?route=${encodeURIComponent(row!.route)}&method=${encodeURIComponent(row!.method)}`,
    );
    expect(history.status).toBe(200);
    expect(history.data.data).toMatchObject({ method: row!.method, route: row!.route });
    const capacity = await getJson(c.port, `${BASE}/capacity/`);
    expect(capacity.status).toBe(200);
    expect(capacity.data.data.too_little_data).toBe(true);

    const { page, errors, failed } = await openPage(browser.context);
    const routeHistory = page.waitForResponse((r) => r.url().includes('/history/?route='), {
      timeout: 30_000,
    });
    await page.goto(`http://127.0.0.1:${c.port}${BASE}/dashboard/`);
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('live');
    await page.locator('#routes-body tr.route-row').first().waitFor({ timeout: 30_000 });
    expect((await routeHistory).status()).toBe(200);
    // A fresh cluster: the panel is shown and says there is too little history yet.
    await expect
      .poll(() => page.locator('#capacity').getAttribute('data-too-little-data'), { timeout: 30_000 })
      .toBe('true');
    expect(await page.locator('#capacity').isHidden()).toBe(false);
    await page.locator('#routes-body tr.route-row').first().click();
    await expect
      .poll(() => page.locator('#route-detail').textContent())
      .toMatch(/no minute has closed for this route yet|last minute: \d+ requests/);
    expect(errors, failedNote(failed)).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  }, 120_000);
});
