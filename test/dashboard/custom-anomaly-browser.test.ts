// Opted-in custom and plugin series on the dashboard in Debian's Chromium: a monitor on an injected
// clock learns a day and 10 quiet minutes (scores come after a day: ANOMALY_LEARNING_POINTS) of a queue depth, then a spike; the panels' sparklines must shade
// exactly the samples that fall in a minute the API's snapshot scores at or above the anomaly level.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import {
  apiData,
  type Browser,
  failedNote,
  launch,
  MISSING,
  openPage,
  skipBrowser,
} from './browser-helpers.js';

if (skipBrowser) console.warn(`custom anomaly browser test skipped: ${MISSING}`);

const TOKEN = 'custom-anomaly-token';
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 8, 0);
const PLUGIN_SERIES = 'plugins.broker.queues.jobs.messages';

/** The sample times (seconds) of a panel's sparkline and those it shades. */
function sparkOf(page: Page, key: string) {
  return page.locator(`#custom-panels [data-metric="${key}"]`).evaluate((card) => {
    const svg = card.querySelector('svg.spark') as SVGSVGElement;
    return {
      times: (svg.dataset.times ?? '').split(' ').filter(Boolean).map(Number),
      shaded: Array.from(svg.querySelectorAll<SVGRectElement>('rect.spark-anomaly')).map((r) =>
        Number(r.dataset.t),
      ),
    };
  });
}

describe.skipIf(skipBrowser)('anomalies of opted-in custom and plugin series in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let browser: Browser;
  let base: string;
  let now = T0;
  let depth = 10;

  /** One quiet (or spiking) minute: the value observed for both series, then the minute closes. */
  async function minute(m: number, value: number): Promise<void> {
    now = T0 + m * MIN + 30_000;
    monitor.analytics.observe('queue_depth', value);
    monitor.analytics.observe(PLUGIN_SERIES, value);
    monitor.recordRequest({ method: 'GET', route: '/', status: 200, durationMs: 5 });
    now = T0 + (m + 1) * MIN;
    await monitor.flush();
  }

  beforeAll(async () => {
    monitor = createMonitor({
      sampleIntervalMs: 0,
      clock: { now: () => now },
      logger: silentLogger,
      collectors: [{ name: 'broker', collect: () => ({ queues: { jobs: { messages: depth } } }) }],
    });
    monitor.gauge('queue_depth', { help: 'Jobs waiting', collect: () => depth });
    for (let m = 0; m < 1450; m++) await minute(m, 10 + ((m * 7) % 5));
    served = await serveAdmin(monitor, { adminToken: TOKEN });
    base = `${served.url}${BASE}`;
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await monitor?.close();
  });

  it('shades the samples of the minutes scored at or above the level, and no other', async () => {
    const { page, errors, failed } = await openPage(browser.context, TOKEN);
    const M = T0 + 1450 * MIN; // the spike's minute
    now = M + 2_000;
    await page.goto(`${base}/dashboard/`);
    await page.locator('#custom-panels [data-metric="custom.queue_depth"]').waitFor();
    const samples = async (t: number) => {
      now = t;
      const s = await monitor.sample();
      // Wait until the page has drawn this sample.
      await expect
        .poll(async () =>
          (await sparkOf(page, 'custom.queue_depth')).times.includes(Date.parse(s.timestamp) / 1000),
        )
        .toBe(true);
    };
    await samples(M + 5_000);
    depth = 100;
    await samples(M + 20_000);
    await minute(1450, 100);
    depth = 12;
    await samples(M + 65_000);

    const api = await apiData<MetricsSnapshot>(`${base}/metrics/`, TOKEN);
    expect(api.timestamp).toBe(new Date(M + 65_000).toISOString());
    const scoredAt = Date.parse(api.anomaly?.scored_at ?? '') / 1000;
    expect(scoredAt).toBe(M / 1000);
    for (const [key, series] of [
      ['custom.queue_depth', 'queue_depth'],
      ['plugins.broker', PLUGIN_SERIES],
    ] as const) {
      const score = api.anomaly?.scores[series] as number;
      expect(score, series).toBeGreaterThanOrEqual(api.anomaly?.threshold as number);
      const spark = await sparkOf(page, key);
      expect(spark.times.length).toBeGreaterThanOrEqual(4);
      // The oracle: a sample is shaded iff it falls in the scored minute [scored_at, +60 s) of a score ≥ level.
      const expected = spark.times.filter((t) => t >= scoredAt && t < scoredAt + 60);
      expect(spark.shaded, key).toEqual(expected);
      expect(expected).toEqual(
        [(M + 2_000) / 1000, (M + 5_000) / 1000, (M + 20_000) / 1000].filter((t) => spark.times.includes(t)),
      );
      expect(
        await page.locator(`#custom-panels [data-metric="${key}"]`).getAttribute('data-anomaly-series'),
      ).toBe(series);
    }
    expect(errors, failedNote(failed)).toEqual([]);
    await page.close();
  }, 90_000);
});
