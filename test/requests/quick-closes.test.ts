// Regression (outside review 8, F6), at the RequestStats level on an injected clock: an early close whose client
// waited less than `unansweredMinWaitMs` (100 ms by default) is a quick close, counted in `count_aborted_quick` (of
// count_aborted_early) and not toward the `unanswered` verdict; at the floor and above it counts as before. 30
// connections that sent `GET /<random>` and closed at once paged an idle service. The oracle is the closes recorded
// and their durations; the boundary is to the µs, as abortedFailureMs's.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import type { RequestStatsOptions } from '../../src/requests/request-options.js';
import { RequestStats } from '../../src/requests/requests.js';
import {
  ANSWERED_CLOSE_COLUMN,
  BODY_CLOSE_COLUMN,
  UNMATCHED_ROUTE,
} from '../../src/requests/route-counters.js';

const START = 1_700_000_000_000;
const ALIGNED = START - (START % 60_000);
const MIN = 20; // minRequests (the default)

function stats(options: RequestStatsOptions = {}) {
  const clock = { t: ALIGNED + 1_000, now: () => clock.t };
  return new RequestStats({ clock, ...options });
}

const closes = (s: RequestStats, n: number, ms: number, route = UNMATCHED_ROUTE) => {
  for (let i = 0; i < n; i++) s.record('GET', route, 499, ms);
};

describe('quick closes (before unansweredMinWaitMs) do not make a window unanswered', () => {
  it(`an idle service, 30 closes after 0-99.999 ms: quick, not unanswered; ${MIN} at the floor (100 ms) page`, () => {
    const s = stats();
    expect(s.config.unansweredMinWaitMs).toBe(100);
    for (const ms of [0, 0.001, 1, 5, 50, 99, 99.999]) closes(s, 1, ms);
    closes(s, 23, 3);
    // Their 404s, where the server wrote them first: unmatched, not judged.
    for (let i = 0; i < 10; i++) s.record('GET', UNMATCHED_ROUTE, 404, 1);
    const quiet = s.groups().errors;
    expect(quiet).toMatchObject({ count_aborted: 30, count_aborted_early: 30, count_aborted_quick: 30 });
    expect(quiet.unanswered).toBeUndefined();
    expect(quiet.status).not.toBe('critical');
    // At the floor: counted toward the rule (MIN - 1 of them: not yet).
    closes(s, MIN - 1, 100);
    expect(s.groups().errors.unanswered).toBeUndefined();
    closes(s, 1, 100.001, '/hang');
    const paged = s.groups().errors;
    expect(paged).toMatchObject({
      status: 'critical',
      unanswered: true,
      count_aborted_early: 30 + MIN,
      count_aborted_quick: 30,
      error_rate_percent: 100,
    });
    expect(paged.reason).toContain(`${MIN} were closed unanswered (after`);
  });

  it('the boundary to the µs with a custom floor: floor − 1 µs quick, the floor not; failed closes never quick', () => {
    const s = stats({ unansweredMinWaitMs: 250 });
    closes(s, MIN, 249.999);
    expect(s.groups().errors).toMatchObject({ count_aborted_quick: MIN, count_aborted_early: MIN });
    expect(s.groups().errors.unanswered).toBeUndefined();
    const t = stats({ unansweredMinWaitMs: 250 });
    closes(t, MIN, 250);
    expect(t.groups().errors).toMatchObject({ count_aborted_quick: 0, unanswered: true });
    // After abortedFailureMs: failed requests, neither early nor quick.
    const f = stats({ unansweredMinWaitMs: 250 });
    closes(f, 3, 1_000);
    expect(f.groups().errors).toMatchObject({
      count_aborted: 3,
      count_aborted_early: 0,
      count_aborted_quick: 0,
    });
  });

  it('answered and body closes are never quick (their own columns, duration 0); a 499 by hand is judged by its duration', () => {
    const s = stats();
    for (let i = 0; i < 4; i++) s.recordWaitedClose('GET', '/big', ANSWERED_CLOSE_COLUMN);
    for (let i = 0; i < 5; i++) s.recordWaitedClose('POST', '/echo', BODY_CLOSE_COLUMN);
    closes(s, 6, 10);
    expect(s.groups().errors).toMatchObject({
      count_aborted_early: 15,
      count_aborted_answered: 4,
      count_aborted_body: 5,
      count_aborted_quick: 6,
    });
  });

  it('unansweredMinWaitMs 0 is the rule before it: every early close counts, none is quick', () => {
    const s = stats({ unansweredMinWaitMs: 0 });
    closes(s, MIN, 0);
    expect(s.groups().errors).toMatchObject({ count_aborted_quick: 0, unanswered: true, status: 'critical' });
  });

  it('above abortedFailureMs it acts as abortedFailureMs (default or given); abortedFailureMs 0 leaves nothing quick', () => {
    expect(stats({ abortedFailureMs: 50 }).config.unansweredMinWaitMs).toBe(50);
    expect(stats({ abortedFailureMs: 500, unansweredMinWaitMs: 5_000 }).config.unansweredMinWaitMs).toBe(500);
    const s = stats({ abortedFailureMs: 50 });
    closes(s, MIN, 49.999);
    closes(s, 2, 50); // failed requests
    expect(s.groups().errors).toMatchObject({ count_aborted_early: MIN, count_aborted_quick: MIN });
    expect(s.groups().errors.unanswered).toBeUndefined();
    const all = stats({ abortedFailureMs: 0, unansweredMinWaitMs: 100 });
    expect(all.config.unansweredMinWaitMs).toBe(0);
    closes(all, 2, 0);
    all.recordWaitedClose('GET', '/big');
    expect(all.groups().errors).toMatchObject({
      count_aborted: 3,
      count_aborted_early: 0,
      count_aborted_quick: 0,
    });
  });

  it('invalid values: ERR_SYSVITALS_INVALID_OPTION from RequestStats and createMonitor, nothing created', () => {
    for (const bad of [-1, 1.5, Number.NaN, '100', 3_600_001, Number.POSITIVE_INFINITY]) {
      const options = { unansweredMinWaitMs: bad as number };
      expect(() => stats(options)).toThrow(expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }));
      expect(() => createMonitor({ ...options, sampleIntervalMs: 0 })).toThrow(
        expect.objectContaining({
          code: 'ERR_SYSVITALS_INVALID_OPTION',
          message: expect.stringContaining('unansweredMinWaitMs'),
        }),
      );
    }
    for (const good of [0, 1, 100, 3_600_000])
      expect(() => stats({ unansweredMinWaitMs: good })).not.toThrow();
  });
});
