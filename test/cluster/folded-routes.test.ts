// Cluster route rows past `maxRoutes` (outside review 20, F7): each worker fills its slots in its own first-seen
// order, so worker A has a row for /r9 while worker B, its slots full, folded its /r9 requests into `* other`: the
// cluster row /r9 read 5 of 10, silently. A row a worker's `* other` may hold requests of is now marked
// `folded: true` (routes/ and metrics/ routes). Oracle: every request's route is known; the cluster row of a route
// holds the count of its requests, or it is marked. Fixture: real worker monitors and their Reporter, the
// aggregator's real Merger into a real SystemMonitor, one injected clock.

import { describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { rng } from '../helpers/random.js';
import { inProcessCluster, type Row } from './in-process-cluster.js';

/** `n` workers and the aggregator, every one with `maxRoutes`; `record(i, route)` then `send(i)` a frame. */
function cluster(n: number, maxRoutes: number) {
  const c = inProcessCluster(n, maxRoutes);
  const sent: string[] = [];
  return {
    record(i: number, route: string) {
      c.record(i, route);
      sent.push(route);
    },
    send: c.send,
    /** routes/ rows as the aggregator serves them, and metrics/ routes. */
    async rows() {
      const endpoints = c.merger.folded('endpoints', c.monitor.endpoints('time', 1000)) as ReturnType<
        SystemMonitor['endpoints']
      >;
      return { endpoints: endpoints.routes, snapshot: (await c.monitor.getMetrics({ maxAgeMs: 0 })).routes };
    },
    /** The oracle: how many requests of `route` were recorded, on every worker. */
    exact: (route: string) => sent.filter((r) => r === route).length,
  };
}

/** Rows of named routes whose count is not their requests' and that carry no mark; `* other` aside. */
function unmarkedWrong(rows: readonly Row[], exact: (route: string) => number): string[] {
  return rows
    .filter((r) => r.method !== '*' && r.folded !== true && r.count !== exact(r.route))
    .map((r) => `${r.route}: ${r.count} of ${exact(r.route)}`);
}

describe('cluster route rows past maxRoutes', () => {
  it("the reviewer's split: /r9 has a row from worker A while worker B folded its /r9 requests; the row is marked", async () => {
    const c = cluster(2, 4);
    for (const r of ['/r9', '/r9', '/r9', '/r9', '/r9', '/r1', '/r2']) c.record(0, r);
    for (const r of ['/rec', '/r3', '/r4', '/r5', '/r9', '/r9', '/r9', '/r9', '/r9']) c.record(1, r);
    c.send(0);
    c.send(1);
    const { endpoints, snapshot } = await c.rows();
    for (const rows of [endpoints, snapshot]) {
      const r9 = rows.find((r) => r.route === '/r9');
      expect(r9).toMatchObject({ count: 5, folded: true }); // 5 of the 10: marked
      expect(unmarkedWrong(rows, c.exact)).toEqual([]);
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(16); // the totals stay exact
    }
  });

  it('no worker folded: no row is marked', async () => {
    const c = cluster(2, 4);
    for (const r of ['/a', '/b', '/a']) c.record(0, r);
    for (const r of ['/c', '/a', '/d']) c.record(1, r);
    c.send(0);
    c.send(1);
    const { endpoints, snapshot } = await c.rows();
    for (const rows of [endpoints, snapshot]) {
      expect(rows.filter((r) => r.folded)).toEqual([]);
      expect(unmarkedWrong(rows, c.exact)).toEqual([]);
    }
  });

  it('random routes over 3 workers, frames between: every unmarked row holds exactly its requests', async () => {
    const u = rng(20);
    const c = cluster(3, 6);
    let marked = 0;
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 15; k++) c.record(Math.floor(u() * 3), `/p${Math.floor(u() * 12)}`);
      c.send(round % 3);
      for (let i = 0; i < 3; i++) c.send(i);
      const { endpoints, snapshot } = await c.rows();
      for (const rows of [endpoints, snapshot]) expect(unmarkedWrong(rows, c.exact)).toEqual([]);
      marked += endpoints.filter((r) => r.folded).length;
    }
    expect(marked).toBeGreaterThan(0);
  });
});
