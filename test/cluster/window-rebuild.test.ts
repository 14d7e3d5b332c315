// A new aggregator rebuilds the cluster's window from the workers' windows (issue #13, outside review: a rate read
// 0.3 s after the aggregator was SIGKILLed read 325 req/s for ~60, the rebuilt counts divided by the time since the
// takeover). Exact oracle: one RequestStats that recorded every request of every worker itself, on the same
// injected clock, from the earliest worker's start: the rebuilt window must read the same rates and span.

import { describe, expect, it } from 'vitest';
import { applyCustomWindows } from '../../src/cluster/custom-window.js';
import { applyWindow, decodeWindow, takeWindow, type WindowWire } from '../../src/cluster/window-wire.js';
import { roundSig } from '../../src/custom/precision.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import type { HistogramFigures } from '../../src/custom/types.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { QueryStats } from '../../src/profiling/query-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const T0 = 1_700_000_000_000;

function process_(t: { now: number }) {
  const c = { now: () => t.now };
  const requests = new RequestStats({ clock: c });
  requests.trackRouteLatency();
  return {
    requests,
    functions: new FunctionTimings({ clock: c }),
    queries: new QueryStats({}, c),
    custom: new CustomMetrics(60_000, undefined, c.now),
    clock: c,
  };
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

  // Custom histograms' window percentiles read empty after a takeover until new reports arrived. Oracle: one
  // histogram that saw every value of every worker, drained at the same instants (each report interval).
  const windowFigures = (f: HistogramFigures & { series?: unknown }) => {
    const { count_total: _, sum_total: __, series: ___, ...w } = f;
    // The float sum depends on the order of the additions (workers' batches merged, the oracle value by value):
    // equal to 12 significant digits (the JSON sum itself is unrounded).
    return { ...w, sum: roundSig(w.sum, 12) };
  };
  for (const [label, until] of [
    ['within the first window', 40_000],
    ['after the window turned twice', 130_000],
  ] as const) {
    it(`custom histograms' window figures equal one histogram's that saw every value (${label})`, () => {
      const t = { now: T0 };
      const a = process_(t);
      const b = process_(t);
      const oracle = process_(t);
      const opts = { labels: ['queue'] };
      const [ha, hb, ho] = [a, b, oracle].map((p) => p.custom.histogram('job_seconds', opts));
      for (let ms = 0; ms <= until; ms += 25) {
        t.now = T0 + ms;
        // Each second, as a worker's reporter does (takeStates drains): the windows turn at the same instants.
        if (ms % 1000 === 0) for (const h of [ha, hb, ho]) h?.takeStates(t.now);
        const v = 0.001 * (1 + ((ms * 37) % 4000));
        if (ms % 50 === 0) {
          ha?.observe({ queue: 'shared' }, v);
          ho?.observe({ queue: 'shared' }, v);
        }
        if (ms % 75 === 0) {
          ha?.observe({ queue: 'email' }, v * 3);
          ho?.observe({ queue: 'email' }, v * 3);
        }
        if (ms % 100 === 0) {
          hb?.observe({ queue: 'shared' }, v + 2);
          ho?.observe({ queue: 'shared' }, v + 2);
        }
        // B's own label set starts later: its window turns at its own instants, as the oracle's does.
        if (ms >= 10_500 && ms % 125 === 0) {
          hb?.observe({ queue: 'sms' }, v / 2);
          ho?.observe({ queue: 'sms' }, v / 2);
        }
      }
      t.now = T0 + until + 300;
      const cluster = process_(t);
      const hc = cluster.custom.histogram('job_seconds', opts);
      for (const w of [a, b]) {
        const read = wire(takeWindow(w));
        expect(read.custom?.[0]?.series.length).toBeGreaterThan(0);
        expect(applyWindow(cluster, read)).toBe(true);
        applyCustomWindows(cluster.custom, read.custom ?? [], t.now);
      }
      // Now, and as the window turns on with nothing new (the rebuilt slots turn as the workers' did).
      for (const later of [0, 30_000, 61_000, 125_000]) {
        t.now = T0 + until + 300 + later;
        const got = hc.snapshot(t.now);
        const want = ho?.snapshot(t.now);
        if (!want) throw new Error('no oracle');
        if (later === 0) expect(want.count).toBeGreaterThan(1000);
        expect(windowFigures(got)).toEqual(windowFigures(want));
        const series = (s: typeof got) =>
          s.series
            .map((x) => ({ labels: x.labels, ...windowFigures(x) }))
            .sort((p, q) => (p.labels.queue ?? '').localeCompare(q.labels.queue ?? ''));
        expect(series(got)).toEqual(series(want));
        // Window only: totals come with the workers' reports, apart.
        expect(got.count_total).toBe(0);
      }
    });
  }

  it('a custom window of another length is left out', () => {
    const t = { now: T0 };
    const a = process_(t);
    a.custom.histogram('job_seconds').observe(1.5);
    t.now += 1000;
    const w = wire(takeWindow(a));
    const cluster = process_(t);
    const h = cluster.custom.histogram('job_seconds');
    applyCustomWindows(cluster.custom, [{ ...w.custom![0]!, windowMs: 30_000 }], t.now);
    expect(h.snapshot(t.now).count).toBe(0);
    applyCustomWindows(cluster.custom, w.custom ?? [], t.now);
    expect(h.snapshot(t.now).count).toBe(1);
  });
});
