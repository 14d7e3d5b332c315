// Custom metrics between processes: counters, histograms and gauges recorded by several workers,
// reported as per-interval deltas and merged, against one registry that recorded everything (the oracle).

import { describe, expect, it } from 'vitest';
import { CustomMerger, type GaugeHolder } from '../../src/cluster/custom-merge.js';
import { customFromWire, customToWire } from '../../src/cluster/custom-prometheus.js';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import type { Gauge } from '../../src/custom/gauge.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { renderCustom } from '../../src/http/prometheus/custom.js';
import { silentLogger } from '../../src/logger.js';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';

const t = { now: 1_000_000 };
const clock = { now: () => t.now };

function declare(custom: CustomMetrics) {
  return {
    orders: custom.counter('orders_total', { help: 'Orders.', labels: ['kind'] }),
    size: custom.histogram('order_size', { help: 'Size.', labels: ['kind'], buckets: [1, 10, 100] }),
    depth: custom.gauge('queue_depth', { help: 'Depth.' }),
  };
}

function worker() {
  const requests = new RequestStats({ clock });
  const custom = new CustomMetrics();
  const m = declare(custom);
  const reporter = new Reporter({ requests, functions: new FunctionTimings({ clock }), custom, clock });
  const holder: GaugeHolder = { gauges: new Map() };
  return { custom, m, reporter, holder, known: new KnownTotals() };
}

const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

/** Gauges as read: JSON (without a callback's own `error`), Prometheus, and a scrape across the socket. */
function gaugeView(c: CustomMetrics, names: string[]) {
  const snap = c.snapshot(t.now, true, false);
  // A callback's `error` is its own process's (the cluster's gauge has none of its own to show), and so is a series'
  // `stale` (the cluster's sets are all stale while a live worker's collect() fails: asserted apart).
  const json = Object.fromEntries(
    names.map((n) => {
      const { error: _e, ...rest } = snap[n] as { error?: string; series?: { stale?: true }[] };
      if (Array.isArray(rest.series)) rest.series = rest.series.map(({ stale: _s, ...x }) => x);
      return [n, rest];
    }),
  );
  const prom: string[] = [];
  const text = { escapeLabelValue: (v: string) => v, formatValue: (v: number) => String(v) };
  const all = [...c.all()].filter((m) => names.includes(m.name));
  renderCustom(prom, all, 'sysvitals_', t.now, text);
  // And as a scrape reads it on another worker (the figures cross the socket).
  const crossed: string[] = [];
  renderCustom(crossed, customFromWire(customToWire(all, t.now)), 'sysvitals_', t.now, text);
  return { json, prom, crossed };
}

