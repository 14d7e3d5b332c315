// Fastify with sysvitals: `npx tsx examples/fastify.ts` (PORT, SYSVITALS_ADMIN_TOKEN, REDIS_URL from the environment).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createMonitor, type FastifyMonitor, type FastifyMonitorOptions } from '../src/adapters/fastify.js';
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
  monitor?: FastifyMonitorOptions;
}

export interface FastifyExample extends Started {
  app: FastifyInstance;
  server: Server;
  monitor: FastifyMonitor;
}

export async function start(options: StartOptions = {}): Promise<FastifyExample> {
  const store = await exampleStore();
  const adminToken = envAdminToken();
  const monitor = createMonitor({ adminToken, ...(store ? { store } : {}), ...options.monitor });

  const app = Fastify();
  await app.register(monitor.plugin()); // a fastify-plugin: its hooks see every route
  app.get('/', async () => ({ hello: 'world' }));
  app.get('/slow', async () => {
    const ms = slowMs();
    await sleep(ms);
    return { slept_ms: ms };
  });
  app.get('/fail', async () => {
    throw new Error('this route always fails');
  });
  app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({
    id: req.params.id,
    name: `User ${req.params.id}`,
  }));

  await app.listen({ port: options.port ?? listenPort(), host: options.host ?? '::' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : 'localhost'}:${port}`;
  return {
    app,
    server: app.server,
    monitor,
    url,
    adminUrl: `${url}${BASE_PATH}`,
    adminToken,
    async close() {
      await app.close();
      await monitor.close();
    },
  };
}

if (isMain(import.meta.url)) {
  const example = await start();
  printBanner('Fastify', example);
  process.once('SIGINT', () => void example.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void example.close().then(() => process.exit(0)));
}
