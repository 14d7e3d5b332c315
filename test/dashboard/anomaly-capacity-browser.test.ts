// Anomaly shading and the capacity panel in Debian's Chromium, against a monitor on an injected clock
// whose MemoryStore holds three days of synthetic points: the shaded stretches must sit exactly over
// the points whose score (in the API's history JSON) is at or above the anomaly rule's warning level,
// and each capacity figure on the page must be the API's `capacity/` figure, "too little data" included.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityReport } from '../../src/analytics/capacity.js';
import type { HistoryPoint, HistoryResult } from '../../src/history/point.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
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

if (skipBrowser) console.warn(`anomaly and capacity browser test skipped: ${MISSING}`);

const TOKEN = 'anomaly-browser-token';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const MIN = 60_000;
const DAY = 1440 * MIN;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 30); // a Thursday; 3 days of history end here
/** The anomaly rule's warning level, configured: the page must take it from the server. */
const THRESHOLD = 0.97;

/**
 * Scores of the last hour by minute (0 = one hour ago): runs, a score exactly at the level (shaded),
 * one just under it (not), scores between the configured level and the default one (shaded), a run cut
 * by a missing point, a single point; every other minute 0.2.
 */
const SCORES: Record<string, Record<number, number>> = {
  latency_p95: { 10: 0.99, 11: 1, 12: 0.975, 20: THRESHOLD, 21: 0.969, 34: 0.3, 35: 1 },
  cpu: { 40: 0.999, 41: 0.98, 42: 1, 43: 0.995, 44: 0.971 },
  error_rate: { 50: 1 },
  event_loop_delay: { 55: 0.995, 56: 0.996, 57: 0.5 },
  request_rate: { 30: 0.96 },
};
/** Minute 36 of the last hour has no point at all; minutes 25-27 served no request. */
const MISSING_MINUTE = 36;
const IDLE = new Set([25, 26, 27]);

function point(t: number): HistoryPoint {
  const mid = t + MIN / 2;
  const d = (mid - (NOW - 3 * DAY)) / DAY;
  // req/s: 100 + 10 a day + a daily cycle peaking at 06:30 (mid-hour: a peak on the hour would tie 05:00 and 06:00,
  // which capacity reads as no peak); CPU follows the traffic (so a cost per request exists).
  const rate = 100 + 10 * d + 50 * Math.sin((2 * Math.PI * ((mid % DAY) - 30 * MIN)) / DAY);
  const minute = Math.floor((t - (NOW - 60 * MIN)) / MIN);
  const idle = IDLE.has(minute);
  const p: HistoryPoint = {
    t,
    timestamp: new Date(t).toISOString(),
    samples: 12,
    cpu_avg_percent: 5 + rate * 0.2,
    cpu_max_percent: 5 + rate * 0.2,
    memory_avg_percent: 50,
    memory_max_percent: 50,
    disk_max_percent: 40,
    network_bytes_in_per_sec: 1000,
    network_bytes_out_per_sec: 2000,
    event_loop_p99_ms: 12,
    heap_used_mb: 80,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests: idle ? 0 : Math.round(rate * 60),
    errors_4xx: 0,
    errors_5xx: idle ? 0 : 3,
    latency_p50_ms: idle ? 0 : 20,
    latency_p95_ms: idle ? 0 : 80 + (minute % 7),
    latency_p99_ms: idle ? 0 : 150,
    latency_avg_ms: idle ? 0 : 30,
    latency_max_ms: idle ? 0 : 300,
    histogram: '',
  };
  if (minute >= 0) {
    p.anomaly = {};
    for (const [series, byMinute] of Object.entries(SCORES)) p.anomaly[series] = byMinute[minute] ?? 0.2;
  }
  return p;
}

interface ShownBand {
  from: number;
  to: number;
  left: number;
  width: number;
}

/** The bands a chart shows, with their position in the plot overlay, and the overlay's width. */
function bandsOf(page: Page, chart: string): Promise<{ width: number; bands: ShownBand[] }> {
  return page.locator(`[data-chart="${chart}"] .u-over`).evaluate((over) => {
    const box = over.getBoundingClientRect();
    return {
      width: box.width,
      bands: Array.from(over.querySelectorAll<HTMLElement>('.anomaly-band')).map((b) => {
        const r = b.getBoundingClientRect();
        return {
          from: Number(b.dataset.from),
          to: Number(b.dataset.to),
          left: r.left - box.left,
          width: r.width,
        };
      }),
    };
  });
}

