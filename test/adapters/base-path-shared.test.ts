// `basePathShared: true`: a basePath the application shares (`'/api'`) and serves through middleware too (static
// files: express.static, a Koa static middleware, a Fastify not-found handler): every path under it that is no
// sysvitals endpoint is the application's, and every endpoint still needs the credential, whatever spelling a
// client tries (`%2e%2e`, `//`, `%2f`, letter case, trailing slashes, `;` parameters). Real servers on ephemeral
// ports; raw requests (node:http, which sends the path as written: fetch would resolve dot segments first).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { createAdminApi } from '../../src/http/api.js';
import { ADMIN_ROUTES } from '../../src/http/routes.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const shared = {
  adminToken: TOKEN,
  basePath: '/api',
  basePathShared: true,
  sampleIntervalMs: 0,
  logger: silentLogger,
} as const;

// The application's static files under /api: a page, a nested asset, and a decoy named like an endpoint.
const dir = mkdtempSync(join(tmpdir(), 'sysvitals-shared-'));
writeFileSync(join(dir, 'hello.txt'), 'hello from the static dir');
writeFileSync(join(dir, 'metrics'), 'decoy file named metrics');
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app")');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanup.push(
    () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(done);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The file a static server under /api gives for the rest of the path (decoded, kept inside the dir), or none. */
