// Red-team 18, F3: a history step only partly covered by the monitor (the first after a start, the one holding a
// restart gap, the last one, which holds "now") reads at its true rate on the dashboard's "Request rate" chart,
// not requests ÷ the whole step. Oracle: the requests sent, the seconds the monitor was up and had closed its
// buckets in each step, both computed from the simulation's own timeline (test/helpers/coverage-timeline.ts).

import { describe, expect, it } from 'vitest';
import type { HistoryPeriod } from '../../src/history/periods.js';
import type { SystemMonitor } from '../../src/monitor.js';
import {
  at,
  expectExactCoverage,
  type Open,
  type Run,
  realRedis,
  requestRate,
  sharedMemory,
  simulate,
} from '../helpers/coverage-timeline.js';
import { requireRedis } from '../helpers/redis-server.js';

/** Started mid-minute and mid-step of every period; read mid-step and mid-minute. */
const START = at(10, 3, 20);
const READ = at(11, 12, 30);
/**
 * Instance a: 10 req/s until it stops at 10:41:30, down 10 minutes, back at 10:51:30 with 4 req/s. Instance b:
 * 2 req/s the whole time (the fleet view's union of coverage is b's).
 */
const RUNS: Run[] = [
  { id: 'a', from: START, to: at(10, 41, 30), perSecond: 10 },
  { id: 'a', from: at(10, 51, 30), to: Number.POSITIVE_INFINITY, perSecond: 4 },
  { id: 'b', from: START, to: Number.POSITIVE_INFINITY, perSecond: 2 },
];
const PERIODS: HistoryPeriod[] = ['1h', '24h', '7d'];

async function checkAll(open: Open) {
  const monitors: SystemMonitor[] = [];
  const { reader, tl } = await simulate(open, RUNS, READ, monitors);
  for (const period of PERIODS) {
    // The partial steps are there: a's first step (10:03:20 on), its restart gap, and the last one.
    expect(expectExactCoverage(await reader.getHistory({ period }), tl, ['a']).length).toBeGreaterThan(0);
    expectExactCoverage(await reader.getHistory({ period, instance: 'all' }), tl, ['a', 'b']);
  }
  // The figures red-team 18 plotted wrong (4.00 and 9.00 req/s for a steady 10): the 24h view's first step
  // 10:00 holds 10:03:20-10:05:00 (1 000 requests in 100 s), the 7d view's last 11:00-11:12 (2 880 in 720 s).
  const first = (await reader.getHistory({ period: '24h' })).points[0]!;
  expect([first.timestamp, first.requests, requestRate.history(first, 300)]).toEqual([
    '2026-12-06T10:00:00.000Z',
    1000,
    10,
  ]);
  const last = (await reader.getHistory({ period: '7d' })).points.at(-1)!;
  expect([last.timestamp, last.requests, requestRate.history(last, 1800)]).toEqual([
    '2026-12-06T11:00:00.000Z',
    2880,
    4,
  ]);
  await Promise.all(monitors.map((m) => m.close()));
}

describe('history rates over partly covered steps (red-team 18, F3)', () => {
  it('MemoryStore: every point of 1h, 24h and 7d, own and fleet, plots the exact rate', async () => {
    await checkAll(sharedMemory());
  }, 60_000);

  describe.skipIf(!requireRedis())('RedisStore', () => {
    const redis = realRedis();
    it('every point of 1h, 24h and 7d (rollups), own and fleet, plots the exact rate', async () => {
      await checkAll(redis('sv-steprate'));
    }, 60_000);
  });
});
