// Regression (outside review F7): during a hang, routes/ names the hanging routes. Requests in flight were in
// `latency` and `requests.in_flight` but in no route's row until they ended. Real Express, Fastify and Koa servers
// on port 0 with hanging routes, routes/ read over HTTP with the admin token; the monitor's clock is injected, so
// the ages are exact; the oracle is the requests the test started and holds (and the ones it lets end).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import type { EndpointRow } from '../../src/profiling/endpoints.js';
import { eventually, type PendingGet, startGet } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const TOKEN = 'in-flight-routes-token-0123456789abcdef';
const A = 3; // requests held on GET /a/:id
const B = 2; // on GET /v1/b (a router mounted under /v1)
const PRE = 2; // on GET /pre, held before the route runs

/** What each route holds: functions that let one held request end (answered 200). */
type Held = Record<'a' | 'b' | 'pre' | 'sse' | 'poll', (() => void)[]>;

interface HangApp {
  url: string;
  monitor: SystemMonitor;
  held: Held;
  /**
   * The row routes/ has for GET /pre while it is held: Express and Koa hold it in a middleware before routing, and
   * name it by the route its URL would match, as Fastify (which routes first) does (outside review 29, RT29-2).
   */
  preRoute: string;
  /** The route /pre is recorded under once it ends. */
  preEnded: string;
}

const newHeld = (): Held => ({ a: [], b: [], pre: [], sse: [], poll: [] });
const waitFor = (list: (() => void)[]) => new Promise<void>((resolve) => list.push(resolve));

async function expressHangApp(options: MonitorOptions): Promise<[HangApp, Server]> {
  const held = newHeld();
  const monitor = createExpressMonitor(options);
  const app = express();
  app.use(monitor.middleware());
  // A middleware that holds /pre before any route matched it (as an auth check waiting on a hung service).
  app.use((req, res, next) => {
    if (req.path === '/pre') held.pre.push(() => res.end('ok'));
    else next();
  });
  app.get('/pre', (_req, res) => void res.send('never reached'));
  app.get('/a/:id', (_req, res) => void held.a.push(() => res.send('ok')));
  const v1 = express.Router();
  v1.get('/b', (_req, res) => void held.b.push(() => res.send('ok')));
  app.use('/v1', v1);
  app.get('/sse', (_req, res) => {
    res.setHeader('Content-Type', 'text/event-stream');
    res.write('data: hello\n\n');
    held.sse.push(() => res.end());
  });
  app.get('/poll/:id', (_req, res) => void held.poll.push(() => res.send('ok')));
  const server = createServer(app);
  return [{ url: '', monitor, held, preRoute: '/pre', preEnded: '/pre' }, server];
}

async function fastifyHangApp(options: MonitorOptions): Promise<[HangApp, Server]> {
  const held = newHeld();
  const monitor = createFastifyMonitor(options);
  const app = Fastify({ logger: false });
  await app.register(monitor.plugin());
  // Fastify routes before its first hook: /pre, held in its own onRequest hook, is named from the start.
  app.get('/pre', { onRequest: (_req, _reply, done) => void held.pre.push(() => done()) }, async () => 'ok');
  app.get('/a/:id', async () => {
    await waitFor(held.a);
    return 'ok';
  });
  await app.register(
    async (v1) => {
      v1.get('/b', async () => {
        await waitFor(held.b);
        return 'ok';
      });
    },
    { prefix: '/v1' },
  );
  app.get('/sse', async (_req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'Content-Type': 'text/event-stream' });
    reply.raw.write('data: hello\n\n');
    held.sse.push(() => reply.raw.end());
  });
  app.get('/poll/:id', async () => {
    await waitFor(held.poll);
    return 'ok';
  });
  await app.ready();
  return [{ url: '', monitor, held, preRoute: '/pre', preEnded: '/pre' }, app.server];
}

async function koaHangApp(options: MonitorOptions): Promise<[HangApp, Server]> {
  const held = newHeld();
  const monitor = createKoaMonitor(options);
  const app = new Koa();
  app.silent = true;
  app.use(monitor.middleware());
  app.use(async (ctx, next) => {
    if (ctx.path !== '/pre') return next();
    await waitFor(held.pre);
    ctx.body = 'ok';
  });
  const router = new Router();
  router.get('/pre', (ctx) => {
    ctx.body = 'never reached';
  });
  router.get('/a/:id', async (ctx) => {
    await waitFor(held.a);
    ctx.body = 'ok';
  });
  router.get('/sse', (ctx) => {
    ctx.type = 'text/event-stream';
    const stream = new PassThrough();
    ctx.body = stream;
    stream.write('data: hello\n\n');
    held.sse.push(() => stream.end());
  });
  router.get('/poll/:id', async (ctx) => {
    await waitFor(held.poll);
    ctx.body = 'ok';
  });
  const v1 = new Router({ prefix: '/v1' });
  v1.get('/b', async (ctx) => {
    await waitFor(held.b);
    ctx.body = 'ok';
  });
  app.use(router.routes());
  app.use(v1.routes());
  return [{ url: '', monitor, held, preRoute: '/pre', preEnded: '/pre' }, createServer(app.callback())];
}

const BUILDERS = { express: expressHangApp, fastify: fastifyHangApp, koa: koaHangApp } as const;

let running: { server: Server; monitor: SystemMonitor; clients: PendingGet[] }[] = [];
afterEach(async () => {
  for (const r of running) {
    for (const c of r.clients) c.abandon();
    r.server.closeAllConnections();
    await new Promise((done) => r.server.close(done));
    await r.monitor.close();
  }
  running = [];
});

