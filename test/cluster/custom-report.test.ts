// Custom metrics between processes: counters, histograms and gauges recorded by several workers,
// reported as per-interval deltas and merged, against one registry that recorded everything (the oracle).

import { describe, expect, it } from 'vitest';
import { CustomMerger, type GaugeHolder } from '../../src/cluster/custom-merge.js';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
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
});
