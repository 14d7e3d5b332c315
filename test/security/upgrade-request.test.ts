// Issue 12, door 8, from outside: on a WebSocket upgrade through `monitor.attachWebSocket`, the authorize
// hook receives the framework's own request (Express req, Koa ctx, Fastify request), as on every other
// admin request, so a hook written for the framework works there too. Real servers, real ws clients.

import { createServer, type Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { listen as listenOnLoopback } from '../http/stream-helpers.js';
import { upgrade } from './doors.js';
import { BASE } from './fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const quiet = { sampleIntervalMs: 0, rateLimit: false as const, logger: { warn() {}, error() {} } };

interface App {
  monitor: SystemMonitor & { attachWebSocket: ReturnType<typeof expressMonitor>['attachWebSocket'] };
  server: Server;
  /** Requests the application's own handlers saw. */
  appHits: () => number;
  /** What the hook was given, by constructor name. */
  seen: string[];
}

/** Listens on a loopback port (stream-helpers' listen) and closes the server after the test. */
async function listen(server: Server): Promise<string> {
  const served = await listenOnLoopback(server);
  cleanups.push(served.close);
  return served.url.replace('http:', 'ws:');
}

const apps: { name: string; start(): Promise<App & { ws: string }> }[] = [
  {
    name: 'express',
    async start() {
      const seen: string[] = [];
      let hits = 0;
      // `req.get` exists on Express's request only: a hook written for Express.
      const monitor = expressMonitor({
        ...quiet,
        authorize: (req) => {
          seen.push(typeof req.get === 'function' && 'app' in req ? 'express-request' : 'other');
          return req.get('x-role') === 'admin';
        },
      });
      const app = express();
      app.use(monitor.middleware());
      app.use((_req, res) => {
        hits++;
        res.send('app');
      });
      const server = createServer(app);
      const ws = await listen(server);
      return { monitor, server, appHits: () => hits, seen, ws };
    },
  },
  {
    name: 'koa',
    async start() {
      const seen: string[] = [];
      let hits = 0;
      // `ctx.get` and `ctx.state` exist on Koa's context only.
      const monitor = koaMonitor({
        ...quiet,
        authorize: (ctx) => {
          seen.push(typeof ctx.get === 'function' && ctx.state ? 'koa-context' : 'other');
          return ctx.get('x-role') === 'admin';
        },
      });
      const app = new Koa();
      app.use(monitor.middleware());
      app.use((ctx) => {
        hits++;
        ctx.body = 'app';
      });
      const server = createServer(app.callback());
      const ws = await listen(server);
      return { monitor, server, appHits: () => hits, seen, ws };
    },
  },
  {
    name: 'fastify',
    async start() {
      const seen: string[] = [];
      let hits = 0;
      // `request.raw` exists on Fastify's request only.
      const monitor = fastifyMonitor({
        ...quiet,
        authorize: (request) => {
          seen.push(request.raw && typeof request.id === 'string' ? 'fastify-request' : 'other');
          return request.raw.headers['x-role'] === 'admin';
        },
      });
      const app = Fastify({ logger: false });
      await app.register(monitor.plugin());
      app.all('/*', async () => {
        hits++;
        return 'app';
      });
      await app.ready();
      cleanups.push(() => app.close());
      const ws = await listen(app.server);
      return { monitor, server: app.server, appHits: () => hits, seen, ws };
    },
  },
];

describe.each(apps)('$name', (framework) => {
  async function start() {
    const app = await framework.start();
    cleanups.push(() => app.monitor.close());
    return app;
  }

  it('the authorize hook gets the framework’s request on the upgrade, and its answer decides', async () => {
    const app = await start();
    const attachment = app.monitor.attachWebSocket(app.server);
    cleanups.push(() => attachment.close());
    const url = `${app.ws}${BASE}/ws`;
    const admin = await upgrade(url, { headers: { 'x-role': 'admin' } });
    expect(admin.status).toBe(101);
    expect(['metrics', 'alert', 'health']).toContain(JSON.parse(admin.first as string).event);
    expect(await upgrade(url, { headers: { 'x-role': 'guest' } })).toMatchObject({ status: 403 });
    expect(app.seen).toEqual([
      expect.stringMatching(/-(request|context)$/),
      expect.stringMatching(/-(request|context)$/),
    ]);
    // The upgrade is neither application traffic nor seen by the application's handlers.
    expect(app.appHits()).toBe(0);
    expect(app.monitor.requests.total).toBe(0);
  });

  it('on a path outside the admin base, the application’s handlers still never see the upgrade', async () => {
    const app = await start();
    const attachment = app.monitor.attachWebSocket(app.server, { path: '/live' });
    cleanups.push(() => attachment.close());
    expect((await upgrade(`${app.ws}/live`, { headers: { 'x-role': 'admin' } })).status).toBe(101);
    expect((await upgrade(`${app.ws}/live`, { headers: { 'x-role': 'guest' } })).status).toBe(403);
    expect(app.appHits()).toBe(0);
  });
});

describe('an application that answers before sysvitals sees the upgrade', () => {
  it('gets the upgrade refused with a message saying to mount sysvitals first', async () => {
    const monitor = expressMonitor({ ...quiet, authorize: () => true });
    cleanups.push(() => monitor.close());
    const app = express();
    app.use((_req, res) => void res.status(404).send('mine')); // mounted before sysvitals
    app.use(monitor.middleware());
    const server = createServer(app);
    const ws = await listen(server);
    const attachment = monitor.attachWebSocket(server);
    cleanups.push(() => attachment.close());
    expect(await upgrade(`${ws}${BASE}/ws`)).toEqual({ status: 403, code: 'forbidden' });
  });
});
