// Regression (outside review 25, F2) in a 2-worker cluster (the aggregator's real Merger, the reports as read from
// the wire): the cluster's judged latency left out an `unmatched` row's 4xx by dropping as many of the row's fastest
// values; the workers now send the values of the requests not judged apart (`n`, `na`), so the cluster's judged
// latency, Apdex and history point are the judged requests' exactly. A report from an older worker (without those
// keys) is still read: its 4xx are counted and left out as its fastest values, as before. Oracle: the raw list.

import { describe, expect, it } from 'vitest';
import { overallApdex } from '../../src/profiling/endpoints.js';
import { exactLatency, percentileError } from '../oracle/workload.js';
import { inProcessCluster } from './in-process-cluster.js';

/** Worker 0: static files (unmatched 200s); worker 1: more of them, and 404s behind a 250 ms auth middleware. */
const SENT: Array<{ worker: number; status: number; ms: number; n: number }> = [
  { worker: 0, status: 200, ms: 0.2, n: 30 },
  { worker: 1, status: 200, ms: 0.45, n: 10 },
  { worker: 1, status: 404, ms: 250, n: 10 },
];

function play(strip: boolean) {
  const c = inProcessCluster(2, 100);
  for (const s of SENT)
    for (let i = 0; i < s.n; i++)
      c.workers[s.worker]!.own.recordRequest({
        method: 'GET',
        route: 'unmatched',
        status: s.status,
        durationMs: s.ms,
      });
  for (const [i, w] of c.workers.entries()) {
    const wire = JSON.parse(JSON.stringify(w.reporter.take()));
    // An older worker's report: no split on the wire, the row's max its slowest value (a 404's).
    if (strip)
      for (const r of wire.r) {
        if (r.n) r.l.x = Math.max(r.l.x, r.n.x);
        for (const k of ['n', 'na']) delete r[k];
      }
    c.merger.merge(w.entry, wire, null, false);
    c.t.now += 10 + i;
  }
  return c;
}

const judged = SENT.filter((s) => s.status < 400).flatMap((s) => Array<number>(s.n).fill(s.ms));
const exact = exactLatency(judged);

describe('cluster, 2 workers: the unmatched row judged value by value (outside review 25, F2)', () => {
  it('live latency, Apdex and the minute’s history point are the 40 judged 200s', () => {
    const c = play(false);
    const g = c.monitor.requests.groups();
    expect([g.errors.count_judged, g.errors.count_unmatched_4xx]).toEqual([40, 10]);
    // Before: p95, p99 and max were the 404s' 250 ms.
    for (const p of [50, 95, 99] as const)
      expect(percentileError(g.latency[`p${p}_ms`] as number, exact, p)).toBe('');
    expect([g.latency.avg_ms, g.latency.max_ms]).toEqual([
      Math.round(exact.sumUs / 40) / 1000,
      exact.maxUs / 1000,
    ]);
    expect(g.latency.status).toBe('healthy');
    // The unmatched row keeps every value.
    expect(g.routes[0]).toMatchObject({ route: 'unmatched', count: 50, max_ms: 250 });
    expect(overallApdex(c.monitor.requests.endpointWindows(), 500)).toMatchObject({
      satisfied: 40,
      tolerating: 0,
      frustrated: 0,
      count_unmatched_4xx: 10,
    });
    const bucket = c.monitor.requests.takeBucket();
    expect(bucket.count_judged).toBe(40);
    const l = bucket.latency!;
    for (const p of [50, 95, 99] as const) expect(percentileError(l[`p${p}_ms`], exact, p)).toBe('');
    expect([l.count, l.avg_ms, l.max_ms]).toEqual([
      40,
      Math.round(exact.sumUs / 40) / 1000,
      exact.maxUs / 1000,
    ]);
  });

  it('an older worker’s report (no split): counted and judged as before, its 4xx left out as its fastest values', () => {
    const c = play(true);
    const g = c.monitor.requests.groups();
    expect([g.errors.count_judged, g.errors.count_unmatched_4xx]).toEqual([40, 10]);
    // The merged row's 10 fastest (worker 0's 200s) left out in place of worker 1's 404s: p95 and max 250 ms.
    expect([g.latency.p95_ms, g.latency.max_ms]).toEqual([250, 250]);
    expect(c.monitor.requests.takeBucket().count_judged).toBe(40);
  });
});
