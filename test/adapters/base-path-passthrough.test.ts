// A basePath the application also uses (`'/api'`): paths under it that are not sysvitals endpoints reach the app's
// routes; sysvitals' endpoints keep their authentication (outside review 31, RT31-11). Real servers of each framework.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { silentLogger } from '../../src/logger.js';
import type { SystemMonitor } from '../../src/monitor.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const common = { adminToken: TOKEN, basePath: '/api', sampleIntervalMs: 0, logger: silentLogger } as const;
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

// The application's own routes under the base (the oracle: what each handler answers).
const apps: Record<string, () => Promise<{ url: string; monitor: SystemMonitor }>> = {
  async express() {
    const monitor = createExpressMonitor(common);
    const app = express();
    app.use(monitor.middleware());
    app.get('/api/users', (_req, res) => {
      res.json({ app: 'users' });
    });
    app.post('/api/login', (_req, res) => {
      res.json({ app: 'login' });
    });
    app.get('/api', (_req, res) => {
      res.json({ app: 'root' });
    });
    return { monitor, url: await listen(app) };
  },
  async fastify() {
    const monitor = createFastifyMonitor(common);
    const app = Fastify();
    await app.register(monitor.plugin());
    app.get('/api/users', async () => ({ app: 'users' }));
    app.post('/api/login', async () => ({ app: 'login' }));
    app.get('/api', async () => ({ app: 'root' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    return { monitor, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  },
  // An application onRequest hook before the plugin: the plugin then records from the head of the hook list.
  async 'fastify (hook first)'() {
    const monitor = createFastifyMonitor(common);
    const app = Fastify();
    app.addHook('onRequest', (_req, _reply, done) => done());
    await app.register(monitor.plugin());
    app.get('/api/users', async () => ({ app: 'users' }));
    app.post('/api/login', async () => ({ app: 'login' }));
    app.get('/api', async () => ({ app: 'root' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    return { monitor, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  },
  async koa() {
    const monitor = createKoaMonitor(common);
    const app = new Koa();
    const router = new Router();
    router.get('/api/users', (ctx) => {
      ctx.body = { app: 'users' };
    });
    router.post('/api/login', (ctx) => {
      ctx.body = { app: 'login' };
    });
    router.get('/api', (ctx) => {
      ctx.body = { app: 'root' };
    });
    app.use(monitor.middleware());
    app.use(router.routes());
    return { monitor, url: await listen(app.callback()) };
  },
};

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

describe.each(Object.keys(apps))('%s with basePath /api', (name) => {
  it("the app's routes under the base answer; a path no app route matches stays the admin API's", async () => {
    const { url, monitor } = await apps[name]!();
    cleanup.push(() => monitor.close());
    expect(await json(`${url}/api/users`)).toEqual({ status: 200, body: { app: 'users' } });
    expect(await json(`${url}/api/users?page=2`)).toEqual({ status: 200, body: { app: 'users' } });
    expect(await json(`${url}/api/login`, { method: 'POST' })).toEqual({
      status: 200,
      body: { app: 'login' },
    });
    expect(await json(`${url}/api`)).toEqual({ status: 200, body: { app: 'root' } });
    // No application route there: refused before it is found missing, as before (no route list for strangers).
    expect((await json(`${url}/api/nope`)).status).toBe(401);
    const unknown = await json(`${url}/api/nope`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, error: { code: 'not_found' } });
    // Requests the app answered are application traffic, recorded under their route.
    const guard = Date.now() + 10_000;
    while (monitor.requests.total < 4 && Date.now() < guard) await new Promise((r) => setTimeout(r, 5));
    expect(monitor.requests.total).toBe(4);
  });

  it("sysvitals' endpoints keep their authentication and answer as before", async () => {
    const { url, monitor } = await apps[name]!();
    cleanup.push(() => monitor.close());
    for (const path of [
      '/api/metrics/',
      '/api/metrics',
      '/api/health/',
      '/api/metrics/prometheus',
      '/api/silences/x',
    ]) {
      const anonymous = await json(`${url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(JSON.stringify(anonymous.body), path).not.toMatch(/cpu|requests/);
    }
    const ok = await json(`${url}/api/metrics/`, { headers: auth });
    expect(ok.status).toBe(200);
    expect((ok.body as { success: boolean }).success).toBe(true);
    expect((await fetch(`${url}/api/dashboard/`)).status).toBe(200);
  });
});
