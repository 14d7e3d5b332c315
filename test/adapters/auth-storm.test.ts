// Regression (outside review 29, RT29-2) on real Express, Fastify and Koa servers on port 0: an auth middleware
// before the router that waits on a hung auth service and then answers 401 made every request `unmatched` on
// Express and Koa, and unmatched 4xx are not judged: latency "unknown: nothing to measure", Apdex null, no
// api_response_time, while Fastify (which routes before its hooks) recorded them under `GET /api/orders/:id` and
// raised it. A request that ends unmatched is now recorded under the route its URL would have matched. The oracles:
// the route each framework's own router gives the same URL when the auth passes, the auth's wait (each 401 took at
// least AUTH_MS), and the levels set below; a URL no route has stays `unmatched` and unjudged.

import { createServer } from 'node:http';
import Router from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { FRAMEWORKS, type Framework, type ServedApp, serveFastify, serveHttp } from './workload-apps.js';

/** The hung auth service's wait (2.5 s in the review's run), shortened. */
const AUTH_MS = 60;
/** api_response_time levels under AUTH_MS: every 401's latency is critical if judged. */
const API = { warning: 20, critical: 50 };
/** Apdex T: 4 T under AUTH_MS, so a request that waited for the auth is frustrated. */
const APDEX_T = 10;
const off = { enabled: false };
const options = {
  sampleIntervalMs: 0,
  apdex: { thresholdMs: APDEX_T },
  alerts: { cpu: off, memory: off, disk: off, event_loop_delay: off, api_response_time: API },
  logger: { warn() {}, error() {} },
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const authed = (headers: Record<string, unknown>) => headers['x-auth'] === 'ok';

/**
 * The monitor, then the auth step (401 after AUTH_MS without `x-auth: ok`), then `GET /api/orders/:id`,
 * `GET /v1/items/:id` (Express: a router mounted at /v1; Koa: a router with prefix /v1; Fastify: a prefixed
 * plugin) and `GET /v2/things/:tid` (Express: a sub-app mounted at /v2; Koa: a router nested at /v2).
 */
async function start(framework: Framework, modules: FrameworkModules = CURRENT_MAJORS): Promise<ServedApp> {
  if (framework === 'express') {
    const monitor = createExpressMonitor(options);
    const app = modules.express();
    app.use(monitor.middleware());
    app.use((req, res, next) => {
      if (authed(req.headers)) return next();
      setTimeout(() => res.status(401).json({ error: 'unauthenticated' }), AUTH_MS);
    });
    app.get('/api/orders/:id', (req, res) => res.json({ id: req.params.id }));
    const router = modules.express.Router();
    router.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
    app.use('/v1', router);
    const sub = modules.express();
    sub.get('/things/:tid', (req, res) => res.json({ id: req.params.tid }));
    app.use('/v2', sub);
    return serveHttp(createServer(app), monitor);
  }
  if (framework === 'fastify') {
    const monitor = createFastifyMonitor(options);
    const app = modules.fastify({ logger: false });
    await app.register(monitor.plugin());
    app.addHook('onRequest', async (req, reply) => {
      if (authed(req.headers)) return;
      await sleep(AUTH_MS);
      return reply.code(401).send({ error: 'unauthenticated' });
    });
    app.get('/api/orders/:id', async (req) => ({ id: (req.params as { id: string }).id }));
    await app.register(
      async (v1) => {
        v1.get('/items/:id', async (req) => ({ id: (req.params as { id: string }).id }));
      },
      { prefix: '/v1' },
    );
    await app.register(
      async (v2) => {
        v2.get('/things/:tid', async (req) => ({ id: (req.params as { tid: string }).tid }));
      },
      { prefix: '/v2' },
    );
    return serveFastify(app, monitor);
  }
  const monitor = createKoaMonitor(options);
  const app = new modules.koa();
  app.silent = true;
  app.use(monitor.middleware());
  app.use(async (ctx, next) => {
    if (authed(ctx.headers)) return next();
    await sleep(AUTH_MS);
    ctx.status = 401;
    ctx.body = { error: 'unauthenticated' };
  });
  const router = new Router();
  router.get('/api/orders/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  const v1 = new Router({ prefix: '/v1' });
  v1.get('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  const v2 = new Router();
  v2.get('/things/:tid', (ctx) => {
    ctx.body = { id: ctx.params.tid };
  });
  router.use('/v2', v2.routes());
  app.use(router.routes());
  app.use(v1.routes());
  app.use(router.allowedMethods());
  return serveHttp(createServer(app.callback()), monitor);
}

let apps: ServedApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function started(framework: Framework, modules?: FrameworkModules): Promise<ServedApp> {
  const app = await start(framework, modules);
  apps.push(app);
  return app;
}

/** Every request the adapter recorded, as it recorded it (read off RequestStats.record). */
function recorded(app: ServedApp): Array<{ method: string; route: string; status: number; ms: number }> {
  const raw: Array<{ method: string; route: string; status: number; ms: number }> = [];
  const stats = app.monitor.requests;
  const record = stats.record.bind(stats);
  stats.record = (method, route, status, durationMs) => {
    raw.push({ method, route, status, ms: durationMs });
    record(method, route, status, durationMs);
  };
  return raw;
}

async function call(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

const apiAlerts = (app: ServedApp) =>
  app.monitor.alertSystem.getActiveAlerts().filter((a) => a.rule === 'api_response_time');

describe.each(FRAMEWORKS)('%s: a hung auth step answering 401 (outside review 29, RT29-2)', (framework) => {
  it('30 clients of GET /api/orders/:id, each 401 after the auth wait: the route row, latency critical, Apdex 0, api_response_time', async () => {
    const app = await started(framework);
    const raw = recorded(app);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(`${app.url}/api/orders/${i}`)),
    );
    expect(statuses).toEqual(Array(30).fill(401));
    await app.monitor.sample(); // the rules read this window
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    // Before: Express and Koa recorded `GET unmatched`, not judged: latency unknown, Apdex null, no alert.
    expect(raw.map((r) => r.route)).toEqual(Array(30).fill('/api/orders/:id'));
    expect(m.routes.map((r) => [r.method, r.route, r.count, r.count_4xx])).toEqual([
      ['GET', '/api/orders/:id', 30, 30],
    ]);
    expect(m.errors).toMatchObject({ count_judged: 30, count_unmatched_4xx: 0, count_5xx: 0 });
    // Every client waited at least AUTH_MS: above the critical level, and frustrated (over 4 T).
    expect(Math.min(...raw.map((r) => r.ms))).toBeGreaterThanOrEqual(AUTH_MS - 1);
    expect(m.latency.status).toBe('critical');
    expect(m.latency.p95_ms as number).toBeGreaterThanOrEqual(AUTH_MS - 1);
    expect(m.apdex).toMatchObject({ satisfied: 0, tolerating: 0, frustrated: 30, score: 0 });
    expect(apiAlerts(app).map((a) => a.severity)).toEqual(['critical']);
  });

  it('a URL no route has (a scanner /wp-login.php) stays unmatched and unjudged: latency unknown, no alert', async () => {
    const app = await started(framework);
    const raw = recorded(app);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => call(`${app.url}/wp-login.php`)));
    expect(statuses).toEqual(Array(10).fill(401));
    await app.monitor.sample();
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(raw.map((r) => r.route)).toEqual(Array(10).fill('unmatched'));
    expect(m.errors).toMatchObject({ count_judged: 0, count_unmatched_4xx: 10 });
    expect(m.latency.status).toBe('unknown');
    expect(m.apdex?.score).toBeNull();
    expect(apiAlerts(app)).toEqual([]);
  });
});

