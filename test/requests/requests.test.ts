import { execFileSync } from 'node:child_process';
import { METHODS } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { createHistogram } from '../../src/latency/histogram.js';
import { COUNTS_LENGTH, microsOf } from '../../src/latency/latency-ring.js';
import type { RequestStatsOptions } from '../../src/requests/request-options.js';
import { RequestStats } from '../../src/requests/requests.js';
import { OTHER_HTTP_METHOD, OTHER_METHOD, OTHER_ROUTE } from '../../src/requests/route-counters.js';
import { rng } from '../helpers/random.js';

const START = 1_700_000_000_000; // a minute boundary: 1_700_000_000_000 % 60_000 === 20_000, so not aligned
const ALIGNED = START - (START % 60_000);

function setup(options: RequestStatsOptions = {}) {
  const clock = {
    t: ALIGNED,
    now() {
      return this.t;
    },
  };
  const stats = new RequestStats({ clock, ...options });
  return { clock, stats };
}

// The reference: the exact percentile of raw values, nearest-rank, as HDR approximates it.
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe('RequestStats options', () => {
  it('fills defaults', () => {
    const { stats } = setup();
    expect(stats.config).toMatchObject({ windowMs: 60_000, slots: 60, latencySlots: 4, maxRoutes: 100 });
    expect(stats.config.levels.error_rate).toEqual({ warning: 5, critical: 10 });
    expect(Object.isFrozen(stats.config)).toBe(true);
  });

  it.each([
    [{ windowMs: 10 }, 'ERR_SYSVITALS_INVALID_OPTION', /windowMs/],
    [{ slots: 0 }, 'ERR_SYSVITALS_INVALID_OPTION', /slots/],
    [{ slots: 60, latencySlots: 7 }, 'ERR_SYSVITALS_INVALID_OPTION', /must divide/],
    [{ maxRoutes: -1 }, 'ERR_SYSVITALS_INVALID_OPTION', /maxRoutes/],
    [{ maxRoute: 5 }, 'ERR_SYSVITALS_UNKNOWN_OPTION', /Did you mean `maxRoutes`/],
    [{ clock: {} }, 'ERR_SYSVITALS_INVALID_OPTION', /clock/],
    [{ abortedFailureMs: -1 }, 'ERR_SYSVITALS_INVALID_OPTION', /abortedFailureMs.*0 to 3600000/],
    [{ abortedFailureMs: 1.5 }, 'ERR_SYSVITALS_INVALID_OPTION', /abortedFailureMs/],
    [{ abortedFailureMs: '1000' }, 'ERR_SYSVITALS_INVALID_OPTION', /abortedFailureMs/],
    [{ abortedFailureMs: Number.NaN }, 'ERR_SYSVITALS_INVALID_OPTION', /abortedFailureMs/],
    [{ levels: { errors: { warning: 1 } } }, 'ERR_SYSVITALS_UNKNOWN_RULE', /unknown rule `errors`/],
    [{ levels: { error_rate: { warning: 150 } } }, 'ERR_SYSVITALS_INVALID_RULE', /0 to 100/],
    [
      { levels: { api_response_time: { warning: 900, critical: 500 } } },
      'ERR_SYSVITALS_INVALID_RULE',
      /above critical/,
    ],
  ])('rejects %j with a coded error that says what to fix', (options, code, message) => {
    let error: unknown;
    try {
      new RequestStats(options as RequestStatsOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SysvitalsError);
    expect((error as SysvitalsError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
  });
});

describe('RequestStats windows', () => {
  it('counts per minute over the sliding window and forgets requests older than it', () => {
    const { clock, stats } = setup();
    for (let s = 0; s < 60; s++) {
      clock.t = ALIGNED + s * 1000 + 500;
      stats.record('GET', '/a', 200, 5);
    }
    expect(stats.groups().requests.per_minute).toBe(60);
    // The window is the latency window's sub-windows (the same requests as the percentiles): at 60.1 s,
    // seconds 15–60 (45 requests over 45.1 s), scaled to a minute.
    clock.t = ALIGNED + 60_000 + 100;
    expect(stats.groups().requests.per_minute).toBe(Math.round((45 * 60_000 * 100) / 45_100) / 100);
    expect(stats.groups().routes[0]?.count).toBe(45);
    // At 90.7 s, seconds 45–90: 15 requests over 45.7 s.
    clock.t = ALIGNED + 90_700;
    expect(stats.groups().requests.per_minute).toBe(Math.round((15 * 60_000 * 100) / 45_700) / 100);
    clock.t = ALIGNED + 200_000;
    const g = stats.groups();
    expect(g.requests.per_minute).toBe(0);
    expect(g.requests.total).toBe(60);
    expect(g.routes).toEqual([]);
  });

  it('reports per_second over the last 5 complete seconds, not the current partial one', () => {
    const { clock, stats } = setup();
    for (let s = 0; s < 5; s++) {
      clock.t = ALIGNED + s * 1000;
      for (let i = 0; i < 10 * (s + 1); i++) stats.record('GET', '/a', 200, 1);
    }
    clock.t = ALIGNED + 5_000; // second 5 just started
    for (let i = 0; i < 1_000; i++) stats.record('GET', '/a', 200, 1);
    expect(stats.groups().requests.per_second).toBe((10 + 20 + 30 + 40 + 50) / 5);
    clock.t = ALIGNED + 6_000;
    expect(stats.groups().requests.per_second).toBe((20 + 30 + 40 + 50 + 1_000) / 5);
  });

  it('scales per_minute to a window of another length', () => {
    const { clock, stats } = setup({ windowMs: 30_000, slots: 30, latencySlots: 3 });
    for (let i = 0; i < 45; i++) stats.record('GET', '/a', 200, 1);
    // In the first minute the count since start, whatever the window's length (it read 90: red team 18, F8).
    expect(stats.groups().requests.per_minute).toBe(45);
    // Then the window (three 10 s sub-windows: 20–40 s at 40 s) over the time it covers, scaled to a minute.
    clock.t = ALIGNED + 35_000;
    for (let i = 0; i < 30; i++) stats.record('GET', '/a', 200, 1);
    clock.t = ALIGNED + 40_000;
    expect(stats.groups().requests.per_minute).toBe(90);
  });

  it('keeps latency for the last 45–60 s (4 sub-windows of 15 s) and then drops it', () => {
    const { clock, stats } = setup();
    stats.record('GET', '/a', 200, 100);
    clock.t = ALIGNED + 20_000;
    stats.record('GET', '/a', 200, 10);
    clock.t = ALIGNED + 59_999;
    expect(stats.groups().latency.max_ms).toBe(100);
    clock.t = ALIGNED + 60_000;
    const g = stats.groups().latency;
    expect([g.max_ms, g.p50_ms]).toEqual([10, 10]);
    clock.t = ALIGNED + 90_000;
    expect(stats.groups().latency).toMatchObject({
      p50_ms: null,
      p95_ms: null,
      max_ms: null,
      status: 'unknown',
    });
  });

  it('does not go back in time when the clock is stepped back; a step forward reads as time passing', () => {
    const { clock, stats } = setup();
    clock.t = ALIGNED + 30_000;
    stats.record('GET', '/a', 200, 1);
    clock.t = ALIGNED - 3_600_000; // NTP step back by an hour: taken as time standing still
    stats.record('GET', '/a', 200, 1);
    expect(stats.groups().requests.per_minute).toBe(2);
    clock.t = ALIGNED - 3_600_000 + 500; // time goes on from there (see test/requests/clock-step.test.ts)
    expect(stats.groups().requests.per_minute).toBe(2);
    // Stepped forward again by the hour: indistinguishable from an hour passing, the window empties.
    clock.t = ALIGNED + 31_000;
    expect(stats.groups().requests.per_minute).toBe(0);
  });
});

describe('RequestStats latency and errors', () => {
  it('reports percentiles within HDR precision (1%) of the exact ones, avg and max exactly', () => {
    const { stats } = setup();
    const random = rng(3);
    const values = Array.from({ length: 20_000 }, () => Math.round(Math.exp(1 + random() * 6) * 1000) / 1000);
    for (const v of values) stats.record('GET', '/a', 200, v);
    const sorted = [...values].sort((a, b) => a - b);
    const l = stats.groups().latency;
    for (const [p, got] of [
      [50, l.p50_ms],
      [95, l.p95_ms],
      [99, l.p99_ms],
    ] as const) {
      const exact = percentile(sorted, p);
      expect(Math.abs((got as number) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(l.max_ms).toBe(sorted.at(-1));
    expect(l.avg_ms).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 2);
  });

  it('counts 4xx, 5xx and aborted (499, a 4xx when closed after abortedFailureMs); the error rate counts 5xx and those aborted as failed', () => {
    const { stats } = setup();
    for (let i = 0; i < 80; i++) stats.record('GET', '/a', 200, 1);
    for (let i = 0; i < 14; i++) stats.record('GET', '/a', 404, 1);
    for (let i = 0; i < 6; i++) stats.record('GET', '/a', 503, 1);
    for (let i = 0; i < 3; i++) stats.record('GET', '/a', 499, 1_000);
    const { errors } = stats.groups();
    expect(errors).toEqual({
      status: 'warning',
      count_4xx: 17,
      count_5xx: 6,
      count_aborted: 3,
      count_aborted_early: 0,
      count_aborted_answered: 0,
      count_aborted_body: 0,
      count_aborted_quick: 0,
      // (6 × 503 + 3 aborted after 1 s) ÷ 103 requests
      error_rate_percent: 8.74,
      threshold: 5,
      count_judged: 103,
      count_unmatched_4xx: 0,
      count_unmatched_options: 0,
    });
  });

  it('an aborted request is failed only when its client waited abortedFailureMs (red team F1)', () => {
    // An anonymous flood of early closes: 300 requests closed after 30 ms, beside 100 fine ones. They are
    // aborted, not requests (outside review, figures 2): in no count, rate, error rate or latency.
    const flood = setup().stats;
    for (let i = 0; i < 100; i++) flood.record('GET', '/a', 200, 5);
    for (let i = 0; i < 300; i++) flood.record('GET', '/slow', 499, 30);
    expect(flood.groups().errors).toMatchObject({
      status: 'healthy',
      count_aborted: 300,
      count_aborted_early: 300,
      count_4xx: 0,
      error_rate_percent: 0,
    });
    expect(flood.total).toBe(100);
    // `/slow` keeps its row, with no request in it (outside review 1, F1: the rows sum to the totals).
    expect(flood.groups().routes.map((r) => [r.route, r.count, r.count_aborted])).toEqual([
      ['/a', 100, 0],
      ['/slow', 0, 300],
    ]);
    expect(flood.abortedTotals()).toEqual([{ method: 'GET', route: '/slow', count: 300, failed: 0 }]);
    // A timeout storm: clients give up after 1 s or more (the boundary included, to the µs).
    const storm = setup().stats;
    for (let i = 0; i < 100; i++) storm.record('GET', '/a', 200, 5);
    for (let i = 0; i < 20; i++) storm.record('GET', '/slow', 499, i < 10 ? 1_000 : 30_000);
    storm.record('GET', '/slow', 499, 999.999);
    expect(storm.groups().errors).toMatchObject({
      status: 'critical',
      count_aborted: 21,
      count_aborted_early: 1,
      // 20 failed ÷ 120 requests (the early close at 999.999 ms is not one)
      error_rate_percent: 16.67,
    });
    // 0 counts every aborted request as failed; a custom threshold moves the line.
    const all = setup({ abortedFailureMs: 0 }).stats;
    all.record('GET', '/a', 499, 0.001);
    all.record('GET', '/a', 200, 1);
    expect(all.groups().errors.error_rate_percent).toBe(50);
    const custom = setup({ abortedFailureMs: 100 }).stats;
    custom.record('GET', '/a', 499, 99);
    custom.record('GET', '/a', 499, 100);
    custom.record('GET', '/a', 200, 1);
    expect(custom.groups().errors.error_rate_percent).toBe(50);
    expect(custom.total).toBe(2);
  });

  it('derives statuses from the levels it is given', () => {
    const { stats } = setup({
      levels: { error_rate: { warning: 1, critical: 2 }, api_response_time: { warning: 50, critical: 80 } },
    });
    for (let i = 0; i < 97; i++) stats.record('GET', '/a', 200, 60);
    for (let i = 0; i < 3; i++) stats.record('GET', '/a', 500, 60);
    let g = stats.groups();
    expect([g.errors.status, g.errors.threshold]).toEqual(['critical', 1]);
    expect([g.latency.status, g.latency.threshold]).toEqual(['warning', 50]);
    for (let i = 0; i < 100; i++) stats.record('GET', '/a', 200, 90);
    g = stats.groups();
    expect(g.latency.status).toBe('critical');
    expect(g.requests.status).toBe('healthy');
  });

  it('is unknown with null latency when nothing was recorded', () => {
    const g = setup().stats.groups();
    expect(g.requests).toEqual({ status: 'healthy', per_second: 0, per_minute: 0, total: 0 });
    // No request: the error rate is not judged (unknown, with the reason), never healthy.
    expect(g.errors).toMatchObject({
      status: 'unknown',
      count_4xx: 0,
      count_5xx: 0,
      error_rate_percent: null,
    });
    expect(g.errors.reason).toMatch(/fewer than minRequests \(20\)/);
    // Nothing measured: null figures and unknown (README Health), never "healthy, 0 ms".
    expect(g.latency).toMatchObject({
      status: 'unknown',
      p50_ms: null,
      p95_ms: null,
      p99_ms: null,
      avg_ms: null,
      max_ms: null,
    });
    expect(g.functions).toEqual({});
  });
});

describe('RequestStats routes', () => {
  it('breaks requests down per method and route, busiest first', () => {
    const { stats } = setup();
    for (let i = 0; i < 3; i++) stats.record('GET', '/users/:id', 200, 10);
    stats.record('GET', '/users/:id', 404, 30);
    stats.record('POST', '/users/:id', 500, 40);
    for (let i = 0; i < 2; i++) stats.record('PROPFIND', '/dav', 207, 1);
    const routes = stats.groups().routes;
    expect(
      routes.map(({ method, route, count, count_4xx, count_5xx }) => [
        method,
        route,
        count,
        count_4xx,
        count_5xx,
      ]),
    ).toEqual([
      ['GET', '/users/:id', 4, 1, 0],
      [OTHER_HTTP_METHOD, '/dav', 2, 0, 0],
      ['POST', '/users/:id', 1, 0, 1],
    ]);
    // Percentiles are HDR slot edges (within 1%, never above the max); avg and max are exact.
    const [get, dav, post] = routes;
    expect(get).toMatchObject({ avg_ms: 15, p95_ms: 30, p99_ms: 30, max_ms: 30 });
    expect(get?.p50_ms).toBeGreaterThanOrEqual(10);
    expect(get?.p50_ms).toBeLessThanOrEqual(10.1);
    expect(dav).toMatchObject({ avg_ms: 1, p50_ms: 1, max_ms: 1 });
    expect(post).toMatchObject({ avg_ms: 40, p50_ms: 40, p99_ms: 40, max_ms: 40 });
  });

  it('folds methods outside GET HEAD POST PUT PATCH DELETE OPTIONS into one OTHER row per route (red team F7)', () => {
    const { stats } = setup();
    // Every method Node's parser accepts, on the one `unmatched` template: one row per standard method, one OTHER.
    const standard = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    for (const method of METHODS) stats.record(method, 'unmatched', 404, 1);
    const rows = stats.groups().routes;
    expect(rows.map((r) => r.method).sort()).toEqual([...standard, OTHER_HTTP_METHOD].sort());
    expect(rows.find((r) => r.method === OTHER_HTTP_METHOD)?.count).toBe(METHODS.length - standard.length);
    expect(stats.routeCount).toBe(standard.length + 1);
    // The Prometheus counters carry the same labels: the method label has at most 8 values.
    expect(new Set(stats.routeTotals().map((t) => t.method)).size).toBe(standard.length + 1);
    // The fold for routes beyond maxRoutes stays itself, also when another process reports it.
    stats.absorb(OTHER_METHOD, OTHER_ROUTE, [0, 1, 0, 0, 0], null, true);
    expect(stats.groups().routes.find((r) => r.route === OTHER_ROUTE)?.method).toBe(OTHER_METHOD);
  });

  it('folds routes beyond maxRoutes into one `other` entry, and memory stops growing', () => {
    const { stats } = setup({ maxRoutes: 3 });
    for (let i = 0; i < 3; i++) stats.record('GET', `/r${i}`, 200, 1);
    // Warm the fold past 255 values in one slot, so that its counts have widened to 16 bits.
    for (let i = 0; i < 1_000; i++) stats.record('GET', `/unique/${i}`, i % 2 ? 200 : 500, 1);
    const bytes = stats.bytes;
    for (let i = 1_000; i < 5_000; i++) stats.record('GET', `/unique/${i}`, i % 2 ? 200 : 500, 1);
    stats.record('GET', '/r0', 200, 1); // a tracked route still counts as itself
    expect(stats.routeCount).toBe(3);
    expect(stats.bytes).toBe(bytes);
    const routes = stats.groups().routes;
    expect(routes.map((r) => [r.method, r.route, r.count])).toEqual([
      [OTHER_METHOD, OTHER_ROUTE, 5_000],
      ['GET', '/r0', 2],
      ['GET', '/r1', 1],
      ['GET', '/r2', 1],
    ]);
    expect(routes[0]?.count_5xx).toBe(2_500);
  });

  it('folds everything with maxRoutes 0, and bad method or route values too', () => {
    const zero = setup({ maxRoutes: 0 }).stats;
    zero.record('GET', '/a', 200, 1);
    expect(zero.groups().routes.map((r) => r.route)).toEqual([OTHER_ROUTE]);
    const { stats } = setup();
    stats.record(undefined as unknown as string, '/a', 200, 1);
    stats.record('GET', { toString: () => '/x' } as unknown as string, 200, 1);
    expect(stats.routeCount).toBe(0);
    expect(stats.groups().routes).toMatchObject([{ method: OTHER_METHOD, route: OTHER_ROUTE, count: 2 }]);
  });
});

describe('RequestStats bad input', () => {
  it('drops bad statuses and durations without throwing and without counting them', () => {
    const { stats } = setup();
    const bad: Array<[unknown, unknown]> = [
      [200, Number.NaN],
      [200, -1],
      [200, Number.POSITIVE_INFINITY],
      [200, '5'],
      [200, undefined],
      [0, 5],
      [99, 5],
      [1000, 5], // 600–999 are requests since outside review 24 (RT24-3)
      [Number.NaN, 5],
      ['200', 5],
      [null, 5],
    ];
    for (const [status, ms] of bad) {
      expect(() => stats.record('GET', '/a', status as number, ms as number)).not.toThrow();
    }
    expect(stats.dropped).toBe(bad.length);
    expect(stats.total).toBe(0);
    expect(stats.routeCount).toBe(0);
  });

  it('survives a clock that throws', () => {
    const stats = new RequestStats({
      clock: {
        now() {
          throw new Error('clock broke');
        },
      },
    });
    expect(() => stats.record('GET', '/a', 200, 1)).not.toThrow();
    expect(stats.dropped).toBe(1);
  });

  it('keeps the max exact above the histogram one-hour ceiling (red team figures F3)', () => {
    const { stats } = setup();
    stats.record('GET', '/a', 200, 5 * 3_600_000);
    expect(stats.groups().latency.max_ms).toBe(5 * 3_600_000);
  });
});

describe('RequestStats history bucket and cumulative figures', () => {
  it('returns what was recorded since the previous takeBucket, then starts again', () => {
    const { clock, stats } = setup();
    for (let i = 0; i < 10; i++) stats.record('GET', '/a', 200, 1 + i);
    stats.record('GET', '/a', 404, 50);
    stats.record('GET', '/a', 502, 70);
    const first = stats.takeBucket();
    expect([first.requests, first.count_4xx, first.count_5xx]).toEqual([12, 1, 1]);
    expect(first.histogram?.totalCount).toBe(12);
    expect(first.histogram?.maxValue).toBe(70_000);

    // An empty bucket carries no histogram (an idle minute loads no HDR library, issue 18).
    const empty = stats.takeBucket();
    expect([empty.requests, empty.count_4xx, empty.count_5xx, empty.histogram]).toEqual([0, 0, 0, undefined]);

    // Across several window rotations, a bucket still holds everything since the last take.
    for (let s = 0; s < 180; s++) {
      clock.t = ALIGNED + 60_000 + s * 1000;
      stats.record('POST', '/b', 200, 3);
    }
    const later = stats.takeBucket();
    expect([later.requests, later.histogram?.totalCount, later.histogram?.maxValue]).toEqual([
      180, 180, 3_000,
    ]);
    expect(first.histogram?.totalCount).toBe(12); // earlier buckets are not reused under the caller
  });

  it('keeps monotonic totals per route and status class, and a cumulative histogram', () => {
    const { clock, stats } = setup();
    for (let m = 0; m < 5; m++) {
      clock.t = ALIGNED + m * 60_000;
      stats.record('GET', '/a', 200, 1);
      stats.record('GET', '/a', 500, 2);
      stats.record('DELETE', '/b', 204, 3);
    }
    expect(stats.routeTotals()).toEqual([
      { method: 'GET', route: '/a', status_class: '2xx', count: 5 },
      { method: 'GET', route: '/a', status_class: '5xx', count: 5 },
      { method: 'DELETE', route: '/b', status_class: '2xx', count: 5 },
    ]);
    expect(stats.cumulativeHistogram().totalCount).toBe(15);
    const counts = stats.cumulativeCounts();
    expect([counts.n, counts.max, counts.sum]).toEqual([15, 3_000, 5 * (1_000 + 2_000 + 3_000)]);
    expect(stats.windowHistogram().totalCount).toBe(3);
    expect(stats.total).toBe(15);
  });
});

describe('RequestStats hot path', () => {
  it('allocates nothing inside record() once warm (a million calls, sampled in plain Node)', () => {
    const script = fileURLToPath(new URL('../fixtures/record-allocations.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const { inRecord, calls } = JSON.parse(out.trim().split('\n').at(-1) as string);
    expect(calls).toBe(1_600_000);
    // Sampled every 64 bytes: one small object per call would show as megabytes here.
    expect(inRecord).toBe(0);
  });
});

describe('RequestStats functions group', () => {
  it('includes the @timed statistics it is given', () => {
    const clock = { now: () => ALIGNED };
    const functions = new FunctionTimings({ clock });
    functions.record('Repo.find', 12, false);
    const stats = new RequestStats({ clock, functions });
    expect(stats.groups().functions).toEqual({
      'Repo.find': {
        name: 'Repo.find',
        count: 1,
        errors: 0,
        avg_ms: 12,
        p50_ms: 12,
        p95_ms: 12,
        p99_ms: 12,
        max_ms: 12,
      },
    });
  });
});

describe('RequestStats cumulative counts', () => {
  it('equal an hdr histogram of every recorded value across sub-window reuse and route folding', () => {
    // 12 route pairs for 8 tracked ones: a third of the traffic folds into `other`; 7 minutes of
    // requests every 250 ms reuse each 15 s latency sub-window of every route about 7 times.
    const { clock, stats } = setup({ maxRoutes: 8 });
    const random = rng(5);
    const reference = createHistogram() as unknown as JsHistogram;
    let sumUs = 0;
    let maxUs = 0;
    let n = 0;
    for (let step = 0; step < 7 * 240; step++) {
      clock.t = ALIGNED + step * 250;
      for (let k = 0; k < 3; k++) {
        const durationMs = random() ** 3 * 4_000;
        const route = `/r${Math.floor(random() * 6)}`;
        stats.record(random() < 0.5 ? 'GET' : 'POST', route, random() < 0.1 ? 503 : 200, durationMs);
        const us = microsOf(durationMs);
        reference.recordValue(us);
        sumUs += us;
        maxUs = Math.max(maxUs, us);
        n++;
      }
      stats.record('GET', '/bad', 200, -1); // dropped: not in the totals
    }
    expect(stats.routeCount).toBe(8);
    const view = stats.cumulativeCounts();
    const counts = Array.from({ length: COUNTS_LENGTH }, (_, i) => view.counts[i] ?? 0);
    const expected = Array.from({ length: COUNTS_LENGTH }, (_, i) => reference.getCountAtIndex(i));
    expect(counts).toEqual(expected);
    expect([view.n, view.sum, view.max]).toEqual([n, sumUs, maxUs]);
    expect(stats.total).toBe(n);
    const built = stats.cumulativeHistogram() as unknown as JsHistogram;
    expect(Array.from({ length: COUNTS_LENGTH }, (_, i) => built.getCountAtIndex(i))).toEqual(expected);
  });

  it('split into history buckets that add up to them, and are not changed by taking a bucket', () => {
    const { clock, stats } = setup();
    const random = rng(9);
    const summed = new Float64Array(COUNTS_LENGTH);
    let n = 0;
    for (let minute = 0; minute < 4; minute++) {
      for (let i = 0; i < 500; i++) {
        clock.t = ALIGNED + minute * 60_000 + i * 100;
        stats.record('GET', `/r${i % 3}`, 200, random() * 900);
      }
      const bucket = stats.takeBucket().histogram as unknown as JsHistogram;
      for (let i = 0; i < COUNTS_LENGTH; i++) summed[i] = (summed[i] as number) + bucket.getCountAtIndex(i);
      n += bucket.totalCount;
    }
    const view = stats.cumulativeCounts();
    expect(n).toBe(2_000);
    expect(view.n).toBe(2_000);
    expect(Array.from({ length: COUNTS_LENGTH }, (_, i) => view.counts[i] ?? 0)).toEqual(Array.from(summed));
  });
});
