// Database queries and jobs' runs in progress between processes: query deltas reported each interval
// by several workers and merged equal one QueryStats that recorded every query (the oracle).

import { describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { JobStats } from '../../src/profiling/jobs.js';
import { QueryStats, type QuerySystem } from '../../src/profiling/query-stats.js';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';

const t = { now: 1_000_000 };
const clock = { now: () => t.now };

function side() {
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  return {
    requests,
    functions: new FunctionTimings({ clock }),
    queries: new QueryStats({ clock, slowThresholdMs: 40 }),
    jobs: new JobStats({ clock }),
  };
}

const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));
const SYSTEMS: QuerySystem[] = ['postgresql', 'mysql', 'redis'];

describe('queries across workers', () => {
  it('merged deltas of 3 workers equal one QueryStats of every query: counts, percentiles, routes, window p95', () => {
    const u = rng(13);
    const workers = [side(), side(), side()];
    const reporters = workers.map((w) => new Reporter(w));
    const cluster = side();
    const oracle = side();
    for (let interval = 0; interval < 20; interval++) {
      for (let i = 0; i < 60; i++) {
        const w = workers[Math.floor(u() * 3)]!;
        const system = SYSTEMS[Math.floor(u() * 3)]!;
        const fp = `SELECT ${Math.floor(u() * 5)}`;
        const ms = Math.round(u() ** 3 * 80_000) / 1000;
        const failed = u() < 0.1;
        const route = u() < 0.2 ? undefined : `/r${Math.floor(u() * 5)}`;
        w.queries.record(system, fp, ms, failed, route);
        oracle.queries.record(system, fp, ms, failed, route);
        t.now += 7;
      }
      for (const r of reporters) applyReport(cluster, roundTrip(r.take()), true);
      t.now += 1000;
    }
    const got = cluster.queries.report();
    const want = oracle.queries.report();
    expect(got.total).toBe(want.total);
    expect(got.errors).toBe(want.errors);
    expect(got.window_count).toBe(want.window_count);
    expect(got.window_p95_ms).toBe(want.window_p95_ms);
    // Every row exact: counts, errors, p50/p95/p99 from the merged counts, total time, routes.
    expect(got.fingerprints).toEqual(want.fingerprints);
    expect(got.fingerprints.length).toBe(15);
    expect(got.slow_queries.length).toBe(want.slow_queries.length);
    // The newest by time, newest first, as in one process.
    expect(got.slow_queries).toEqual(want.slow_queries);
  });

  it('a full report after a reconnection adds only what the aggregator lacks (no double count)', () => {
    const w = side();
    const cluster = side();
    const rep = new Reporter(w);
    const known = new KnownTotals();
    for (let i = 0; i < 50; i++) w.queries.record('postgresql', 'SELECT 1', i, i % 7 === 0, '/a');
    let r = roundTrip(rep.take());
    known.add(r);
    applyReport(cluster, r, true);
    for (let i = 0; i < 30; i++) w.queries.record('postgresql', 'SELECT 1', i, false, '/b');
    rep.reset();
    r = roundTrip(rep.take());
    applyReport(cluster, known.replace(r), true);
    const [row] = cluster.queries.rows();
    expect(row?.count).toBe(80);
    expect(row?.errors).toBe(8);
    expect(row?.routes).toEqual([
      { route: '/a', count: 50 },
      { route: '/b', count: 30 },
    ]);
    // The ledger round trip keeps the totals.
    const again = decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport()))));
    const fresh = side();
    applyReport(fresh, again, false);
    expect(fresh.queries.rows()[0]?.count).toBe(80);
    expect(fresh.queries.windowSummary().count).toBe(0);
  });

  it('failures that never reached the database (no duration) travel exactly: deltas, a reconnection, the ledger', () => {
    const w = side();
    const cluster = side();
    const oracle = side();
    const rep = new Reporter(w);
    const known = new KnownTotals();
    const both = (f: (q: QueryStats) => void) => {
      f(w.queries);
      f(oracle.queries);
    };
    both((q) => q.record('postgresql', 'SELECT 1', 4, false, '/a'));
    both((q) => q.recordUnsent('postgresql', 'SELECT 1', '/a'));
    both((q) => q.recordUnsent('redis', 'GET', undefined)); // a fingerprint with no timed query at all
    let r = roundTrip(rep.take());
    known.add(r);
    applyReport(cluster, r, true);
    expect(roundTrip(rep.take()).queries ?? []).toEqual([]); // nothing new: nothing sent again
    both((q) => q.recordUnsent('redis', 'GET', '/b'));
    rep.reset();
    r = roundTrip(rep.take());
    applyReport(cluster, known.replace(r), true);
    const rows = (q: QueryStats) =>
      q.rows().map((x) => [x.system, x.fingerprint, x.count, x.errors, x.max_ms, x.routes]);
    expect(rows(cluster.queries)).toEqual(rows(oracle.queries));
    expect(rows(cluster.queries)).toEqual([
      ['postgresql', 'SELECT 1', 2, 1, 4, [{ route: '/a', count: 2 }]],
      ['redis', 'GET', 2, 2, 0, [{ route: '/b', count: 1 }]],
    ]);
    expect(cluster.queries.windowSummary().count).toBe(1);
    const again = decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport()))));
    const fresh = side();
    applyReport(fresh, again, false);
    expect(rows(fresh.queries)).toEqual(rows(oracle.queries));
  });

  it("jobs' runs in progress travel in the report (sum over live workers is the aggregator's)", () => {
    const w = side();
    const rep = new Reporter(w);
    w.jobs.started('sync');
    w.jobs.started('sync');
    const r = roundTrip(rep.take());
    expect(r.jobs?.[0]?.meta.running).toBe(2);
    w.jobs.record('sync', 5, false, undefined, true);
    expect(roundTrip(rep.take()).jobs?.[0]?.meta.running).toBe(1);
    // A ledger written before `running` existed (6 fields) still reads.
    const old = decodeReport({ r: [], f: [], j: [{ f: 'x', m: [null, null, '', 0, null, 0] }] });
    expect(old.jobs?.[0]?.meta.running).toBe(0);
  });
});
