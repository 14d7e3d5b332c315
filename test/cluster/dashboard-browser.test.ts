// The dashboard in Chromium against node:cluster (2 real workers): it asks nothing that cluster mode answers
// 404 in normal use. history/?route= (route series are per process, not merged) was asked on every load and
// refresh, a "Failed to load resource: 404" line in the console; now the routes table says the history is per
// process. capacity/ answers for the cluster (its stored history), so the Capacity panel is shown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  failedNote,
  launch,
  MISSING,
  openPage,
  skipBrowser,
} from '../dashboard/browser-helpers.js';
import { BASE, get, getJson, type Started, startNodeCluster } from './helpers.js';

if (skipBrowser) console.warn(`cluster dashboard browser test skipped: ${MISSING}`);

describe.skipIf(skipBrowser)('dashboard in Chromium, node:cluster with 2 workers', () => {
  let c: Started;
  let browser: Browser;
  beforeAll(async () => {
    c = await startNodeCluster({}, 2);
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('loads with no failed request: capacity shown, routes without per-route history requests', async () => {
    for (let i = 0; i < 10; i++) expect((await get(c.port, '/')).status).toBeLessThan(500);
    // The API's own answers: a 404 that names cluster mode for both (what the dashboard must not ask).
    const routes = await getJson(c.port, `${BASE}/routes/?limit=20`);
    const row = (routes.data.data as { routes: Array<{ method: string; route: string }> }).routes[0];
    expect(row).toBeDefined();
    const history = await getJson(
      c.port,
      `${BASE}/history/?route=${encodeURIComponent(row!.route)}&method=${encodeURIComponent(row!.method)}`,
    );
    expect(history.status).toBe(404);
    expect(history.data.error.message).toContain('cluster mode');
    const capacity = await getJson(c.port, `${BASE}/capacity/`);
    expect(capacity.status).toBe(200);
    expect(capacity.data.data.too_little_data).toBe(true);

    const { page, errors, failed } = await openPage(browser.context);
    await page.goto(`http://127.0.0.1:${c.port}${BASE}/dashboard/`);
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('live');
    await page.locator('#routes-body tr.route-row').first().waitFor({ timeout: 30_000 });
    // A fresh cluster: the panel is shown and says there is too little history yet.
    await expect
      .poll(() => page.locator('#capacity').getAttribute('data-too-little-data'), { timeout: 30_000 })
      .toBe('true');
    expect(await page.locator('#capacity').isHidden()).toBe(false);
    await page.locator('#routes-body tr.route-row').first().click();
    await expect
      .poll(() => page.locator('#route-detail').textContent())
      .toContain('cluster mode: one-minute route history is kept per process');
    expect(errors, failedNote(failed)).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  }, 120_000);
});
