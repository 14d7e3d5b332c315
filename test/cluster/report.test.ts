// Reports between processes: what one RequestStats/FunctionTimings recorded, sent as deltas and
// merged into another, equals recording everything in one place (the oracle).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const clock = (t = { now: 1_000_000 }) => ({ now: () => t.now, t });

function pair() {
  const c = clock();
  const requests = new RequestStats({ clock: { now: c.now } });
  requests.trackRouteLatency();
  const functions = new FunctionTimings({ clock: { now: c.now } });
  return { requests, functions, c };
}

const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

describe('Reporter and absorb', () => {
  it('carries Apdex counts and aborted requests to the cluster (were frustrated and 0)', () => {
    const worker = pair();
    const cluster = pair();
    const reporter = new Reporter(worker);
    // T = 500 ms: 3 satisfied, 2 tolerating (<= 2 s), 1 slow 200 frustrated, 2 failed (5xx, 499).
    const plan: Array<[number, number]> = [
      [200, 10],
      [200, 500],
      [304, 1],
      [200, 501],
      [201, 2000],
      [200, 2001],
      [500, 1],
      [499, 1500], // aborted after abortedFailureMs: a failed request (an early close is not a request)
    ];
    for (const [status, ms] of plan.slice(0, 4)) worker.requests.record('GET', '/a', status, ms);
    applyReport(cluster, roundTrip(reporter.take()), true);
    for (const [status, ms] of plan.slice(4)) worker.requests.record('GET', '/a', status, ms);
    applyReport(cluster, roundTrip(reporter.take()), true);
    const [row] = cluster.requests.endpointWindows();
    expect(row).toEqual(
      expect.objectContaining({
        count: 8,
        count_4xx: 1,
        count_5xx: 1,
        count_aborted: 1,
        satisfied: 3,
        tolerating: 2,
      }),
    );
    expect(cluster.requests.groups().errors.count_aborted).toBe(1);
    // A new aggregator adopting a full report: only what it lacks is added.
    const known = new KnownTotals();
    known.add(roundTrip(reporter.take()));
    reporter.reset();
    const full = known.replace(roundTrip(reporter.take()));
    // Aborted, satisfied, tolerating, then failed aborted: the 499 after 1.5 s is aborted and failed.
    expect(full.routes[0]?.extra).toEqual([1, 3, 2, 1]);
    expect(known.replace(roundTrip(reporter.take())).routes).toEqual([]);
    const rebuilt = pair();
    applyReport(rebuilt, decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport())))), false);
    // Totals only (Prometheus http_requests_aborted_total), not the window.
    expect(rebuilt.requests.abortedTotals()).toEqual([{ method: 'GET', route: '/a', count: 1, failed: 1 }]);
  });

  it('merged deltas equal one recorder that saw everything (counts, totals, percentiles)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({
              route: fc.constantFrom('/a', '/b/:id', '/c'),
              method: fc.constantFrom('GET', 'POST'),
              status: fc.constantFrom(200, 201, 304, 404, 500),
              ms: fc.double({ min: 0, max: 5000, noNaN: true }),
            }),
            { maxLength: 40 },
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (intervals) => {
          const worker = pair();
          const oracle = pair();
          const cluster = pair();
          const reporter = new Reporter(worker);
          for (const batch of intervals) {
            for (const r of batch) {
              worker.requests.record(r.method, r.route, r.status, r.ms);
              oracle.requests.record(r.method, r.route, r.status, r.ms);
              worker.functions.record(`fn${r.route}`, r.ms, r.status >= 500);
              oracle.functions.record(`fn${r.route}`, r.ms, r.status >= 500);
            }
            applyReport(cluster, roundTrip(reporter.take()), true);
          }
          expect(cluster.requests.total).toBe(oracle.requests.total);
          expect(cluster.requests.routeTotals()).toEqual(oracle.requests.routeTotals());
          const a = cluster.requests.groups();
          const b = oracle.requests.groups();
          expect(a.requests).toEqual(b.requests);
          expect(a.errors).toEqual(b.errors);
          // Max within the histogram precision (a delta carries its top slot's edge, capped by the true max).
          expect({ ...a.latency, max_ms: 0, p99_ms: 0 }).toEqual({ ...b.latency, max_ms: 0, p99_ms: 0 });
          // Nothing recorded: both null (unknown), never 0 ms.
          if (b.latency.max_ms === null) expect(a.latency.max_ms).toBeNull();
          else {
            expect(a.latency.max_ms).toBeGreaterThanOrEqual(b.latency.max_ms);
            expect(a.latency.max_ms).toBeLessThanOrEqual(b.latency.max_ms * 1.01 + 0.001);
          }
          const ca = cluster.requests.cumulativeCounts();
          const cb = oracle.requests.cumulativeCounts();
          expect([ca.n, ca.sum]).toEqual([cb.n, cb.sum]);
          expect(Array.from(ca.counts, Number)).toEqual(Array.from(cb.counts, Number));
          const fa = [...cluster.functions.totalCounts()].map((f) => [f.name, f.count, f.errors]);
          const fb = [...oracle.functions.totalCounts()].map((f) => [f.name, f.count, f.errors]);
          expect(fa.sort()).toEqual(fb.sort());
        },
      ),
      { seed: 13, numRuns: 40 },
    );
  });

  it('sends nothing twice and an idle interval is empty', () => {
    const w = pair();
    const reporter = new Reporter(w);
    w.requests.record('GET', '/x', 200, 3);
    expect(reporter.take().r).toHaveLength(1);
    expect(reporter.take()).toEqual({ r: [], f: [] });
  });

  it('a full report after a reconnection adds only what the aggregator missed', () => {
    const w = pair();
    const reporter = new Reporter(w);
    const known = new KnownTotals();
    for (let i = 0; i < 10; i++) w.requests.record('GET', '/x', 200, i + 1);
    known.add(roundTrip(reporter.take()));
    // Lost on a broken connection:
    for (let i = 0; i < 7; i++) w.requests.record('GET', '/x', 500, 50);
    reporter.take();
    reporter.reset();
    const missed = known.replace(roundTrip(reporter.take()));
    expect(missed.routes.map((r) => r.classes)).toEqual([[0, 0, 0, 0, 7]]);
    expect(missed.routes[0]?.latency?.n).toBe(7);
    expect(known.requests).toBe(17);
    // The same full report again adds nothing.
    reporter.reset();
    expect(known.replace(roundTrip(reporter.take())).routes).toEqual([]);
  });

  it('totals-only absorb counts in totals but not in rates or the next history bucket', () => {
    const w = pair();
    for (let i = 0; i < 5; i++) w.requests.record('GET', '/x', 200, 10);
    const known = new KnownTotals();
    known.add(roundTrip(new Reporter(w).take()));
    const fresh = pair();
    applyReport(fresh, decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport())))), false);
    expect(fresh.requests.total).toBe(5);
    expect(fresh.requests.groups().requests.per_minute).toBe(0);
    expect(fresh.requests.takeBucket().requests).toBe(0);
  });

  it('refuses malformed reports', () => {
    expect(() => decodeReport({ r: [{ m: 'GET', r: '/', k: [1, 2] }], f: [] })).toThrow();
    expect(() =>
      decodeReport({
        r: [{ m: 'GET', r: '/', k: [0, 1, 0, 0, 0], l: { n: 2, s: 1, x: 1, e: 0, c: [1] } }],
        f: [],
      }),
    ).toThrow();
    expect(() =>
      decodeReport({ r: [], f: [{ f: 'x', l: { n: 1, s: 1, x: 1, e: 0, c: [-99999, 1] } }] }),
    ).toThrow();
  });
});
