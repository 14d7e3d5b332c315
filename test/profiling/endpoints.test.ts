// The endpoints table and Apdex against exact computations from the raw requests (fixed-seed property
// test), per-route T, sorting, the health score's Apdex penalty, and routes/ over HTTP on a real
// Express server.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { getHealthStatus, healthScore } from '../../src/alerts/health.js';
import { endpointRows, overallApdex } from '../../src/profiling/endpoints.js';
import { RequestStats } from '../../src/requests/requests.js';
import { fakeSnapshot, getJson } from '../http/admin-fixture.js';

interface Req {
  method: string;
  route: string;
  status: number;
  ms: number;
}

const T0 = Date.UTC(2026, 0, 1);

function stats(options: ConstructorParameters<typeof RequestStats>[0] = {}) {
  const clock = { t: T0, now: () => clock.t };
  return { rs: new RequestStats({ clock, ...options }), clock };
}

/** A request, not an early close (499 before abortedFailureMs, 1 s, in whole µs): those are counted as aborted only. */
const isReq = (r: { status: number; ms: number }) =>
  !(r.status === 499 && Math.max(1, Math.round(r.ms * 1000)) < 1_000_000);

/** Apdex straight from the requests: failed (5xx, 499) frustrated; else by time against T and 4T. */
function exactApdex(
  reqs: Req[],
  tMs: (r: Req) => number,
): { satisfied: number; tolerating: number; total: number } {
  let satisfied = 0;
  let tolerating = 0;
  for (const r of reqs) {
    if (r.status >= 500 || r.status === 499) continue;
    const us = Math.max(1, Math.round(r.ms * 1000));
    if (us <= tMs(r) * 1000) satisfied++;
    else if (us <= 4 * tMs(r) * 1000) tolerating++;
  }
  return { satisfied, tolerating, total: reqs.length };
}

