// A full route table gives a slot back (outside review 36, RT36-3): `maxRoutes` slots went to the first routes ever
// seen and were never reclaimed, so a route first hit after a warm-up sweep was `* other` for the life of the process,
// its rules never fired and nothing was logged. Now a new route takes the slot of the least recently used row that
// had no request within the window, whose totals since start fold into `* other`. Oracles: the requests recorded.

import { describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { inProcessCluster } from '../cluster/in-process-cluster.js';
import { rng } from '../helpers/random.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

function setup(extra: Record<string, unknown> = {}) {
  const t = { now: T0 };
  const clock = () => t.now;
  const warnings: string[] = [];
  const logger = {
    warn: (_o: unknown, msg: string) => warnings.push(msg),
    error() {},
    info() {},
    debug() {},
  };
  const m = createMonitor({ clock, monotonicClock: clock, sampleIntervalMs: 0, logger, ...extra } as never);
  return { t, m, warnings };
}

/** sysvitals_http_requests_total series (`method route status_class` to its value). */
async function series(m: SystemMonitor): Promise<Map<string, number>> {
  const text = renderPrometheus(await collectPrometheusData(m, 0));
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const hit = /^sysvitals_http_requests_total\{(.*)\} (\S+)$/.exec(line);
    if (hit) out.set(hit[1]!, Number(hit[2]));
  }
  return out;
}

const sum = (s: Map<string, number>) => [...s.values()].reduce((a, b) => a + b, 0);

/**
 * What Prometheus reads as counted since the scrapes before (counter semantics): each series of the new scrape grew by
 * its value less its last sample in any earlier scrape (0 when new; a series that was absent, stale, and comes back
 * goes on from its last sample; a value below it is a counter reset: all of it); a series that ended adds nothing.
 * `last` holds every series' last sample and takes the new scrape's. `only` keeps the series it accepts.
 */
function increase(
  last: Map<string, number>,
  scrape: Map<string, number>,
  only: (key: string) => boolean = () => true,
): number {
  let n = 0;
  for (const [k, v] of scrape) {
    const before = last.get(k) ?? 0;
    if (only(k)) n += v >= before ? v - before : v;
  }
  return n;
}

/** Takes a scrape's samples into `last` (increase()), after reading it for every class. */
function keep(last: Map<string, number>, scrape: Map<string, number>): void {
  for (const [k, v] of scrape) last.set(k, v);
}

/** Nearest-rank percentile of the recorded durations. */
const nearestRank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(p * xs.length) - 1]!;

