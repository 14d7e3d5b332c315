// A test's own app on Express, Fastify or Koa with sysvitals mounted first, as the README sets each up; the
// test adds its routes. Resolves with the monitor and the node:http server, not yet listening. On the majors in
// devDependencies, or on the `modules` given (olderMajors(): Express 4, Fastify 4, Koa 2).

import { createServer, type Server } from 'node:http';
import type Router from '@koa/router';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import type Koa from 'koa';
import { afterEach } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { CURRENT_MAJORS, type FrameworkModules } from './framework-modules.js';

export async function expressApp(
  options: MonitorOptions,
  routes: (app: Express, express: FrameworkModules['express']) => void,
  modules: FrameworkModules = CURRENT_MAJORS,
) {
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(options);
  const app = modules.express();
  app.use(monitor.middleware());
  routes(app, modules.express);
  return { monitor, server: createServer(app) as Server };
}

export async function fastifyApp(
  options: MonitorOptions,
  routes: (app: FastifyInstance) => void,
  modules: FrameworkModules = CURRENT_MAJORS,
) {
  const { createMonitor } = await import('../../src/adapters/fastify.js');
  const monitor = createMonitor(options);
  const app = modules.fastify();
  await app.register(monitor.plugin());
  routes(app);
  await app.ready();
  return { monitor, server: app.server };
}

/** Koa with @koa/router: the monitor's middleware, then the router's routes and allowedMethods(). */
export async function koaApp(
  options: MonitorOptions,
  routes: (router: Router) => void,
  modules: FrameworkModules = CURRENT_MAJORS,
) {
  const { default: KoaRouter } = await import('@koa/router');
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(options);
  const app: Koa = new modules.koa();
  const router = new KoaRouter();
  routes(router);
  app.use(monitor.middleware());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { monitor, server: createServer(app.callback()) };
}

/** Servers (and their monitors) a test started: closed after each test of the file that calls this once. */
export function closedAfterEach(): { server: Server; monitor: { close(): Promise<void> } }[] {
  const running: { server: Server; monitor: { close(): Promise<void> } }[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.server.closeAllConnections();
      await new Promise((done) => r.server.close(done));
      await r.monitor.close();
    }
  });
  return running;
}
