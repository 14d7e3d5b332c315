// The peer ranges in package.json (express >=4.18, fastify >=4, koa >=2) on real servers: each adapter mounted
// as the README says (createMonitor, then the middleware first or the plugin registered), with an admin token,
// on the older majors (Express 4, Fastify 4, Koa 2) and the current ones (5, 5, 3). Each app declares
// parametrized routes, nested routers or prefixed plugins, an Express sub-app, handlers that throw or pass an
// error on, and gets requests for made-up URLs. Oracle: what the client sent (the status each route answers)
// and the route patterns as the app declared them; every count the admin API reads back equals it.

import type { Server } from 'node:http';
import Router from '@koa/router';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { httpSend } from '../helpers/http-get.js';
import { expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';
import { eventually } from './workload-apps.js';

const BASE = '/api/core/admin/system';
const TOKEN = 'peer-majors-admin-token-0123456789';
const opts = { sampleIntervalMs: 0, adminToken: TOKEN, logger: { warn() {}, error() {} } };
const listen = appServers();

// Koa prints the errors its apps throw (the fixture's apps are not silent); keep the test output readable.
beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** One request of the script: what the client sends, the status the app answers, the route as declared. */
interface Sent {
  method: string;
  path: string;
  route: string;
  status: number;
}
const send = (method: string, path: string, route: string, status: number): Sent => ({
  method,
  path,
  route,
  status,
});

/**
 * What every app answers. The first request fails in a route mounted under a parametrized prefix (Express: in a
 * sub-app), so its label is worked out on the error's way out; made-up URLs in any case are `unmatched`.
 */
const COMMON: Sent[] = [
  send('GET', '/tenant/acme/crash', '/tenant/:tenant/crash', 500),
  send('GET', '/tenant/globex/conflict', '/tenant/:tenant/conflict', 409),
  send('GET', '/tenant/acme/report', '/tenant/:tenant/report', 200),
  send('GET', '/tenant/initech/report', '/tenant/:tenant/report', 200),
  send('GET', '/users/1', '/users/:id', 200),
  send('GET', '/users/2', '/users/:id', 200),
  send('GET', '/api/items/7', '/api/items/:id', 200),
  send('GET', '/v1/teams/red/members/3', '/v1/teams/:team/members/:member', 200),
  send('GET', '/v1/teams/blue/members/4', '/v1/teams/:team/members/:member', 200),
  send('GET', '/teapot', '/teapot', 418),
  send('GET', '/fail', '/fail', 500),
  send('GET', '/fail', '/fail', 500),
  send('GET', '/nope/1', 'unmatched', 404),
  send('GET', '/NOPE/2', 'unmatched', 404),
  send('POST', '/nope', 'unmatched', 404),
];

type Make = (modules: FrameworkModules) => Promise<{ monitor: SystemMonitor; server: Server }>;

const conflict = () => Object.assign(new Error('conflict'), { status: 409, statusCode: 409 });

const express: Make = (modules) =>
  expressApp(
    opts,
    (app, ex) => {
      app.set('env', 'production');
      app.get('/users/:id', (_req, res) => void res.send('user'));
      app.get('/teapot', (_req, res) => void res.status(418).send('tea'));
      app.get('/fail', () => {
        throw new Error('fail');
      });
      const api = ex.Router();
      api.get('/items/:id', (_req, res) => void res.send('item'));
      app.use('/api', api);
      const team = ex.Router({ mergeParams: true });
      team.get('/members/:member', (_req, res) => void res.send('member'));
      const v1 = ex.Router();
      v1.use('/teams/:team', team);
      app.use('/v1', v1);
      // A sub-app with no error handler of its own: its errors go back to the parent's.
      const sub = ex();
      sub.get('/report', (_req, res) => void res.send('report'));
      sub.get('/crash', () => {
        throw new Error('crash');
      });
      sub.get('/conflict', (_req, _res, next) => next(conflict()));
      app.use('/tenant/:tenant', sub);
      // Express's error middleware (both majors): the error's status, else 500.
      app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(err.status ?? 500).send('handled');
      });
    },
    modules,
  );