/** The oracle: runs of consecutive points at or above the level, each reaching half a step around. */
function expectedBands(result: HistoryResult, series: string): Array<{ from: number; to: number }> {
  const step = result.step_seconds;
  const out: Array<{ from: number; to: number }> = [];
  let prevT: number | undefined;
  for (const p of result.points) {
    const t = p.t / 1000;
    const score = p.anomaly?.[series];
    const hot = score !== undefined && score >= THRESHOLD;
    const last = out[out.length - 1];
    if (hot && last && prevT !== undefined && t - prevT === step && last.to === prevT + step / 2)
      last.to = t + step / 2;
    else if (hot) out.push({ from: t - step / 2, to: t + step / 2 });
    prevT = t;
  }
  return out;
}

const CHART_SERIES: Record<string, string> = {
  latency: 'latency_p95',
  cpu: 'cpu',
  errors: 'error_rate',
  event_loop: 'event_loop_delay',
  requests: 'request_rate',
  memory: 'memory',
};

describe.skipIf(skipBrowser)('anomaly shading and the capacity panel in Chromium', () => {
  let monitor: SystemMonitor;
  let served: Served;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const clock = { now: () => NOW };
    const store = new MemoryStore({ clock });
    for (let t = NOW - 3 * DAY - 30_000; t < NOW - MIN; t += MIN) {
      const minute = Math.floor((t - (NOW - 60 * MIN)) / MIN);
      if (minute !== MISSING_MINUTE) await store.appendPoint('web-1', point(t));
    }
    monitor = createMonitor({
      sampleIntervalMs: 0,
      clock,
      store,
      instanceId: 'web-1',
      logger: silentLogger,
      alerts: { anomaly: { warning: THRESHOLD } },
    });
    served = await serveAdmin(monitor, { adminToken: TOKEN });
    base = `${served.url}${BASE}`;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await monitor?.close();
  });

  it('shades exactly the points at or above the anomaly level, in the 1h and 24h views', async () => {
    const { page, errors, failed } = await openPage(browser.context, TOKEN);
    await page.goto(`${base}/dashboard/`);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    // The level comes with the snapshot: the configured warning, not the default.
    const snapshot = await apiData<MetricsSnapshot>(`${base}/metrics/`, TOKEN);
    expect(snapshot.anomaly?.threshold).toBe(THRESHOLD);
    await expect.poll(() => page.locator('#anomaly-key').textContent()).toContain(`≥ ${THRESHOLD}`);
    // The monitor scored no minute of its own (its history is the store's): every series still learns, and the key
    // says the soonest first score the snapshot gives (anomaly.minutes_to_first_score), each series in its tooltip.
    const left = snapshot.anomaly?.minutes_to_first_score ?? {};
    expect(Object.keys(left).length).toBeGreaterThan(0);
    const soonest = Math.min(...Object.values(left));
    await expect
      .poll(() => page.locator('#anomaly-key').textContent())
      .toBe(`shaded: anomaly score ≥ ${THRESHOLD} · learning: first score in ${soonest} min`);
    expect(await page.locator('#anomaly-key').getAttribute('title')).toContain(`cpu ${left.cpu}`);

    for (const period of ['1h', '24h'] as const) {
      await page.locator(`button[data-period="${period}"]`).click();
      await expect.poll(() => page.locator('#charts').getAttribute('data-loaded-period')).toBe(period);
      const result = await apiData<HistoryResult>(`${base}/history/?period=${period}`, TOKEN);
      const start = Date.parse(result.start) / 1000;
      const end = Date.parse(result.end) / 1000;
      let total = 0;
      for (const [chart, series] of Object.entries(CHART_SERIES)) {
        const expected = expectedBands(result, series);
        total += expected.length;
        const shown = await bandsOf(page, chart);
        expect(
          shown.bands.map((b) => ({ from: b.from, to: b.to })).sort((a, b) => a.from - b.from),
          `${period} ${chart}`,
        ).toEqual(expected);
        // Where they are drawn: the x scale spans the period's [start, end].
        const x = (t: number) => ((t - start) / (end - start)) * shown.width;
        for (const b of shown.bands) {
          expect(b.left).toBeCloseTo(x(Math.max(start, b.from)), 0);
          expect(b.left + b.width).toBeCloseTo(x(Math.min(end, b.to)), 0);
        }
        // Every point at or above the level lies inside a band, every other point outside all of them.
        for (const p of result.points) {
          const px = x(p.t / 1000);
          const inside = shown.bands.some((b) => px > b.left && px < b.left + b.width);
          const score = p.anomaly?.[series];
          expect(inside, `${period} ${chart} ${p.timestamp} score ${score}`).toBe(
            score !== undefined && score >= THRESHOLD,
          );
        }
        expect(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-anomalies')).toBe(
          String(expected.length),
        );
      }
      expect(total).toBeGreaterThan(0);
    }
    // In the 1h view the latency line breaks over the minutes without requests (null, not 0).
    await page.locator('button[data-period="1h"]').click();
    await expect.poll(() => page.locator('#charts').getAttribute('data-loaded-period')).toBe('1h');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#charts').screenshot({ path: join(ARTIFACTS, 'dashboard-anomaly.png') });
    expect(errors, failedNote(failed)).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows each capacity figure as the API gives it, with its confidence, and too little data as such', async () => {
    const { page, errors, failed } = await openPage(browser.context, TOKEN);
    await page.goto(`${base}/dashboard/`);
    await page.locator('#capacity:not([hidden]) .capacity-row').first().waitFor();
    const report = await apiData<CapacityReport>(`${base}/capacity/`, TOKEN);
    expect(await page.locator('#capacity').getAttribute('data-generated-at')).toBe(report.generated_at);
    const figures: Record<string, { value: unknown; confidence: unknown; note: string }> = {
      'growth_per_day.request_rate': report.growth_per_day.request_rate,
      'growth_per_day.cpu_per_request': report.growth_per_day.cpu_per_request,
      'growth_per_day.memory': report.growth_per_day.memory,
      'headroom.cpu': report.headroom.cpu,
      'headroom.memory': report.headroom.memory,
      'busiest.hour_of_day': report.busiest.hour_of_day,
      'busiest.day_of_week': report.busiest.day_of_week,
      requests_per_core: report.requests_per_core,
    };
    const states = new Set<string>();
    for (const [key, f] of Object.entries(figures)) {
      const row = page.locator(`#capacity-list [data-figure="${key}"]`);
      expect(await row.getAttribute('data-value'), key).toBe(f.value === null ? 'null' : String(f.value));
      expect(await row.getAttribute('data-confidence'), key).toBe(
        f.confidence === null ? 'null' : f.confidence,
      );
      expect(await row.locator('.capacity-note').textContent(), key).toBe(f.note);
      const text = (await row.locator('.capacity-value').textContent()) ?? '';
      const state = await row.getAttribute('data-state');
      states.add(state ?? '');
      if (f.value === null && f.note.startsWith('too little data')) {
        expect(state, key).toBe('too-little-data');
        expect(text, key).toBe('too little data');
      } else {
        expect(await row.locator('.confidence').textContent(), key).toBe(
          f.confidence === null ? 'no estimate' : `${f.confidence} confidence`,
        );
        if (f.value === null) expect(text, key).toBe(key.startsWith('busiest.') ? 'no peak' : 'not growing');
        else if (typeof f.value === 'number' && key !== 'busiest.hour_of_day' && !text.startsWith('now'))
          // The figure as shown, to its displayed precision.
          expect(
            Math.abs(Number(/-?[\d,.]+/.exec(text.replace(/^in /, ''))?.[0].replace(/,/g, '')) - f.value),
          ).toBeLessThan(Math.max(0.0006, Math.abs(f.value) * 0.006));
      }
    }
    expect(await page.locator('[data-figure="busiest.hour_of_day"] .capacity-value').textContent()).toBe(
      `${String(report.busiest.hour_of_day.value).padStart(2, '0')}:00–${String(((report.busiest.hour_of_day.value as number) + 1) % 24).padStart(2, '0')}:00`,
    );
    // The synthetic history gives all three kinds: figures, "not growing" (flat memory), too little data (weekday).
    expect([...states].sort()).toEqual(['no-value', 'too-little-data', 'value']);
    expect(await page.locator('#capacity-summary').isHidden()).toBe(report.too_little_data === false);
    await page.locator('#capacity').screenshot({ path: join(ARTIFACTS, 'dashboard-capacity.png') });
    expect(errors, failedNote(failed)).toEqual([]);
    await page.close();
  }, 60_000);
});
