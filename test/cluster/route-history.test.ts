// Issue #13: `history/?route=` answers for the whole cluster from any worker (it was a 404 naming cluster mode),
// from the minutes the aggregator's monitor closes over the workers' merged requests: counts summed, percentiles
// from the merged latency counts; `instance=<worker>` is that worker's own series. Real node:cluster workers,
// minutes of 2 s (RESOLUTION_MS). Oracles: the client's counts and statuses per route, and for latency one
// RequestStats fed every duration the workers logged as recorded (durations are measured inside the workers, not
// observable from the client). After the aggregator is killed, the new one's minutes count only the requests
// sent since (it took the predecessor's totals over in totals only).

import { describe, expect, it } from 'vitest';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';
import {
  BASE,
  clusterOf,
  get,
  getJson,
  killAggregator,
  type LoggedRequest,
  loggedRequests,
  until,
  untilLogged,
  useCluster,
} from './helpers.js';

interface Point {
  count: number;
  count_5xx: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  apdex: number | null;
}

const ROUTES = [
  { route: '/work', path: () => '/work' },
  { route: '/items/:id', path: (i: number) => `/items/${i % 7}` },
] as const;

/** `n` requests over both routes from a seeded sequence; sends them 6 at a time and returns what the client saw per route. */
async function send(
  port: number,
  n: number,
  seed: number,
): Promise<Map<string, { count: number; e5xx: number }>> {
  const u = rng(seed);
  const plan = Array.from({ length: n }, (_, i) => {
    const r = ROUTES[Math.floor(u() * ROUTES.length)]!;
    const status = [200, 200, 200, 404, 500][Math.floor(u() * 5)]!;
    return { route: r.route, path: `${r.path(i)}?ms=${Math.floor(u() * 25)}&status=${status}` };
  });
  const seen = new Map<string, { count: number; e5xx: number }>();
  let next = 0;
  const run = async () => {
    while (next < plan.length) {
      const p = plan[next++]!;
      const r = await get(port, p.path);
      const s = seen.get(p.route) ?? { count: 0, e5xx: 0 };
      s.count++;
      if (r.status >= 500) s.e5xx++;
      seen.set(p.route, s);
    }
  };
  await Promise.all(Array.from({ length: 6 }, run));
  return seen;
}

const historyPath = (route: string, instance?: string) =>
  `${BASE}/history/?route=${encodeURIComponent(route)}&method=GET${instance === undefined ? '' : `&instance=${encodeURIComponent(instance)}`}`;

const sum = (points: Point[], k: 'count' | 'count_5xx') => points.reduce((s, p) => s + p[k], 0);

/** The route's latency window and Apdex as one process that recorded every logged request would read them. */
function oracleOf(logged: readonly LoggedRequest[], route: string) {
  const one = new RequestStats();
  for (const r of logged) one.record(r.method, r.route, r.status, r.ms);
  const w = one.endpointWindows().find((x) => x.method === 'GET' && x.route === route)!;
  one.close();
  return {
    p50_ms: w.latency.p50_ms,
    p95_ms: w.latency.p95_ms,
    p99_ms: w.latency.p99_ms,
    max_ms: w.latency.max_ms,
    apdex: (w.satisfied + w.tolerating / 2) / w.count,
  };
}

describe('node:cluster, 3 workers: history/?route= for the whole cluster', () => {
  const c = useCluster({ RESOLUTION_MS: '2000' }, 3);

  it("any worker answers the cluster's minutes: client counts, merged percentiles; instance= is one worker's", async () => {
    const client = await send(c.port, 90, 5);
    const logged = await untilLogged(c.logDir, 90);
    expect(new Set(logged.map((r) => r.pid)).size).toBeGreaterThan(1);
    for (const { route } of ROUTES) {
      const want = client.get(route)!;
      // Answered for the cluster at once (points: [] while no minute holding them has closed): was a 404.
      const first = await getJson(c.port, historyPath(route));
      expect({ route, status: first.status, error: first.data.error }).toEqual({
        route,
        status: 200,
        error: undefined,
      });
      // The minutes holding the requests have closed (guard, no timing asserted).
      const points = await until(async () => {
        const r = await getJson(c.port, historyPath(route));
        const p = r.status === 200 ? (r.data.data.points as Point[]) : [];
        return sum(p, 'count') === want.count && p;
      }, 30_000);
      expect({ route, count_5xx: sum(points, 'count_5xx') }).toEqual({ route, count_5xx: want.e5xx });
      // Every request of the route is in the latency window at the last minute's close (all within seconds).
      const last = points.at(-1)!;
      const want2 = oracleOf(logged, route);
      expect({ route, ...pick(last) }).toEqual({ route, ...want2, apdex: roundApdex(want2.apdex) });
      // The same answer from every worker (fresh connections: the primary spreads them), instance=all too.
      for (let i = 0; i < 6; i++) {
        const r = await getJson(c.port, historyPath(route, i % 2 === 0 ? undefined : 'all'));
        expect(r.status).toBe(200);
        expect(r.data.data.points).toEqual(points);
      }
      // instance=<worker>: its own minutes, whichever worker is asked.
      const cl = await clusterOf(c.port);
      for (const w of cl.workers as Array<{ id: string; pid: number }>) {
        const own = logged.filter((r) => r.pid === w.pid && r.route === route).length;
        for (const key of [String(w.pid), w.id]) {
          const r = await until(async () => {
            const x = await getJson(c.port, historyPath(route, key));
            return x.status === 200 && sum(x.data.data.points, 'count') === own && x;
          }, 15_000);
          expect(r.data.data.route).toBe(route);
        }
      }
    }
    const pid = c.pids[0]!;
    expect((await get(c.port, historyPath('/work', `0${pid}`))).status).toBe(400);
    expect((await get(c.port, historyPath('/work', String(pid + 1_000_000)))).status).toBe(404);
    const never = await getJson(c.port, historyPath('/never'));
    expect(never.status).toBe(404);
    expect(never.data.error.message).toContain('/never');
  }, 120_000);

  it("after the aggregator is killed, the new one's minutes count the requests sent since, not the totals it took over", async () => {
    const before = await clusterOf(c.port);
    await killAggregator(c.port, before, 'SIGKILL', 2, 45_000);
    const client = await send(c.port, 40, 9);
    for (const { route } of ROUTES) {
      const want = client.get(route)!;
      // The new aggregator's series starts empty (its monitor is new; MemoryStore): only minutes since.
      const points = await until(async () => {
        const r = await getJson(c.port, historyPath(route));
        const p = r.status === 200 ? (r.data.data.points as Point[]) : [];
        return sum(p, 'count') >= want.count && p;
      }, 30_000);
      expect({ route, count: sum(points, 'count'), count_5xx: sum(points, 'count_5xx') }).toEqual({
        route,
        count: want.count,
        count_5xx: want.e5xx,
      });
    }
    expect(loggedRequests(c.logDir)).toHaveLength(130);
  }, 120_000);
});

const pick = (p: Point) => ({
  p50_ms: p.p50_ms,
  p95_ms: p.p95_ms,
  p99_ms: p.p99_ms,
  max_ms: p.max_ms,
  apdex: p.apdex,
});

/** Apdex as points carry it (apdexScore: three decimals). */
const roundApdex = (v: number) => Math.round(v * 1000) / 1000;
