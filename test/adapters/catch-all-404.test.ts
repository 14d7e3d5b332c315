// Regression (outside review 7, F1) on real Express 5/4, Koa 3/2 and Fastify 5/4 servers on port 0, raw clients.
// A catch-all route answering 404 (Express `app.all('/*splat')` or `'*'`, koa-router `/{*rest}`, Fastify
// `app.all('*')`: the usual JSON 404) is a matched route, so its 404s were judged and brought back the review-6
// dilution: made-up URLs turned a 100 % outage "healthy". A route whose template is a wildcard alone is now judged
// as `unmatched`: its 4xx are counted (`count_unmatched_4xx`, its row) and not judged; so is a RegExp route that
// matches every path (`/.*/`) and Express 4's `/:path(*)` (outside review 8, F4). The oracle is what the clients sent
// and the handlers answered.

import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { closedAfterEach, expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { getStatus } from './raw-clients.js';

const running = closedAfterEach();
const FAILED = 20;
const JUNK = 200;
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0 };

interface Case {
  name: string;
  /** The catch-all's template, as recorded. */
  template: string;
  start(): Promise<{ monitor: SystemMonitor; server: Server }>;
}

/** An Express app: GET /fail answers 500, and `path` (a string template or a RegExp) answers every method 404. */
function expressCase(modules: FrameworkModules, name: string, template: string, path: string | RegExp): Case {
  return {
    name: `Express ${modules.versions.express}${name}`,
    template,
    start: () =>
      expressApp(
        OPTIONS,
        (app) => {
          app.get('/fail', (_req, res) => void res.status(500).send('down'));
          app.all(path, (_req, res) => void res.status(404).json({ error: 'not found' }));
        },
        modules,
      ),
  };
}

/** A Koa app: GET /fail answers 500, and `path` (a string template or a RegExp) answers every method 404. */
function koaCase(modules: FrameworkModules, name: string, template: string, path: string | RegExp): Case {
  return {
    name: `Koa ${modules.versions.koa}${name}`,
    template,
    start: () =>
      koaApp(
        OPTIONS,
        (router) => {
          router.get('/fail', (ctx) => {
            ctx.status = 500;
            ctx.body = 'down';
          });
          // @koa/router takes a RegExp path too; its types name strings only.
          (router as unknown as { all(path: string | RegExp, h: (ctx: KoaCtx) => void): void }).all(
            path,
            (ctx) => {
              ctx.status = 404;
              ctx.body = { error: 'not found' };
            },
          );
        },
        modules,
      ),
  };
}

type KoaCtx = { status: number; body: unknown };

function cases(modules: FrameworkModules): Case[] {
  const expressTemplate = modules.majors.express >= 5 ? '/*splat' : '*';
  return [
    expressCase(modules, '', expressTemplate, expressTemplate),
    koaCase(modules, '', '/{*rest}', '/{*rest}'),
    {
      name: `Fastify ${modules.versions.fastify}`,
      template: '*',
      start: () =>
        fastifyApp(
          OPTIONS,
          (app) => {
            app.get('/fail', async (_request, reply) => reply.code(500).send('down'));
            app.all('*', async (_request, reply) => reply.code(404).send({ error: 'not found' }));
          },
          modules,
        ),
    },
    // Outside review 8, F4: a RegExp route that matches every path, and Express 4's named wildcard parameter.
    expressCase(modules, ' RegExp', '/.*/', /.*/),
    ...(modules.majors.express >= 5 ? [] : [expressCase(modules, ' /:path(*)', '/:path(*)', '/:path(*)')]),
    koaCase(modules, ' RegExp', '/.*/', /.*/),
  ];
}

describe.each([CURRENT_MAJORS, olderMajors()].flatMap(cases).map((c) => [c.name, c] as const))(
  '%s: a catch-all 404 route is judged as unmatched (outside review 7, F1)',
  (_name, c) => {
    it(`${JUNK} made-up URLs answered 404 by the catch-all beside a 100 % outage: still 100 %, critical`, async () => {
      const started = await c.start();
      running.push(started);
      await new Promise<void>((done) => started.server.listen(0, '127.0.0.1', done));
      const port = (started.server.address() as { port: number }).port;
      for (let i = 0; i < FAILED; i++) expect(await getStatus(port, '/fail')).toBe(500);
      for (let i = 0; i < JUNK; i++) expect(await getStatus(port, `/x${i.toString(36)}/made-up`)).toBe(404);
      const m = await started.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(FAILED + JUNK);
      expect(m.routes.find((r) => r.route === c.template)).toMatchObject({ count: JUNK, count_4xx: JUNK });
      expect(m.errors).toMatchObject({
        status: 'critical',
        count_5xx: FAILED,
        count_judged: FAILED,
        count_unmatched_4xx: JUNK,
        error_rate_percent: 100,
      });
      expect(m.apdex).toMatchObject({ score: 0, frustrated: FAILED, count_unmatched_4xx: JUNK });
    });
  },
);
