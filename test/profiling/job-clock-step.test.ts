// Jobs' since_success_seconds and staleness measure elapsed time on the steady view of the clock: a wall clock
// stepped back an hour read 0 s since the last success and not stale for the hour after (and a step forward
// still reads as time passing). The timestamps shown stay wall time. Oracle: true time since the success.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const HOUR = 3_600_000;

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('jobs across a wall clock stepped back an hour', () => {
  it('since_success_seconds and stale count true time; last_success stays the wall time of the run', async () => {
    let t = 0; // true time since T0
    let offset = 0;
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock: { now: () => T0 + t - offset },
    });
    monitors.push(m);
    const sync = m.job('sync', () => 1, { expectEvery: 60_000 }); // stale after 120 s
    t = 10_000;
    sync();
    const watched = async () => (await m.getMetrics()).jobs?.watched.find((w) => w.name === 'sync');
    t = 30_000;
    expect(await watched()).toEqual({
      name: 'sync',
      since_success_seconds: 20,
      limit_seconds: 120,
      stale: false,
    });
    // The step back, read at the instant it happens (the step takes no time).
    offset = HOUR;
    expect((await watched())?.since_success_seconds).toBe(20);
    t = 100_000;
    expect(await watched()).toEqual({
      name: 'sync',
      since_success_seconds: 90,
      limit_seconds: 120,
      stale: false,
    });
    t = 140_000;
    // Before: 0 s and not stale (for an hour).
    expect(await watched()).toEqual({
      name: 'sync',
      since_success_seconds: 130,
      limit_seconds: 120,
      stale: true,
    });
    const row = m.jobs.rows().find((r) => r.name === 'sync');
    expect(row?.stale).toBe(true);
    expect(row?.last_success).toEqual({ timestamp: new Date(T0 + 10_000).toISOString() });
    // A success after the step: counted from then, its timestamp the (stepped) wall time.
    sync();
    t = 150_000;
    expect(await watched()).toEqual({
      name: 'sync',
      since_success_seconds: 10,
      limit_seconds: 120,
      stale: false,
    });
    expect(m.jobs.rows().find((r) => r.name === 'sync')?.last_success).toEqual({
      timestamp: new Date(T0 + 140_000 - HOUR).toISOString(),
    });
  });
});
