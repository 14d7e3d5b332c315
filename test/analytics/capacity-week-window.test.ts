// capacity() reads the last 336 whole 30-min steps (outside review A3): the 7-day view's own window
// dropped the week's first step and kept the partial current one, so a profile flat within each day
// read as "busiest hour 10" and seven identical days as "Monday, 0 % above the next day". A real
// monitor on an injected clock over a MemoryStore seeded with one point a minute for exactly 7 days;
// the oracle is the raw counts: every hour (day) of the week has the same traffic, so no peak.

import { describe, expect, it } from 'vitest';
import { computeCapacity } from '../../src/analytics/capacity.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { seedMinutes } from '../helpers/history-points.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

async function capacity(end: number, perMinute: (t: number) => number) {
  const clock = { now: () => end };
  const store = new MemoryStore({ clock });
  await seedMinutes(store, 'i1', end - 7 * DAY, end, perMinute);
  const m = createMonitor({ sampleIntervalMs: 0, clock, store, instanceId: 'i1' });
  try {
    return await m.capacity();
  } finally {
    await m.close();
  }
}

describe('capacity over exactly the last week', () => {
  it('flat within each day, quieter weekends, ending Sunday 10:00: no busiest hour, no busiest day', async () => {
    const end = Date.UTC(2026, 10, 15, 10); // a Sunday
    const weekend = (t: number) => [0, 6].includes(new Date(t).getUTCDay());
    const r = await capacity(end, (t) => (weekend(t) ? 300 : 600));
    expect(r.window.points).toBe(336);
    expect(r.busiest.hour_of_day).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.hour_of_day.note).toMatch(/^no peak: every hour has the same mean/);
    expect(r.busiest.day_of_week).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.day_of_week.note).toMatch(/^no peak: Monday, Tuesday, Wednesday, Thursday, Friday have/);
  });

  it('seven identical days with hour 14 busier: hour 14, no busiest day', async () => {
    const end = Date.UTC(2026, 10, 15, 10);
    const r = await capacity(end, (t) => (new Date(t).getUTCHours() === 14 ? 660 : 600));
    expect(r.busiest.hour_of_day).toMatchObject({ value: 14, confidence: 'high' });
    expect(r.busiest.day_of_week).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.day_of_week.note).toMatch(/^no peak: every day has the same mean/);
  });
});

describe('a peak needs a margin', () => {
  const STEP = 30 * MIN;
  const monday = Date.UTC(2026, 10, 23);
  const run = (rate: (t: number) => number) => {
    const points = [];
    for (let t = monday; t < monday + 7 * DAY; t += STEP) {
      points.push({ t, requests: rate(t) * 1800, cpu_avg_percent: 10, memory_avg_percent: 50 });
    }
    return computeCapacity({ points, stepMs: STEP, cores: 4, cpuWarning: 80, memoryWarning: 80 });
  };
  const day = (t: number) => Math.floor((t - monday) / DAY);

  it('a top day less than 1 % above the next is no peak; 1 % or more is a peak', () => {
    const near = run((t) => (day(t) === 2 ? 100.5 : 100)).busiest.day_of_week;
    expect(near).toMatchObject({ value: null, confidence: null });
    expect(near.note).toBe('no peak: every day has a mean request rate within 1 % of the top (100.5 req/s)');
    expect(run((t) => (day(t) === 2 ? 101.5 : 100)).busiest.day_of_week.value).toBe('Wednesday');
  });

  it('an hour with the top mean that is the busiest on no full day is no peak', () => {
    // hour 2 at 110 every day (mean 110); on day d, hour 10 + d at 150 (mean 100 + 50 / 7 = 107.14):
    // hour 2 has the top mean but every day's busiest hour is another one.
    const r = run((t) => {
      const h = new Date(t).getUTCHours();
      return h === 2 ? 110 : h === 10 + day(t) ? 150 : 100;
    });
    expect(r.busiest.hour_of_day).toMatchObject({ value: null, confidence: null });
    expect(r.busiest.hour_of_day.note).toBe(
      'no peak: hour 2 has the top mean (110 req/s) but was the busiest on none of 7 full days',
    );
  });
});
