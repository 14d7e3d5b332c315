// Outside review 6, F7 and F10, on an injected clock. F7: requests no route matched answered 4xx (`unmatched` 404s on
// made-up URLs) are facts (requests, count_4xx, the `unmatched` row) but not judged: not in the error rate's
// denominator, its minRequests guard, the server-wide latency or Apdex; an unmatched 5xx or failed abort still is.
// F10: a window in which no judged request completed and at least minRequests were closed early is an outage
// (errors critical, 100 %), never while a judged request completes. The oracles are computed here from the
// requests recorded; health and the error_rate rule are the real ones, on the groups RequestStats returns.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { componentStatuses } from '../../src/alerts/health.js';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { overallApdex } from '../../src/profiling/endpoints.js';
import type { RequestStatsOptions } from '../../src/requests/request-options.js';
import { RequestStats } from '../../src/requests/requests.js';
import { UNMATCHED_ROUTE } from '../../src/requests/route-counters.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';

const START = 1_700_000_000_000;
const ALIGNED = START - (START % 60_000);

function setup(options: RequestStatsOptions = {}) {
  const clock = { t: ALIGNED + 1_000, now: () => clock.t };
  const stats = new RequestStats({ clock, ...options });
  return { clock, stats };
}

/** Nearest-rank percentile of raw values, ms. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Within the HDR precision (1 %) of `exact`. */
function near(got: number | null, exact: number): void {
  expect(Math.abs((got as number) - exact) / exact).toBeLessThanOrEqual(0.01);
}

type Plan = Array<[route: string, status: number, ms: number, n: number]>;
const play = (stats: RequestStats, plan: Plan) => {
  for (const [route, status, ms, n] of plan)
    for (let i = 0; i < n; i++) stats.record('GET', route, status, ms);
};

/** The real outage of the review: 20 × 503, 10 × 200 in 3 s, 10 × 200 in 1 ms; then 2,000 made-up URLs (404). */
const OUTAGE: Plan = [
  ['/ret503', 503, 2, 20],
  ['/d/:ms', 200, 3_000, 10],
  ['/ok', 200, 1, 10],
];
const JUNK: Plan = [[UNMATCHED_ROUTE, 404, 0.5, 2_000]];

/** The snapshot health and the rules read: the groups of the window, with the server-wide Apdex. */
function snapshotOf(stats: RequestStats): MetricsSnapshot {
  const g = stats.groups();
  return makeSnapshot({
    requests: g.requests,
    errors: g.errors,
    latency: g.latency,
    apdex: overallApdex(stats.endpointWindows(), 500),
  } as Partial<MetricsSnapshot>);
}

