// Koa with sysvitals: `npx tsx examples/koa.ts` (PORT, SYSVITALS_ADMIN_TOKEN, REDIS_URL from the environment).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { createMonitor, type KoaMonitor, type KoaMonitorOptions } from '../src/adapters/koa.js';
import {
  BASE_PATH,
  envAdminToken,
  exampleStore,
  isMain,
  listenPort,
  printBanner,
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
  const store = await exampleStore();
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? listenPort(), options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : 'localhost'}:${port}`;
  return {
    app,
    server,
    monitor,
    url,
    adminUrl: `${url}${BASE_PATH}`,
    adminToken,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await monitor.close();
    },
  };
}

if (isMain(import.meta.url)) {
  const example = await start();
  printBanner('Koa', example);
  process.once('SIGINT', () => void example.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void example.close().then(() => process.exit(0)));
}
