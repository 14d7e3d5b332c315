// Regression (outside review 30, RT30-9) on real Express 4/5 and Koa 2/3 apps of 1,000 routes: the lookup of the
// route a request refused before the router would have matched tries only the layers that can match the path's
// first segment (would-match-index.ts), counted by wrapping each layer's own `match`; and it still gives the
// template the framework labels the same URL with when it passes (the oracle: the framework's own routing of the
// passing request), with literal, parameter, case, RegExp and mounted routes among the 1,000.

import { createServer } from 'node:http';
import Router from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { koaAuthApp, recordedRoutes, statusOf } from './recorded-routes.js';
import { type ServedApp, serveHttp } from './workload-apps.js';

const off = { enabled: false };
const options = {
  sampleIntervalMs: 0,
  alerts: { cpu: off, memory: off, disk: off, event_loop_delay: off },
  logger: {
    warn() {},
    error() {},
    debug(_o: unknown, m?: string) {
      if (m === 'sysvitals: basePath shadow check done') checksDone++;
    },
  },
};
/** How many once-only basePath shadow checks have finished (each app runs one, after its first request). */
let checksDone = 0;

/** Waits until `n` checks have finished, bounded by event-loop turns. */
async function checksFinished(n: number): Promise<void> {
  for (let turns = 0; turns < 5_000 && checksDone < n; turns++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(checksDone).toBeGreaterThanOrEqual(n);
}
const ROUTES = 1_000;

interface App extends ServedApp {
  /** Calls of any route layer's own match since the last reset. */
  matches: { count: number };
}

let apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

/** Counts every call of each layer's `match` in `stack` (and in routers below it). */
function countMatches(stack: unknown[], matches: { count: number }): void {
  for (const layer of stack as Array<{
    match?: (...a: unknown[]) => unknown;
    handle?: { stack?: unknown };
  }>) {
    const own = layer.match;
    if (typeof own === 'function') {
      layer.match = function (this: unknown, ...args: unknown[]) {
        matches.count++;
        return own.apply(this, args);
      };
    }
    if (Array.isArray(layer.handle?.stack)) countMatches(layer.handle.stack, matches);
  }
}

/** Routes beside the 1,000 `/api/r<i>/:id`: case, parameter-first, RegExp, prefix and mounted. */
const EXTRA_EXPRESS = ['/Users/new', '/users/:id', '/:slug/info', '/files.json'];

async function start(framework: 'express' | 'koa', modules: FrameworkModules): Promise<App> {
  const matches = { count: 0 };
  if (framework === 'express') {
    const monitor = createExpressMonitor(options);
    const app = modules.express();
    app.use(monitor.middleware());
    app.use((req, res, next) => (req.headers['x-auth'] === 'ok' ? next() : void res.status(401).end()));
    for (let i = 0; i < ROUTES; i++) app.get(`/api/r${i}/:id`, (_req, res) => void res.send('ok'));
    for (const path of EXTRA_EXPRESS) app.get(path, (_req, res) => void res.send('ok'));
    app.get(/^\/re\/(\d+)$/, (_req, res) => void res.send('ok'));
    const v1 = modules.express.Router();
    for (let i = 0; i < 20; i++) v1.get(`/s${i}/:id`, (_req, res) => void res.send('ok'));
    app.use('/v1', v1);
    const served = await serveHttp(createServer(app), monitor);
    const a = app as unknown as { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
    const stack = (Object.hasOwn(a, '_router') ? a._router : a.router) as { stack: unknown[] };
    countMatches(stack.stack, matches);
    const started = { ...served, matches };
    apps.push(started);
    return started;
  }
  const { app, monitor } = koaAuthApp(modules, options);
  const router = new Router();
  const ok = (ctx: { body: unknown }) => {
    ctx.body = 'ok';
  };
  for (let i = 0; i < ROUTES; i++) router.get(`/api/r${i}/:id`, ok);
  for (const path of ['/users/:id', '/Users/new', '/:slug/info', '/files.json']) router.get(path, ok);
  router.get(/^\/re\/(\d+)$/ as unknown as string, ok);
  const v1 = new Router({ prefix: '/v1' });
  for (let i = 0; i < 20; i++) v1.get(`/s${i}/:id`, ok);
  app.use(router.routes());
  app.use(v1.routes());
  const served = await serveHttp(createServer(app.callback()), monitor);
  countMatches(router.stack as unknown[], matches);
  countMatches(v1.stack as unknown[], matches);
  const started = { ...served, matches };
  apps.push(started);
  return started;
}

const URLS = [
  '/api/r0/1',
  '/api/r999/x',
  '/API/r500/x',
  '/users/new',
  '/USERS/new',
  '/users/42',
  '/anything/info',
  '/files.json',
  '/re/12',
  '/v1/s7/3',
  '/wp-login.php',
  '//api/r1/2',
  '/%61pi/r1/2',
];

describe.each([
  ['express 5', 'express', () => CURRENT_MAJORS],
  ['express 4', 'express', olderMajors],
  ['koa 3', 'koa', () => CURRENT_MAJORS],
  ['koa 2', 'koa', olderMajors],
] as const)(
  '%s, 1,000 routes: the lookup behind an auth middleware (RT30-9)',
  (_name, framework, modules) => {
    it('a junk path whose first segment no route starts with tries a few layers, not the 1,000', async () => {
      const app = await start(framework, modules());
      const raw = recordedRoutes(app.monitor);
      // The first request starts the adapter's once-only check of app routes an admin endpoint shadows (outside
      // review 33, RT33-4), which looks up every endpoint path in steps after it: the per-request lookup is counted
      // on the second, once the check is done.
      const before = checksDone;
      expect(await statusOf(`${app.url}/wp-login.php`)).toBe(401);
      await checksFinished(before + 1);
      app.matches.count = 0;
      expect(await statusOf(`${app.url}/wp-login.php`)).toBe(401);
      expect(raw).toEqual(['unmatched', 'unmatched']);
      // The layers not indexed by a literal first segment: `/:slug/info`, the RegExp route, the /v1 mount (and the
      // Express app's own middleware); before, every one of the 1,000 routes.
      expect(app.matches.count).toBeLessThan(20);
    });

    it('gives the template the framework labels the same URL with when it passes', async () => {
      const app = await start(framework, modules());
      const raw = recordedRoutes(app.monitor);
      for (const path of URLS) {
        raw.length = 0;
        const passed = await statusOf(`${app.url}${path}`, { 'x-auth': 'ok' });
        const refused = await statusOf(`${app.url}${path}`);
        expect(refused, path).toBe(401);
        expect(raw.length, path).toBe(2);
        // A URL no route takes is answered 404 and recorded `unmatched` both ways.
        expect([path, raw[1]]).toEqual([path, passed === 404 ? 'unmatched' : raw[0]]);
      }
    });
  },
);
