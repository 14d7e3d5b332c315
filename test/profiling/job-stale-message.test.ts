// job_stale while it stays active: its message and value follow the time since the last success (injected clock).

import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('job_stale while active', () => {
  // Outside review: the message kept the figure of fire time ("has not succeeded for 601 s") for as long as
  // the alert stayed active, beside a value that moved on. Oracle: seconds since the success on the clock.
  it('says how long since the last success now, not when it fired', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = createMonitor({ sampleIntervalMs: 0, clock, logger: { warn() {}, error() {} } });
    monitors.push(m);
    const run = m.job('digest', () => undefined, { expectEvery: '5m' });
    run();
    const succeededAt = clock.t;
    const active = async () => {
      await m.sample();
      return m.alertSystem.getActiveAlerts().find((a) => a.rule === 'job_stale');
    };
    clock.t += 601_000;
    const fired = await active();
    expect(fired?.message).toBe('Job digest has not succeeded for 601 s (limit 600 s)');
    clock.t += 299_000; // 15 min since the success
    const later = await active();
    const since = (clock.t - succeededAt) / 1000;
    expect(later?.id).toBe(fired?.id); // the same alert, still active
    expect(later?.value).toBe(since);
    expect(later?.message).toBe(`Job digest has not succeeded for ${since} s (limit 600 s)`);
  });
});
