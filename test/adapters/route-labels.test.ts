// Issue 12, door 4, from outside: the route a request is recorded under is the pattern the application
// wrote (mount paths included), never a value from the URL, so URLs cannot fill the route table.
// Real Express, Koa and Fastify servers, on the majors in devDependencies and on the older majors of the peer
// ranges (Express 4, Fastify 4, Koa 2); Express is where mount paths used to leak values.

import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import type { Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMonitor as createExpressMonitor, expressMiddleware } from '../../src/adapters/express.js';
import { express4Pattern, expressRouteLabel } from '../../src/adapters/express-route.js';
import { fastifyPlugin } from '../../src/adapters/fastify.js';
import { koaMiddleware } from '../../src/adapters/koa.js';
import { listen as listenOnLoopback } from '../http/stream-helpers.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { type RecordingSource, recordingSource } from './harness.js';

beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {}); // Express prints the thrown error of /boom
});
afterAll(() => {
  vi.restoreAllMocks();
});

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Listens on a loopback port (stream-helpers' listen) and closes the server after the test. */
async function listen(server: Server): Promise<string> {
  const served = await listenOnLoopback(server);
  cleanups.push(served.close);
  return served.url;
}

async function routesOf(source: RecordingSource, url: string, paths: string[]): Promise<string[]> {
  for (const path of paths) await (await fetch(`${url}${path}`)).arrayBuffer();
  // Responses are recorded on finish, which may land just after the client has the body.
  const guard = Date.now() + 30_000; // a hang guard
  while (source.records.length < paths.length && Date.now() < guard)
    await new Promise((r) => setTimeout(r, 10));
  return [...new Set(source.records.map((r) => r.route))].sort();
}

const values = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);

/** The majors in devDependencies and the older majors of the peer ranges, one entry each per framework. */
const MAJORS = [CURRENT_MAJORS, olderMajors()];
const expressMajors = MAJORS.map((m) => ({ major: m.majors.express, express: m.express }));

describe.each(expressMajors)('express $major', ({ express }) => {
  function app(source: RecordingSource) {
    const a = express();
    a.use(expressMiddleware(source, { rateLimit: false }));
    const org = express.Router();
    org.get('/items', (_req, res) => void res.send('ok'));
    org.get('/items/:id', (_req, res) => void res.send('ok'));
    org.get('/boom', () => {
      throw new Error('boom');
    });
    a.use('/org/:org', org);
    const shop = express.Router();
    shop.get('/items', (_req, res) => void res.send('ok'));
    a.use('/shop', shop);
    const v1 = express.Router();
    const team = express.Router({ mergeParams: true });
    team.get('/members/:member', (_req, res) => void res.send('ok'));
    v1.use('/teams/:team', team);
    a.use('/v1', v1);
    const sub = express();
    sub.get('/report', (_req, res) => void res.send('ok'));
    a.use('/tenant/:tenant', sub);
    // One router mounted twice: each mount keeps its own label.
    const shared = express.Router();
    shared.get('/status', (_req, res) => void res.send('ok'));
    a.use('/blue', shared);
    a.use('/green', shared);
    a.get('/users/:id', (_req, res) => void res.send('ok'));
    a.set('env', 'production');
    return a;
  }

  it('records the mount pattern, never the values, nor case variants of the URL', async () => {
    const source = recordingSource();
    const url = await listen(createServer(app(source)));
    const paths = [
      ...values.map((v) => `/org/${v}/items`),
      '/org/acme/items/42',
      '/org/acme/boom',
      '/shop/items',
      '/SHOP/items',
      '/Shop/Items',
      '/v1/teams/red/members/7',
      '/V1/TEAMS/blue/members/8',
      '/tenant/acme/report',
      '/tenant/globex/report',
      '/blue/status',
      '/green/status',
      '/users/1',
      '/nowhere/at/all',
    ];
    expect(await routesOf(source, url, paths)).toEqual([
      '/blue/status',
      '/green/status',
      '/org/:org/boom',
      '/org/:org/items',
      '/org/:org/items/:id',
      '/shop/items',
      '/tenant/:tenant/report',
      '/users/:id',
      '/v1/teams/:team/members/:member',
      'unmatched',
    ]);
  });

  it('100 values in a mount path leave the real routes in the route table (nothing folded into other)', async () => {
    const monitor = createExpressMonitor({
      sampleIntervalMs: 0,
      rateLimit: false,
      logger: { warn() {}, error() {} },
    });
    cleanups.push(() => monitor.close());
    const a = express();
    a.use(monitor.middleware());
    const org = express.Router();
    org.get('/items', (_req, res) => void res.send('ok'));
    a.use('/org/:org', org);
    a.get('/users/:id', (_req, res) => void res.send('ok'));
    const url = await listen(createServer(a));
    for (const v of values) await (await fetch(`${url}/org/${v}/items`)).arrayBuffer();
    await (await fetch(`${url}/users/1`)).arrayBuffer();
    const guard = Date.now() + 30_000; // a hang guard: recorded as each response finishes
    while (monitor.requests.total < 101 && Date.now() < guard) await new Promise((r) => setTimeout(r, 10));
    expect(monitor.requests.total).toBe(101);
    expect(monitor.requests.routeCount).toBe(2);
    expect(monitor.requests.dropped).toBe(0);
  });

  it('caches the label on the route: the same string object each time, no work per request', () => {
    const a = app(recordingSource());
    // Express 4's router is `_router` (its `router` a getter that throws), Express 5's `router`.
    const router = (a as unknown as { _router?: { stack: unknown } })._router ?? a.router;
    const layer = (router.stack as { route?: { path: string } }[]).find(
      (l) => l.route?.path === '/users/:id',
    );
    const req = { route: layer?.route, app: a, baseUrl: '' };
    const first = expressRouteLabel(req);
    expect(first).toBe('/users/:id');
    expect(expressRouteLabel(req)).toBe(first);
    expect(Object.getOwnPropertySymbols(layer?.route).length).toBe(1);
  });
});

