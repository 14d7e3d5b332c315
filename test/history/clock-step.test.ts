// Regression (red-team figures F10): after the wall clock steps back (NTP, VM restore), history/ still returns
// the points flushed before and after the step (not nothing for the size of the step). Oracle: the requests sent.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute boundary
const HOUR = 3_600_000;

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function make(clock: { now(): number }): SystemMonitor {
  const store = new MemoryStore({ clock: { now: () => B } });
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock, store });
  monitors.push(monitor);
  return monitor;
}

function send(m: SystemMonitor, n: number): void {
  for (let i = 0; i < n; i++) m.recordRequest({ method: 'GET', route: '/q', status: 200, durationMs: 5 });
}

describe('a wall clock stepped back', () => {
  it('history/ still returns every point flushed, before and after the step (F10)', async () => {
    let now = B + 1_000;
    const m = make({ now: () => now });
    let sent = 0;
    // Three minutes before the step and two after it, 50 requests a minute, each minute flushed.
    for (let minute = 0; minute < 5; minute++) {
      if (minute === 3) now -= 30 * 60_000;
      send(m, 50);
      sent += 50;
      now += 60_000;
      await m.flush();
    }
    for (const period of ['1h', '24h'] as const) {
      const h = await m.getHistory({ period });
      expect(h.points.reduce((n, p) => n + p.requests, 0)).toBe(sent);
    }
    const stored = await m.store.readPoints(m.instanceId, B - 2 * HOUR, B + 2 * HOUR);
    expect(stored.reduce((n, p) => n + p.requests, 0)).toBe(sent);
  });
});
