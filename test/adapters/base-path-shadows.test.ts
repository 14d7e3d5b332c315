// A shared basePath ('/api') whose admin endpoints take the app's own routes (`GET /api/health`): each adapter logs
// one warning per shadowed route, naming it, and none for the app's other routes (outside review 33, RT33-4). Real
// servers of each framework (both majors), a logger that keeps what it is given. The oracle: the routes each app
// declares whose every path is an endpoint's (README's endpoint list), written out by hand.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import mount from 'koa-mount';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Captured {
  warnings: string[];
  debugs: string[];
  logger: {
    error(): void;
    warn(o: unknown, m?: string): void;
    info(): void;
    debug(o: unknown, m?: string): void;
  };
}

function captured(): Captured {
  const warnings: string[] = [];
  const debugs: string[] = [];
  return {
    warnings,
    debugs,
    logger: {
      error() {},
      warn(o: unknown, m?: string) {
        warnings.push(typeof o === 'string' ? o : String(m));
      },
      info() {},
      debug(o: unknown, m?: string) {
        debugs.push(typeof o === 'string' ? o : String(m));
      },
    },
  };
}

/**
 * Waits for the once-only check to finish (its debug line), bounded by event-loop turns: it runs in steps of one
 * setImmediate each after the first request (Express, Koa) or before listening (Fastify).
 */
