// Paced frames and the windows (issue #13): a worker holds its deltas back for up to maxReportDelayMs, and the
// aggregator used to put a frame's @timed calls, queries and request latency into the sub-window the frame arrived
// in (request counts spread evenly over its span), so whatever a frame held from before a sub-window's turn stayed
// up to a sub-window (15 s) too long in the cluster's last minute: per_minute, 4xx/5xx, percentiles, @timed and
// query window counts read requests and calls older than the window. Workers now cut their pending figures where
// their windows turn (src/cluster/cuts.ts). Oracle: one set of statistics that recorded every worker's every
// observation itself, on the same injected clock: the union of what the workers recorded, sub-window by sub-window.

import { describe, expect, it } from 'vitest';
import { Cuts, frameParts } from '../../src/cluster/cuts.js';
import { ReportPacer } from '../../src/cluster/pacing.js';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { QueryStats } from '../../src/profiling/query-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const T0 = 1_700_000_003_700; // not on a sub-window's edge

function stats(clock: { now(): number }) {
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  return { requests, functions: new FunctionTimings({ clock }), queries: new QueryStats({}, clock), clock };
}

/** A seeded generator (fixed seed: the run is the same every time). */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function figures(s: ReturnType<typeof stats>) {
  const g = s.requests.groups();
  const fn = s.functions.snapshot();
  return {
    per_minute: g.requests.per_minute,
    errors: g.errors,
    latency: g.latency,
    routes: s.requests.endpointWindows().map((r) => [r.method, r.route, r.count]),
    functions: Object.fromEntries(
      Object.entries(fn).map(([k, v]) => [k, [v.count, v.errors, v.p95_ms, v.max_ms]]),
    ),
    queries: s.queries.windowSummary(),
  };
}

function run(cut: boolean) {
  const t = { now: T0 };
  const clock = { now: () => t.now };
  const oracle = stats(clock);
  const cluster = stats(clock);
  const rand = lcg(7);
  // Two workers paced to a small budget: frames of several seconds, at times that straddle the windows' turns.
  const workers = [0, 1].map(() => {
    const own = stats(clock);
    const reporter = new Reporter(own);
    const cuts = new Cuts(
      reporter,
      clock.now,
      {
        failed: (_k, err) => {
          throw err;
        },
      },
      own,
    );
    cuts.reset(cut);
    const pacer = new ReportPacer(
      { intervalMs: 1000, bytesPerSecond: 256, maxReportDelayMs: 10_000 },
      clock.now,
    );
    return { own, cuts, pacer };
  });
  const send = (w: (typeof workers)[number]) => {
    const { report, cut: parts, at } = w.cuts.frame();
    const span = w.pacer.span();
    const msg = {
      report,
      ...(parts.length > 0 ? { cut: parts } : {}),
      ...(at ? { at } : {}),
      ...(span > 1500 ? { d: span } : {}),
    };
    w.pacer.sent(JSON.stringify(msg).length);
    for (const part of frameParts(JSON.parse(JSON.stringify(msg)), t.now))
      applyReport(cluster, decodeReport(part.report), true, part.span);
  };
  const mismatches: string[] = [];
  let reads = 0;
  for (let ms = 0; ms <= 200_000; ms += 50) {
    t.now = T0 + ms;
    for (const [i, w] of workers.entries()) {
      if (rand() < 0.6) {
        const route = rand() < 0.5 ? '/a' : '/b';
        const status = [200, 200, 201, 404, 500][Math.floor(rand() * 5)] as number;
        const d = 1 + Math.floor(rand() * 400) + i * 100;
        w.own.requests.record('GET', route, status, d);
        oracle.requests.record('GET', route, status, d);
      }
      if (rand() < 0.3) {
        const d = Math.floor(rand() * 50);
        const failed = rand() < 0.1;
        w.own.functions.record('render', d, failed);
        oracle.functions.record('render', d, failed);
      }
      if (rand() < 0.2) {
        const d = 1 + Math.floor(rand() * 80);
        w.own.queries.record('postgresql', 'SELECT 1', d, false);
        oracle.queries.record('postgresql', 'SELECT 1', d, false);
      }
      // The report timer: a frame when the pacer says so.
      if (ms % 1000 === 400 && w.pacer.due()) send(w);
    }
    // A read every 3.1 s: the aggregator takes every worker's pending figures first (its sync round).
    if (ms % 3100 === 1150) {
      for (const w of workers) send(w);
      reads++;
      const got = JSON.stringify(figures(cluster));
      const want = JSON.stringify(figures(oracle));
      if (got !== want) mismatches.push(`${ms} ms: ${got} != ${want}`);
    }
  }
  return { reads, mismatches };
}

describe('paced frames cut where the windows turn', () => {
  it("the cluster's last minute (per_minute, 4xx/5xx, percentiles, routes, @timed, queries) is the union of the workers' at every read", () => {
    const { reads, mismatches } = run(true);
    expect(reads).toBe(65);
    expect(mismatches).toEqual([]);
  });

  it('without the cuts (an older aggregator) the same run reads figures of the wrong sub-window', () => {
    // The control: the previous behaviour, kept for an aggregator that does not say it merges cut parts.
    const { mismatches } = run(false);
    expect(mismatches.length).toBeGreaterThan(10);
  });
});
