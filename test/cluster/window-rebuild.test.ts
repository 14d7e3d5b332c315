// A new aggregator rebuilds the cluster's window from the workers' windows (issue #13, outside review: a rate read
// 0.3 s after the aggregator was SIGKILLed read 325 req/s for ~60, the rebuilt counts divided by the time since the
// takeover). Exact oracle: one RequestStats that recorded every request of every worker itself, on the same
// injected clock, from the earliest worker's start: the rebuilt window must read the same rates and span.

import { describe, expect, it } from 'vitest';
import { applyWindow, decodeWindow, takeWindow, type WindowWire } from '../../src/cluster/window-wire.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { QueryStats } from '../../src/profiling/query-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const T0 = 1_700_000_000_000;

function process_(t: { now: number }) {
  const c = { now: () => t.now };
  const requests = new RequestStats({ clock: c });
  requests.trackRouteLatency();
  return { requests, functions: new FunctionTimings({ clock: c }), queries: new QueryStats({}, c) };
}

/** Worker A from T0 at 10 req/s, worker B from T0 + 10.5 s at 4 req/s, up to `until` ms after T0. */
function run(until: number, t: { now: number }) {
  t.now = T0;
  const a = process_(t);
  const oracle = process_(t);
  let b: ReturnType<typeof process_> | null = null;
  for (let ms = 0; ms <= until; ms += 25) {
    t.now = T0 + ms;
    if (ms === 10_500) b = process_(t);
    if (ms % 100 === 0) {
      const status = ms % 700 === 0 ? 500 : 200;
      a.requests.record('GET', '/a', status, 3 + (ms % 40));
      oracle.requests.record('GET', '/a', status, 3 + (ms % 40));
    }
    if (b && ms % 250 === 0) {
      b.requests.record('POST', '/b', 201, 20);
      oracle.requests.record('POST', '/b', 201, 20);
    }
  }
  return { a, b: b as ReturnType<typeof process_>, oracle };
}

const wire = (w: WindowWire | null) => decodeWindow(JSON.parse(JSON.stringify(w)));

describe('window rebuilt at a takeover', () => {
  for (const [label, until] of [
    ['within the first minute', 40_000],
    ['after the window slid past every start', 130_000],
  ] as const) {
    it(`rates over the rebuilt window equal one monitor's that saw every request (${label}), 300 ms after the takeover`, () => {
      const t = { now: 0 };
      const { a, b, oracle } = run(until, t);
      // The takeover: a new aggregator's monitor, 300 ms after the last request.
      t.now = T0 + until + 300;
      const cluster = process_(t);
      expect(applyWindow(cluster, wire(takeWindow(a)))).toBe(true);
      expect(applyWindow(cluster, wire(takeWindow(b)))).toBe(true);
      const got = cluster.requests.groups();
      const want = oracle.requests.groups();
      expect(want.requests.per_second).toBeGreaterThan(10);
      expect(got.requests.per_second).toBe(want.requests.per_second);
      expect(got.requests.per_minute).toBe(want.requests.per_minute);
      expect(got.errors).toEqual(want.errors);
      expect(cluster.requests.windowSpanMs()).toBe(oracle.requests.windowSpanMs());
      const rates = (s: RequestStats) => s.endpointWindows().map((r) => [r.method, r.route, r.count]);
      expect(rates(cluster.requests)).toEqual(rates(oracle.requests));
      // And still 5 s later, the window moving on with nothing new.
      t.now += 5000;
      const later = [cluster, oracle].map((x) => x.requests.groups().requests);
      expect(later[0]?.per_second).toBe(later[1]?.per_second);
      expect(later[0]?.per_minute).toBe(later[1]?.per_minute);
    });
  }

  it("a window from an older worker (no start sent) covers from its earliest sub-window's start", () => {
    const t = { now: 0 };
    const { a, oracle } = run(40_000, t);
    t.now = T0 + 40_300;
    const cluster = process_(t);
    const w = JSON.parse(JSON.stringify(takeWindow(a))) as WindowWire;
    expect(w.s).toBe(T0);
    delete w.s;
    applyWindow(cluster, decodeWindow(w));
    // A's first request was at T0, in the sub-window starting at T0 (T0 is a whole second): the same span.
    expect(cluster.requests.windowSpanMs()).toBe(oracle.requests.windowSpanMs());
    expect(cluster.requests.windowSpanMs()).toBe(40_300);
  });

  it('a window of other sub-window lengths is neither absorbed nor moves the span', () => {
    const t = { now: 0 };
    const { a } = run(20_000, t);
    t.now = T0 + 20_300;
    const cluster = process_(t);
    const w = wire(takeWindow(a));
    w.ms = [500, 7500, w.ms[2]];
    applyWindow(cluster, w);
    expect(cluster.requests.groups().requests.per_minute).toBe(0);
    expect(cluster.requests.windowSpanMs()).toBe(1000);
  });

  it("the database queries' last minute (window_count, window_p95_ms: what db_query_p95 reads) is rebuilt too", () => {
    const t = { now: T0 };
    const a = process_(t);
    const b = process_(t);
    const oracle = process_(t);
    for (let ms = 0; ms <= 70_000; ms += 50) {
      t.now = T0 + ms;
      const who = ms % 150 === 0 ? b : a;
      const d = 1 + ((ms * 7) % 90);
      who.queries.record('postgresql', ms % 200 === 0 ? 'SELECT 1' : 'SELECT 2', d, false);
      oracle.queries.record('postgresql', 'SELECT 1', d, false);
    }
    t.now = T0 + 70_300;
    const cluster = process_(t);
    applyWindow(cluster, wire(takeWindow(a)));
    applyWindow(cluster, wire(takeWindow(b)));
    const got = cluster.queries.report();
    const want = oracle.queries.report();
    expect(want.window_count).toBeGreaterThan(500);
    expect(got.window_count).toBe(want.window_count);
    expect(got.window_p95_ms).toBe(want.window_p95_ms);
    // Window only: totals come with the workers' reports, apart.
    expect(got.total).toBe(0);
  });
});
