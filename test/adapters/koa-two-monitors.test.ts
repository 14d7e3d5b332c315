// Two monitors on one Koa app (`app.use(a.middleware()); app.use(b.middleware())`), with a middleware that answers
// some requests before both (a 503, a cache's 200) and one between them (an auth check's 401, a 503): each monitor
// counts every request exactly once. `a` saw every request but those answered before both (its requests, with their
// status; the ones before both in `unseen_total`, the 5xx as failed requests of `unseen`); for `b` the ones answered
// between the two are answered before it, counted the same way. Real Koa 3 and 2 servers over raw sockets; the
// oracle is the requests the client sent per path and the statuses it received, in each monitor's JSON figures and
// its Prometheus exposition (`http_requests_total`).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import Router from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/koa.js';
import { httpSend } from '../helpers/http-get.js';
import { parseExposition } from '../http/prometheus-parse.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { sendPlan as send } from './raw-clients.js';

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const TOKEN = 'k'.repeat(40);
const BASE = '/api/core/admin/system';
const majors = [CURRENT_MAJORS, olderMajors()];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function listen(server: Server): Promise<number> {
  cleanups.unshift(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

type Ctx = { status: number; body: unknown; path: string };
type Mw = (ctx: Ctx, next: () => Promise<void>) => unknown;

/** A middleware answering `answers[path]` (status) itself, passing the other paths on. */
function answering(answers: Record<string, number>): Mw {
  return async (ctx, next) => {
    const status = answers[ctx.path];
    if (status === undefined) return next();
    ctx.status = status;
    ctx.body = 'answered';
  };
}

type Monitor = ReturnType<typeof createMonitor>;

/** The monitor's JSON figures. */
async function counts(monitor: Monitor) {
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return {
    total: m.requests.total,
    unseen: m.requests.unseen_total,
    count4xx: m.errors.count_4xx,
    count5xx: m.errors.count_5xx,
    missed: monitor.getUnseenRequests().total,
    routes: m.routes.map((r) => [r.method, r.route, r.count, r.count_5xx]).sort(),
  };
}

/** `http_requests_total` of the monitor's exposition (scraped from its admin API on a server of its own). */
async function exposition(monitor: Monitor) {
  const port = await listen(
    createServer((q: IncomingMessage, s: ServerResponse) => void monitor.adminApi.handle(q, s)),
  );
  const scrape = await httpSend('GET', `http://127.0.0.1:${port}${BASE}/metrics/prometheus`, {
    authorization: `Bearer ${TOKEN}`,
  });
  expect(scrape.status).toBe(200);
  const family = [...parseExposition(scrape.body).values()].find((f) =>
    f.name.endsWith('http_requests_total'),
  );
  const series: Record<string, number> = {};
  for (const s of family?.samples ?? []) series[`${s.labels.route} ${s.labels.status_class}`] = s.value;
  return series;
}

describe.each(majors.map((m) => [m.versions.koa, m] as const))(
  'koa %s: two monitors on one app',
  (_k, modules) => {
    for (const order of ['a request both see first', 'a request answered before both first']) {
      it(`each counts every request once, answered before both or between them (${order})`, async () => {
        const opts = { adminToken: TOKEN, sampleIntervalMs: 0, logger: quiet, rateLimit: false } as const;
        const a = createMonitor(opts);
        const b = createMonitor(opts);
        cleanups.push(
          () => a.close(),
          () => b.close(),
        );
        const app = new modules.koa();
        app.silent = true;
        const router = new Router();
        router.get('/ok', (ctx) => {
          ctx.body = 'ok';
        });
        app.use(answering({ '/early': 503, '/cached': 200 }) as never);
        app.use(a.middleware());
        app.use(answering({ '/between': 503, '/denied': 401 }) as never);
        app.use(b.middleware());
        app.use(router.routes());
        const port = await listen(createServer(app.callback()));
        const plan: [string, number][] = [
          ['/ok', 4],
          ['/early', 2],
          ['/cached', 1],
          ['/between', 3],
          ['/denied', 5],
        ];
        if (order !== 'a request both see first') plan.reverse();
        const tally = await send(port, plan);
        expect(tally).toEqual({
          '/ok': { 200: 4 },
          '/early': { 503: 2 },
          '/cached': { 200: 1 },
          '/between': { 503: 3 },
          '/denied': { 401: 5 },
        });
        // a: saw /ok, /between, /denied (4 + 3 + 5, unmatched: no route has the last two); before it: /early, /cached
        // (unseen_total 3, the 2 × 503 failed requests of `unseen`).
        const forA = {
          total: 4 + 3 + 5 + 2,
          unseen: 2 + 1,
          count4xx: 5,
          count5xx: 3 + 2,
          missed: 2 + 1,
          routes: [
            ['GET', '/ok', 4, 0],
            ['GET', 'unmatched', 3 + 5, 3],
            ['GET', 'unseen', 2, 2],
          ],
        };
        // b: saw /ok only; before it: /early, /cached, /between, /denied (unseen_total 11, the 5 × 503 `unseen`).
        const forB = {
          total: 4 + 2 + 3,
          unseen: 2 + 1 + 3 + 5,
          count4xx: 0,
          count5xx: 2 + 3,
          missed: 2 + 1 + 3 + 5,
          routes: [
            ['GET', '/ok', 4, 0],
            ['GET', 'unseen', 2 + 3, 2 + 3],
          ],
        };
        expect({ a: await counts(a), b: await counts(b) }).toEqual({ a: forA, b: forB });
        expect({ a: await exposition(a), b: await exposition(b) }).toEqual({
          a: { '/ok 2xx': 4, 'unmatched 4xx': 5, 'unmatched 5xx': 3, 'unseen 5xx': 2 },
          b: { '/ok 2xx': 4, 'unseen 5xx': 5 },
        });
      });
    }

    it('each sees the requests waiting before both (unseen_waiting)', async () => {
      const a = createMonitor({ sampleIntervalMs: 0, logger: quiet, rateLimit: false });
      const b = createMonitor({ sampleIntervalMs: 0, logger: quiet, rateLimit: false });
      cleanups.push(
        () => a.close(),
        () => b.close(),
      );
      const app = new modules.koa();
      app.silent = true;
      let held = 0;
      app.use((async (ctx, next) => {
        if (ctx.path !== '/hang') return next();
        held++;
        await new Promise(() => {});
      }) as Mw as never);
      app.use(a.middleware());
      app.use(b.middleware());
      app.use(((ctx) => {
        ctx.body = 'ok';
      }) as Mw as never);
      const port = await listen(createServer(app.callback()));
      expect(await send(port, [['/ok', 1]])).toEqual({ '/ok': { 200: 1 } });
      const hung = [0, 1, 2].map(() => connect(port, '127.0.0.1'));
      cleanups.unshift(async () => {
        for (const c of hung) c.destroy();
      });
      for (const c of hung) {
        c.on('error', () => {});
        c.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
      }
      for (let i = 0; i < 300 && held < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(held).toBe(3);
      const waiting = async (m: Monitor) => (await m.sample()).requests.unseen_waiting;
      expect({ a: await waiting(a), b: await waiting(b) }).toEqual({ a: 3, b: 3 });
    });
  },
);
