// The slow-query log (issue 15): the last N statements at or over the threshold (default 500 ms), newest
// first, with duration, time and route; fingerprints only, never the literal values.

import { describe, expect, it } from 'vitest';
import { fingerprintSql } from '../../src/profiling/fingerprint.js';
import { QueryStats } from '../../src/profiling/query-stats.js';

describe('slow-query log', () => {
  it('keeps the last N queries at or over 500 ms by default, newest first, with duration, time and route', () => {
    const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 0), now: () => clock.t };
    const q = new QueryStats({ slowLogSize: 3 }, clock);
    const sql = (id: number) =>
      fingerprintSql(`SELECT * FROM users WHERE id = ${id} AND name = 'secret-${id}'`);
    const durations = [499.999, 500, 612.5, 700, 812.25];
    durations.forEach((ms, i) => {
      clock.t += 1000;
      q.record('postgresql', sql(i), ms, i === 4, i % 2 === 0 ? '/users/:id' : undefined);
    });
    const log = q.slowQueries();
    expect(log).toEqual([
      {
        system: 'postgresql',
        fingerprint: sql(4),
        duration_ms: 812.25,
        timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, 5)).toISOString(),
        failed: true,
        route: '/users/:id',
      },
      expect.objectContaining({ duration_ms: 700, route: null, failed: false }),
      expect.objectContaining({ duration_ms: 612.5, route: '/users/:id' }),
    ]);
    // 499.999 ms was never logged and 500 ms fell out of the 3-entry log; no literal value is kept.
    expect(JSON.stringify(log)).not.toMatch(/secret|= \d/);
    expect(q.rows()[0]?.count).toBe(5);
  });
});

describe('queries/ last-minute p95', () => {
  it('is null when no query ran in the last minute, not 0 ms', () => {
    const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 0), now: () => clock.t };
    const q = new QueryStats({}, clock);
    expect(q.report()).toMatchObject({ window_count: 0, window_p95_ms: null });
    q.record('postgresql', 'SELECT ?', 40, false);
    expect(q.report()).toMatchObject({ window_count: 1, window_p95_ms: 40 });
    clock.t += 121_000; // the window has moved past it
    expect(q.report()).toMatchObject({ window_count: 0, window_p95_ms: null });
  });
});
