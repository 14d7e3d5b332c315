// Outside review 37, RT37-6: capacity's CPU per request is a ratio of sums over each trailing day (its CPU
// core-ms over its requests), not a mean of the 30-min steps' ratios, which weighed a quiet night step's idle
// CPU over its few requests as much as a busy step (68.5 core-ms read for an exact 31.0). A real monitor over
// a MemoryStore seeded with exact one-minute points (CPU % = 10 + 1.0 × req/s on 2 cores; 20 + 0.5 × day req/s,
// 5 % of that from 00:00 to 06:00 UTC); the oracle is computed here from those points.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { flatPoint } from '../helpers/history-points.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEP = 30 * MIN;
const CORES = 2;

const T0 = Date.UTC(2026, 10, 2); // a Monday
const perSecond = (t: number) => {
  const rate = 20 + 0.5 * ((t - T0) / DAY);
  return new Date(t).getUTCHours() < 6 ? rate * 0.05 : rate;
};
// The same figures on every minute of a 30-min step, CPU at 2 decimals: the store's step means are exact.
const point = (t: number) => {
  const requests = Math.round(perSecond(Math.floor(t / STEP) * STEP) * 60);
  const cpu = Math.round((10 + requests / 60) * 100) / 100; // percent of the host's 2 cores
  return { ...flatPoint(t, requests), cpu_avg_percent: cpu, cpu_max_percent: cpu };
};

/** The exact trailing-day CPU per request (core-ms) of the minute points in [e − 24 h, e). */
function exact(points: readonly ReturnType<typeof point>[], e: number): number {
  let coreMs = 0;
  let requests = 0;
  for (const p of points) {
    if (p.t < e - DAY || p.t >= e) continue;
    coreMs += (p.cpu_avg_percent / 100) * CORES * 60_000;
    requests += p.requests;
  }
  return coreMs / requests;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

describe('capacity CPU per request: a ratio of sums over the trailing day (RT37-6)', () => {
  it('reads the exact trailing-day core-ms per request and the slope of those figures, night dip and all', async () => {
    const end = T0 + 8 * DAY;
    const now = end + 1000;
    const clock = { now: () => now };
    const store = new MemoryStore({ clock });
    const points: ReturnType<typeof point>[] = [];
    for (let t = T0; t < end; t += MIN) {
      const p = point(t);
      points.push(p);
      await store.appendPoint('i1', p);
    }
    const m = createMonitor({ sampleIntervalMs: 0, clock, store, instanceId: 'i1' });
    let r: Awaited<ReturnType<typeof m.capacity>>;
    try {
      r = await m.capacity();
    } finally {
      await m.close();
    }
    expect(r.window.step_seconds * 1000).toBe(STEP);
    const f = r.growth_per_day.cpu_per_request;
    // Growth: the Theil–Sen slope of the exact trailing-day figures, one ending on every hour of the window
    // (the capacity window starts at its first whole step).
    const start = Date.parse(r.window.start as string);
    const times: number[] = [];
    const values: number[] = [];
    for (let e = start + DAY; e <= end; e += HOUR) {
      times.push(e);
      values.push(exact(points, e));
    }
    const slopes: number[] = [];
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) {
        slopes.push(
          ((values[j] as number) - (values[i] as number)) / ((times[j] as number) - (times[i] as number)),
        );
      }
    }
    const growth = median(slopes) * DAY;
    // "current": the last trailing day's (ending on the last whole hour after the window's first step).
    const current = values.at(-1) as number;
    // The mean of the last day's 48 step ratios, the figure the review saw, is over twice this.
    expect(current).toBeGreaterThan(30);
    expect(current).toBeLessThan(32);
    const shown = Number(/current (-?[\d.]+)/.exec(f.note)?.[1]);
    expect(shown).toBeCloseTo(current, 3);
    expect(f.value as number).toBeCloseTo(growth, 3); // the mean of step ratios read 5× this
  });
});
