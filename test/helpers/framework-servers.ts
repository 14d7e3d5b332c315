// A test's own Fastify or Koa app with sysvitals mounted first, listening on 127.0.0.1:0 over HTTP/1.1 or HTTP/2
// without TLS (h2c: Fastify `http2: true`, Koa on node:http2's compatibility API); the test states only its routes.
// On the majors in devDependencies, or on the `modules` given (olderMajors(): Fastify 4, Koa 2).

import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import type { FastifyInstance } from 'fastify';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { CURRENT_MAJORS, type FrameworkModules } from '../adapters/framework-modules.js';

export type Protocol = 'http1' | 'h2c';

/** Each framework's routes: Fastify's on the app (its JSON parser reads a JSON body), Koa's on a @koa/router. */
export interface FrameworkRoutes {
  fastify(app: FastifyInstance): void;
  koa(router: Router): void;
}

export interface FrameworkServer {
  monitor: SystemMonitor;
  port: number;
  /** Closes the server, then the monitor. */
  close(): Promise<void>;
}

/** Fastify with the monitor's plugin registered first, then `routes`; listening. */
export async function fastifyServer(
  protocol: Protocol,
  options: MonitorOptions,
  routes: FrameworkRoutes['fastify'],
  modules: FrameworkModules = CURRENT_MAJORS,
): Promise<FrameworkServer> {
  const { createMonitor } = await import('../../src/adapters/fastify.js');
  const monitor = createMonitor(options);
  // Typed as HTTP/1.1's instance (Fastify's overloads take the literal `http2: true`): the routes use what both share.
  const app = (
    protocol === 'h2c' ? modules.fastify({ http2: true } as object) : modules.fastify()
  ) as FastifyInstance;
  await app.register(monitor.plugin());
  routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    monitor,
    port: (app.server.address() as AddressInfo).port,
    close: async () => {
      await app.close();
      await monitor.close();
    },
  };
}

/** Koa (silent) with the monitor's middleware, then @koa/router's routes and allowedMethods(); listening. */
export async function koaServer(
  protocol: Protocol,
  options: MonitorOptions,
  routes: FrameworkRoutes['koa'],
  modules: FrameworkModules = CURRENT_MAJORS,
): Promise<FrameworkServer> {
  const { default: KoaRouter } = await import('@koa/router');
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(options);
  const app = new modules.koa();
  app.silent = true;
  const router = new KoaRouter();
  routes(router);
  app.use(monitor.middleware());
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = protocol === 'h2c' ? createH2Server(app.callback()) : createHttpServer(app.callback());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    monitor,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await monitor.close();
    },
  };
}

/** A server built by test/adapters/framework-apps.ts (expressApp), listening as the others. */
export async function listening(built: { monitor: SystemMonitor; server: Server }): Promise<FrameworkServer> {
  const { monitor, server } = built;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    monitor,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await monitor.close();
    },
  };
}

/** fastifyServer or koaServer: `framework`'s routes of `routes`. */
export function frameworkServer(
  framework: 'fastify' | 'koa',
  protocol: Protocol,
  options: MonitorOptions,
  routes: FrameworkRoutes,
  modules: FrameworkModules = CURRENT_MAJORS,
): Promise<FrameworkServer> {
  return framework === 'fastify'
    ? fastifyServer(protocol, options, routes.fastify, modules)
    : koaServer(protocol, options, routes.koa, modules);
}