describe('route table reclaims idle slots (RT36-3)', () => {
  it("the review's case: 100 warm-up routes, 6 h idle, then POST /orders has its own row and its rule fires", async () => {
    const { t, m, warnings } = setup({
      alerts: {
        rules: [
          {
            name: 'orders_p95',
            metric: 'routes["POST /orders"].p95_ms',
            warning: 1000,
            critical: 3000,
            for: 0,
          },
        ],
      },
    });
    for (let i = 0; i < 100; i++)
      m.recordRequest({ method: 'GET', route: `/warmup/${i}`, status: 200, durationMs: 2 });
    t.now += 6 * 3600_000;
    await m.sample();
    const durations: number[] = [];
    for (let i = 0; i < 90; i++) {
      const d = 4000 + ((i * 37) % 90) * 10; // 4000 … 4890, shuffled
      durations.push(d);
      m.recordRequest({ method: 'POST', route: '/orders', status: 200, durationMs: d });
    }
    t.now += 5000;
    await m.sample();
    const e = await m.endpoints('p95', 10);
    const orders = e.routes.find((r) => r.method === 'POST' && r.route === '/orders');
    expect(orders?.count).toBe(90);
    const p95 = nearestRank(durations, 0.95);
    expect(Math.abs((orders?.p95_ms ?? 0) - p95) / p95).toBeLessThan(0.01); // HDR precision
    expect(e.routes.some((r) => r.method === '*')).toBe(false);
    const alerts = (await m.getAlerts()) as { rule: string; severity: string }[];
    expect(alerts.find((a) => a.rule === 'orders_p95')?.severity).toBe('critical');
    expect(warnings.filter((w) => /maxRoutes/.test(w))).toEqual([]); // nothing folded: nothing to say
    // The server-wide total since start stays that of all 190 requests; the warm-up route's series ended, and no
    // request was recorded under `* other`, so it has no series (RTB-1: it held the ended route's 1).
    const s = await series(m);
    expect((await m.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(190);
    expect(sum(s)).toBe(189);
    expect(s.get('method="POST",route="/orders",status_class="2xx"')).toBe(90);
    expect([...s.keys()].some((k) => k.includes('route="other"'))).toBe(false);
    await m.close();
  });

  it('a route with a request within the window is never reclaimed; folding is said once, naming maxRoutes', async () => {
    const { t, m, warnings } = setup({ maxRoutes: 2 });
    m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 2 });
    t.now += 10_000;
    m.recordRequest({ method: 'GET', route: '/b', status: 200, durationMs: 2 });
    t.now += 30_000; // both within the 60 s window
    for (let i = 0; i < 3; i++) m.recordRequest({ method: 'GET', route: '/c', status: 200, durationMs: 2 });
    await m.sample();
    let rows = (await m.endpoints('time', 10)).routes.map((r) => `${r.method} ${r.route} ${r.count}`);
    expect(rows.sort()).toEqual(['* other 3', 'GET /a 1', 'GET /b 1']);
    expect(warnings.filter((w) => /maxRoutes \(2\)/.test(w))).toHaveLength(1);
    // /a leaves the window (its last request 65 s ago), /b has not (55 s): /d takes /a's slot.
    t.now += 25_000;
    m.recordRequest({ method: 'GET', route: '/d', status: 200, durationMs: 2 });
    await m.sample();
    rows = (await m.endpoints('time', 10)).routes.map((r) => `${r.method} ${r.route} ${r.count}`);
    expect(rows.sort()).toEqual(['* other 3', 'GET /d 1']); // /b is past the 45–60 s window, still in the ring
    const s = await series(m);
    expect(s.get('method="GET",route="/b",status_class="2xx"')).toBe(1); // kept: not reclaimed
    expect(s.get('method="GET",route="/a",status_class="2xx"')).toBeUndefined(); // its series ended
    // 3 of /c, recorded under it: not /a's 1, whose series ended (RTB-1); the server-wide total keeps all 6.
    expect(s.get('method="*",route="other",status_class="2xx"')).toBe(3);
    expect(sum(s)).toBe(5);
    expect((await m.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(6);
    expect(warnings.filter((w) => /maxRoutes/.test(w))).toHaveLength(1);
    await m.close();
  });

  it('a route reclaimed for the same route under another method: the new row is found again', async () => {
    const { t, m } = setup({ maxRoutes: 1 });
    m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 2 });
    t.now += 120_000;
    for (let i = 0; i < 3; i++) {
      m.recordRequest({ method: 'POST', route: '/x', status: 200, durationMs: 2 });
      m.recordRequest({ method: 'GET', route: 'unmatched', status: 404, durationMs: 2 }); // not the last pair
    }
    await m.sample();
    const rows = (await m.endpoints('time', 10)).routes.map((r) => `${r.method} ${r.route} ${r.count}`);
    expect(rows.sort()).toEqual(['GET unmatched 3', 'POST /x 3']);
    expect(sum(await series(m))).toBe(6); // GET /x's series ended
    expect((await m.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(7);
    await m.close();
  });

  it('seeded traffic over many reclaims: totals equal the recorded requests, each scrape increases by those since the last; no series goes down', async () => {
    const { t, m } = setup({ maxRoutes: 4 });
    const r = rng(36_3);
    const statuses = [200, 201, 301, 404, 500];
    let recorded = 0;
    const last = new Map<string, number>();
    for (let round = 0; round < 40; round++) {
      const byClass = new Map<string, number>(); // this round's requests (between two scrapes) by status class
      const n = 1 + Math.floor(r() * 20);
      for (let i = 0; i < n; i++) {
        const route = `/r${Math.floor(r() * 12)}`;
        const status = statuses[Math.floor(r() * statuses.length)]!;
        m.recordRequest({
          method: r() < 0.5 ? 'GET' : 'POST',
          route,
          status,
          durationMs: 1 + Math.floor(r() * 500),
        });
        recorded++;
        const cls = `${String(status)[0]}xx`;
        byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
      }
      t.now += Math.floor(r() * 120_000); // often past the window: rows go idle and get reclaimed
      const s = await series(m);
      // Oracle: the requests recorded since the last scrape, per status class (RTB-1: an ended route's totals since
      // start were added to `* other`'s series, read as that many requests in this interval).
      for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx'])
        expect(increase(last, s, (k) => k.endsWith(`status_class="${cls}"`))).toBe(byClass.get(cls) ?? 0);
      // No series goes down, one that ended and came back included (no counter reset to read).
      for (const [k, v] of s) if (last.has(k)) expect(v).toBeGreaterThanOrEqual(last.get(k)!);
      keep(last, s);
      expect((await m.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(recorded);
    }
    expect(m.requests.routes.reclaimed).toBeGreaterThan(5);
    await m.close();
  });

  it("RTB-1, the review's case: maxRoutes 2, three routes in turn; each scrape's increase is the requests sent since the last, `* other` has no series", async () => {
    const { t, m } = setup({ maxRoutes: 2, requestWindowMs: 1000 });
    const send = (route: string, n: number) => {
      for (let i = 0; i < n; i++) m.recordRequest({ method: 'GET', route, status: 200, durationMs: 3 });
    };
    send('/a', 50);
    send('/b', 50);
    t.now += 4000; // both idle past the 1 s window: their slots can be taken
    const last = new Map<string, number>();
    let s = await series(m);
    expect(increase(last, s)).toBe(100);
    keep(last, s);
    for (const route of ['/c', '/a', '/b']) {
      send(route, 10); // takes the slot of the least recently used route (/a, then /b, then /c)
      s = await series(m);
      expect(increase(last, s)).toBe(10);
      for (const [k, v] of s) if (last.has(k)) expect(v).toBeGreaterThanOrEqual(last.get(k)!);
      keep(last, s);
      t.now += 4000;
    }
    // /a and /b came back: their series go on from their 50 (no reset); /c's ended at 10.
    expect(s.get('method="GET",route="/a",status_class="2xx"')).toBe(60);
    expect(s.get('method="GET",route="/b",status_class="2xx"')).toBe(60);
    expect(s.has('method="GET",route="/c",status_class="2xx"')).toBe(false);
    expect(m.requests.routes.reclaimed).toBe(3);
    // No request was recorded under `* other`: it has no series (it read 50, 100, 110 with the ended routes' counts).
    expect([...s.keys()].some((k) => k.includes('route="other"'))).toBe(false);
    // The server-wide total since start stays exact: all 130.
    expect((await m.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(130);
    await m.close();
  });

  it('RTB-1, the route history: each minute point counts the requests sent that minute, across reclaims; `* other` has none', async () => {
    const { t, m } = setup({ maxRoutes: 2, requestWindowMs: 1000 });
    const minute0 = Math.ceil(T0 / 60_000) * 60_000;
    const sent: Array<[string, number]> = [
      ['/a', 50],
      ['/b', 50],
    ];
    const turns: Array<Array<[string, number]>> = [sent, [['/c', 10]], [['/a', 10]], [['/b', 10]]];
    const oracle = new Map<string, number[]>();
    for (const [minute, turn] of turns.entries()) {
      t.now = minute0 + minute * 60_000 + 30_000;
      for (const [route, n] of turn) {
        for (let i = 0; i < n; i++) m.recordRequest({ method: 'GET', route, status: 200, durationMs: 3 });
        oracle.set(route, [...(oracle.get(route) ?? []), n]);
      }
      t.now = minute0 + (minute + 1) * 60_000;
      await m.flush();
    }
    expect(m.requests.routes.reclaimed).toBe(3);
    for (const [route, counts] of oracle)
      expect(m.series.route(route, 'GET')?.points.map((p) => p.count)).toEqual(counts);
    expect(m.series.route('other', '*')).toBeNull(); // no request was recorded under it
    await m.close();
  });

  it('cluster: a worker that reclaims a route reports the rest of it under * other once; the cluster sums stay exact', async () => {
    const c = inProcessCluster(2, 2);
    let sent = 0;
    const rec = (i: number, route: string) => {
      c.record(i, route);
      sent++;
    };
    rec(0, '/a');
    rec(0, '/a');
    c.send(0); // /a's 2 sent
    rec(0, '/a'); // one more, not sent yet
    rec(0, '/b');
    rec(1, '/a');
    c.send(1);
    c.t.now += 120_000; // /a and /b idle a whole window on worker 0
    rec(0, '/c'); // reclaims /a: its 3 now in worker 0's * other, 2 of them sent
    rec(0, '/d'); // reclaims /b
    rec(0, '/a'); // /a again: a fresh row
    c.send(0);
    c.send(1);
    expect(c.workers[0]!.own.requests.routes.reclaimed).toBeGreaterThanOrEqual(2);
    const totals = c.monitor.requests.routeTotals();
    expect(totals.reduce((n, x) => n + x.count, 0)).toBe(sent);
    const s = await series(c.monitor);
    expect(sum(s)).toBe(sent);
  });
});
