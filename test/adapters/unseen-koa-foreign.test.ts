// Outside review C on the Koa servers learnt for a middleware (koa-unseen.ts).
// RTC-5: learning a server ran code of OTHER apps: each unknown server's listener was called with inert arguments,
// so another app's createContext override ran (and, when it recovered, that app's middleware chain ran on a fake
// context). Now nothing of the host runs: a server is learnt from a request of the app itself. The oracle is the
// calls the other app's own code records, against the requests the test sent it.
// RTC-1 (High): another Koa app B on its own server, answering 500 before monitored app A's first request, was
// counted as A's failures (A: 20 requests, 10 5xx, critical). The lone middleware takes a Koa server's missed
// requests only when it is the process's one listening Koa server. The oracle is the statuses the clients received.
// Real Koa 3 and 2 servers over raw sockets.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { statuses } from './raw-clients.js';

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const majors = [CURRENT_MAJORS, olderMajors()];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

type Ctx = { status: number; body: unknown; path: string };
type Mw = (ctx: Ctx, next: () => Promise<void>) => unknown;

async function listen(server: Server): Promise<number> {
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function monitored(modules: typeof CURRENT_MAJORS) {
  const monitor = createMonitor({ adminToken: 'x'.repeat(32), sampleIntervalMs: 0, logger: quiet });
  cleanups.push(() => monitor.close());
  const app = new modules.koa();
  app.silent = true;
  app.use((async (ctx, next) => {
    if (ctx.path === '/early') {
      ctx.status = 503;
      ctx.body = 'early';
      return;
    }
    await next();
  }) as Mw as never);
  app.use(monitor.middleware());
  app.use(((ctx) => {
    ctx.body = 'ok';
  }) as Mw as never);
  return { monitor, app };
}

async function figures(monitor: ReturnType<typeof createMonitor>) {
  await monitor.sample();
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  const health = await monitor.getHealth();
  return {
    total: m.requests.total,
    unseen: m.requests.unseen_total,
    count5xx: m.errors.count_5xx,
    rate: m.errors.error_rate_percent,
    errors: health.components.errors,
  };
}

describe.each(majors.map((m) => [m.versions.koa, m] as const))(
  'koa %s: other apps of the process',
  (_k, modules) => {
    for (const recovers of [false, true]) {
      it(`RTC-5: another app's createContext override runs only for its own requests (${recovers ? 'recovering' : 'passing through'})`, async () => {
        const { monitor, app } = monitored(modules);
        const calls: string[] = [];
        const chainOnFake: string[] = [];
        const Base = modules.koa as unknown as new () => {
          createContext(req: unknown, res: unknown): unknown;
          handleRequest(ctx: unknown, fn: unknown): unknown;
          use(mw: unknown): unknown;
          callback(): (req: unknown, res: unknown) => void;
          silent: boolean;
        };
        class AuditedKoa extends Base {
          override createContext(req: unknown, res: unknown): unknown {
            try {
              calls.push(String((req as { url: string }).url));
            } catch {
              calls.push('unreadable request');
            }
            if (!recovers) return super.createContext(req, res);
            try {
              return super.createContext(req, res);
            } catch {
              return { fallback: true, state: {}, app: this };
            }
          }
          override handleRequest(ctx: unknown, fn: unknown): unknown {
            if ((ctx as { fallback?: boolean }).fallback === true) {
              chainOnFake.push('ran');
              return Promise.resolve();
            }
            return super.handleRequest(ctx, fn);
          }
        }
        const b = new AuditedKoa();
        b.silent = true;
        b.use(((ctx) => {
          ctx.body = 'b';
        }) as Mw);
        const p1 = await listen(createServer(app.callback()));
        const p2 = await listen(createServer(app.callback()));
        const p3 = await listen(createServer(b.callback() as never));
        expect(await statuses(p3, '/b1', 1)).toEqual({ 200: 1 });
        expect(await statuses(p1, '/ok', 1)).toEqual({ 200: 1 });
        expect(await statuses(p1, '/early', 3)).toEqual({ 503: 3 });
        expect(await statuses(p2, '/early', 2)).toEqual({ 503: 2 });
        expect(await statuses(p2, '/ok', 1)).toEqual({ 200: 1 });
        expect(await statuses(p3, '/b2', 1)).toEqual({ 200: 1 });
        const seen = await figures(monitor);
        expect(await statuses(p3, '/b3', 1)).toEqual({ 200: 1 });
        await figures(monitor);
        // A's: 2 × 200 seen, 5 × 503 before the middleware on both of its servers; B's own requests only.
        expect(seen).toMatchObject({ total: 7, unseen: 5, count5xx: 5 });
        expect(monitor.getUnseenRequests()).toEqual({
          total: 5,
          first: { method: 'GET', path: '/early', status: 503 },
        });
        expect(calls).toEqual(['/b1', '/b2', '/b3']);
        expect(chainOnFake).toEqual([]);
      });
    }

    it("RTC-1: another app's 500s on its own server before the monitored app's first request are not its", async () => {
      const { monitor, app } = monitored(modules);
      const b = new modules.koa();
      b.silent = true;
      b.use(((ctx) => {
        ctx.status = 500;
        ctx.body = 'b down';
      }) as Mw as never);
      const pA = await listen(createServer(app.callback()));
      const pB = await listen(createServer(b.callback()));
      expect(await statuses(pB, '/b', 10)).toEqual({ 500: 10 });
      expect(await statuses(pA, '/a', 20)).toEqual({ 200: 20 });
      expect(await statuses(pB, '/b', 3)).toEqual({ 500: 3 });
      // A's 20, all answered 200 (enough requests for the error rate to be judged).
      expect(await figures(monitor)).toEqual({
        total: 20,
        unseen: 0,
        count5xx: 0,
        rate: 0,
        errors: 'healthy',
      });
    });

    it("the app's one server, the process's only Koa server: its 5xx before the middleware's first request count", async () => {
      const { monitor, app } = monitored(modules);
      const port = await listen(createServer(app.callback()));
      expect(await statuses(port, '/early', 10)).toEqual({ 503: 10 });
      expect(await statuses(port, '/a', 10)).toEqual({ 200: 10 });
      expect(await figures(monitor)).toMatchObject({ total: 20, unseen: 10, count5xx: 10, rate: 50 });
    });

    it("the app's createContext is put back at the monitor's close", async () => {
      const { monitor, app } = monitored(modules);
      const port = await listen(createServer(app.callback()));
      expect(Object.hasOwn(app, 'createContext')).toBe(false);
      expect(await statuses(port, '/a', 1)).toEqual({ 200: 1 });
      expect(Object.hasOwn(app, 'createContext')).toBe(true);
      await monitor.close();
      expect(Object.hasOwn(app, 'createContext')).toBe(false);
      expect(await statuses(port, '/a', 1)).toEqual({ 200: 1 });
    });

    it('one callback given to two servers, the app frozen (not wrapped): the second is found by its listener', async () => {
      const { monitor, app } = monitored(modules);
      const cb = app.callback();
      Object.freeze(app);
      const p1 = await listen(createServer(cb));
      const p2 = await listen(createServer(cb));
      expect(await statuses(p1, '/a', 1)).toEqual({ 200: 1 });
      expect(Object.hasOwn(app, 'createContext')).toBe(false);
      // The second server learnt when the waiting gauge is read (the same listener closure as the first's).
      await figures(monitor);
      expect(await statuses(p2, '/early', 4)).toEqual({ 503: 4 });
      expect(await figures(monitor)).toMatchObject({ total: 5, unseen: 4, count5xx: 4 });
    });
  },
);
