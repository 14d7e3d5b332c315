// Takes the README's dashboard screenshots (docs/dashboard*.png) in Debian's Chromium: the Express
// example on a MemoryStore seeded with three days of synthetic history (a daily cycle, slow growth and
// three incidents, scored by the library's own anomaly detector), with live traffic on top.
//
//   npx tsx scripts/dashboard-screenshots.ts     (needs /usr/bin/chromium; writes docs/dashboard*.png)

import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { start } from '../examples/express.js';
import { Analytics } from '../src/analytics/analytics.js';
import { parseAnomalyRule, parseDiskFullRule, parseMemoryLeakRule } from '../src/analytics/rule-options.js';
import type { HistoryPoint } from '../src/history/point.js';
import { createHistogram, encodeHistogram, summarize } from '../src/latency/histogram.js';
import { silentLogger } from '../src/logger.js';
import { MemoryStore } from '../src/stores/memory.js';

const DOCS = join(import.meta.dirname, '..', 'docs');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TOKEN = 'screenshot-token';
const INSTANCE = 'web-1';

/** mulberry32, and a normal deviate from it: the same pictures on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { u, n: () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) };
}

async function seed(store: MemoryStore, end: number): Promise<void> {
  const r = prng(7);
  const analytics = new Analytics({
    anomaly: parseAnomalyRule({}),
    diskFull: parseDiskFullRule({ enabled: false }),
    memoryLeak: parseMemoryLeakRule({ enabled: false }),
    predict: [],
  });
  const from = end - 3 * DAY;
  // Memory ends near the machine's own figure, so that the live value and the history agree.
  const memoryNow = (1 - freemem() / totalmem()) * 100;
  for (let t = from; t < end; t += MIN) {
    const ago = end - t;
    const days = (t - from) / DAY;
    const daily = Math.sin(2 * Math.PI * ((t % DAY) / DAY - 0.3));
    const rate = Math.max(1, (30 + 4 * days) * (1 + 0.55 * daily) + r.n() * 1.5);
    const requests = Math.round(rate * 60);
    const cpuPlateau = ago < 9 * HOUR && ago >= 9 * HOUR - 25 * MIN;
    const slow = ago < 5 * HOUR && ago >= 5 * HOUR - 40 * MIN ? 3 : 1;
    const burst = ago < 2 * HOUR && ago >= 2 * HOUR - 8 * MIN;
    const h = createHistogram();
    for (let q = 0.5; q < 100; q += 1) {
      const z = Math.sqrt(2) * erfinv(q / 50 - 1);
      const ms = 28 * slow * Math.exp(0.45 * z) * (1 + r.n() * 0.03);
      h.recordValueWithCount(Math.max(1, Math.round(ms * 1000)), Math.max(1, Math.round(requests / 100)));
    }
    const lat = summarize(h);
    const cpu = cpuPlateau ? 95 + r.u() * 4 : Math.min(100, 12 + rate * 0.9 + r.n() * 2);
    const heap = 70 + 8 * Math.sin(((t % (6 * HOUR)) / (6 * HOUR)) * 2 * Math.PI) + r.n() * 0.5;
    const point: HistoryPoint = {
      t,
      timestamp: new Date(t).toISOString(),
      samples: 12,
      cpu_avg_percent: cpu,
      cpu_max_percent: Math.min(100, cpu + 6),
      memory_avg_percent: memoryNow - (3 - days) * 0.8 + r.n() * 0.3,
      memory_max_percent: memoryNow - (3 - days) * 0.8 + 1,
      disk_max_percent: 61 + days * 0.1,
      network_bytes_in_per_sec: rate * 2200 * (1 + r.n() * 0.05),
      network_bytes_out_per_sec: rate * 9100 * (1 + r.n() * 0.05),
      event_loop_p99_ms: 11 + rate * 0.08 + Math.abs(r.n()) * 2 + (cpuPlateau ? 40 : 0),
      heap_used_mb: heap,
      db_response_time_ms: null,
      redis_response_time_ms: null,
      websocket_connections: 0,
      requests,
      errors_4xx: Math.round(requests * 0.02),
      errors_5xx: Math.round(requests * (burst ? 0.08 : 0.002) * (1 + r.n() * 0.3)),
      latency_p50_ms: lat.p50_ms,
      latency_p95_ms: lat.p95_ms,
      latency_p99_ms: lat.p99_ms,
      latency_avg_ms: lat.avg_ms,
      latency_max_ms: lat.max_ms,
      histogram: encodeHistogram(h),
      series: {
        'process.event_loop_delay_max_ms': {
          kind: 'gauge',
          avg: 14,
          max: 16 + Math.abs(r.n()) * 6 + (cpuPlateau ? 60 : 0),
          n: 12,
        },
        'process.event_loop_utilization_percent': {
          kind: 'gauge',
          avg: Math.min(100, rate * 0.7 + r.n()),
          max: 60,
          n: 12,
        },
        'process.rss_mb': { kind: 'gauge', avg: heap + 62, max: heap + 64, n: 12 },
        'process.external_mb': { kind: 'gauge', avg: 4.2, max: 4.4, n: 12 },
      },
    };
    const scores = analytics.scorePoint(point);
    if (Object.keys(scores).length > 0) point.anomaly = scores;
    await store.appendPoint(INSTANCE, point);
  }
}

/** The inverse error function (Giles' approximation), for the latency quantiles. */
function erfinv(x: number): number {
  const w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    const v = w - 2.5;
    p = 2.81022636e-8;
    for (const c of [
      3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164,
      0.246640727, 1.50140941,
    ])
      p = c + p * v;
  } else {
    const v = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [
      0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
      2.83297682,
    ])
      p = c + p * v;
  }
  return p * x;
}