async function start(framework: keyof typeof BUILDERS, options: MonitorOptions) {
  const [app, server] = await BUILDERS[framework]({
    sampleIntervalMs: 0,
    adminToken: TOKEN,
    excludeRoutes: ['/poll'],
    ...options,
  } as MonitorOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: PendingGet[] = [];
  running.push({ server, monitor: app.monitor, clients });
  const get = (path: string): PendingGet => {
    const c = startGet(`${app.url}${path}`);
    clients.push(c);
    return c;
  };
  return { app, get };
}

/** routes/ over HTTP with the admin token (its default order, by time, unless `sort` is given). */
async function readRoutes(url: string, sort?: string): Promise<EndpointRow[]> {
  const query = sort === undefined ? '' : `?sort=${sort}`;
  const res = await fetch(`${url}/api/core/admin/system/routes/${query}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { success: boolean; data: { routes: EndpointRow[] } };
  return body.data.routes;
}

const rowOf = (rows: EndpointRow[], route: string) =>
  rows.find((r) => r.method === 'GET' && r.route === route);

/** The in-flight part of each row that has one, by route. */
const inFlightOf = (rows: EndpointRow[]) =>
  Object.fromEntries(
    rows
      .filter((r) => 'in_flight' in r || 'oldest_in_flight_ms' in r)
      .map((r) => [`${r.method} ${r.route}`, [r.in_flight, r.oldest_in_flight_ms]]),
  );

describe.each(Object.keys(BUILDERS) as (keyof typeof BUILDERS)[])(
  '%s: routes/ during a hang',
  (framework) => {
    it('names each route with requests in flight, how many and the oldest age, until they end', async () => {
      const clock = { t: T0, now: () => clock.t };
      const { app, get } = await start(framework, { clock });
      const { held } = app;

      // At T0: A requests on /a/:id, an event stream and an excluded long poll, all held.
      const a = Array.from({ length: A }, (_, i) => get(`/a/${i + 1}`));
      get('/sse');
      get('/poll/1');
      await eventually(async () => held.a.length === A && held.sse.length === 1 && held.poll.length === 1);
      // 2.5 s later (the monitor's clock): B on /v1/b, and PRE held before their route runs.
      clock.t += 2_500;
      const b = Array.from({ length: B }, () => get('/v1/b'));
      const pre = Array.from({ length: PRE }, () => get('/pre'));
      await eventually(async () => held.b.length === B && held.pre.length === PRE);
      clock.t += 4_000;

      // Every request held is in flight (the excluded poll is not monitored); the event stream is in flight too.
      expect((await app.monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight).toBe(A + B + PRE + 1);
      let rows = await readRoutes(app.url);
      // Exactly the held routes, with their counts and the age of the oldest on the injected clock; not the event
      // stream (as latency's aging leaves it out), not the excluded path.
      expect(inFlightOf(rows)).toEqual({
        'GET /a/:id': [A, 6_500],
        'GET /v1/b': [B, 4_000],
        [`GET ${app.preRoute}`]: [PRE, 4_000],
      });
      // sort=in_flight: the route with the most requests in flight first.
      expect((await readRoutes(app.url, 'in_flight')).map((r) => r.route)[0]).toBe('/a/:id');
      expect(rowOf(rows, '/sse')).toBeUndefined();
      expect(rows.some((r) => r.route.startsWith('/poll'))).toBe(false);
      // Rows of requests in flight only: counts 0, no latency reading (as rows of early closes only).
      expect(rowOf(rows, '/a/:id')).toMatchObject({
        count: 0,
        count_4xx: 0,
        count_5xx: 0,
        count_aborted: 0,
        rate_per_second: 0,
        p50_ms: null,
        p95_ms: null,
        p99_ms: null,
        avg_ms: null,
        max_ms: null,
        time_ms: 0,
      });
      // The same rows through the programmatic API.
      expect(inFlightOf(app.monitor.endpoints('in_flight', 100).routes)).toEqual(inFlightOf(rows));

      // /a/:id's requests end: its row has them as requests, and no in-flight part; the others age on.
      for (const release of held.a) release();
      expect(await Promise.all(a.map((c) => c.done))).toEqual(Array(A).fill(200));
      await eventually(async () => app.monitor.requests.total === A);
      clock.t += 1_000;
      rows = await readRoutes(app.url);
      expect(inFlightOf(rows)).toEqual({ 'GET /v1/b': [B, 5_000], [`GET ${app.preRoute}`]: [PRE, 5_000] });
      expect(rowOf(rows, '/a/:id')).toMatchObject({ count: A, count_4xx: 0, count_5xx: 0 });

      // Everything held ends (but the event stream): no row has requests in flight any more.
      for (const release of [...held.b, ...held.pre]) release();
      expect(await Promise.all([...b, ...pre].map((c) => c.done))).toEqual(Array(B + PRE).fill(200));
      await eventually(async () => app.monitor.requests.total === A + B + PRE);
      rows = await readRoutes(app.url);
      expect(inFlightOf(rows)).toEqual({});
      expect(rowOf(rows, '/v1/b')).toMatchObject({ count: B });
      expect(rowOf(rows, app.preEnded)).toMatchObject({ count: PRE });
      expect(rowOf(rows, 'unrouted')).toBeUndefined();
      expect((await app.monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight).toBe(1); // the event stream
    });
  },
);