const MAJORS: Array<[string, Framework, () => FrameworkModules]> = [
  ...FRAMEWORKS.map((f): [string, Framework, () => FrameworkModules] => [
    `${f} ${CURRENT_MAJORS.versions[f]}`,
    f,
    () => CURRENT_MAJORS,
  ]),
  ['express 4', 'express', olderMajors],
  ['koa 2', 'koa', olderMajors],
];

describe.each(MAJORS)(
  '%s: the route a 401 before the router is recorded under',
  (_name, framework, modules) => {
    it('is the route the framework routes the same URL to when the auth passes (params, mounts, prefixes)', async () => {
      const app = await started(framework, modules());
      const raw = recorded(app);
      const cases: Array<[string, string, string]> = [
        ['GET', '/api/orders/7', '/api/orders/:id'],
        ['GET', '/v1/items/9?x=1', '/v1/items/:id'],
        ['GET', '/v2/things/3', '/v2/things/:tid'],
        ['HEAD', '/api/orders/8', '/api/orders/:id'],
        // No route for this method or path: unmatched either way.
        ['POST', '/api/orders/7', 'unmatched'],
        ['GET', '/v1/nothing/here', 'unmatched'],
        ['GET', '/v3/things/3', 'unmatched'],
      ];
      for (const [method, path, template] of cases) {
        raw.length = 0;
        const passed = await call(`${app.url}${path}`, { method, headers: { 'x-auth': 'ok' } });
        const refused = await call(`${app.url}${path}`, { method });
        expect([passed === 401, refused]).toEqual([false, 401]);
        expect(
          raw.map((r) => r.route),
          `${method} ${path}`,
        ).toEqual([template, template]);
      }
    });
  },
);

describe.each(['express', 'koa'] as const)('%s: the lookup is bounded', (framework) => {
  it('a path over 2,048 characters is not looked up: its 401 stays unmatched (the route takes it when authenticated)', async () => {
    const app = await started(framework);
    const raw = recorded(app);
    const path = `/api/orders/${'x'.repeat(2_100)}`;
    expect(await call(`${app.url}${path}`, { headers: { 'x-auth': 'ok' } })).toBe(200);
    expect(await call(`${app.url}${path}`)).toBe(401);
    expect(raw.map((r) => r.route)).toEqual(['/api/orders/:id', 'unmatched']);
  });
});