describe('F7: unmatched 4xx are counted, not judged', () => {
  it('2,000 made-up URLs beside a 50 % outage: error rate 50 % of the 40 judged, p95 3 s, Apdex of the 40; facts count all', () => {
    const { stats } = setup();
    play(stats, OUTAGE);
    play(stats, JUNK);
    const { errors, latency, requests, routes } = stats.groups();
    // Judged: the 40 real requests, 20 failed (503).
    expect(errors).toMatchObject({
      status: 'critical',
      count_4xx: 2_000,
      count_5xx: 20,
      count_judged: 40,
      count_unmatched_4xx: 2_000,
      error_rate_percent: 50,
    });
    expect(errors.unanswered).toBeUndefined();
    const judged = OUTAGE.flatMap(([, , ms, n]) => Array<number>(n).fill(ms));
    near(latency.p95_ms, percentile(judged, 95)); // 3,000 ms, was 0.5 ms with the 404s in
    near(latency.p50_ms, percentile(judged, 50));
    expect(latency.max_ms).toBe(3_000);
    expect(latency.avg_ms).toBeCloseTo(judged.reduce((a, b) => a + b, 0) / judged.length, 2);
    expect(latency.status).toBe('warning');
    // Facts: every request, the unmatched row with its 2,000.
    expect(requests.total).toBe(2_040);
    expect(routes.find((r) => r.route === UNMATCHED_ROUTE)).toMatchObject({ count: 2_000, count_4xx: 2_000 });
    // Apdex (T 500 ms): 10 satisfied (1 ms), 10 frustrated (3 s > 4T), 20 frustrated (503): 10 / 40.
    expect(overallApdex(stats.endpointWindows(), 500)).toEqual({
      score: 0.25,
      t_ms: 500,
      satisfied: 10,
      tolerating: 0,
      frustrated: 30,
      count_unmatched_4xx: 2_000,
      count_unmatched_options: 0,
    });
  });

  it('health and the error_rate and api_response_time rules stay raised when the 404s arrive (they cleared)', () => {
    const { stats, clock } = setup();
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({ clock: testClock(clock.t), onAlert: (e) => void events.push(e) });
    play(stats, OUTAGE);
    alerts.checkThresholds(snapshotOf(stats));
    clock.t += 5_000;
    play(stats, JUNK);
    const after = snapshotOf(stats);
    alerts.checkThresholds(after);
    expect(componentStatuses(after)).toMatchObject({ errors: 'critical', latency: 'warning' });
    expect(events.map((e) => [e.type, e.alert.rule, e.alert.severity])).toEqual([
      ['raised', 'api_response_time', 'warning'],
      ['raised', 'error_rate', 'critical'],
    ]);
    expect(alerts.getActiveAlerts().find((a) => a.rule === 'error_rate')?.value).toBe(50);
  });

  it('an unmatched 5xx and an unmatched abort that waited count fully; unmatched 2xx keep their latency', () => {
    const { stats } = setup();
    play(stats, [
      ['/a', 200, 10, 30],
      [UNMATCHED_ROUTE, 500, 2_000, 10], // a middleware failing before the router
      [UNMATCHED_ROUTE, 499, 1_500, 5], // waited past abortedFailureMs: failed
      [UNMATCHED_ROUTE, 404, 1, 100],
      [UNMATCHED_ROUTE, 499, 200, 7], // early closes: not requests
    ]);
    const { errors, latency } = stats.groups();
    expect(errors).toMatchObject({
      count_judged: 45,
      count_unmatched_4xx: 100,
      count_4xx: 105,
      count_aborted: 12,
      count_aborted_early: 7,
      error_rate_percent: Math.round((15 / 45) * 10_000) / 100,
      status: 'critical',
    });
    const judged = [
      ...Array<number>(30).fill(10),
      ...Array<number>(10).fill(2_000),
      ...Array<number>(5).fill(1_500),
    ];
    // The 404s are the row's fastest: left out exactly.
    for (const p of [50, 95, 99] as const) near(latency[`p${p}_ms`], percentile(judged, p));
    expect(latency.avg_ms).toBeCloseTo(judged.reduce((a, b) => a + b, 0) / judged.length, 0);
    // Static files or a GraphQL middleware: unmatched 2xx are judged, latency included.
    const mw = setup().stats;
    play(mw, [[UNMATCHED_ROUTE, 200, 40, 25]]);
    expect(mw.groups().errors).toMatchObject({ count_judged: 25, count_unmatched_4xx: 0, status: 'healthy' });
    near(mw.groups().latency.p95_ms, 40);
  });

  it('a row mixing both: its 404s values are left out exactly, slower than its judged ones (outside review 25, F2)', () => {
    const { stats } = setup();
    // 20 unmatched 200s in 50 ms, 20 unmatched 404s in 100 ms (slower than the judged ones).
    play(stats, [
      [UNMATCHED_ROUTE, 200, 50, 20],
      [UNMATCHED_ROUTE, 404, 100, 20],
    ]);
    const { latency, errors } = stats.groups();
    expect(errors).toMatchObject({ count_judged: 20, count_unmatched_4xx: 20 });
    // The 20 values left are the 200s' (before: the 404s', p50 and max 100 ms).
    for (const p of [50, 95, 99] as const) near(latency[`p${p}_ms`], 50);
    expect([latency.avg_ms, latency.max_ms]).toEqual([50, 50]);
  });

  it('below minRequests once the 404s are out: 19 real requests, all 500, beside 500 404s: judged on the bound', () => {
    const { stats } = setup();
    play(stats, [
      ['/a', 500, 5, 19],
      [UNMATCHED_ROUTE, 404, 1, 500],
    ]);
    const { errors } = stats.groups();
    // Before: 519 requests, 3.66 %, healthy. Now 19 of 19: the Wilson bound, 83.18 %.
    expect(errors).toMatchObject({ status: 'critical', count_judged: 19, error_rate_lower_percent: 83.18 });
  });
});

