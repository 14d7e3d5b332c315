// A job declared with `expectEvery` past jobs.maxJobs (gaps after outside review 46). Its runs are counted under
// `other`, a mix of jobs; `other` took the first folded job's `expectEvery`, so a broken folded job was hidden by
// any other folded job's success, and `job_stale` fired for "Job other" on the first folded job's period whatever
// job had failed. Now no folded job's `expectEvery` is watched (`other` never is), and the first such declaration
// is warned of once. Oracle: README Background jobs (stale when a job's own runs have not succeeded for more than
// twice its `expectEvery`; at most jobs.maxJobs names, later ones under `other`, their `expectEvery` not watched),
// on an injected clock.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor } from '../../src/monitor.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const HOUR = 3_600_000;

function start() {
  const clock = { t: T0, now: () => clock.t };
  const warnings: { obj: unknown; msg: string }[] = [];
  const logger = {
    info() {},
    debug() {},
    error() {},
    warn(obj: unknown, msg?: string) {
      warnings.push({ obj, msg: msg ?? '' });
    },
  };
  const events: AlertEvent[] = [];
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger,
    jobs: { maxJobs: 1 },
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      event_loop_delay: { enabled: false },
    },
    onAlert: (e) => {
      if (e.alert.rule === 'job_stale') events.push(e);
    },
  });
  return { m, clock, warnings, events };
}

describe('a job with expectEvery past jobs.maxJobs', () => {
  it('is warned of once, at the first such declaration', async () => {
    const { m, warnings } = start();
    try {
      m.job('own', () => 1, { expectEvery: '1h' });
      m.job('hourly', () => 1, { expectEvery: '1h' }); // folded: the first
      m.job('daily', () => 1, { expectEvery: '1d' }); // folded: another
      const folded = warnings.filter((w) => w.msg.includes('jobs.maxJobs'));
      expect(folded).toHaveLength(1);
      expect(folded[0]!.obj).toEqual({ job: 'hourly' });
      expect(folded[0]!.msg).toContain('`other`');
    } finally {
      await m.close();
    }
  });

  it('is not watched under `other`: job_stale only for the job under its own name', async () => {
    const { m, clock, events } = start();
    try {
      const own = m.job('own', () => 1, { expectEvery: '1h' });
      const hourly = m.job('hourly', () => 1, { expectEvery: '1h' }); // folded: the first
      const daily = m.job('daily', () => 1, { expectEvery: '1d' }); // folded: another
      own();
      daily(); // a success under `other`, at T0
      clock.t = T0 + 3 * HOUR; // 3 h: past twice 1 h for `own` and (were it watched) for `other`
      await m.sample();
      const group = m.jobs.group();
      expect(group.watched.map((w) => w.name)).toEqual(['own']);
      expect(group.stale).toEqual(['own']);
      const other = m.jobs.rows().find((r) => r.name === 'other')!;
      expect(other).toMatchObject({ runs: 1, expect_every_ms: null, stale: false });
      expect(events.map((e) => [e.type, e.alert.message])).toEqual([
        ['raised', 'Job own has not succeeded for 10800 s (limit 7200 s)'],
      ]);
      hourly();
      expect(m.jobs.rows().find((r) => r.name === 'other')!.runs).toBe(2);
    } finally {
      await m.close();
    }
  });

  it('declared without expectEvery past maxJobs: no warning', async () => {
    const { m, warnings } = start();
    try {
      m.job('own', () => 1);
      m.job('later', () => 1);
      expect(warnings.filter((w) => w.msg.includes('jobs.maxJobs'))).toEqual([]);
    } finally {
      await m.close();
    }
  });
});
