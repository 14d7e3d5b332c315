// One-minute points per route (the N busiest, bounded) and per job: what history/?route= and ?job=
// serve, bounded in count and length, and kept across a restart in a RedisStore (private redis-server).

import { METHODS } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer } from '../../src/cluster/answers.js';
import { createAdminApi } from '../../src/http/api.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { getJson, serve } from '../http/admin-fixture.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function setup(options: MonitorOptions = {}) {
  const clock = { t: T0, now: () => clock.t };
  const m = createMonitor({ sampleIntervalMs: 0, clock, ...options });
  return { m, clock };
}

describe('per-route and per-job one-minute history', () => {
  it('keeps a point per minute for the busiest routes, bounded in routes and minutes', async () => {
    const { m, clock } = setup({ routeHistory: { routes: 2, minutes: 3 } });
    try {
      for (let minute = 0; minute < 5; minute++) {
        clock.t = T0 + minute * 60_000 + 30_000; // mid-minute
        // /a is the busiest, /b next, /c the quietest (and left out with 2 routes kept).
        for (let i = 0; i < 30; i++)
          m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 10 + minute });
        for (let i = 0; i < 20; i++)
          m.recordRequest({ method: 'GET', route: '/b', status: i < 5 ? 500 : 200, durationMs: 5 });
        for (let i = 0; i < 3; i++)
          m.recordRequest({ method: 'POST', route: '/c', status: 200, durationMs: 1 });
        clock.t = T0 + (minute + 1) * 60_000;
        await m.flush();
      }
      expect(m.series.keys().routes.sort()).toEqual(['GET /a', 'GET /b']);
      const a = m.series.route('/a');
      expect(a?.method).toBe('GET');
      expect(a?.points).toHaveLength(3);
      expect(a?.points.map((p) => p.count)).toEqual([30, 30, 30]);
      expect(a?.points.map((p) => p.max_ms)).toEqual([12, 13, 14]);
      expect(a?.points.map((p) => p.timestamp)).toEqual([
        '2026-01-01T12:02:00.000Z',
        '2026-01-01T12:03:00.000Z',
        '2026-01-01T12:04:00.000Z',
      ]);
      expect(m.series.route('/b', 'GET')?.points.at(-1)).toMatchObject({
        count: 20,
        count_5xx: 5,
        error_percent: 25,
      });
      expect(m.series.route('/c')).toBeNull();
    } finally {
      await m.close();
    }
  });

  it("junk on unmatched URLs with unusual methods never evicts a matched route's history (red team F7)", async () => {
    const { m, clock } = setup();
    const unusual = METHODS.filter(
      (x) => !['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(x),
    );
    try {
      for (let minute = 0; minute < 3; minute++) {
        clock.t = T0 + minute * 60_000 + 30_000;
        // 20 real routes (the default routeHistory.routes), GET / the busiest of them at 2 requests a second...
        for (let i = 0; i < 120; i++)
          m.recordRequest({ method: 'GET', route: '/', status: 200, durationMs: 5 });
        for (let r = 1; r < 20; r++)
          for (let i = 0; i < 10; i++)
            m.recordRequest({ method: 'GET', route: `/r${r}`, status: 200, durationMs: 5 });
        // ... and an anonymous client's junk: every unusual method, busier than any real route, plus 404 GETs.
        for (const method of unusual)
          for (let i = 0; i < 200; i++)
            m.recordRequest({ method, route: 'unmatched', status: 404, durationMs: 1 });
        for (let i = 0; i < 500; i++)
          m.recordRequest({ method: 'GET', route: 'unmatched', status: 404, durationMs: 1 });
        clock.t = T0 + (minute + 1) * 60_000;
        await m.flush();
      }
      expect(m.series.route('/', 'GET')?.points.map((p) => p.count)).toEqual([120, 120, 120]);
      for (let r = 1; r < 20; r++) expect(m.series.route(`/r${r}`, 'GET')?.points).toHaveLength(3);
      const junk = m.series.keys().routes.filter((k) => k.endsWith(' unmatched'));
      expect(junk).toEqual([]);
      // The routes table holds one row per standard method and one OTHER for the unusual ones.
      const rows = m.requests.groups().routes.filter((r) => r.route === 'unmatched');
      expect(rows.map((r) => r.method).sort()).toEqual(['GET', 'OTHER']);
    } finally {
      await m.close();
    }
  });

  it('unmatched rows fill free history slots, and give way to a matched route', async () => {
    const { m, clock } = setup({ routeHistory: { routes: 2, minutes: 5 } });
    try {
      clock.t = T0 + 30_000;
      for (let i = 0; i < 50; i++)
        m.recordRequest({ method: 'GET', route: 'unmatched', status: 404, durationMs: 1 });
      for (let i = 0; i < 5; i++) m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 1 });
      clock.t = T0 + 60_000;
      await m.flush();
      expect(m.series.keys().routes.sort()).toEqual(['GET /a', 'GET unmatched']);
      clock.t = T0 + 90_000;
      for (let i = 0; i < 50; i++)
        m.recordRequest({ method: 'GET', route: 'unmatched', status: 404, durationMs: 1 });
      for (let i = 0; i < 2; i++) m.recordRequest({ method: 'GET', route: '/b', status: 200, durationMs: 1 });
      clock.t = T0 + 120_000;
      await m.flush();
      // /b is quieter than the junk and /a had no request this minute: the junk goes, /a stays.
      expect(m.series.keys().routes.sort()).toEqual(['GET /a', 'GET /b']);
    } finally {
      await m.close();
    }
  });

  it('a minute whose requests fell out of the latency window has null latency, not 0 ms', async () => {
    const { m, clock } = setup();
    try {
      // The latency window at a minute boundary covers its last 45 s: requests of the first seconds are not in it.
      clock.t = T0 + 5_000;
      for (const ms of [8, 9, 30])
        m.recordRequest({ method: 'GET', route: '/early', status: 200, durationMs: ms });
      clock.t = T0 + 40_000;
      for (const ms of [4, 6])
        m.recordRequest({ method: 'GET', route: '/late', status: 200, durationMs: ms });
      clock.t = T0 + 60_000;
      await m.flush();
      expect(m.series.route('/early')?.points).toEqual([
        expect.objectContaining({ count: 3, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null }),
      ]);
      expect(m.series.route('/late')?.points).toEqual([
        expect.objectContaining({ count: 2, p99_ms: 6, max_ms: 6 }),
      ]);
    } finally {
      await m.close();
    }
  });

  it('serves history/?route= and ?job= over HTTP, 404 for an unknown route, 400 for bad input', async () => {
    const { m, clock } = setup();
    const api = createAdminApi(m, { rateLimit: false });
    const s = await serve(async (req, res) => {
      if (!(await api.handle(req, res))) res.end('app');
    });
    try {
      const job = m.job('sync', () => undefined);
      for (let i = 0; i < 4; i++)
        m.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 8 });
      job();
      job();
      clock.t += 30_000;
      for (let i = 0; i < 2; i++)
        m.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 9 });
      clock.t += 30_000;
      await m.flush();
      const base = `${s.url}/api/core/admin/system/history/`;
      const r = await getJson(`${base}?route=${encodeURIComponent('/users/:id')}`);
      expect(r.status).toBe(200);
      expect(r.body.data).toMatchObject({
        method: 'GET',
        route: '/users/:id',
        points: [{ count: 6, apdex: 1, max_ms: 9 }],
      });
      const j = await getJson(`${base}?job=sync`);
      expect(j.body.data).toEqual({
        job: 'sync',
        points: [{ timestamp: new Date(T0).toISOString(), runs: 2, failures: 0 }],
      });
      expect((await getJson(`${base}?route=/nope`)).status).toBe(404);
      expect((await getJson(`${base}?route=${encodeURIComponent('/a\nb')}`)).status).toBe(400);
    } finally {
      await s.close();
      await m.close();
    }
  });
});