async function main(): Promise<void> {
  const end = Math.floor(Date.now() / MIN) * MIN;
  const store = new MemoryStore();
  await seed(store, end);
  delete process.env.REDIS_URL;
  const example = await start({
    port: 0,
    host: '127.0.0.1',
    monitor: { adminToken: TOKEN, store, instanceId: INSTANCE, sampleIntervalMs: 1000, logger: silentLogger },
  });
  let n = 0;
  const traffic = setInterval(() => {
    n++;
    const path = n % 7 === 0 ? '/slow' : n % 2 === 0 ? '/' : `/users/${n % 40}`;
    fetch(`${example.url}${path}`)
      .then((res) => res.arrayBuffer())
      .catch(() => {});
  }, 40);
  const context = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await context.newPage({
      viewport: { width: 1366, height: 900 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    await page.addInitScript((t) => window.sessionStorage.setItem('sysvitals.adminToken', t), TOKEN);
    await page.goto(`${example.adminUrl}/dashboard/`);
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.locator('#capacity:not([hidden]) .capacity-row').first().waitFor();
    await page.waitForTimeout(12_000); // live samples for the charts and tables
    await page.locator('button[data-period="24h"]').click();
    await page.locator('#charts[data-loaded-period="24h"]').waitFor();
    await page.waitForTimeout(500);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(DOCS, 'dashboard.png'), fullPage: true });
    // At the top, the sticky header stays at the top of the page and covers nothing below.
    const head = await page.locator('.charts-head').boundingBox();
    const grid = await page.locator('#charts').boundingBox();
    if (head && grid) {
      const clip = { x: 0, y: head.y - 8, width: 1366, height: grid.y + grid.height - head.y + 16 };
      await page.screenshot({ path: join(DOCS, 'dashboard-anomaly.png'), fullPage: true, clip });
    }
    await page.locator('#runtime').screenshot({ path: join(DOCS, 'dashboard-runtime.png') });
    await page.locator('#capacity').screenshot({ path: join(DOCS, 'dashboard-capacity.png') });
    console.log(
      'wrote docs/dashboard.png, dashboard-anomaly.png, dashboard-runtime.png, dashboard-capacity.png',
    );
  } finally {
    clearInterval(traffic);
    await context.close();
    await example.close();
  }
}

await main();
