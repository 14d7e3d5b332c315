// GET capacity/ over HTTP on a real monitor whose MemoryStore holds a synthetic history with a known answer.

import { afterEach, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { seedMinutes } from '../helpers/history-points.js';
import { getJson, type Served, serve } from './admin-fixture.js';

const BASE = '/api/core/admin/system';
const MIN = 60_000;
const DAY = 1440 * MIN;
const NOW = Date.UTC(2026, 10, 26); // 3 days of history end here
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function start(): Promise<{ m: SystemMonitor; base: string; store: MemoryStore }> {
  const store = new MemoryStore({ clock: { now: () => NOW } });
  const m = createMonitor({ sampleIntervalMs: 0, clock: { now: () => NOW }, store, instanceId: 'web-1' });
  const api = createAdminApi(m, { rateLimit: false });
  const s: Served = await serve(async (req, res) => {
    if (!(await api.handle(req, res))) res.end('app');
  });
  cleanups.push(
    () => s.close(),
    () => m.close(),
  );
  return { m, base: `${s.url}${BASE}`, store };
}

describe('GET capacity/', () => {
  it('gives the request-rate growth per day of a synthetic 3-day history exactly', async () => {
    const { base, store } = await start();
    // requests/s = 100 + 10 a day + a ±50 daily cycle (flat CPU and memory).
    await seedMinutes(store, 'web-1', NOW - 3 * DAY, NOW, (t) => {
      const mid = t + MIN / 2;
      const d = (mid - (NOW - 3 * DAY)) / DAY;
      // The cycle peaks at 06:30, inside hour 6 (at 06:00 hours 5 and 6 tie; only the growth made it 6).
      return 60 * (100 + 10 * d + 50 * Math.sin((2 * Math.PI * ((mid % DAY) - 30 * MIN)) / DAY));
    });
    const r = await getJson(`${base}/capacity/`);
    expect(r.status).toBe(200);
    const data = r.body.data;
    expect(data.too_little_data).toBe(false);
    expect(data.window.step_seconds).toBe(1800);
    expect(data.growth_per_day.request_rate.value).toBeCloseTo(10, 3);
    // Three whole days: Sen's interval has no ends before five (README), so the exact growth is low.
    expect(data.growth_per_day.request_rate.confidence).toBe('low');
    expect(data.growth_per_day.request_rate.note).toMatch(/no 90 % interval before 5 whole days/);
    expect(data.growth_per_day.memory.value).toBeCloseTo(0, 6);
    expect(data.headroom.memory.value).toBeNull(); // flat: never reaches the warning
    expect(data.busiest.hour_of_day.value).toBe(6); // sin peaks at 06:30 UTC
    expect(data.busiest.day_of_week).toMatchObject({ value: null, confidence: null });
    expect(data.busiest.day_of_week.note).toMatch(/too little data/);
    expect(data.generated_at).toBe(new Date(NOW).toISOString());
  });

  it('says too little data on an empty history', async () => {
    const { base } = await start();
    const r = await getJson(`${base}/capacity/`);
    expect(r.status).toBe(200);
    expect(r.body.data.too_little_data).toBe(true);
    expect(r.body.data.requests_per_core.value).toBeNull();
  });
});