describe('history/?route= for a route recorded but without a closed minute (CI 404 in the dashboard)', () => {
  it('answers 200 with no points for every row of routes/, 404 naming the route for one never seen', async () => {
    // routes: 1 keeps points for the busiest route only: /quiet never gets any, /new is this minute's.
    const { m, clock } = setup({ routeHistory: { routes: 1, minutes: 5 } });
    const api = createAdminApi(m, { rateLimit: false });
    const s = await serve(async (req, res) => {
      if (!(await api.handle(req, res))) res.end('app');
    });
    try {
      clock.t = T0 + 30_000;
      for (let i = 0; i < 5; i++)
        m.recordRequest({ method: 'GET', route: '/busy', status: 200, durationMs: 4 });
      m.recordRequest({ method: 'GET', route: '/quiet', status: 200, durationMs: 4 });
      clock.t = T0 + 60_000;
      await m.flush();
      clock.t = T0 + 70_000; // the next minute is open: /new appears in routes/ before any minute of it closes
      m.recordRequest({ method: 'POST', route: '/new', status: 500, durationMs: 2 });
      const base = `${s.url}/api/core/admin/system`;
      const table = await getJson(`${base}/routes/?limit=1000`);
      const rows = (table.body.data as { routes: Array<{ method: string; route: string }> }).routes;
      expect(rows.map((r) => `${r.method} ${r.route}`).sort()).toEqual([
        'GET /busy',
        'GET /quiet',
        'POST /new',
      ]);
      // What the dashboard's routes panel asks for each row: never a 404.
      for (const r of rows) {
        const q = `${base}/history/?route=${encodeURIComponent(r.route)}&method=${encodeURIComponent(r.method)}`;
        const got = await getJson(q);
        expect(got.status, q).toBe(200);
        const points = r.route === '/busy' ? [expect.objectContaining({ count: 5 })] : [];
        expect(got.body.data).toEqual({ method: r.method, route: r.route, points });
      }
      // Without a method: the recorded one.
      expect((await getJson(`${base}/history/?route=/new`)).body.data).toEqual({
        method: 'POST',
        route: '/new',
        points: [],
      });
      // Never seen: 404 with a message naming it (a route, or a known route with another method).
      const unknown = await getJson(`${base}/history/?route=/nope`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toEqual({
        code: 'not_found',
        message: 'no requests recorded on route "/nope"',
      });
      const other = await getJson(`${base}/history/?route=/new&method=GET`);
      expect(other.status).toBe(404);
      expect(other.body.error.message).toBe('no requests recorded on route "/new" with method "GET"');
    } finally {
      await s.close();
      await m.close();
    }
  });
});

describe('history/?job= for a job recorded but without a closed minute (outside review 31, RT31-6)', () => {
  it('answers 200 with no points for every row of jobs/ (run, running or declared), 404 for a job never recorded', async () => {
    const { m, clock } = setup();
    const api = createAdminApi(m, { rateLimit: false });
    const s = await serve(async (req, res) => {
      if (!(await api.handle(req, res))) res.end('app');
    });
    try {
      clock.t = T0 + 10_000;
      const cleanup = m.job('cleanup', () => undefined);
      cleanup();
      cleanup();
      m.job('nightly', () => undefined, { expectEvery: '1d' }); // declared, never run
      let release = () => {};
      const slow = m.job('slow', () => new Promise<void>((r) => (release = r)));
      const running = slow(); // running, not finished
      clock.t = T0 + 40_000; // the same minute: none of its points has closed
      const base = `${s.url}/api/core/admin/system`;
      const table = await getJson(`${base}/jobs/`);
      const rows = (table.body.data as { jobs: Array<{ name: string; runs: number }> }).jobs;
      expect(rows.map((r) => `${r.name}:${r.runs}`).sort()).toEqual(['cleanup:2', 'nightly:0', 'slow:0']);
      // What a client asks for each row of jobs/ (the dashboard's job click): never a 404, as for routes.
      for (const r of rows) {
        const got = await getJson(`${base}/history/?job=${encodeURIComponent(r.name)}`);
        expect(got.status, r.name).toBe(200);
        expect(got.body.data).toEqual({ job: r.name, points: [] });
      }
      // The aggregator answers a cluster's job-history question from its monitor alike (workers' runs absorbed).
      expect(await answer(m, { op: 'job-history', job: 'cleanup' })).toEqual([]);
      expect(await answer(m, { op: 'job-history', job: 'never' })).toBeNull();
      // Never recorded: 404 naming it.
      const never = await getJson(`${base}/history/?job=never`);
      expect(never.status).toBe(404);
      expect(never.body.error).toEqual({
        code: 'not_found',
        message: 'no one-minute history for job "never": no such job was recorded',
      });
      // Once the minute closes, cleanup's two runs are its point.
      release();
      await running;
      clock.t = T0 + 60_000;
      await m.flush();
      const after = await getJson(`${base}/history/?job=cleanup`);
      expect(after.body.data).toEqual({
        job: 'cleanup',
        points: [{ timestamp: new Date(T0).toISOString(), runs: 2, failures: 0 }],
      });
    } finally {
      await s.close();
      await m.close();
    }
  });
});

describe.skipIf(!requireRedis())('route history in a RedisStore (private redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps only the N busiest routes and M minutes in Redis too, and reads them back bounded', async () => {
    const prefix = `sv15b:${process.pid}:`;
    const options = { routeHistory: { routes: 2, minutes: 3 } };
    const first = setup({
      ...options,
      store: new RedisStore({ url: server.url, prefix, instanceId: 'web-1' }),
    });
    const loaded = (m: object) =>
      (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;
    await expect.poll(() => loaded(first.m), { timeout: 5000 }).toBe(true);
    for (let minute = 0; minute < 5; minute++) {
      first.clock.t = T0 + minute * 60_000 + 30_000;
      for (const [route, n] of [
        ['/a', 30],
        ['/b', 20],
        ['/c', 3],
      ] as const)
        for (let i = 0; i < n; i++)
          first.m.recordRequest({ method: 'GET', route, status: 200, durationMs: 2 });
      first.clock.t = T0 + (minute + 1) * 60_000;
      await first.m.flush();
    }
    await first.m.close();
    const admin = new Redis(server.url);
    try {
      // Whatever the key layout, nothing stored names the route that never made the top 2.
      const keys = await admin.keys(`*${prefix}*`);
      const values = await Promise.all(
        keys.map(async (k) => ((await admin.type(k)) === 'string' ? ((await admin.get(k)) ?? '') : '')),
      );
      const state = values.find((v) => v.includes('GET /a')) ?? '';
      expect(state).not.toBe('');
      expect(state).not.toContain('/c');
    } finally {
      admin.disconnect();
    }
    const second = setup({
      ...options,
      store: new RedisStore({ url: server.url, prefix, instanceId: 'web-1' }),
    });
    try {
      await expect.poll(() => second.m.series.route('/a')?.points.length ?? 0, { timeout: 5000 }).toBe(3);
      expect(second.m.series.keys().routes.sort()).toEqual(['GET /a', 'GET /b']);
      expect(second.m.series.route('/b')?.points.map((p) => p.count)).toEqual([20, 20, 20]);
    } finally {
      await second.m.close();
    }
  });

  it('survives a restart of the monitor', async () => {
    const prefix = `sv15:${process.pid}:`;
    const first = setup({ store: new RedisStore({ url: server.url, prefix, instanceId: 'web-1' }) });
    // The store connects and the saved state is read before the first minute is written.
    const loaded = (m: object) =>
      (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;
    await expect.poll(() => loaded(first.m), { timeout: 5000 }).toBe(true);
    for (let i = 0; i < 7; i++)
      first.m.recordRequest({ method: 'GET', route: '/kept', status: 200, durationMs: 3 });
    first.clock.t += 30_000;
    await first.m.flush();
    await first.m.close();
    const second = setup({ store: new RedisStore({ url: server.url, prefix, instanceId: 'web-1' }) });
    try {
      await expect.poll(() => second.m.series.route('/kept')?.points.length ?? 0, { timeout: 5000 }).toBe(1);
      expect(second.m.series.route('/kept')?.points[0]?.count).toBe(7);
    } finally {
      await second.m.close();
    }
  });
});
