// Outside review 16, F1 and F8: requests a cluster counts without a duration (lost with a dead worker: src/cluster/lost.ts
// absorbs them as 5xx with latency null) in the route rows, the endpoints table, the history bucket and a merged
// history step. Injected clock; the figures against exact computation from the raw durations and counts.

import { describe, expect, it } from 'vitest';
import { lostReport } from '../../src/cluster/lost.js';
import { BucketAggregator } from '../../src/history/bucket-aggregator.js';
import { PointMerger } from '../../src/history/point-merger.js';
import { endpointRows } from '../../src/profiling/endpoints.js';
import { RequestStats } from '../../src/requests/requests.js';

const T0 = 1_700_000_040_000; // a minute's start

function setup() {
  const clock = { t: T0, now: () => clock.t };
  return { clock, stats: new RequestStats({ clock }) };
}

/** What the aggregator does with a dead worker's report of `n` requests in flight on `route` (Merger.countLost). */
function lose(stats: RequestStats, route: string, n: number): void {
  const report = lostReport(
    { n, ages: null },
    { rows: [{ method: 'GET', route, count: n, oldestMs: 1000 }], at: T0, left: 0 },
  );
  for (const r of report!.routes) stats.absorb(r.method, r.route, r.classes, r.latency, true, r.extra);
}

const NULLS = { avg_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null };
const latencyOf = (r: {
  avg_ms: unknown;
  p50_ms: unknown;
  p95_ms: unknown;
  p99_ms: unknown;
  max_ms: unknown;
}) => ({
  avg_ms: r.avg_ms,
  p50_ms: r.p50_ms,
  p95_ms: r.p95_ms,
  p99_ms: r.p99_ms,
  max_ms: r.max_ms,
});

describe('requests lost without a duration', () => {
  it('a route of lost requests only reads no latency (null, not 0 ms) in its row and in the endpoints table', () => {
    const { clock, stats } = setup();
    for (const ms of [10, 20, 30]) stats.record('GET', '/ok', 200, ms);
    stats.record('GET', '/mixed', 200, 40);
    stats.record('GET', '/mixed', 200, 60);
    clock.t += 1000;
    lose(stats, '/hang', 4);
    lose(stats, '/mixed', 1);
    const rows = stats.groups().routes;
    const hang = rows.find((r) => r.route === '/hang')!;
    expect({ count: hang.count, count_5xx: hang.count_5xx, ...latencyOf(hang) }).toEqual({
      count: 4,
      count_5xx: 4,
      ...NULLS,
    });
    // A route with durations reads them (its lost request adds none): avg and max exact over 40 and 60 ms.
    const mixed = rows.find((r) => r.route === '/mixed')!;
    expect({ count: mixed.count, avg_ms: mixed.avg_ms, max_ms: mixed.max_ms }).toEqual({
      count: 3,
      avg_ms: 50,
      max_ms: 60,
    });
    const table = endpointRows(stats.endpointWindows(), 60_000);
    expect(latencyOf(table.find((r) => r.route === '/hang')!)).toEqual(NULLS);
    expect(table.find((r) => r.route === '/mixed')!.max_ms).toBe(60);
  });

  it('the history bucket counts them as requests (5xx); latency over the durations only', () => {
    const { clock, stats } = setup();
    for (const ms of [10, 20, 30]) stats.record('GET', '/ok', 200, ms);
    stats.record('GET', '/fail', 500, 40);
    clock.t += 1000;
    lose(stats, '/hang', 4);
    const first = stats.takeBucket();
    expect({ requests: first.requests, count_5xx: first.count_5xx, n: first.latency?.count }).toEqual({
      requests: 8,
      count_5xx: 5,
      n: 4,
    });
    const p1 = new BucketAggregator().close(T0, first);
    // (10 + 20 + 30 + 40) / 4 = 25 ms; error rate 5 / 8 = 62.5 %.
    expect({ avg: p1.latency_avg_ms, max: p1.latency_max_ms, rate: p1.error_rate_percent }).toEqual({
      avg: 25,
      max: 40,
      rate: 62.5,
    });
    // A minute whose only requests were lost: 2 requests, 2 failed, no latency (null), error rate 100 %.
    clock.t += 60_000;
    lose(stats, '/hang', 2);
    const second = stats.takeBucket();
    const p2 = new BucketAggregator().close(T0 + 60_000, second);
    expect({
      requests: p2.requests,
      errors_5xx: p2.errors_5xx,
      error_rate_percent: p2.error_rate_percent,
      histogram: p2.histogram,
      ...latencyOf({
        avg_ms: p2.latency_avg_ms,
        p50_ms: p2.latency_p50_ms,
        p95_ms: p2.latency_p95_ms,
        p99_ms: p2.latency_p99_ms,
        max_ms: p2.latency_max_ms,
      }),
    }).toEqual({ requests: 2, errors_5xx: 2, error_rate_percent: 100, histogram: '', ...NULLS });
    // A third minute of 2 durations (100, 200 ms): a step merging the three weighs each average by its durations,
    // not its requests: (10 + 20 + 30 + 40 + 100 + 200) / 6 = 66.667 ms; 12 requests, 7 failed.
    clock.t += 60_000;
    stats.record('GET', '/ok', 200, 100);
    stats.record('GET', '/ok', 200, 200);
    const p3 = new BucketAggregator().close(T0 + 120_000, stats.takeBucket());
    const step = new PointMerger();
    for (const p of [p1, p2, p3]) step.add(p);
    const merged = step.toPoint(T0);
    expect({
      requests: merged.requests,
      errors_5xx: merged.errors_5xx,
      error_rate_percent: merged.error_rate_percent,
      avg: merged.latency_avg_ms,
      max: merged.latency_max_ms,
    }).toEqual({ requests: 12, errors_5xx: 5 + 2, error_rate_percent: 58.33, avg: 66.667, max: 200 });
  });
});
