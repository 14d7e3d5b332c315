// Fastify with sysvitals: `npx tsx examples/fastify.ts` (PORT, SYSVITALS_ADMIN_TOKEN, REDIS_URL from the environment).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createMonitor, type FastifyMonitor, type FastifyMonitorOptions } from '../src/adapters/fastify.js';
import {
  envAdminToken,
  exampleStore,
  listenPort,
  runIfMain,
  type Started,
  sleep,
  slowMs,
  urlsFor,
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
  const store = await exampleStore('fastify');
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
  const { url, adminUrl } = urlsFor((app.server.address() as AddressInfo).port, options.host);
  return {
    app,
    server: app.server,
    monitor,
    url,
    adminUrl,
    adminToken,
    async close() {
      await app.close();
      await monitor.close();
    },
  };
}

await runIfMain(import.meta.url, 'Fastify', () => start());
