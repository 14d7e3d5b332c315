// Koa with sysvitals: `npx tsx examples/koa.ts` (PORT, SYSVITALS_ADMIN_TOKEN, REDIS_URL from the environment).

import { createServer, type Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { createMonitor, type KoaMonitor, type KoaMonitorOptions } from '../src/adapters/koa.js';
import {
  closeServer,
  envAdminToken,
  exampleStore,
  listen,
  runIfMain,
  type Started,
  sleep,
  slowMs,
} from './shared.js';

export interface StartOptions {
  port?: number;
  host?: string;
  monitor?: KoaMonitorOptions;
}

export interface KoaExample extends Started {
  app: Koa;
  server: Server;
  monitor: KoaMonitor;
}

export async function start(options: StartOptions = {}): Promise<KoaExample> {
  const store = await exampleStore('koa');
  const adminToken = envAdminToken();
  const monitor = createMonitor({ adminToken, ...(store ? { store } : {}), ...options.monitor });

  const app = new Koa();
  app.silent = true; // /fail is expected to throw; Koa would print every stack
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.body = { hello: 'world' };
  });
  router.get('/slow', async (ctx) => {
    const ms = slowMs();
    await sleep(ms);
    ctx.body = { slept_ms: ms };
  });
  router.get('/fail', () => {
    throw new Error('this route always fails');
  });
  router.get('/users/:id', (ctx) => {
    ctx.body = { id: ctx.params.id, name: `User ${ctx.params.id}` };
  });
  app.use(monitor.middleware()); // first, so it sees every request
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = createServer(app.callback());
  const { url, adminUrl } = await listen(server, options.port, options.host);
  return {
    app,
    server,
    monitor,
    url,
    adminUrl,
    adminToken,
    close: () => closeServer(server, monitor),
  };
}

await runIfMain(import.meta.url, 'Koa', () => start());
