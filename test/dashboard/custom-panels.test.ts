// Custom metrics and collector plugins on the dashboard in Debian's Chromium (playwright-core): a
// panel per metric and per plugin, from the snapshot alone, updated live as values change.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import { type Browser, DEFAULT_VIEWPORT, launch, MISSING, openPage, skipBrowser } from './browser-helpers.js';

if (skipBrowser) console.warn(`custom panels browser test skipped: ${MISSING}`);

describe.skipIf(skipBrowser)('application metrics panels in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let browser: Browser;
  let depth = 5;

  beforeAll(async () => {
    monitor = createMonitor({
      sampleIntervalMs: 200,
      logger: { warn() {}, error() {} },
      collectors: [{ name: 'broker', collect: () => ({ queues: { jobs: { messages: depth } } }) }],
    });
    const jobs = monitor.counter('jobs_processed', { help: 'Jobs processed', labels: ['queue'] });
    jobs.inc({ queue: 'email' }, 3);
    jobs.inc({ queue: 'sms' }, 2);
    monitor.gauge('queue_depth', { help: 'Jobs waiting', collect: () => depth });
    const size = monitor.histogram('payload_size', { help: 'Payload size' });
    for (const v of [1, 2, 3, 4, 100]) size.observe(v);
    served = await serveAdmin(monitor);
    browser = await launch(DEFAULT_VIEWPORT);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await monitor?.close();
  });

  it('shows a panel per custom metric and plugin, with no dashboard code, and follows the values live', async () => {
    const { page, pageErrors: errors } = await openPage(browser.context);
    await page.goto(`${served.url}${BASE}/dashboard/`);
    const panel = (key: string) => page.locator(`#custom-panels [data-metric="${key}"]`);
    await panel('custom.queue_depth').waitFor();
    expect(await page.locator('#custom-panels').isVisible()).toBe(true);
    expect(await panel('custom.jobs_processed').locator('.metric-value').textContent()).toMatch(/^5 · /);
    expect(await panel('custom.jobs_processed').locator('dl').textContent()).toContain('queue=email3');
    expect(await panel('custom.payload_size').locator('.metric-help').textContent()).toBe(
      'Payload size · histogram',
    );
    expect(await panel('custom.queue_depth').locator('.metric-value').textContent()).toBe('5');
    expect(await panel('plugins.broker').locator('dl').textContent()).toContain('queues.jobs.messages5');
    depth = 42;
    await expect.poll(() => panel('custom.queue_depth').locator('.metric-value').textContent()).toBe('42');
    await expect
      .poll(() => panel('plugins.broker').locator('dl').textContent())
      .toContain('queues.jobs.messages42');
    expect(await panel('custom.queue_depth').locator('svg.spark polyline').getAttribute('points')).toMatch(
      /,/,
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
