// The cluster's route rows against what was sent (outside review 22, RT22-2; review 20, F7). The cluster's own table
// was capped at `maxRoutes` in first-merged order: worker A tracking /a, /b and worker B tracking /c, /d left /c and
// /d in the cluster's `* other`, unmarked. Oracle: every request's worker and route are known, and each worker's
// slots are its first `maxRoutes` distinct routes (the documented rule), so the exact cluster row of a route is the
// sum, over the workers that track it, of the requests they got; `* other` is the rest. A row is exact, or marked
// `folded` (routes/, metrics/, and `http_route_folded` in Prometheus, checked by promtool). Fixture: real worker
// monitors and their Reporter, the aggregator's real Merger into a real SystemMonitor, one injected clock.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  answer,
  fresh,
  type MonitorLike,
  type PrometheusWire,
  prometheusFromWire,
} from '../../src/cluster/answers.js';
import { CLUSTER_ROUTES_FACTOR } from '../../src/cluster/folded-routes.js';
import { writeLedger } from '../../src/cluster/ledger.js';
import { takeWindow } from '../../src/cluster/window-wire.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { expectPromtoolAccepts } from '../helpers/promtool.js';
import { rng } from '../helpers/random.js';
import { inProcessCluster, type Row, T0 } from './in-process-cluster.js';

/** `n` workers and the aggregator, every one with `maxRoutes`; `record(i, route)` then `send(i)` a frame. */
function cluster(n: number, maxRoutes: number) {
  const c = inProcessCluster(n, maxRoutes);
  const { t, now, workers } = c;
  /**
   * The oracle's own record: per worker, the routes in first-seen order (its slots are taken as it records), the
   * requests of each it sent in a frame, and those recorded since its last frame.
   */
  const seen = workers.map(() => ({
    order: [] as string[],
    count: new Map<string, number>(),
    unsent: [] as string[],
  }));
  /** Whether worker `i` has a slot for `route`: among its first `maxRoutes` distinct routes. */
  const tracks = (i: number, route: string) =>
    seen[i]!.order.indexOf(route) >= 0 && seen[i]!.order.indexOf(route) < maxRoutes;
  const oracle = {
    /** Requests of `route` sent, on every worker. */
    sent: (route: string) => seen.reduce((a, s) => a + (s.count.get(route) ?? 0), 0),
    /** The exact cluster row: the requests of `route` of the workers that track it. */
    tracked: (route: string) =>
      seen.reduce((a, s, i) => a + (tracks(i, route) ? (s.count.get(route) ?? 0) : 0), 0),
    /** Requests the workers folded (routes past their slots): the exact `* other`. */
    folded: () =>
      seen.reduce((a, s, i) => a + [...s.count].reduce((b, [r, k]) => b + (tracks(i, r) ? 0 : k), 0), 0),
    /** Routes some worker tracks and sent requests of. */
    routes: () => new Set(seen.flatMap((s, i) => [...s.count.keys()].filter((r) => tracks(i, r)))),
    total: () => seen.reduce((a, s) => a + [...s.count.values()].reduce((b, k) => b + k, 0), 0),
  };
  return {
    oracle,
    /**
     * A new aggregator: it starts from the ledger this one writes (every worker's totals, in the order it knew
     * them), then each worker says hello with its totals since start and its window, as after a crash.
     */
    takeover(dir: string) {
      const path = join(dir, 'ledger.json');
      const entries = [...c.table.values()].map((w) => ({
        id: w.id,
        pid: w.pid,
        started_at: w.startedAt,
        totals: w.known.toReport(),
      }));
      writeLedger(path, entries.reverse(), now()); // the last-known worker's routes first
      t.now += 1000;
      c.replaceAggregator('c2');
      c.merger.loadLedger(path, 'c2');
      for (const w of workers) {
        w.entry = c.table.get(w.entry.id)!;
        w.reporter.reset();
        const full = JSON.parse(JSON.stringify(w.reporter.take()));
        c.merger.merge(w.entry, full, null, true, JSON.parse(JSON.stringify(takeWindow(w.own))));
      }
    },
    record(i: number, route: string) {
      c.record(i, route);
      const s = seen[i]!;
      if (!s.order.includes(route)) s.order.push(route);
      s.unsent.push(route);
    },
    send(i: number) {
      c.send(i);
      const s = seen[i]!;
      for (const route of s.unsent.splice(0)) s.count.set(route, (s.count.get(route) ?? 0) + 1);
    },
    /** routes/ rows, metrics/ routes and the Prometheus counters (summed over status classes) as served. */
    async rows(): Promise<{
      endpoints: Row[];
      snapshot: Row[];
      prometheus: Row[];
      text: string;
      wire: PrometheusWire;
    }> {
      t.now += 1; // a snapshot of this ms is served from the cache, even at maxAgeMs 0
      const endpoints = c.merger.folded('endpoints', c.monitor.endpoints('time', 1000)) as ReturnType<
        SystemMonitor['endpoints']
      >;
      const snapshot = (await c.monitor.getMetrics({ maxAgeMs: 0 })).routes;
      const q = fresh({ op: 'prometheus', maxAgeMs: 0 });
      const wire = JSON.parse(
        JSON.stringify(c.merger.folded('prometheus', await answer(c.monitor as unknown as MonitorLike, q))),
      ) as PrometheusWire;
      const text = renderPrometheus(prometheusFromWire(wire, now()));
      const sums = new Map<string, Row>();
      for (const r of wire.routes) {
        const key = `${r.method} ${r.route}`;
        const row = sums.get(key) ?? { method: r.method, route: r.route, count: 0 };
        row.count += r.count;
        sums.set(key, row);
      }
      for (const line of text.split('\n')) {
        const m = /^sysvitals_http_route_folded\{method="([^"]*)",route="([^"]*)"\} 1$/.exec(line);
        if (m) sums.get(`${m[1]} ${m[2]}`)!.folded = true;
      }
      return { endpoints: endpoints.routes, snapshot, prometheus: [...sums.values()], text, wire };
    },
  };
}

