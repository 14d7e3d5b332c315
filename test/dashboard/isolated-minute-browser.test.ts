// Busy minutes between idle ones, in Debian's Chromium: the latency and error-rate charts must draw
// them (outside review: a minute with 114 requests, p95 1212 ms and 5 errors vanished from both charts in
// the Live and 1h views, because a line needs two points and its neighbours are gaps).

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryPoint, HistoryResult } from '../../src/history/point.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
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

if (skipBrowser) console.warn(`isolated-minute browser test skipped: ${MISSING}`);

const TOKEN = 'isolated-minute-token';
const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 30);
const BUSY = [30, 15]; // minutes before NOW: two busy minutes, each between idle ones

/** Pixels of the chart's canvas, in a 5-px column around the time `t`, that differ from the background. */
function inkAt(page: Page, chart: string, t: number, range: [number, number]): Promise<number> {
  return page.locator(`[data-chart="${chart}"] canvas`).evaluate(
    (canvas: HTMLCanvasElement, [t, lo, hi]) => {
      const over = canvas.parentElement?.querySelector('.u-over') as HTMLElement;
      const box = over.getBoundingClientRect();
      const cbox = canvas.getBoundingClientRect();
      const scale = canvas.width / cbox.width;
      const x = Math.round((box.left - cbox.left + ((t - lo) / (hi - lo)) * box.width) * scale);
      const top = Math.round((box.top - cbox.top) * scale);
      const height = Math.round(box.height * scale);
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      const data = ctx.getImageData(x - 2, top, 5, height).data;
      let ink = 0;
      // Colored pixels only: the grid is grey (r = g = b), the series are not.
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i] as number;
        const g = data[i + 1] as number;
        const b = data[i + 2] as number;
        const a = data[i + 3] as number;
        if (a > 0 && (Math.abs(r - g) > 40 || Math.abs(g - b) > 40)) ink++;
      }
      return ink;
    },
    [t, range[0], range[1]] as const,
  );
}

describe.skipIf(skipBrowser)('a busy minute between idle ones, in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // An hour of minutes through the monitor itself: idle, then one with 114 requests (5 failing, the
    // slowest 1.2 s), then idle again.
    let now = NOW - 60 * MIN;
    const clock = { now: () => now };
    const store = new MemoryStore({ clock });
    monitor = createMonitor({ sampleIntervalMs: 0, clock, store, instanceId: 'web-1', logger: silentLogger });
    for (let m = 59; m >= 1; m--) {
      now = NOW - m * MIN - 30_000;
      if (BUSY.includes(m)) {
        for (let i = 0; i < 114; i++) {
          const durationMs = i < 10 ? 1212 : 300;
          monitor.recordRequest({ method: 'GET', route: '/r', status: i < 5 ? 500 : 200, durationMs });
        }
      }
      now = NOW - m * MIN;
      await monitor.flush();
    }
    now = NOW;
    served = await serveAdmin(monitor, { adminToken: TOKEN });
    base = `${served.url}${BASE}`;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await monitor?.close();
  });

  it('draws each busy minute on the latency and error-rate charts of the 1h view', async () => {
    const { page, errors, failed } = await openPage(browser.context, TOKEN);
    await page.goto(`${base}/dashboard/`);
    await page.locator('button[data-period="1h"]').click();
    await expect.poll(() => page.locator('#charts').getAttribute('data-loaded-period')).toBe('1h');
    const result = await apiData<HistoryResult>(`${base}/history/?period=1h`, TOKEN);
    const busy = result.points.filter((p) => p.requests > 0);
    expect(busy.map((p) => p.requests)).toEqual([114, 114]); // the oracle: two points, each between gaps
    expect(busy[0]?.latency_p95_ms).toBeGreaterThan(1000);
    const t = (busy[0] as HistoryPoint).t / 1000;
    const range: [number, number] = [Date.parse(result.start) / 1000, Date.parse(result.end) / 1000];
    for (const chart of ['latency', 'errors']) {
      await expect
        .poll(() => page.locator(`[data-chart="${chart}"]`).getAttribute('data-isolated'))
        .toBe('2');
      expect(await inkAt(page, chart, t, range), chart).toBeGreaterThan(0);
      // Away from it, nothing is drawn: the idle minutes are gaps, not zeros.
      expect(await inkAt(page, chart, t - 10 * 60, range), `${chart} 10 min before`).toBe(0);
    }
    expect(errors, failedNote(failed)).toEqual([]);
  });
});
