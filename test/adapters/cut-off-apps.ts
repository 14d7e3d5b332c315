// The apps of the cut-off tests (slow-reader, streamed-reader, cut-off-causes): GET /ok and a test's own routes on
// Express, Fastify or Koa, listening on port 0 and closed after each test, with what the server holds of each
// request (its response object and connection: the oracle reads their state); and the check that requests held
// open are not aged. The shared raw clients are in raw-clients.ts.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type Router from '@koa/router';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { closedAfterEach, expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { FRAMEWORKS, type Framework } from './workload-apps.js';

/** Each framework on the majors in devDependencies, then on the older majors of the peer ranges. */
export const MAJOR_CASES = [CURRENT_MAJORS, olderMajors()].flatMap((modules) =>
  FRAMEWORKS.map((framework) => ({ framework, major: modules.majors[framework], modules })),
);

/** A test's routes, as each framework takes them (Koa: on its @koa/router). */
export interface FrameworkRoutes {
  express(app: Express): void;
  fastify(app: FastifyInstance): void;
  koa(router: Router): void;
}

/** What the server holds of one request, in the order they came. */
export interface Seen {
  url: string;
  res: ServerResponse;
  socket: Socket;
}

/** GET /ok, answered 'ok' (200) on each framework: the requests a test reads in full. */
const OK_ROUTE: FrameworkRoutes = {
  express: (app) => app.get('/ok', (_req, res) => void res.send('ok')),
  fastify: (app) => app.get('/ok', async () => 'ok'),
  koa: (router) =>
    router.get('/ok', (ctx) => {
      ctx.body = 'ok';
    }),
};

/**
 * Registers the afterEach that closes what the returned `start` opened (call it once per test file). `start`
 * mounts sysvitals with `options` on an app of `framework` (on `modules`' major) with GET /ok and `routes`, and
 * resolves with its monitor, its port and the requests its server has seen.
 */
export function cutOffApps(): (
  framework: Framework,
  options: MonitorOptions,
  modules: FrameworkModules,
  routes: FrameworkRoutes,
) => Promise<{ monitor: SystemMonitor; port: number; seen: Seen[] }> {
  const running = closedAfterEach();
  return async (framework, options, modules, routes) => {
    const made =
      framework === 'express'
        ? await expressApp(
            options,
            (app) => {
              OK_ROUTE.express(app);
              routes.express(app);
            },
            modules,
          )
        : framework === 'fastify'
          ? await fastifyApp(
              options,
              (app) => {
                OK_ROUTE.fastify(app);
                routes.fastify(app);
              },
              modules,
            )
          : await koaApp(
              options,
              (router) => {
                OK_ROUTE.koa(router);
                routes.koa(router);
              },
              modules,
            );
    const server: Server = made.server;
    const seen: Seen[] = [];
    server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      seen.push({ url: req.url ?? '', res, socket: req.socket }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    running.push({ server, monitor: made.monitor });
    return { monitor: made.monitor, port, seen };
  };
}

/** The routes/ rows with requests in flight, as [route, in_flight]. */
export const inFlightRoutes = (monitor: SystemMonitor) =>
  monitor
    .endpoints('in_flight', 100)
    .routes.filter((r) => r.in_flight !== undefined)
    .map((r) => [r.route, r.in_flight]);

/** The severities of the monitor's api_response_time alerts. */
export const responseTimeAlerts = async (monitor: SystemMonitor) =>
  ((await monitor.getAlerts()) as { rule: string; severity: string }[])
    .filter((a) => a.rule === 'api_response_time')
    .map((a) => a.severity);

/**
 * `inFlight` requests are in flight and none is aged: none counted in the latency, which is not critical, no route
 * named in routes/ as in flight, no api_response_time alert.
 */
export async function expectHeldNotAged(monitor: SystemMonitor, inFlight: number): Promise<void> {
  const held = await monitor.sample();
  expect(held.requests.in_flight).toBe(inFlight);
  expect(held.latency.in_flight_counted).toBe(0);
  expect(held.latency.status).not.toBe('critical');
  expect(inFlightRoutes(monitor)).toEqual([]);
  expect(await responseTimeAlerts(monitor)).toEqual([]);
}
