// Regression (red-team figures F2): after the wall clock steps back (NTP, VM restore), metrics/ is not served
// from the pre-step snapshot for the size of the step. Oracle: the requests sent.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createMonitor, type SystemMonitor } from '../src/monitor.js';

const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute boundary
const HOUR = 3_600_000;

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function make(clock: { now(): number }): SystemMonitor {
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock });
  monitors.push(monitor);
  return monitor;
}

function send(m: SystemMonitor, n: number): void {
  for (let i = 0; i < n; i++) m.recordRequest({ method: 'GET', route: '/q', status: 200, durationMs: 5 });
}

describe('a wall clock stepped back', () => {
  it('metrics/ (sampleIntervalMs 0) is collected again, not the pre-step snapshot for the size of the step (F2)', async () => {
    let now = B + 1_000;
    const m = make({ now: () => now });
    send(m, 10);
    now += 2_000;
    expect((await m.getMetrics()).requests?.total).toBe(10);
    now -= HOUR;
    let sent = 10;
    for (const advance of [0, 5_000, 30_000, 120_000, 600_000]) {
      send(m, 10);
      sent += 10;
      now += advance;
      expect((await m.getMetrics()).requests?.total).toBe(sent);
    }
  });
});