describe('express 4 mount patterns', () => {
  it('reads express 4 mount regexps back into patterns, and never guesses', () => {
    // path-to-regexp 0.1 (Express 4) output for use('/org/:org') and use('/shop').
    // Built from text, as Express 4 builds it (`[^\/]`), so no formatter rewrites the escape.
    const org = new RegExp(['^', '\\/org\\/', '(?:([^\\/]+?))', '\\/?(?=\\/|$)'].join(''), 'i');
    expect(express4Pattern(org, [{ name: 'org' }])).toBe('/org/:org');
    expect(express4Pattern(/^\/shop\/?(?=\/|$)/i, [])).toBe('/shop');
    expect(express4Pattern(/^\/files\/(.*)\/?(?=\/|$)/i, [{ name: 0 }])).toBeUndefined();
  });

  it("reads back the mount regexps of the installed Express 4's own Layer (path-to-regexp 0.1.10 and later)", () => {
    // The Layer app.use(path, router) makes: Express 4.20 on writes `/org(?:\/([^\/]+?))`, not `/org\/(?:…)`.
    const Layer = createRequire(import.meta.url)('express4/lib/router/layer.js') as new (
      path: string,
      options: object,
      fn: () => void,
    ) => { regexp: RegExp; keys: { name: string | number }[] };
    const patterns: [string, string | undefined][] = [
      ['/org/:org', '/org/:org'],
      ['/shop', '/shop'],
      ['/v1.2/teams/:team/members/:member', '/v1.2/teams/:team/members/:member'],
      ['/a-b/:id', '/a-b/:id'],
      ['/files/*', undefined],
      ['/:a-:b', undefined],
      ['/user/:id?', undefined],
    ];
    for (const [path, label] of patterns) {
      const layer = new Layer(path, { end: false, strict: false, sensitive: false }, () => {});
      expect(express4Pattern(layer.regexp, layer.keys), path).toBe(label);
    }
  });
});

describe.each(MAJORS.map((m) => ({ major: m.majors.koa, Koa: m.koa })))('koa $major', ({ Koa }) => {
  it('records the router pattern with its prefix, never the values or case variants', async () => {
    const source = recordingSource();
    const app = new Koa();
    app.silent = true;
    app.use(koaMiddleware(source, { rateLimit: false }));
    const org = new Router({ prefix: '/org/:org' });
    org.get('/items', (ctx) => {
      ctx.body = 'ok';
    });
    const nested = new Router();
    nested.get('/report', (ctx) => {
      ctx.body = 'ok';
    });
    const outer = new Router();
    outer.use('/tenant/:tenant', nested.routes());
    const shop = new Router({ prefix: '/shop' });
    shop.get('/items', (ctx) => {
      ctx.body = 'ok';
    });
    app.use(org.routes()).use(outer.routes()).use(shop.routes());
    const url = await listen(createServer(app.callback()));
    const paths = [
      ...values.map((v) => `/org/${v}/items`),
      '/tenant/a/report',
      '/tenant/b/report',
      '/shop/items',
      '/SHOP/items',
    ];
    expect(await routesOf(source, url, paths)).toEqual([
      '/org/:org/items',
      '/shop/items',
      '/tenant/:tenant/report',
    ]);
  });
});