const fastify: Make = (modules) =>
  fastifyApp(
    opts,
    (app) => {
      app.get('/users/:id', async () => 'user');
      app.get('/teapot', async (_req, reply) => reply.code(418).send('tea'));
      app.get('/fail', async () => {
        throw new Error('fail');
      });
      app.register(async (child) => void child.get('/items/:id', async () => 'item'), { prefix: '/api' });
      app.register(
        async (v1) => {
          v1.register(async (team) => void team.get('/members/:member', async () => 'member'), {
            prefix: '/teams/:team',
          });
        },
        { prefix: '/v1' },
      );
      app.register(
        async (tenant) => {
          tenant.get('/report', async () => 'report');
          tenant.get('/crash', async () => {
            throw new Error('crash');
          });
          tenant.get('/conflict', async () => {
            throw conflict();
          });
        },
        { prefix: '/tenant/:tenant' },
      );
    },
    modules,
  );

const koa: Make = (modules) =>
  koaApp(
    opts,
    (router) => {
      router.get('/users/:id', (ctx) => {
        ctx.body = 'user';
      });
      router.get('/teapot', (ctx) => {
        ctx.status = 418;
        ctx.body = 'tea';
      });
      router.get('/fail', () => {
        throw new Error('fail');
      });
      const api = new Router();
      api.get('/items/:id', (ctx) => {
        ctx.body = 'item';
      });
      router.use('/api', api.routes());
      const team = new Router();
      team.get('/members/:member', (ctx) => {
        ctx.body = 'member';
      });
      router.use('/v1/teams/:team', team.routes());
      const tenant = new Router({ prefix: '/tenant/:tenant' });
      tenant.get('/report', (ctx) => {
        ctx.body = 'report';
      });
      tenant.get('/crash', () => {
        throw new Error('crash');
      });
      tenant.get('/conflict', (ctx) => ctx.throw(409, 'conflict'));
      router.use(tenant.routes());
    },
    modules,
  );

interface Row {
  method: string;
  route: string;
  count: number;
  count_4xx: number;
  count_5xx: number;
}

const frameworks = { express, fastify, koa } as const;
const cases = [olderMajors(), CURRENT_MAJORS].flatMap((modules) =>
  (['express', 'fastify', 'koa'] as const).map((name) => ({
    name,
    major: modules.majors[name],
    modules,
  })),
);

describe.each(cases)('$name $major, mounted as the README says', ({ name, modules }) => {
  it('counts every request under its declared route and status class; the admin API needs the token', async () => {
    const { monitor, server } = await frameworks[name](modules);
    const port = await listen(server, monitor);
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    for (const s of COMMON) {
      const reply = await httpSend(s.method, url(s.path));
      expect(reply.status, `${s.method} ${s.path}`).toBe(s.status);
    }
    await eventually(async () => monitor.requests.total >= COMMON.length); // recorded as each response finishes

    // The admin API, where the adapter mounts it: refused without the token, served with it.
    expect((await httpSend('GET', url(`${BASE}/metrics/`))).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const metrics = await httpSend('GET', url(`${BASE}/metrics/`), auth);
    expect(metrics.status).toBe(200);
    const m = JSON.parse(metrics.body).data;
    const classOf = (status: number) => `${String(status)[0]}xx`;
    expect(m.requests.total).toBe(COMMON.length);
    expect(m.errors.count_4xx).toBe(COMMON.filter((s) => classOf(s.status) === '4xx').length);
    expect(m.errors.count_5xx).toBe(COMMON.filter((s) => classOf(s.status) === '5xx').length);

    const routes = await httpSend('GET', url(`${BASE}/routes/`), auth);
    expect(routes.status).toBe(200);
    const rows = (JSON.parse(routes.body).data.routes as Row[])
      .map((r) => ({
        method: r.method,
        route: r.route,
        count: r.count,
        count_4xx: r.count_4xx,
        count_5xx: r.count_5xx,
      }))
      .sort((a, b) => `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`));
    const expected = new Map<string, Row>();
    for (const s of COMMON) {
      const key = `${s.method} ${s.route}`;
      const row = expected.get(key) ?? {
        method: s.method,
        route: s.route,
        count: 0,
        count_4xx: 0,
        count_5xx: 0,
      };
      row.count++;
      if (classOf(s.status) === '4xx') row.count_4xx++;
      if (classOf(s.status) === '5xx') row.count_5xx++;
      expected.set(key, row);
    }
    expect(rows).toEqual(
      [...expected.values()].sort((a, b) => `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`)),
    );
  });
});
