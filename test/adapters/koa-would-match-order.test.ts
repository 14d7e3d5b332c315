// Regression (outside review 30, RT30-2) on real Koa servers on port 0, Koa 3 and 2 with @koa/router: a request
// answered 401 before the router is recorded under the route @koa/router itself labels the same URL with when the
// request passes (`_matchedRoute`), whatever the order the routes were registered in, with `exclusive` routers,
// and for a RegExp route. The oracle is the adapter's record of the passing request, which @koa/router labels.

import { createServer } from 'node:http';
import Router from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { koaAuthApp, recordedRoutes, statusOf } from './recorded-routes.js';
import { type ServedApp, serveHttp } from './workload-apps.js';

const off = { enabled: false };
const options = {
  sampleIntervalMs: 0,
  alerts: { cpu: off, memory: off, disk: off, event_loop_delay: off },
  logger: { warn() {}, error() {} },
};

type Route = string | RegExp;

let apps: ServedApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

/** The monitor, a 401 without `x-auth: ok`, then one router with `routes` registered in this order. */
async function start(
  modules: FrameworkModules,
  routes: Route[],
  exclusive?: boolean | 'specificity',
): Promise<ServedApp> {
  const { app, monitor } = koaAuthApp(modules, options);
  const router = new Router(exclusive === undefined ? {} : ({ exclusive } as never));
  for (const route of routes) {
    router.get(route as string, (ctx) => {
      ctx.body = 'ok';
    });
  }
  app.use(router.routes());
  const started = await serveHttp(createServer(app.callback()), monitor);
  apps.push(started);
  return started;
}

const ORDERS: Array<[string, Route[], (boolean | 'specificity')?]> = [
  ['/users/:id before /users/new', ['/users/:id', '/users/new', '/users/:id/posts']],
  ['/users/new before /users/:id', ['/users/new', '/users/:id', '/users/:id/posts']],
  ['a catch-all first', ['/users/*rest', '/users/new', '/users/:id']],
  ['exclusive, /users/:id first', ['/users/:id', '/users/new'], true],
  ['exclusive, /users/new first', ['/users/new', '/users/:id'], true],
  ['exclusive specificity', ['/users/:id', '/users/new'], 'specificity'],
  ['a RegExp route', [/^\/users\/(\d+)$/, '/users/new']],
];
const URLS = ['/users/new', '/users/42', '/users/42/posts', '/nothing'];

describe.each([
  ['koa 3', () => CURRENT_MAJORS],
  ['koa 2', olderMajors],
])('%s: a 401 before the router is recorded as the same URL is when it passes (RT30-2)', (_name, modules) => {
  it.each(ORDERS)('%s', async (_order, routes, exclusive) => {
    const app = await start(modules(), routes, exclusive);
    const raw = recordedRoutes(app.monitor);
    for (const path of URLS) {
      raw.length = 0;
      const passed = await statusOf(`${app.url}${path}`, { 'x-auth': 'ok' });
      const refused = await statusOf(`${app.url}${path}`);
      expect([passed === 401, refused]).toEqual([false, 401]);
      expect(raw.length, path).toBe(2);
      expect(raw[1], `${path}: refused vs passed`).toBe(raw[0]);
    }
  });
});
