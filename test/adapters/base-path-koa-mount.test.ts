// A basePath the application shares (`'/api'`) with koa-mount'ed sub-apps under it (`mount('/api/v2', subApp)`):
// their paths reach the sub-app, routes (@koa/router) and plain middleware alike, at any depth of mounts, while
// sysvitals' endpoints keep their authentication (RT31-11 left koa-mount out: koa-mount keeps its sub-app in a
// closure). Real Koa 3 and Koa 2 servers on ephemeral ports, koa-mount 4 and @koa/router as installed.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type Koa from 'koa';
import mount from 'koa-mount';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/koa.js';
import { silentLogger } from '../../src/logger.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

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

async function get(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
}

const majors: [string, () => typeof Koa][] = [
  ['Koa 3', () => CURRENT_MAJORS.koa],
  ['Koa 2', () => olderMajors().koa],
];

describe.each(majors)('%s, basePath /api, koa-mount sub-apps under it', (_name, koaOf) => {
  async function build() {
    const KoaApp = koaOf();
    const monitor = createMonitor({
      adminToken: TOKEN,
      basePath: '/api',
      sampleIntervalMs: 0,
      logger: silentLogger,
    });
    cleanup.push(() => monitor.close());
    // What each sub-app's code saw: the oracle that the check ran none of it.
    const ran: string[] = [];

    // A sub-app with @koa/router routes.
    const v2 = new KoaApp();
    v2.use(async (ctx, next) => {
      ran.push(`v2 ${ctx.path}`);
      await next();
    });
    const router = new Router();
    router.get('/items', (ctx) => {
      ctx.body = 'v2 items';
    });
    router.get('/items/:id', (ctx) => {
      ctx.body = `v2 item ${ctx.params.id}`;
    });
    router.post('/items', (ctx) => {
      ctx.body = 'v2 created';
    });
    v2.use(router.routes());

    // A sub-app of plain middleware (a static-file server's shape).
    const files = new KoaApp();
    files.use((ctx) => {
      ran.push(`files ${ctx.path}`);
      if (ctx.path === '/logo.txt') ctx.body = 'the logo';
    });

    // Mounts inside a mounted sub-app: /api/v3/deep/<route>.
    const deepest = new KoaApp();
    const deepRouter = new Router();
    deepRouter.get('/thing/:id', (ctx) => {
      ctx.body = `deep thing ${ctx.params.id}`;
    });
    deepest.use(deepRouter.routes());
    const v3 = new KoaApp();
    v3.use(mount('/deep', deepest));

    // A sub-app mounted at an endpoint's path: the endpoint stays sysvitals'.
    const shadow = new KoaApp();
    shadow.use((ctx) => {
      ran.push(`shadow ${ctx.path}`);
      ctx.body = 'shadow';
    });

    const app = new KoaApp();
    app.use(monitor.middleware());
    app.use(mount('/api/health', shadow));
    app.use(mount('/api/v2', v2));
    app.use(mount('/api/files', files));
    app.use(mount('/api/v3', v3));
    // Plain middleware of the app itself, not a mount: the check never calls it.
    app.use(async (ctx, next) => {
      ran.push(`parent ${ctx.path}`);
      await next();
    });
    return { url: await listen(app.callback()), ran, monitor };
  }

  it("a mounted sub-app's routes and middleware under the base answer (401 before)", async () => {
    const { url, ran } = await build();
    expect(await get(`${url}/api/v2/items`)).toEqual({ status: 200, text: 'v2 items' });
    expect(await get(`${url}/api/v2/items/42?x=1`)).toEqual({ status: 200, text: 'v2 item 42' });
    expect(await get(`${url}/api/v2/items`, { method: 'POST' })).toEqual({ status: 200, text: 'v2 created' });
    expect(await get(`${url}/api/files/logo.txt`)).toEqual({ status: 200, text: 'the logo' });
    expect(await get(`${url}/api/v3/deep/thing/7`)).toEqual({ status: 200, text: 'deep thing 7' });
    // Inside a mount but nothing there: the sub-app's own answer (Koa's 404), not the admin API's.
    const missing = await get(`${url}/api/v2/nothing`);
    expect(missing).toEqual({ status: 404, text: 'Not Found' });
    // Each sub-app ran once per request it got, and never for the check itself.
    expect(ran).toEqual([
      'v2 /items',
      'v2 /items/42',
      'v2 /items',
      'files /logo.txt',
      'v2 /nothing',
      'parent /api/v2/nothing', // the sub-app's router fell through to the app's next middleware
    ]);
  });

  it("sysvitals' endpoints, and paths no mount or route takes, stay the admin API's", async () => {
    const { url, ran } = await build();
    // Outside every mount prefix (`/api/v2x` is not under `/api/v2`): refused before it is found missing.
    for (const path of ['/api/nope', '/api/v2x/items', '/api/v', '/api/filesx']) {
      const anonymous = await get(`${url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(JSON.parse(anonymous.text), path).toMatchObject({ success: false });
    }
    // An endpoint under a mount prefix stays sysvitals': the shadowing sub-app never runs.
    for (const path of ['/api/health', '/api/health/', '/api/metrics', '/api/metrics/prometheus']) {
      expect((await get(`${url}${path}`)).status, path).toBe(401);
    }
    const metrics = await get(`${url}/api/metrics/`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(JSON.parse(metrics.text)).toMatchObject({ success: true });
    // The endpoint under the shadowing mount answers as sysvitals' (its JSON; 503 while no sample is in).
    const health = await get(`${url}/api/health/`, { headers: auth });
    expect(health.text).not.toBe('shadow');
    expect(JSON.parse(health.text)).toHaveProperty('success');
    expect(ran).toEqual([]);
  });
});

// A sub-app mounted at '/' (outside review 35, RT35-8): koa-mount returns koa-compose's dispatch over the sub-app's
// middleware, with no prefix test; it takes every path, so its routes under basePath answered the admin API's 401.
describe.each(majors)(
  '%s, basePath /api, a sub-app mounted at / (mount(app), mount("/", app))',
  (_name, koaOf) => {
    async function build(rootMount: (sub: Koa) => Koa.Middleware) {
      const KoaApp = koaOf();
      const monitor = createMonitor({
        adminToken: TOKEN,
        basePath: '/api',
        sampleIntervalMs: 0,
        logger: silentLogger,
      });
      cleanup.push(() => monitor.close());
      const ran: string[] = [];
      const sub = new KoaApp();
      sub.use(async (ctx, next) => {
        ran.push(`sub ${ctx.path}`);
        await next();
      });
      const router = new Router();
      router.get('/api/users', (ctx) => {
        ctx.body = 'users';
      });
      router.get('/api/users/:id', (ctx) => {
        ctx.body = `user ${ctx.params.id}`;
      });
      sub.use(router.routes());
      const app = new KoaApp();
      app.use(monitor.middleware());
      app.use(rootMount(sub as Koa));
      return { url: await listen(app.callback()), ran };
    }

    for (const [label, rootMount] of [
      ['mount(sub)', (sub: Koa) => mount(sub)],
      ["mount('/', sub)", (sub: Koa) => mount('/', sub)],
    ] as const) {
      it(`${label}: the sub-app's routes under the base answer (401 before); endpoints keep their authentication`, async () => {
        const { url, ran } = await build(rootMount);
        expect(await get(`${url}/api/users`)).toEqual({ status: 200, text: 'users' });
        expect(await get(`${url}/api/users/7?x=1`)).toEqual({ status: 200, text: 'user 7' });
        // A path under the base the sub-app does not serve: its own 404, not the admin API's 401.
        expect(await get(`${url}/api/nothing`)).toEqual({ status: 404, text: 'Not Found' });
        expect(ran).toEqual(['sub /api/users', 'sub /api/users/7', 'sub /api/nothing']);
        ran.length = 0;
        // Every admin endpoint stays sysvitals': 401 without the credential, and the sub-app never runs for it.
        for (const path of [
          '/api/metrics',
          '/api/metrics/',
          '/api/metrics/prometheus',
          '/api/health',
          '/api/silences',
          '/api/history',
          '/api/routes/',
        ]) {
          const anonymous = await get(`${url}${path}`);
          expect(anonymous.status, path).toBe(401);
          expect(JSON.parse(anonymous.text), path).toMatchObject({ success: false });
        }
        const metrics = await get(`${url}/api/metrics/`, { headers: auth });
        expect(metrics.status).toBe(200);
        expect(JSON.parse(metrics.text)).toMatchObject({ success: true });
        expect(ran).toEqual([]);
        // Other spellings of an endpoint are paths the admin API would not serve either: they go to the sub-app
        // (its 404), never to admin data.
        for (const path of ['/api//metrics', '/api/%6detrics', '/api/Metrics', '/api/metrics;x']) {
          const other = await get(`${url}${path}`);
          expect(other.status, path).toBe(404);
          expect(other.text, path).toBe('Not Found');
        }
      });
    }
  },
);
