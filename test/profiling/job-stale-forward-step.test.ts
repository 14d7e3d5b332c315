// Outside review A, t30: a job with expectEvery 30 s succeeded, the wall clock stepped forward 5 min (NTP, a VM
// resume) and 50 ms later job_stale said "has not succeeded for 300 s". Staleness and since_success_seconds count the
// real time elapsed since the last success, on the monitor's monotonic clock, whatever the wall clock does (forward
// or back); the timestamps shown stay wall time. Oracle: the injected monotonic clock's elapsed time since the run.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A monitor on an injected wall clock (true time + offset) and monotonic clock (true time). */
function setup() {
  const c = { t: 0, offset: 0 };
  const events: string[] = [];
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: () => T0 + c.t + c.offset },
    monotonicClock: { now: () => 5_000 + c.t },
    onAlert: (e) => {
      if (e.alert.rule === 'job_stale') events.push(`${e.type} ${e.alert.message}`);
    },
  });
  monitors.push(m);
  const sync = m.job('sync', () => 1, { expectEvery: 30_000 }); // stale after 60 s
  const watched = async () => {
    await m.sample();
    return (await m.getMetrics()).jobs?.watched.find((w) => w.name === 'sync');
  };
  return { c, events, m, sync, watched };
}

describe('job staleness counts real time across wall clock steps (outside review A, t30)', () => {
  for (const step of [5 * MIN, 2 * 60 * MIN, -5 * MIN, -2 * 60 * MIN]) {
    it(`wall clock stepped ${step > 0 ? 'forward' : 'back'} ${step / MIN} min: elapsed and stale as true time`, async () => {
      const { c, events, m, sync, watched } = setup();
      c.t = 1_000;
      sync();
      const ranAt = c.t;
      c.t = 11_000;
      expect(await watched()).toMatchObject({ since_success_seconds: 10, stale: false });
      c.offset = step;
      c.t += 50; // 50 ms after the step
      expect(await watched()).toEqual({
        name: 'sync',
        since_success_seconds: Math.round((c.t - ranAt) / 1000),
        limit_seconds: 60,
        stale: false,
      });
      expect(events).toEqual([]);
      c.t = ranAt + 59_000;
      expect(await watched()).toMatchObject({ since_success_seconds: 59, stale: false });
      expect(events).toEqual([]);
      // Really stale: 61 s of true time without a success, whatever the step.
      c.t = ranAt + 61_000;
      expect(await watched()).toMatchObject({ since_success_seconds: 61, stale: true });
      expect(events.map((e) => e.split(' ')[0])).toEqual(['raised']);
      expect(events[0]).toContain('61 s');
      // The timestamp shown is the wall clock's at the run (before the step).
      expect(m.jobs.rows().find((r) => r.name === 'sync')?.last_success).toEqual({
        timestamp: new Date(T0 + ranAt).toISOString(),
      });
      sync();
      c.t += 5_000;
      expect(await watched()).toMatchObject({ since_success_seconds: 5, stale: false });
    });
  }
});