function staticFile(rest: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest.split('?')[0] as string);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = resolve(dir, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
  if (!file.startsWith(dir + sep)) return undefined;
  try {
    return statSync(file).isFile() ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

// Every application response carries `x-app: yes` (errors and 404s included): the oracle of who answered.
type Options = Record<string, unknown>;
const apps: Record<
  string,
  (options: Options) => Promise<{ url: string; monitor: { requests: { total: number } } }>
> = {
  async express(options) {
    const monitor = createExpressMonitor(options);
    cleanup.push(() => monitor.close());
    const app = express();
    app.use(monitor.middleware());
    app.use((_req, res, next) => {
      res.setHeader('x-app', 'yes');
      next();
    });
    app.use('/api', express.static(dir));
    app.use((_req, res) => {
      res.status(404).set('x-app', 'yes').type('text').send('app 404');
    });
    app.use((err: { status?: number }, _req: unknown, res: express.Response, _next: unknown) => {
      res
        .status(err.status ?? 500)
        .set('x-app', 'yes')
        .type('text')
        .send('app error');
    });
    return { url: await listen(app), monitor };
  },
  async koa(options) {
    const monitor = createKoaMonitor(options);
    cleanup.push(() => monitor.close());
    const app = new Koa();
    app.use(monitor.middleware());
    app.use(async (ctx, next) => {
      ctx.set('x-app', 'yes');
      await next();
      if (ctx.body == null && ctx.status === 404) {
        ctx.body = 'app 404';
        ctx.status = 404;
      }
    });
    // A static-file middleware (koa-static's shape: no route, answers what it has, else next()).
    app.use(async (ctx, next) => {
      const body = ctx.path.startsWith('/api/') ? staticFile(ctx.path.slice(4)) : undefined;
      if (body === undefined) return next();
      ctx.type = 'text/plain';
      ctx.body = body;
    });
    return { url: await listen(app.callback()), monitor };
  },
  async fastify(options) {
    const monitor = createFastifyMonitor(options);
    cleanup.push(() => monitor.close());
    const app = Fastify();
    await app.register(monitor.plugin());
    // No route under /api: files come from the not-found handler (a single-page app's fallback shape).
    app.setNotFoundHandler((req, reply) => {
      reply.header('x-app', 'yes');
      const body = req.url.startsWith('/api/') ? staticFile(req.url.slice(4)) : undefined;
      if (body === undefined) return reply.code(404).type('text/plain').send('app 404');
      return reply.type('text/plain').send(body);
    });
    app.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
      reply
        .header('x-app', 'yes')
        .code(err.statusCode ?? 500)
        .send('app error');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, monitor };
  },
};

interface Answer {
  status: number;
  app: boolean;
  body: string;
  headers: IncomingHttpHeaders;
}

/** A GET with the path sent exactly as written. */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const req = request({ host: hostname, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          app: res.headers['x-app'] === 'yes',
          body,
          headers: res.headers,
        }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

/** The endpoints that hold data (every route but the dashboard's page and assets, public by design). */
const PROTECTED = ADMIN_ROUTES.filter((r) => !r.public).map((r) => r.path);

/** The endpoint's own spellings (the admin API's: one trailing slash optional, a query). */
function canonical(p: string): string[] {
  return [`/api/${p}`, `/api/${p}/`, `/api/${p}?x=1`];
}

/** Spellings other servers, proxies or decoders might take for the endpoint. */
function tricks(p: string): string[] {
  const hex = `%${p.charCodeAt(0).toString(16)}`;
  return [
    `/api/${p}//`,
    `/api//${p}`,
    `//api/${p}`,
    `/api/./${p}`,
    `/api/x/../${p}`,
    `/api/x/%2e%2e/${p}`,
    `/api/x/%2E%2E/${p}`,
    `/api/%2e/${p}`,
    `/api%2f${p}`,
    `/api%2F${p}`,
    `/api/${hex}${p.slice(1)}`,
    `/api/${p.replaceAll('/', '%2f')}`,
    `/api/${p}%2f`,
    `/API/${p}`,
    `/Api/${p}`,
    `/api/${p.toUpperCase()}`,
    `/api/${p};x=1`,
    `/api/${p}/;x=1`,
    `/api;x=1/${p}`,
    `/api/${p}..;/`,
    `/api/${p}%00`,
    `/api/${p}%20`,
    `/api/${p}/..`,
    `/api/${p}/%2e%2e`,
    `/api/assets/../${p}`,
    `/api/assets/%2e%2e/${p}`,
    `/api/${p}?access_token=forged`,
  ];
}

describe.each(Object.keys(apps))('%s, basePath /api shared with static files', (name) => {
  it('serves the static files under the base with basePathShared (401 before)', async () => {
    const { url, monitor } = await apps[name]!(shared);
    const hello = await raw(url, '/api/hello.txt');
    expect(hello).toMatchObject({ status: 200, app: true, body: 'hello from the static dir' });
    expect(await raw(url, '/api/assets/app.js')).toMatchObject({
      status: 200,
      app: true,
      body: 'console.log("app")',
    });
    // A path with nothing there: the application's 404, not the admin API's 401.
    expect(await raw(url, '/api/nothing-here')).toMatchObject({ status: 404, app: true });
    // Application traffic, recorded as such (an admin request never is).
    const guard = Date.now() + 10_000;
    while (monitor.requests.total < 3 && Date.now() < guard) await new Promise((r) => setTimeout(r, 5));
    expect(monitor.requests.total).toBe(3);
  });

  it('without basePathShared the same files stay behind the 401 (unchanged default)', async () => {
    const { basePathShared: _, ...unshared } = shared;
    const { url } = await apps[name]!(unshared);
    const hello = await raw(url, '/api/hello.txt');
    expect(hello.status).toBe(401);
    expect(hello.app).toBe(false);
  });

  it('every endpoint still needs the credential, in every spelling tried', async () => {
    const { url } = await apps[name]!(shared);
    expect(PROTECTED.length).toBeGreaterThanOrEqual(13);
    const leaks: string[] = [];
    for (const p of PROTECTED) {
      const paths = [
        ...canonical(p),
        ...(p === 'silences' ? ['/api/silences/abc', '/api/silences/abc/'] : []),
      ];
      for (const path of paths) {
        const anonymous = await raw(url, path);
        // The endpoint itself: the admin API's refusal, never the application (nor the decoy file `metrics`).
        if (anonymous.status !== 401 || anonymous.app || !/"success":false/.test(anonymous.body)) {
          leaks.push(`${path}: ${anonymous.status} app=${anonymous.app}`);
        }
      }
      for (const path of tricks(p)) {
        const anonymous = await raw(url, path);
        // Any other spelling: the admin API's refusal (401; 403 for the forged access token) or the application's
        // own answer; never the admin API's data.
        const refused =
          !anonymous.app &&
          (anonymous.status === 401 || anonymous.status === 403) &&
          /"success":false/.test(anonymous.body);
        if (!refused && !anonymous.app) leaks.push(`${path}: ${anonymous.status} app=${anonymous.app}`);
        if (anonymous.app && /"success":true|# HELP|# TYPE/.test(anonymous.body))
          leaks.push(`${path}: admin data`);
      }
    }
    expect(leaks).toEqual([]);
    // The credential opens them (the oracle that the refusals above were the admin API's, not a dead server).
    for (const path of ['/api/metrics', '/api/metrics/prometheus', '/api/routes/', '/api/silences']) {
      const served = await raw(url, path, auth);
      expect(served.status, path).toBe(200);
      expect(served.app, path).toBe(false);
    }
    // The decoy file named like an endpoint is never served at the endpoint's path, with a credential either.
    expect((await raw(url, '/api/metrics', auth)).body).not.toContain('decoy');
  });
});

describe('basePathShared option', () => {
  it.each([
    ['express', createExpressMonitor],
    ['fastify', createFastifyMonitor],
    ['koa', createKoaMonitor],
  ] as const)('%s: anything but a boolean is refused at setup', (_name, create) => {
    for (const bad of ['yes', 1, {}]) {
      expect(() => create({ ...shared, basePathShared: bad } as never)).toThrow(
        expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }),
      );
    }
  });

  it('createAdminApi on a plain server: handle() leaves non-endpoint paths under the base to the caller', async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
    cleanup.push(() => monitor.close());
    const api = createAdminApi(monitor, { adminToken: TOKEN, basePath: '/api', basePathShared: true });
    expect(api.basePathShared).toBe(true);
    const url = await listen((req, res) => {
      void api.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(200, { 'x-app': 'yes' }).end('mine');
      });
    });
    expect(await raw(url, '/api/hello.txt')).toMatchObject({ status: 200, app: true, body: 'mine' });
    expect(await raw(url, '/api')).toMatchObject({ status: 200, app: true });
    expect(await raw(url, '/api/metrics/')).toMatchObject({ status: 401, app: false });
    expect(await raw(url, '/api/metrics/', auth)).toMatchObject({ status: 200, app: false });
    const unshared = createAdminApi(monitor, { adminToken: TOKEN, basePath: '/api' });
    expect(unshared.basePathShared).toBe(false);
  });
});