describe('F10: a window of early closes and no completed request is an outage', () => {
  const EARLY = 500; // ms: a client deadline under abortedFailureMs (1 s)

  it('20 early closes, nothing completed: critical, 100 %, unanswered; 19: not judged; minRequests 0 needs one', () => {
    const { stats } = setup();
    play(stats, [['/hang', 499, EARLY, 19]]);
    expect(stats.groups().errors).toMatchObject({ status: 'unknown', count_aborted_early: 19 });
    play(stats, [['/hang', 499, EARLY, 1]]);
    const { errors, requests, latency } = stats.groups();
    expect(errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      error_rate_percent: 100,
      count_judged: 0,
      count_aborted: 20,
      count_aborted_early: 20,
    });
    expect(errors.reason).toMatch(/^no request completed in the window and 20 were closed unanswered \(/);
    expect(requests.total).toBe(0); // still not requests
    expect(latency.status).toBe('unknown');
    const none = setup({ minRequests: 0 }).stats;
    expect(none.groups().errors.unanswered).toBeUndefined(); // no close at all: nothing unanswered
    play(none, [['/hang', 499, EARLY, 1]]);
    expect(none.groups().errors).toMatchObject({ status: 'critical', unanswered: true });
  });

  it('the guard: completed requests count against the closes (outside review 46, RT46-5), unmatched 404s do not', () => {
    const { stats } = setup();
    play(stats, [
      ['/hang', 499, EARLY, 300],
      [UNMATCHED_ROUTE, 404, 1, 50], // scanners' 404s do not hide the outage
    ]);
    expect(stats.groups().errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      count_unmatched_4xx: 50,
    });
    // One answered request no longer disarms the rule: 300 unanswered closes outnumber it (it did: errors unknown).
    play(stats, [['/ok', 200, 3, 1]]);
    const one = stats.groups().errors;
    expect(one).toMatchObject({
      status: 'critical',
      unanswered: true,
      count_judged: 1,
      error_rate_percent: Math.round((300 / 301) * 10_000) / 100, // 99.67: 300 of 301 got no answer
    });
    expect(one.reason).toMatch(
      /^300 requests were closed unanswered in the window .* more than the 1 judged requests \(1 answered/,
    );
    // 300 answered against 300 closes: they no longer outnumber them, the usual rule judges the 300 (0 % failed).
    play(stats, [['/ok', 200, 3, 299]]);
    const { errors } = stats.groups();
    expect(errors).toMatchObject({ status: 'healthy', count_judged: 300, error_rate_percent: 0 });
    expect(errors.unanswered).toBeUndefined();
    // A failed one among them counts in both: 301 judged (1 failed) against 300 closes, judged on the rate.
    play(stats, [['/ok', 500, 3, 1]]);
    expect(stats.groups().errors).toMatchObject({ status: 'healthy', count_judged: 301, count_5xx: 1 });
  });

  it('health red and one error_rate alert at 100 % while it lasts; cleared once the window holds an answered request', () => {
    const { stats, clock } = setup();
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({ clock: testClock(clock.t), onAlert: (e) => void events.push(e) });
    play(stats, [['/hang', 499, EARLY, 40]]);
    const during = snapshotOf(stats);
    // requests.per_minute is 0 here: health must not re-apply the guard to it.
    expect(during.requests.per_minute).toBe(0);
    expect(componentStatuses(during).errors).toBe('critical');
    alerts.checkThresholds(during);
    alerts.checkThresholds(snapshotOf(stats));
    expect(alerts.getActiveAlerts().find((a) => a.rule === 'error_rate')).toMatchObject({
      severity: 'critical',
      value: 100,
      threshold: DEFAULT_LEVELS.error_rate.critical,
    });
    // The window slides past the closes (61 s) and a request is answered: not judged, the alert clears.
    clock.t += 61_000;
    play(stats, [['/ok', 200, 3, 1]]);
    const after = snapshotOf(stats);
    expect(componentStatuses(after).errors).toBe('unknown');
    alerts.checkThresholds(after);
    expect(events.map((e) => [e.type, e.alert.rule, e.alert.severity])).toEqual([
      ['raised', 'error_rate', 'critical'],
      ['cleared', 'error_rate', 'critical'],
    ]);
  });
});