describe('endpoints table', () => {
  it('rows match the raw requests: counts, error %, time share, Apdex with a per-route T', () => {
    const { rs } = stats({ apdex: { thresholdMs: 100, routes: { '/search': 400, 'POST /orders': 50 } } });
    const reqs: Req[] = [
      ...Array.from({ length: 40 }, (_, i) => ({
        method: 'GET',
        route: '/users/:id',
        status: 200,
        ms: 10 + i * 5,
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        method: 'GET',
        route: '/users/:id',
        status: i < 3 ? 500 : 404,
        ms: 20,
      })),
      { method: 'GET', route: '/users/:id', status: 499, ms: 30 },
      { method: 'GET', route: '/users/:id', status: 499, ms: 1_500 },
      ...Array.from({ length: 20 }, (_, i) => ({
        method: 'GET',
        route: '/search',
        status: 200,
        ms: 100 + i * 90,
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        method: 'POST',
        route: '/orders',
        status: 201,
        ms: 40 + i * 40,
      })),
    ];
    for (const r of reqs) rs.record(r.method, r.route, r.status, r.ms);
    const windows = rs.endpointWindows();
    const rows = endpointRows(windows, 60_000, 'time');
    const T = (r: Req) => (r.route === '/search' ? 400 : r.route === '/orders' ? 50 : 100);
    const totalMs = reqs.filter(isReq).reduce((a, r) => a + r.ms, 0);
    for (const row of rows) {
      const mineAll = reqs.filter((r) => r.route === row.route && r.method === row.method);
      const mine = mineAll.filter(isReq);
      const ex = exactApdex(mine, T);
      expect(row.count).toBe(mine.length);
      expect(row.count_5xx).toBe(mine.filter((r) => r.status >= 500).length);
      expect(row.count_4xx).toBe(mine.filter((r) => r.status >= 400 && r.status < 500).length);
      expect(row.count_aborted).toBe(mineAll.filter((r) => r.status === 499).length);
      // Failed = 5xx + aborted (the response did not complete) after at least 1 s, counted from the raw requests.
      const failed = mine.filter((r) => r.status >= 500 || (r.status === 499 && r.ms >= 1_000)).length;
      expect(row.error_percent).toBe(Math.round((failed / mine.length) * 10_000) / 100);
      expect(row.apdex).toBeCloseTo((ex.satisfied + ex.tolerating / 2) / ex.total, 3);
      expect(row.apdex_t_ms).toBe(T(mine[0] as Req));
      const sum = mine.reduce((a, r) => a + r.ms, 0);
      expect(row.time_ms).toBeCloseTo(sum, 6);
      expect(row.time_percent).toBeCloseTo((100 * sum) / totalMs, 2);
      expect(row.rate_per_second).toBeCloseTo(mine.length / 60, 3);
      expect(row.max_ms).toBe(Math.max(...mine.map((r) => r.ms)));
    }
    expect(rows.map((r) => r.route)).toEqual(['/search', '/users/:id', '/orders']); // by time
    expect(endpointRows(windows, 60_000, 'apdex').map((r) => r.apdex)).toEqual(
      rows.map((r) => r.apdex as number).sort((a, b) => a - b),
    );
    expect(endpointRows(windows, 60_000, 'rate', 1).map((r) => r.route)).toEqual(['/users/:id']);
    expect(endpointRows(windows, 60_000, 'errors', 1).map((r) => r.route)).toEqual(['/users/:id']);
    const all = overallApdex(windows, 100);
    const ex = exactApdex(reqs.filter(isReq), T);
    expect(all).toEqual({
      score: Math.round(((ex.satisfied + ex.tolerating / 2) / ex.total) * 1000) / 1000,
      t_ms: 100,
      satisfied: ex.satisfied,
      tolerating: ex.tolerating,
      frustrated: ex.total - ex.satisfied - ex.tolerating,
      count_unmatched_4xx: 0,
      count_unmatched_options: 0,
    });
  });

  it('Apdex counts equal the exact ones for any requests (fixed seeds)', () => {
    const req = fc.record({
      route: fc.constantFrom('/a', '/b', '/c'),
      status: fc.constantFrom(200, 201, 302, 404, 499, 500, 503),
      ms: fc.oneof(
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.constantFrom(250, 1000, 1000.0004, 250.0006),
      ),
    });
    fc.assert(
      fc.property(fc.array(req, { maxLength: 300 }), (list) => {
        const { rs } = stats({ apdex: { thresholdMs: 250, routes: { '/b': 100 } } });
        for (const r of list) rs.record('GET', r.route, r.status, r.ms);
        for (const w of rs.endpointWindows()) {
          const ex = exactApdex(
            list.filter((r) => r.route === w.route && isReq(r)).map((r) => ({ ...r, method: 'GET' })),
            (r) => (r.route === '/b' ? 100 : 250),
          );
          if (w.satisfied !== ex.satisfied || w.tolerating !== ex.tolerating || w.count !== ex.total)
            return false;
          // Aborted requests failed from 1 s on (the duration in whole µs, as recorded).
          const failedAborted = list.filter(
            (r) =>
              r.route === w.route && r.status === 499 && Math.max(1, Math.round(r.ms * 1000)) >= 1_000_000,
          ).length;
          if (w.count_aborted_failed !== failedAborted) return false;
        }
        return true;
      }),
      { seed: 1515, numRuns: 200 },
    );
  });

  it('a row with no request in the window (early closes only: a hang) has Apdex null, sorted last (outside review 7, F9)', () => {
    const { rs } = stats({ apdex: { thresholdMs: 500 } });
    for (let i = 0; i < 10; i++) rs.record('GET', '/hang', 499, 300); // clients gave up before abortedFailureMs
    for (let i = 0; i < 5; i++) rs.record('GET', '/ok', 200, 5);
    for (let i = 0; i < 5; i++) rs.record('GET', '/meh', 200, 700); // tolerating: 0.5
    const rows = endpointRows(rs.endpointWindows(), 60_000, 'apdex');
    expect(rows.map((r) => [r.route, r.count, r.count_aborted, r.apdex, r.p95_ms])).toEqual([
      ['/meh', 5, 0, 0.5, expect.any(Number)],
      ['/ok', 5, 0, 1, expect.any(Number)],
      ['/hang', 0, 10, null, null],
    ]);
  });

  it('only the window counts: a minute later the rows are gone', () => {
    const { rs, clock } = stats();
    rs.record('GET', '/x', 200, 5);
    expect(rs.endpointWindows()).toHaveLength(1);
    clock.t += 61_000;
    expect(rs.endpointWindows()).toEqual([]);
  });

  it('refuses a bad T at setup', () => {
    expect(() => stats({ apdex: { thresholdMs: 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }),
    );
    expect(() => stats({ apdex: { thresholdms: 5 } as never })).toThrow(/Did you mean `thresholdMs`/);
    expect(() => stats({ apdex: { routes: { '/a': -1 } } })).toThrow(/apdex.routes/);
  });
});

describe('rates over a window that is not full yet (injected clock)', () => {
  // Requests at known times: [ms after T0, route].
  const plan: Array<[number, string]> = [];
  for (let i = 0; i < 30; i++) plan.push([400 + i * 317, i % 3 === 0 ? '/b' : '/a']);

  function replay(rs: RequestStats, clock: { t: number }, until: number) {
    for (const [at, route] of plan) {
      if (at > until) break;
      clock.t = T0 + at;
      rs.record('GET', route, 200, 5);
    }
    clock.t = T0 + until;
  }

  it("routes/ rate_per_second and metrics/ per_second divide by the time since start in a process's first minute", () => {
    const clock = { t: T0 + 200, now: () => clock.t }; // recording starts 200 ms into a second
    const rs = new RequestStats({ clock });
    replay(rs, clock, 10_700);
    const covered = 10_700 - 200; // ms since start: the window is not full
    expect(rs.windowSpanMs()).toBe(covered);
    const rows = endpointRows(rs.endpointWindows(), rs.windowSpanMs(), 'rate');
    const seen = plan.filter(([at]) => at <= 10_700);
    for (const route of ['/a', '/b']) {
      const n = seen.filter(([, r]) => r === route).length;
      expect(rows.find((r) => r.route === route)?.rate_per_second).toBe(
        Math.round((n * 1e6) / covered) / 1000,
      );
    }
    // metrics/: the last 5 complete seconds are all after the start here, so per_second is over them...
    const lastFive = seen.filter(([at]) => at >= 5_000 && at < 10_000).length;
    expect(rs.groups().requests.per_second).toBe(Math.round((lastFive / 5) * 100) / 100);
    // ...and in the first 5 seconds (before 5 complete seconds since start) it is the average since start.
    clock.t = T0 + 200;
    const young = new RequestStats({ clock });
    replay(young, clock, 3_200);
    const early = plan.filter(([at]) => at <= 3_200).length;
    expect(young.groups().requests.per_second).toBe(Math.round((early / 3) * 100) / 100);
    expect(young.groups().requests.per_minute).toBe(early); // a count over the last 60 s, not a rate
  });

  it('once the window is full, the rate is the count over the time the window covers', () => {
    const clock = { t: T0 + 200, now: () => clock.t };
    const rs = new RequestStats({ clock });
    replay(rs, clock, 9_900);
    clock.t = T0 + 65_300;
    for (let i = 0; i < 12; i++) rs.record('GET', '/a', 200, 5);
    // The window holds the sub-windows its latency window covers: 15 s sub-windows 1–4, from second 15 to now.
    expect(rs.windowSpanMs()).toBe(65_300 - 15_000);
    const inWindow = plan.filter(([at, r]) => at >= 15_000 && r === '/a').length + 12;
    const row = endpointRows(rs.endpointWindows(), rs.windowSpanMs(), 'rate').find((r) => r.route === '/a');
    expect(row?.count).toBe(inWindow);
    expect(row?.rate_per_second).toBe(Math.round((inWindow * 1e6) / 50_300) / 1000);
  });

  it('a fresh monitor reports routes/ over the time since its start, window_seconds included', async () => {
    const { createMonitor } = await import('../../src/monitor.js');
    const clock = { t: T0 + 200, now: () => clock.t };
    const m = createMonitor({ sampleIntervalMs: 0, clock });
    try {
      clock.t = T0 + 2_000;
      for (let i = 0; i < 8; i++) m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 3 });
      clock.t = T0 + 4_200;
      const t = m.endpoints('rate');
      expect(t.window_seconds).toBe(4);
      expect(t.routes[0]).toMatchObject({ route: '/x', count: 8, rate_per_second: 2 });
    } finally {
      await m.close();
    }
  });
});

