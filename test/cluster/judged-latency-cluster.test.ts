// Regression (outside review 25, F2) in a 2-worker cluster (the aggregator's real Merger, the reports as read from
// the wire): the cluster's judged latency left out an `unmatched` row's 4xx by dropping as many of the row's fastest
// values; the workers now send the values of the requests not judged apart (`n`, `na`), so the cluster's judged
// latency, Apdex and history point are the judged requests' exactly. A report from an older worker (without those
// keys) is still read: its 4xx are counted and left out as its fastest values, as before. Oracle: the raw list.

import { describe, expect, it } from 'vitest';
import { decodeReport, type ReportWire, type RouteWire } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { overallApdex } from '../../src/profiling/endpoints.js';
import { exactLatency, percentileError } from '../oracle/workload.js';
import { inProcessCluster } from './in-process-cluster.js';

/** Worker 0: static files (unmatched 200s); worker 1: more of them, and 404s behind a 250 ms auth middleware. */
const SENT: Array<{ worker: number; status: number; ms: number; n: number }> = [
  { worker: 0, status: 200, ms: 0.2, n: 30 },
  { worker: 1, status: 200, ms: 0.45, n: 10 },
  { worker: 1, status: 404, ms: 250, n: 10 },
];

/** `strip`: as an older worker sends (no split); `olderAggregator`: the keys an older aggregator does not read dropped. */
function play(strip: boolean, olderAggregator = false) {
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
        for (const k of ['n', 'na', 'jx']) delete r[k];
      }
    if (olderAggregator) for (const r of wire.r) for (const k of ['n', 'na', 'jx']) delete r[k];
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

  it('an older aggregator (it reads neither n, na nor jx) reads a new worker’s row as an older worker’s', () => {
    // Before: `l`'s max was the judged one, so the older aggregator clamped the row's percentiles to it: p95, p99
    // and max 0.45 ms beside the row's average 50.21 ms, and the server's average 62.713 ms above its max 0.45 ms.
    const older = play(true).monitor.requests;
    const c = play(false, true);
    const g = c.monitor.requests.groups();
    const was = older.groups();
    expect(g.routes[0]).toEqual(was.routes[0]);
    expect(g.routes[0]).toMatchObject({
      route: 'unmatched',
      count: 50,
      p95_ms: 250,
      p99_ms: 250,
      max_ms: 250,
    });
    expect(g.latency).toEqual(was.latency);
    expect([g.latency.p95_ms, g.latency.max_ms]).toEqual([250, 250]);
    expect(c.monitor.requests.takeBucket()).toEqual(older.takeBucket());
  });

  it('the judged max travels under jx: read back by a new aggregator and through the ledger’s encoding', () => {
    const c = inProcessCluster(2, 100);
    for (const s of SENT.filter((x) => x.worker === 1))
      for (let i = 0; i < s.n; i++)
        c.workers[1]!.own.recordRequest({
          method: 'GET',
          route: 'unmatched',
          status: s.status,
          durationMs: s.ms,
        });
    const wire = JSON.parse(JSON.stringify(c.workers[1]!.reporter.take())) as ReportWire;
    const row = wire.r[0] as RouteWire;
    // `l` as an older worker's: the row's slowest value (a 404's 250 ms); the judged 200s' max under jx.
    expect([row.l?.x, row.jx, row.n?.x]).toEqual([250_000, 450, 250_000]);
    const back = decodeReport(wire);
    expect(back.routes[0]?.latency?.max).toBe(450);
    expect(encodeReport(back).r[0]).toMatchObject({ l: { x: 250_000 }, jx: 450 });
    expect(() => decodeReport({ ...wire, r: [{ ...row, jx: 300_000 }] })).toThrow();
  });
});