describe('cluster: the aggregator judges merged figures the same way', () => {
  const node = (clock: { now: () => number }) => {
    const requests = new RequestStats({ clock });
    requests.trackRouteLatency();
    return { requests, functions: new FunctionTimings({ clock }) };
  };
  const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

  it('two workers: one has the outage, the other the 2,000 404s: the merged window reads the 50 % and 3 s', () => {
    const clock = { now: () => ALIGNED + 1_000 };
    const [a, b, cluster] = [node(clock), node(clock), node(clock)];
    play(a.requests, OUTAGE);
    play(b.requests, JUNK);
    for (const w of [a, b]) applyReport(cluster, roundTrip(new Reporter(w).take()), true);
    const { errors, latency, requests } = cluster.requests.groups();
    expect(requests.total).toBe(2_040);
    expect(errors).toMatchObject({
      status: 'critical',
      count_judged: 40,
      count_unmatched_4xx: 2_000,
      error_rate_percent: 50,
    });
    near(latency.p95_ms, 3_000);
    expect(overallApdex(cluster.requests.endpointWindows(), 500)).toMatchObject({ score: 0.25 });
  });

  it('two workers of early closes only: the merged window is unanswered, critical', () => {
    const clock = { now: () => ALIGNED + 1_000 };
    const [a, b, cluster] = [node(clock), node(clock), node(clock)];
    play(a.requests, [['/hang', 499, 400, 12]]);
    play(b.requests, [['/hang', 499, 300, 12]]);
    // Each worker alone holds 12, below minRequests: only the merged window (24) is judged.
    expect(a.requests.groups().errors.status).toBe('unknown');
    for (const w of [a, b]) applyReport(cluster, roundTrip(new Reporter(w).take()), true);
    expect(cluster.requests.groups().errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      count_aborted_early: 24,
    });
  });

  it('answered requests on one worker, unanswered closes on another: judged against each other once merged (RT46-5)', () => {
    const clock = { now: () => ALIGNED + 1_000 };
    const [a, b, cluster] = [node(clock), node(clock), node(clock)];
    play(a.requests, [['/ok', 200, 3, 5]]);
    play(b.requests, [['/hang', 499, 600, 30]]);
    for (const w of [a, b]) applyReport(cluster, roundTrip(new Reporter(w).take()), true);
    // 30 closes against 5 answered: 30 of 35 got nothing.
    expect(cluster.requests.groups().errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      count_judged: 5,
      count_aborted_early: 30,
      error_rate_percent: Math.round((30 / 35) * 10_000) / 100,
    });
    // 30 more answered on a: 35 judged against 30 closes, the usual rule (0 % failed).
    const [c, d, merged] = [node(clock), node(clock), node(clock)];
    play(c.requests, [['/ok', 200, 3, 35]]);
    play(d.requests, [['/hang', 499, 600, 30]]);
    for (const w of [c, d]) applyReport(merged, roundTrip(new Reporter(w).take()), true);
    const { errors } = merged.requests.groups();
    expect(errors).toMatchObject({ status: 'healthy', count_judged: 35, count_aborted_early: 30 });
    expect(errors.unanswered).toBeUndefined();
  });
});