describe('health score counts the overall Apdex', () => {
  it('subtracts round(20 × (1 − Apdex)), only with enough requests', () => {
    expect(healthScore([], [], 0, 1)).toBe(100);
    expect(healthScore([], [], 0, 0.75)).toBe(95);
    expect(healthScore([], [], 0, 0)).toBe(80);
    const base = getHealthStatus(fakeSnapshot(), []).health_score;
    const apdex = { score: 0.5, t_ms: 500, satisfied: 10, tolerating: 20, frustrated: 10 };
    expect(getHealthStatus({ ...fakeSnapshot(), apdex }, []).health_score).toBe(base - 10);
    // Fewer requests than minRequests (20): not counted, as for the error rate.
    const few = { ...apdex, satisfied: 1, tolerating: 2, frustrated: 1 };
    expect(getHealthStatus({ ...fakeSnapshot(), apdex: few }, []).health_score).toBe(base);
  });
});

describe('GET routes/ on a real Express server', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('lists the app routes with their figures, sorted and limited; bad parameters are 400s', async () => {
    const { default: express } = await import('express');
    const { createMonitor } = await import('../../src/adapters/express.js');
    const m = createMonitor({ sampleIntervalMs: 0, apdex: { thresholdMs: 1000 } });
    const app = express();
    app.use(m.middleware());
    app.get('/ok/:id', (_req, res) => {
      res.send('ok');
    });
    app.get('/boom', (_req, res) => {
      res.status(500).send('no');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    closers.push(
      () => new Promise((r) => server.close(r)),
      () => m.close(),
    );
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    for (let i = 0; i < 6; i++) await (await fetch(`${base}/ok/${i}`)).text();
    for (let i = 0; i < 2; i++) await (await fetch(`${base}/boom`)).text();
    const admin = `${base}/api/core/admin/system/routes/`;
    const r = await getJson(`${admin}?sort=rate`);
    expect(r.status).toBe(200);
    // A monitor younger than its window: rates are over the time since start (at least 1 s).
    const covered = r.body.data.window_seconds as number;
    expect(covered).toBeGreaterThanOrEqual(1);
    expect(covered).toBeLessThan(60);
    expect(r.body.data.routes[0].rate_per_second).toBeCloseTo(6 / covered, 2);
    expect(r.body.data.routes.map((x: { route: string }) => x.route)).toEqual(['/ok/:id', '/boom']);
    expect(r.body.data.routes[1]).toMatchObject({
      method: 'GET',
      count: 2,
      count_5xx: 2,
      error_percent: 100,
      apdex: 0,
    });
    expect(r.body.data.routes[0]).toMatchObject({ count: 6, count_5xx: 0, apdex: 1, apdex_t_ms: 1000 });
    expect(r.body.data.apdex).toMatchObject({ score: 0.75, satisfied: 6, tolerating: 0, frustrated: 2 });
    const one = await getJson(`${admin}?sort=apdex&limit=1`);
    expect(one.body.data.routes.map((x: { route: string }) => x.route)).toEqual(['/boom']);
    for (const q of ['sort=slowest', 'limit=0', 'limit=1001', 'order=p95']) {
      const bad = await getJson(`${admin}?${q}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_parameter');
    }
  });
});