async function checked(c: Captured): Promise<void> {
  for (let turns = 0; turns < 5_000; turns++) {
    if (c.debugs.includes('sysvitals: basePath shadow check done')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the basePath shadow check did not finish within 5,000 event-loop turns');
}

const text = (route: string, base = '/api') =>
  `sysvitals: ${route} is an admin endpoint under basePath '${base}'; the app's route never runs. Choose another basePath`;

/** The warnings about shadowed routes, sorted. */
const shadowWarnings = (c: Captured) =>
  c.warnings
    .filter((w) => w.includes('is an admin endpoint') || w.includes(' covers the admin endpoint'))
    .sort();

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Built {
  url: string;
  monitor: SystemMonitor;
}

/** The shadowed routes every app below declares, as warned. */
const SHADOWED = [
  'GET /api/health',
  'GET, POST /api/metrics',
  'GET /api/token',
  'DELETE /api/silences/:id',
  'GET /api/metrics/prometheus',
].map((r) => text(r));

/**
 * The route under basePath that takes endpoints' paths among others (`GET /api/:name`, declared after the literal
 * routes): the one-segment endpoints no earlier GET route takes (README's endpoint list, in its order), as warned.
 */
const COVERED = [
  'sysvitals: GET /api/:name covers the admin endpoints /api/alerts, /api/history, /api/stream, /api/dashboard, ' +
    "/api/silences, /api/channels, /api/queries, /api/routes, /api/jobs, /api/capacity under basePath '/api'; " +
    "the app's route never runs for those paths. Choose another basePath",
];

/** Every warning each app below gets with basePath '/api'. */
const ALL = [...SHADOWED, ...COVERED].sort();

// Every app: shadowed routes (literal, two methods on one path, in a router or plugin mounted at /api, a parameter
// under a prefix endpoint, a nested endpoint) and routes that are not (another name, a parameter that takes other
// names too, the base itself, a name an endpoint's starts with, outside the base).
function expressApp(
  fw: FrameworkModules,
  basePath: string,
  c: Captured,
  shared = false,
): () => Promise<Built> {
  return async () => {
    const monitor = createExpressMonitor({
      adminToken: TOKEN,
      basePath,
      basePathShared: shared,
      sampleIntervalMs: 0,
      logger: c.logger,
    });
    const app = fw.express();
    app.get('/api/jobs-list', (_req, res) => {
      res.json({ app: 'jobs-list' });
    });
    app.use(monitor.middleware());
    app.get('/first', (_req, res) => {
      res.json({ warned: shadowWarnings(c).length, done: c.debugs.length });
    });
    app.get('/api/health', (_req, res) => {
      res.json({ app: 'health' });
    });
    app.get('/api/metrics', (_req, res) => {
      res.json({ app: 'metrics' });
    });
    app.post('/api/metrics', (_req, res) => {
      res.json({ app: 'metrics' });
    });
    app.get('/api/metrics/prometheus', (_req, res) => {
      res.json({ app: 'prometheus' });
    });
    const router = fw.express.Router();
    router.get('/token', (_req, res) => {
      res.json({ app: 'token' });
    });
    router.delete('/silences/:id', (_req, res) => {
      res.json({ app: 'silence' });
    });
    router.get('/users', (_req, res) => {
      res.json({ app: 'users' });
    });
    app.use('/api', router);
    app.get('/api', (_req, res) => {
      res.json({ app: 'root' });
    });
    app.get('/api/healthy', (_req, res) => {
      res.json({ app: 'healthy' });
    });
    app.get('/health', (_req, res) => {
      res.json({ app: 'top' });
    });
    app.get('/api/:name', (_req, res) => {
      res.json({ app: 'name' });
    });
    return { monitor, url: await listen(app) };
  };
}

function fastifyApp(
  fw: FrameworkModules,
  basePath: string,
  c: Captured,
  shared = false,
): () => Promise<Built> {
  return async () => {
    const monitor = createFastifyMonitor({
      adminToken: TOKEN,
      basePath,
      basePathShared: shared,
      sampleIntervalMs: 0,
      logger: c.logger,
    });
    const app = fw.fastify();
    // Before the plugin: found by its own path (hasRoute).
    app.get('/api/health', async () => ({ app: 'health' }));
    app.get('/api/jobs-list', async () => ({ app: 'jobs-list' }));
    await app.register(monitor.plugin());
    app.get('/first', async () => ({ warned: shadowWarnings(c).length, done: c.debugs.length }));
    app.route({ method: ['GET', 'POST'], url: '/api/metrics', handler: async () => ({ app: 'metrics' }) });
    app.get('/api/metrics/prometheus', async () => ({ app: 'prometheus' }));
    await app.register(
      async (api) => {
        api.get('/token', async () => ({ app: 'token' }));
        api.delete('/silences/:id', async () => ({ app: 'silence' }));
        api.get('/users', async () => ({ app: 'users' }));
      },
      { prefix: '/api' },
    );
    app.get('/api/:name', async () => ({ app: 'name' }));
    app.get('/api', async () => ({ app: 'root' }));
    app.get('/api/healthy', async () => ({ app: 'healthy' }));
    app.get('/health', async () => ({ app: 'top' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    return { monitor, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  };
}

function koaApp(fw: FrameworkModules, basePath: string, c: Captured, shared = false): () => Promise<Built> {
  return async () => {
    const monitor = createKoaMonitor({
      adminToken: TOKEN,
      basePath,
      basePathShared: shared,
      sampleIntervalMs: 0,
      logger: c.logger,
    });
    const app = new fw.koa();
    app.use(monitor.middleware());
    const router = new Router();
    router.get('/api/health', (ctx) => {
      ctx.body = { app: 'health' };
    });
    router.get('/api/metrics', (ctx) => {
      ctx.body = { app: 'metrics' };
    });
    router.post('/api/metrics', (ctx) => {
      ctx.body = { app: 'metrics' };
    });
    router.get('/api/metrics/prometheus', (ctx) => {
      ctx.body = { app: 'prometheus' };
    });
    const api = new Router({ prefix: '/api' });
    api.get('/token', (ctx) => {
      ctx.body = { app: 'token' };
    });
    api.delete('/silences/:id', (ctx) => {
      ctx.body = { app: 'silence' };
    });
    api.get('/users', (ctx) => {
      ctx.body = { app: 'users' };
    });
    router.get('/api', (ctx) => {
      ctx.body = { app: 'root' };
    });
    router.get('/api/healthy', (ctx) => {
      ctx.body = { app: 'healthy' };
    });
    router.get('/api/jobs-list', (ctx) => {
      ctx.body = { app: 'jobs-list' };
    });
    router.get('/health', (ctx) => {
      ctx.body = { app: 'top' };
    });
    router.get('/first', (ctx) => {
      ctx.body = { warned: shadowWarnings(c).length, done: c.debugs.length };
    });
    router.get('/api/:name', (ctx) => {
      ctx.body = { app: 'name' };
    });
    app.use(api.routes());
    app.use(router.routes());
    return { monitor, url: await listen(app.callback()) };
  };
}

const frameworks: [string, () => FrameworkModules, typeof expressApp][] = [
  ['Express 5', () => CURRENT_MAJORS, expressApp],
  ['Express 4', () => olderMajors(), expressApp],
  ['Fastify 5', () => CURRENT_MAJORS, fastifyApp],
  ['Fastify 4', () => olderMajors(), fastifyApp],
  ['Koa 3', () => CURRENT_MAJORS, koaApp],
  ['Koa 2', () => olderMajors(), koaApp],
];

describe.each(frameworks)('%s: app routes an admin endpoint under basePath shadows', (name, fw, build) => {
  it("warns once per shadowed or covering route, naming it, and not for the app's other routes", async () => {
    const c = captured();
    const { url, monitor } = await build(fw(), '/api', c)();
    cleanup.push(() => monitor.close());
    // The endpoint takes the path (401 without the token); the app's other routes answer, `/api/:name` too for a
    // name no endpoint has.
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${url}/api/health`)).status).toBe(401);
      expect((await fetch(`${url}/api/jobs`)).status).toBe(401);
      expect(await (await fetch(`${url}/api/users`)).json()).toEqual({ app: 'users' });
      expect(await (await fetch(`${url}/api/healthy`)).json()).toEqual({ app: 'healthy' });
      expect(await (await fetch(`${url}/api/other`)).json()).toEqual({ app: 'name' });
    }
    await checked(c);
    expect(shadowWarnings(c)).toEqual(ALL);
    // Express routes case-insensitively and the admin API matches case-sensitively: another spelling is the app's
    // own route, never an endpoint (docs/base-path.md).
    if (name.startsWith('Express')) {
      expect(await (await fetch(`${url}/api/Health`)).json()).toEqual({ app: 'health' });
    }
  });

  it('warns the same with basePathShared: the endpoints still take their paths', async () => {
    const c = captured();
    const { url, monitor } = await build(fw(), '/api', c, true)();
    cleanup.push(() => monitor.close());
    expect((await fetch(`${url}/api/health`)).status).toBe(401);
    expect(await (await fetch(`${url}/api/users`)).json()).toEqual({ app: 'users' });
    await checked(c);
    expect(shadowWarnings(c)).toEqual(ALL);
    // Once only: more requests tell nothing more.
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/api/health`)).status).toBe(401);
    expect(c.debugs.filter((d) => d.includes('shadow check done'))).toHaveLength(1);
    expect(shadowWarnings(c)).toEqual(ALL);
  });

  it('no request runs the check: the first request is handled before it (Fastify: it ran before listening)', async () => {
    const c = captured();
    const { url, monitor } = await build(fw(), '/api', c, true)();
    cleanup.push(() => monitor.close());
    const first = (await (await fetch(`${url}/first`)).json()) as { warned: number; done: number };
    if (name.startsWith('Fastify')) expect(first).toEqual({ warned: ALL.length, done: 1 });
    else expect(first).toEqual({ warned: 0, done: 0 });
    await checked(c);
    expect(shadowWarnings(c)).toEqual(ALL);
  });

  it('warns of nothing when no app route is under basePath', async () => {
    const c = captured();
    const { url, monitor } = await build(fw(), '/ops/admin', c)();
    cleanup.push(() => monitor.close());
    expect(await (await fetch(`${url}/api/health`)).json()).toEqual({ app: 'health' });
    expect((await fetch(`${url}/ops/admin/health`)).status).toBe(401);
    await checked(c);
    expect(shadowWarnings(c)).toEqual([]);
  });
});

describe.each([
  ['Koa 3', () => CURRENT_MAJORS],
  ['Koa 2', () => olderMajors()],
] as const)('%s: a koa-mount sub-app under a shared basePath', (_name, fw) => {
  it("warns once that the mount covers the endpoints' paths; a mount outside basePath is not told", async () => {
    const modules = fw();
    const c = captured();
    const monitor = createKoaMonitor({
      adminToken: TOKEN,
      basePath: '/api',
      basePathShared: true,
      sampleIntervalMs: 0,
      logger: c.logger,
    });
    const sub = new modules.koa();
    const subRouter = new Router();
    subRouter.get('/jobs', (ctx) => {
      ctx.body = { app: 'sub-jobs' };
    });
    subRouter.get('/users', (ctx) => {
      ctx.body = { app: 'sub-users' };
    });
    sub.use(subRouter.routes());
    const other = new modules.koa();
    other.use((ctx) => {
      ctx.body = { app: 'other' };
    });
    const app = new modules.koa();
    app.use(monitor.middleware());
    app.use(mount('/api', sub));
    app.use(mount('/other', other));
    const url = await listen(app.callback());
    cleanup.push(() => monitor.close());
    expect((await fetch(`${url}/api/jobs`)).status).toBe(401);
    expect(await (await fetch(`${url}/api/users`)).json()).toEqual({ app: 'sub-users' });
    expect(await (await fetch(`${url}/other/x`)).json()).toEqual({ app: 'other' });
    await checked(c);
    // Every endpoint (README's list, in its order) is inside the mount, with every method looked up.
    expect(shadowWarnings(c)).toEqual([
      'sysvitals: GET, POST, PUT, PATCH, DELETE /api/* (koa-mount) covers the admin endpoints /api/metrics, /api/health, ' +
        '/api/alerts, /api/history, /api/token, /api/stream, /api/dashboard, /api/dashboard/…, /api/metrics/prometheus, ' +
        "/api/silences, /api/silences/…, /api/channels, /api/queries, /api/routes, /api/jobs, /api/capacity under basePath '/api'; " +
        "the app's route never runs for those paths. Choose another basePath",
    ]);
  });
});