describe.each(MAJORS.map((m) => ({ major: m.majors.fastify, Fastify: m.fastify })))(
  'fastify $major',
  ({ Fastify }) => {
    it('records the route template with its prefix, never the values; case variants are unmatched', async () => {
      const source = recordingSource();
      const app = Fastify({ logger: false });
      await app.register(fastifyPlugin(source, { rateLimit: false }));
      await app.register(
        async (child) => {
          child.get('/items', async () => 'ok');
        },
        { prefix: '/org/:org' },
      );
      await app.register(
        async (child) => {
          child.get('/items', async () => 'ok');
        },
        { prefix: '/shop' },
      );
      await app.ready();
      cleanups.push(() => app.close());
      const url = await listen(app.server);
      const paths = [...values.map((v) => `/org/${v}/items`), '/shop/items', '/SHOP/items'];
      expect(await routesOf(source, url, paths)).toEqual(['/org/:org/items', '/shop/items', 'unmatched']);
    });
  },
);

describe.each(expressMajors)(
  'express $major: errors out of a sub-app keep its mount path (review 2, F1)',
  ({ major, express }) => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let passes = 0; // the sub-apps' own middleware: the label's work must run none of the application
    function subApp() {
      const sub = express();
      sub.use((_req, _res, next) => {
        passes++;
        next();
      });
      sub.get('/items', (_req, res) => void res.send('ok'));
      sub.get('/sync', () => {
        throw new Error('sync');
      });
      sub.get('/next', (_req, _res, next) => next(new Error('next')));
      const failLater = async (): Promise<never> => {
        await sleep(2);
        throw new Error('async');
      };
      // Express 5 passes a rejected handler's error on; on Express 4 the handler hands it to next() itself.
      if (major >= 5) sub.get('/async', failLater);
      else sub.get('/async', (_req, _res, next) => void failLater().catch(next));
      sub.get('/status', (_req, _res, next) => next(Object.assign(new Error('status'), { status: 409 })));
      return sub;
    }
    const routes = ['/sync', '/next', '/async', '/status', '/items']; // failing first: no label worked out before
    const statuses = [500, 500, 500, 409, 200];
    for (const [mount, sample] of [
      ['/v1', '/v1'],
      ['/org/:org', '/org/acme'],
    ] as const)
      for (const layer of [false, true])
        for (const handler of [false, true])
          it(`mount ${mount}, ${layer ? 'after another middleware' : 'first'}, ${handler ? 'with' : 'without'} an error handler`, async () => {
            const source = recordingSource();
            const a = express();
            if (layer) a.use((_req, _res, next) => next());
            a.use(expressMiddleware(source, { rateLimit: false }));
            a.use(mount, subApp());
            if (handler)
              a.use((err: { status?: number }, _req: unknown, res: Response, _next: unknown) => {
                res.status(err.status ?? 500).send('handled');
              });
            const url = await listen(createServer(a));
            await routesOf(
              source,
              url,
              routes.map((r) => sample + r),
            );
            expect(source.records.map((r) => [r.route, r.status])).toEqual(
              routes.map((r, i) => [mount + r, statuses[i]]),
            );
          });

    it('nested sub-apps: /out/in/<route> for failures and successes', async () => {
      passes = 0;
      const source = recordingSource();
      const a = express();
      a.use(expressMiddleware(source, { rateLimit: false }));
      const outer = express();
      outer.use('/in', subApp());
      a.use('/out', outer);
      const url = await listen(createServer(a));
      await routesOf(
        source,
        url,
        routes.map((r) => `/out/in${r}`),
      );
      expect(source.records.map((r) => [r.route, r.status])).toEqual(
        routes.map((r, i) => [`/out/in${r}`, statuses[i]]),
      );
      expect(passes).toBe(routes.length);
    });
  },
);