/** What the oracle finds wrong in one table of cluster rows (empty: every figure is true or marked). */
function wrong(rows: readonly Row[], o: ReturnType<typeof cluster>['oracle']): string[] {
  const out: string[] = [];
  const named = rows.filter((r) => r.method !== '*');
  for (const r of named) {
    if (r.count !== o.tracked(r.route)) out.push(`${r.route}: ${r.count}, exact ${o.tracked(r.route)}`);
    if (r.folded !== true && r.count !== o.sent(r.route))
      out.push(`${r.route}: ${r.count} of ${o.sent(r.route)}, unmarked`);
  }
  for (const route of o.routes())
    if (!named.some((r) => r.route === route)) out.push(`${route}: tracked by a worker, no cluster row`);
  const other = rows.find((r) => r.method === '*')?.count ?? 0;
  if (other !== o.folded()) out.push(`* other: ${other}, the workers folded ${o.folded()}`);
  if (rows.some((r) => r.method === '*' && r.folded)) out.push('* other marked: no tracked route spilled');
  return out;
}

describe('the cluster route table against the requests sent', () => {
  it("the reviewer's case: two workers tracking different routes fill the cluster's maxRoutes; no route folds", async () => {
    const c = cluster(2, 2);
    for (const r of ['/a', '/b', '/a']) c.record(0, r);
    for (const r of ['/c', '/d', '/d']) c.record(1, r);
    c.send(0);
    c.send(1);
    const { endpoints, snapshot, prometheus } = await c.rows();
    for (const rows of [endpoints, snapshot, prometheus]) {
      expect(rows.find((r) => r.route === '/d')).toMatchObject({ count: 2 });
      expect(rows.find((r) => r.method === '*')).toBeUndefined(); // nothing folded anywhere
      expect(wrong(rows, c.oracle)).toEqual([]);
    }
  });

  it('seeded rounds over 4 workers, 24 routes, maxRoutes 5: every row exact or marked, * other the folds', async () => {
    for (const seed of [1, 22, 303]) {
      const u = rng(seed);
      const c = cluster(4, 5);
      let marked = 0;
      for (let round = 0; round < 12; round++) {
        // Skewed so that some routes are common and tracked by all, others rare and split.
        for (let k = 0; k < 40; k++) c.record(Math.floor(u() * 4), `/p${Math.floor(24 * u() * u())}`);
        for (let i = 0; i < 4; i++) if (u() < 0.7) c.send(i);
        const { endpoints, snapshot, prometheus, text } = await c.rows();
        for (const rows of [endpoints, snapshot, prometheus]) expect(wrong(rows, c.oracle)).toEqual([]);
        if (round === 11) expectPromtoolAccepts(text);
        marked += prometheus.filter((r) => r.folded).length;
      }
      for (let i = 0; i < 4; i++) c.send(i);
      const { endpoints, snapshot, prometheus } = await c.rows();
      for (const rows of [endpoints, snapshot, prometheus]) {
        expect(wrong(rows, c.oracle)).toEqual([]);
        expect(rows.reduce((n, r) => n + r.count, 0)).toBe(c.oracle.total());
      }
      expect(marked).toBeGreaterThan(0); // the split case occurred, and was marked in Prometheus
      expect(c.oracle.routes().size).toBeGreaterThan(5); // more tracked routes than the cluster's old cap
    }
  });

  it('after a takeover (a new aggregator from the ledger, then hellos) every row is still exact or marked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-routes-'));
    try {
      const u = rng(7);
      const c = cluster(3, 4);
      const round = () => {
        for (let k = 0; k < 30; k++) c.record(Math.floor(u() * 3), `/q${Math.floor(16 * u() * u())}`);
        for (let i = 0; i < 3; i++) c.send(i);
      };
      for (let r = 0; r < 4; r++) round();
      c.takeover(dir);
      const after = await c.rows();
      for (const rows of [after.endpoints, after.snapshot, after.prometheus])
        expect(wrong(rows, c.oracle)).toEqual([]);
      for (let r = 0; r < 4; r++) round();
      const { endpoints, snapshot, prometheus } = await c.rows();
      for (const rows of [endpoints, snapshot, prometheus]) expect(wrong(rows, c.oracle)).toEqual([]);
      expect(c.oracle.routes().size).toBeGreaterThan(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Prometheus marks a split route with http_route_folded, and promtool accepts the family', async () => {
    const c = cluster(2, 2);
    for (const r of ['/x', '/x', '/y']) c.record(0, r);
    for (const r of ['/y', '/z', '/x']) c.record(1, r); // worker 1 folds its /x
    c.send(0);
    c.send(1);
    const { text, prometheus } = await c.rows();
    expect(text).toContain('sysvitals_http_route_folded{method="GET",route="/x"} 1');
    expect(text).not.toContain('http_route_folded{method="GET",route="/y"}'); // tracked by both: exact
    expect(prometheus.find((r) => r.route === '/x')).toMatchObject({ count: 2, folded: true });
    expectPromtoolAccepts(text);
  });

  it("an older aggregator's answer (no `folded`) renders no folded family; promtool accepts it", async () => {
    const c = cluster(2, 1);
    c.record(0, '/x');
    c.record(1, '/y');
    c.record(1, '/x'); // folded by worker 1: /x is marked
    c.send(0);
    c.send(1);
    const { wire } = await c.rows();
    expect(wire.folded).toEqual([['GET', '/x']]);
    const { folded: _, ...older } = wire;
    const data = prometheusFromWire(older, T0);
    expect(data.foldedRoutes).toBeUndefined();
    const text = renderPrometheus(data);
    expect(text).not.toContain('http_route_folded');
    expectPromtoolAccepts(text);
  });

  it(`past ${CLUSTER_ROUTES_FACTOR} x maxRoutes tracked routes, the one that folds marks the cluster's * other`, async () => {
    const n = CLUSTER_ROUTES_FACTOR + 1;
    const c = cluster(n, 1);
    for (let i = 0; i < n; i++) c.record(i, `/only${i}`);
    for (let i = 0; i < n; i++) c.send(i);
    const { endpoints, snapshot, prometheus, text } = await c.rows();
    for (const rows of [endpoints, snapshot, prometheus]) {
      expect(rows.filter((r) => r.method !== '*')).toHaveLength(CLUSTER_ROUTES_FACTOR);
      expect(rows.find((r) => r.method === '*')).toMatchObject({ count: 1, folded: true });
    }
    expect(text).toContain('sysvitals_http_route_folded{method="*",route="other"} 1');
    expectPromtoolAccepts(text);
  });
});