describe('custom metrics across workers', () => {
  it('counters summed, histograms from the merged HDR counts, gauges summed: equal to one registry of everything', () => {
    const u = rng(7);
    const workers = [worker(), worker(), worker()];
    const cluster = new CustomMetrics();
    const merger = new CustomMerger(cluster, () => workers.map((w) => w.holder), silentLogger);
    const oracle = new CustomMetrics();
    const o = declare(oracle);
    const kinds = ['a', 'b', 'c'];
    for (let interval = 0; interval < 15; interval++) {
      for (let i = 0; i < 80; i++) {
        const w = workers[Math.floor(u() * 3)]!;
        const kind = kinds[Math.floor(u() * 3)]!;
        const n = 1 + Math.floor(u() * 3);
        // Values across several HDR magnitudes, with exact thousandths and some zeros.
        const v = u() < 0.05 ? 0 : Math.round(u() ** 4 * 5_000_000) / 1000;
        w.m.orders.inc({ kind }, n);
        w.m.size.observe({ kind }, v);
        o.orders.inc({ kind }, n);
        o.size.observe({ kind }, v);
      }
      workers.forEach((w, i) => {
        w.m.depth.set(interval + i * 10);
      });
      for (const w of workers) {
        const r = roundTrip(w.reporter.take());
        w.known.add(r);
        merger.apply(w.holder, r.custom ?? [], true);
      }
      t.now += 1000;
    }
    const got = cluster.snapshot(t.now);
    const want = oracle.snapshot(t.now);
    const orders = got.orders_total as Extract<(typeof got)[string], { type: 'counter' }>;
    const wantOrders = want.orders_total as typeof orders;
    expect(orders.value).toBe(wantOrders.value);
    const byKind = <T extends { labels: Record<string, string> }>(s: T[]) =>
      [...s].sort((a, b) => (a.labels.kind ?? '').localeCompare(b.labels.kind ?? ''));
    expect(byKind(orders.series).map((s) => s.value)).toEqual(byKind(wantOrders.series).map((s) => s.value));
    const size = got.order_size as Extract<(typeof got)[string], { type: 'histogram' }>;
    const wantSize = want.order_size as typeof size;
    const figures = (f: typeof size | (typeof size)['series'][number]) => {
      const { sum, avg, sum_total, ...rest } = f as unknown as Record<string, unknown>;
      return {
        ...rest,
        sum: Math.round((sum as number) * 1000),
        sum_total: Math.round((sum_total as number) * 1000),
      };
    };
    const { series: s1, help: _h1, ...top } = size;
    const { series: s2, help: _h2, ...wantTop } = wantSize;
    expect(figures(top as typeof size)).toEqual(figures(wantTop as typeof size));
    expect(byKind(s1).map(figures)).toEqual(byKind(s2).map(figures));
    expect(size.count).toBe(15 * 80);
    // Prometheus buckets, exact against the bounds.
    const le = (m: CustomMetrics) =>
      (
        m.get('order_size') as ReturnType<typeof o.size.labels> & {
          totals(n: number): { labels: Record<string, string>; buckets: Float64Array }[];
        }
      )
        .totals(t.now)
        .sort((a, b) => (a.labels.kind ?? '').localeCompare(b.labels.kind ?? ''))
        .map((s) => Array.from(s.buckets));
    expect(le(cluster)).toEqual(le(oracle));
    // The gauge: the sum of each worker's last value; a worker gone stops counting.
    expect((got.queue_depth as { value: number }).value).toBe(14 + 24 + 34);
    workers.pop();
    expect((cluster.snapshot(t.now).queue_depth as { value: number }).value).toBe(14 + 24);
  });

  it('a full report after a reconnection adds only what the aggregator lacks; the ledger keeps the totals', () => {
    const w = worker();
    const cluster = new CustomMetrics();
    const merger = new CustomMerger(cluster, () => [w.holder], silentLogger);
    for (let i = 0; i < 40; i++) {
      w.m.orders.inc({ kind: 'a' });
      w.m.size.observe({ kind: 'a' }, i);
    }
    let r = roundTrip(w.reporter.take());
    w.known.add(r);
    merger.apply(w.holder, r.custom ?? [], true);
    for (let i = 0; i < 10; i++) {
      w.m.orders.inc({ kind: 'a' });
      w.m.size.observe({ kind: 'a' }, 100 + i);
    }
    w.reporter.reset();
    r = roundTrip(w.reporter.take());
    merger.apply(w.holder, w.known.replace(r).custom ?? [], true);
    const got = cluster.snapshot(t.now);
    expect((got.orders_total as { value: number }).value).toBe(50);
    expect((got.order_size as { count_total: number; max: number }).count_total).toBe(50);
    expect((got.order_size as { max: number }).max).toBe(109);
    // A new aggregator from the ledger: the totals, not in the window.
    const ledger = decodeReport(JSON.parse(JSON.stringify(encodeReport(w.known.toReport()))));
    const next = new CustomMetrics();
    new CustomMerger(next, () => [], silentLogger).apply(null, ledger.custom ?? [], false);
    const again = next.snapshot(t.now);
    expect((again.orders_total as { value: number }).value).toBe(50);
    expect((again.order_size as { count_total: number; count: number }).count_total).toBe(50);
    expect((again.order_size as { count: number }).count).toBe(0);
  });

  it('only changed series are reported; nothing when nothing changed', () => {
    const w = worker();
    w.m.orders.inc({ kind: 'a' });
    w.m.orders.inc({ kind: 'b' });
    expect(w.reporter.take().c?.find((c) => c.n === 'orders_total')?.s).toHaveLength(2);
    w.m.orders.inc({ kind: 'b' });
    const c = w.reporter.take().c ?? [];
    expect(c.map((x) => x.n)).toEqual(['orders_total']);
    expect(c[0]?.s).toEqual([{ v: ['b'], c: 1 }]);
    expect(c[0]?.d).toBeUndefined();
    expect(w.reporter.take().c).toBeUndefined();
  });

  it("a gauge's cluster view reads as one process's: null before a callback's first reading, labelled or not", () => {
    // Callbacks that read nothing until `ready`, then `sets` label sets (0: a reading of none); set() gauges, one
    // labelled with no set yet, one with a bound set never set. The oracle: one process's registry, same calls.
    let ready = false;
    let sets = 0;
    const declareGauges = (c: CustomMetrics) => {
      const reading = () => {
        if (!ready) throw new Error('not yet');
        return Array.from({ length: sets }, (_, i) => ({ labels: { queue: `q${i}` }, value: i + 1 }));
      };
      c.gauge('cb_labelled', { help: 'Labelled callback.', labels: ['queue'], collect: reading });
      c.gauge('cb_one', {
        help: 'Unlabelled callback.',
        collect: () => {
          if (!ready) throw new Error('not yet');
          return 7;
        },
      });
      c.gauge('set_labelled', { help: 'Labelled, never set.', labels: ['queue'] });
      c.gauge('set_bound', { help: 'A bound set, never set.', labels: ['queue'] }).labels({ queue: 'x' });
    };
    const one = new CustomMetrics();
    declareGauges(one);
    const w = worker();
    declareGauges(w.custom);
    const cluster = new CustomMetrics();
    const merger = new CustomMerger(cluster, () => [w.holder], silentLogger);
    const names = ['cb_labelled', 'cb_one', 'set_labelled', 'set_bound'];
    const view = (c: CustomMetrics) => gaugeView(c, names);
    const step = (why: string) => {
      // Each process samples (its callbacks run), reports, and the aggregator merges; then both are read.
      w.custom.snapshot(t.now, true, true);
      one.snapshot(t.now, true, true);
      const r = roundTrip(w.reporter.take());
      merger.apply(w.holder, r.custom ?? [], true);
      const got = view(cluster);
      const want = view(one);
      expect(got.json, why).toEqual(want.json);
      expect(got.prom, why).toEqual(want.prom);
      expect(got.crossed, why).toEqual(want.prom);
      return got;
    };
    const before = step('before any reading');
    expect((before.json.cb_labelled as { value: unknown }).value).toBeNull();
    step('still no reading');
    ready = true;
    const empty = step('a reading of no label set');
    expect((empty.json.cb_labelled as { value: unknown }).value).toBe(0);
    sets = 2;
    step('a reading of two label sets');
    sets = 0;
    step('a reading of none again');
  });

  it("a gauge series only a dead worker read is absent from the cluster's view (null with none left), as the survivors read", () => {
    // Worker B's callbacks read; A's throw until `aReads`, then read one set of B's. B dies (leaves the live list).
    // The oracle: what the surviving worker reads of its own registry (its `instance=` view).
    let aReads = false;
    const declareGauges = (c: CustomMetrics, reads: () => boolean, sets: Array<[string, number]>) => {
      const reading = () => {
        if (!reads()) throw new Error('not yet');
        return sets.map(([queue, value]) => ({ labels: { queue }, value }));
      };
      c.gauge('cb_labelled', { help: 'Labelled callback.', labels: ['queue'], collect: reading });
      c.gauge('cb_one', {
        help: 'Unlabelled callback.',
        collect: () => {
          if (!reads()) throw new Error('not yet');
          return sets.length;
        },
      });
      c.gauge('set_labelled', { help: 'Labelled set().', labels: ['queue'] });
    };
    const a = worker();
    const b = worker();
    declareGauges(a.custom, () => aReads, [['q1', 10]]);
    declareGauges(b.custom, () => true, [
      ['q0', 1],
      ['q1', 2],
    ]);
    // A set() gauge: B sets one label set, A another (a set() gauge's series is its worker's too).
    (b.custom.get('set_labelled') as Gauge).labels({ queue: 'b' }).set(4);
    const cluster = new CustomMetrics();
    let live = [a, b];
    const merger = new CustomMerger(cluster, () => live.map((w) => w.holder), silentLogger);
    const names = ['cb_labelled', 'cb_one', 'set_labelled'];
    const round = () => {
      for (const w of live) {
        w.custom.snapshot(t.now, true, true);
        merger.apply(w.holder, roundTrip(w.reporter.take()).custom ?? [], true);
      }
    };
    round();
    const both = gaugeView(cluster, names).json;
    expect(both.cb_labelled, 'B alone reads').toEqual(gaugeView(b.custom, names).json.cb_labelled);
    // A's collect() fails: each set's sum may lack A's share, so every set of the cluster's gauge is stale (rtF F6).
    const raw = cluster.snapshot(t.now, true, false).cb_labelled as { series: { stale?: true }[] };
    expect(raw.series.map((x) => x.stale)).toEqual([true, true]);
    expect((both.set_labelled as { value: unknown }).value).toBe(4);
    // B is SIGKILLed: no last words, it just leaves the live list.
    live = [a];
    const want = gaugeView(a.custom, names);
    expect((want.json.cb_labelled as { value: unknown }).value, 'oracle').toBeNull();
    const got = gaugeView(cluster, names);
    expect(got.json, 'B dead, A has no reading').toEqual(want.json);
    expect(got.prom, 'B dead, A has no reading').toEqual(want.prom);
    expect(got.crossed, 'B dead, A has no reading').toEqual(want.prom);
    // A reads one of the sets B read: that set only, at A's value.
    aReads = true;
    round();
    const now = gaugeView(a.custom, names);
    const after = gaugeView(cluster, names);
    expect(after.json, 'A reads q1').toEqual(now.json);
    expect(after.prom, 'A reads q1').toEqual(now.prom);
    expect(after.crossed, 'A reads q1').toEqual(now.prom);
  });
});
