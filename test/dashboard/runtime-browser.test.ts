// The runtime panel in Debian's Chromium against an Express app: requests in flight, shed count and the
// shedding state, event-loop delay and utilisation, GC pauses by kind, heap spaces, external memory,
// active resources and open fds. Every figure on the page must be the one the API's `metrics/` gave
// for the same snapshot (same timestamp); the capacity panel says "too little data" on a new monitor.

import { mkdirSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type ExpressMonitor } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';
import type { MetricsSnapshot } from '../../src/types.js';
import {
  apiData,
  at,
  type Browser,
  failedNote,
  launch,
  MISSING,
  openPage,
  skipBrowser,
} from './browser-helpers.js';

if (skipBrowser) console.warn(`runtime browser test skipped: ${MISSING}`);

const TOKEN = 'runtime-browser-token';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

/** The figures the page shows: path, raw value and text, with the snapshot's timestamp, read at once. */
function shownFigures(page: Page) {
  return page.evaluate(() => ({
    timestamp: document.getElementById('runtime')?.dataset.timestamp ?? '',
    figures: Array.from(document.querySelectorAll<HTMLElement>('#runtime [data-field]')).map((el) => ({
      field: el.dataset.field as string,
      value: el.dataset.value as string,
      text: el.textContent ?? '',
    })),
  }));
}

/** A shown text back to a number in the field's own unit (ms, %, MB, GB, count). */
function parseShown(field: string, text: string): number {
  const m = /(-?[\d,]+(?:\.\d+)?)\s*(ms|s|%|B|KB|MB|GB|TB|cores)?/.exec(text);
  if (!m) return Number.NaN;
  const v = Number((m[1] as string).replace(/,/g, ''));
  const unit = m[2] ?? '';
  const bytes: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
  if (unit in bytes) return (v * (bytes[unit] as number)) / (field.endsWith('_gb') ? 1024 ** 3 : 1024 ** 2);
  return unit === 's' ? v * 1000 : v;
}

describe.skipIf(skipBrowser)('runtime panel in Chromium', () => {
  let monitor: ExpressMonitor;
  let server: Server;
  let browser: Browser;
  let url: string;
  let overloaded = false;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    monitor = createMonitor({
      adminToken: TOKEN,
      rateLimit: false,
      sampleIntervalMs: 300,
      logger: silentLogger,
      shed: { maxHeapUsedBytes: 2 ** 40, sampleIntervalMs: 50 },
      // The load the shedding reads: a heap over the limit while `overloaded`.
      loadReader: () => ({
        eventLoopDelayMs: 1,
        eventLoopUtilization: 0.1,
        heapUsedBytes: overloaded ? 2 ** 41 : 2 ** 20,
        rssBytes: 2 ** 20,
      }),
    });
    const app = express();
    app.use(monitor.middleware());
    app.get('/hold', (_req, res) => {
      held.push(res);
    });
    app.get('/', (_req, res) => {
      res.json({ ok: true });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    for (const res of held) res.end();
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await monitor?.close();
  });

  it('shows in-flight requests, shed count, shedding and the runtime signals as metrics/ gives them', async () => {
    const admin = `${url}/api/core/admin/system`;
    // Two requests held open, then load over the limit: three more are shed with 503.
    const pending = [fetch(`${url}/hold`), fetch(`${url}/hold`)];
    await expect.poll(() => held.length).toBe(2);
    overloaded = true;
    await expect.poll(async () => (await fetch(`${url}/`)).status).toBe(503);
    for (let i = 0; i < 2; i++) expect((await fetch(`${url}/`)).status).toBe(503);

    const { page, errors, failed } = await openPage(browser.context, TOKEN);
    await page.goto(`${admin}/dashboard/`);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    await expect
      .poll(() => page.locator('[data-field="requests.shedding"]').getAttribute('data-value'))
      .toMatch(/heap/);

    // The same moment: the page's snapshot and metrics/ have the same timestamp (read the page on both sides).
    let shown: Awaited<ReturnType<typeof shownFigures>> | undefined;
    let api: MetricsSnapshot | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      const before = await shownFigures(page);
      const snap = await apiData<MetricsSnapshot>(`${admin}/metrics/`, TOKEN);
      const after = await shownFigures(page);
      if (before.timestamp === snap.timestamp && after.timestamp === snap.timestamp) {
        shown = after;
        api = snap;
        break;
      }
    }
    expect(shown, 'no page render matched a metrics/ answer').toBeDefined();
    if (!shown || !api) return;

    expect(api.requests.in_flight).toBe(2);
    expect(api.requests.shed_total).toBeGreaterThanOrEqual(3);
    const fields = new Set(shown.figures.map((f) => f.field));
    for (const required of [
      'requests.in_flight',
      'requests.shed_total',
      'requests.shedding',
      'process.event_loop_delay_p50_ms',
      'process.event_loop_delay_p99_ms',
      'process.event_loop_delay_max_ms',
      'process.event_loop_utilization_percent',
      'process.heap_used_mb',
      'process.external_mb',
      'process.array_buffers_mb',
      'process.open_fds',
      ...Object.keys(api.process.gc).flatMap((k) =>
        ['count', 'total_ms', 'max_ms'].map((f) => `process.gc.${k}.${f}`),
      ),
      ...Object.keys(api.process.heap_spaces).map((k) => `process.heap_spaces.${k}.used_mb`),
      ...Object.keys(api.process.active_resources).map((k) => `process.active_resources.${k}`),
    ]) {
      expect(fields.has(required), required).toBe(true);
    }
    // Container limits appear exactly when the snapshot has one.
    expect(fields.has('cpu.limit_cores')).toBe(api.cpu.limit_cores !== null);
    expect(fields.has('memory.limit_gb')).toBe(api.memory.limit_gb !== null);

    for (const f of shown.figures) {
      const expected = at(api, f.field);
      expect(f.value, f.field).toBe(expected === null || expected === undefined ? 'null' : String(expected));
      if (typeof expected === 'number') {
        // The text shows the same figure, to its displayed precision.
        const tolerance = Math.max(0.051, Math.abs(expected) * 0.0051);
        expect(
          Math.abs(parseShown(f.field, f.text) - expected),
          `${f.field}: "${f.text}" vs ${expected}`,
        ).toBeLessThanOrEqual(tolerance);
      }
    }
    expect(shown.figures.find((f) => f.field === 'requests.shedding')?.text).toBe('yes');
    expect(await page.locator('#runtime .shed-reason').textContent()).toBe(api.requests.shedding);

    // A new monitor has no history: the capacity panel says so, with no figure shown as a number.
    await page.locator('#capacity:not([hidden]) .capacity-row').first().waitFor();
    expect(await page.locator('#capacity').getAttribute('data-too-little-data')).toBe('true');
    expect(await page.locator('#capacity-summary').isVisible()).toBe(true);
    const values = await page.locator('#capacity-list .capacity-value').allTextContents();
    expect(values.length).toBe(8);
    for (const v of values) expect(v).toBe('too little data');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#runtime').screenshot({ path: join(ARTIFACTS, 'dashboard-runtime.png') });

    // Load back under the limit: shedding ends on the page, and the held requests finish.
    overloaded = false;
    await expect
      .poll(() => page.locator('[data-field="requests.shedding"]').textContent(), { timeout: 15_000 })
      .toBe('no');
    for (const res of held.splice(0)) res.end('done');
    await Promise.all(pending);
    await expect
      .poll(() => page.locator('[data-field="requests.in_flight"]').textContent(), { timeout: 15_000 })
      .toBe('0');
    // The routes table asks each route's minute history: 200 with no points until a minute closed with it.
    expect(errors, failedNote(failed)).toEqual([]);
    await page.close();
  }, 90_000);
});
