// Regression (outside review 7, F4) on real Express 4/5, Koa 2/3 and Fastify 4/5 servers on port 0, raw clients.
// The router's own answer to OPTIONS (Express's automatic `Allow` 200, koa-router's allowedMethods() 200, a cors
// middleware's 204 preflight before the router) is route `unmatched` and 2xx, so it was judged: 200 anonymous OPTIONS
// beside a 100 % outage read it "healthy", and ONE of them cleared "critical: unanswered". Unmatched OPTIONS are now
// counted (requests, the unmatched OPTIONS row, `errors.count_unmatched_options`) and not judged, as unmatched 4xx
// are. The oracle is what the clients sent and the handlers did.

import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { closedAfterEach, expressApp, fastifyApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const running = closedAfterEach();
const OPTIONS_SENT = 200;
const FAILED = 20;
/** Every close in these tests is early: no machine load can make a client's close a failed request. */
// unansweredMinWaitMs 0: the closes below count toward `unanswered` however soon they come (quick-closes.test.ts).
// No host group read (NO_HOST_FILES, its failures unlogged): the oracle is the requests and the errors figures;
// each monitor's first read waited a real 250 ms CPU window for host figures nothing here checks.
const OPTIONS: MonitorOptions = {
  sampleIntervalMs: 0,
  abortedFailureMs: 3_600_000,
  unansweredMinWaitMs: 0,
  logger: silentLogger,
  ...NO_HOST_FILES,
};
const hang = () => new Promise<never>(() => {});

type Variant = 'router' | 'preflight';
interface Case {
  name: string;
  start(variant: Variant): Promise<{ monitor: SystemMonitor; server: Server }>;
  /** The status the app answers OPTIONS /fail with. */
  status: Record<Variant, number>;
}

/** A cors middleware's preflight: answers every OPTIONS before any route (as `cors()` and `@koa/cors` do). */
const PREFLIGHT_STATUS = 204;

function cases(modules: FrameworkModules): Case[] {
  const v = modules.versions;
  return [
    {
      name: `Express ${v.express}`,
      status: { router: 200, preflight: PREFLIGHT_STATUS },
      start: (variant) =>
        expressApp(
          OPTIONS,
          (app) => {
            if (variant === 'preflight')
              app.use((req, res, next) => (req.method === 'OPTIONS' ? void res.status(204).end() : next()));
            app.get('/fail', (_req, res) => void res.status(500).send('down'));
            app.get('/hang', () => {});
          },
          modules,
        ),
    },
    {
      name: `Koa ${v.koa}`,
      status: { router: 200, preflight: PREFLIGHT_STATUS },
      start: async (variant) => {
        const { default: KoaRouter } = await import('@koa/router');
        const { createMonitor } = await import('../../src/adapters/koa.js');
        const monitor = createMonitor(OPTIONS);
        const app = new modules.koa();
        const router = new KoaRouter();
        router.get('/fail', (ctx) => {
          ctx.status = 500;
          ctx.body = 'down';
        });
        router.get('/hang', hang);
        app.use(monitor.middleware());
        if (variant === 'preflight')
          app.use(async (ctx, next) => {
            if (ctx.method === 'OPTIONS') ctx.status = 204;
            else await next();
          });
        app.use(router.routes());
        app.use(router.allowedMethods());
        return { monitor, server: createServer(app.callback()) };
      },
    },
    {
      name: `Fastify ${v.fastify}`,
      status: { router: 404, preflight: PREFLIGHT_STATUS },
      start: (variant) =>
        fastifyApp(
          OPTIONS,
          (app) => {
            if (variant === 'preflight')
              app.addHook('onRequest', async (request, reply) => {
                if (request.method === 'OPTIONS') await reply.code(204).send();
              });
            app.get('/fail', async (_request, reply) => reply.code(500).send('down'));
            app.get('/hang', hang);
          },
          modules,
        ),
    },
  ];
}

/** One request on its own connection; resolves with the status line's code. */
function request(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m && head.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nOrigin: http://other.example\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n`,
    );
  });
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

async function listening(started: Awaited<ReturnType<Case['start']>>) {
  running.push(started);
  await new Promise<void>((done) => started.server.listen(0, '127.0.0.1', done));
  return portOf(started.server);
}

describe.each([CURRENT_MAJORS, olderMajors()].flatMap(cases).map((c) => [c.name, c] as const))(
  '%s: unmatched OPTIONS are counted, not judged (outside review 7, F4)',
  (_name, c) => {
    for (const variant of ['router', 'preflight'] as const) {
      it(`${variant}: ${OPTIONS_SENT} OPTIONS beside a 100 % outage: still 100 %, critical`, async () => {
        const started = await c.start(variant);
        const port = await listening(started);
        for (let i = 0; i < FAILED; i++) expect(await request(port, 'GET', '/fail')).toBe(500);
        for (let i = 0; i < OPTIONS_SENT; i++)
          expect(await request(port, 'OPTIONS', '/fail')).toBe(c.status[variant]);
        // The client can have the last answer before the server's 'finish', where the request is recorded.
        await eventually(
          async () =>
            (await started.monitor.getMetrics({ maxAgeMs: 0 })).requests.total === FAILED + OPTIONS_SENT,
        );
        const m = await started.monitor.getMetrics({ maxAgeMs: 0 });
        expect(m.requests.total).toBe(FAILED + OPTIONS_SENT);
        expect(m.errors).toMatchObject({
          status: 'critical',
          count_5xx: FAILED,
          count_judged: FAILED,
          count_unmatched_4xx: 0,
          count_unmatched_options: OPTIONS_SENT,
          error_rate_percent: 100,
        });
        expect(m.routes.find((r) => r.method === 'OPTIONS')).toMatchObject({
          route: 'unmatched',
          count: OPTIONS_SENT,
          count_5xx: 0,
        });
        // Apdex over the 20 judged requests, all 500: frustrated; the OPTIONS left out.
        expect(m.apdex).toMatchObject({
          score: 0,
          satisfied: 0,
          tolerating: 0,
          frustrated: FAILED,
          count_unmatched_options: OPTIONS_SENT,
        });
      });

      it(`${variant}: one OPTIONS does not clear "critical: unanswered"`, async () => {
        const started = await c.start(variant);
        const port = await listening(started);
        const n = 20; // minRequests
        const sockets = Array.from({ length: n }, () => {
          const s = connect(port, '127.0.0.1');
          s.on('error', () => {});
          s.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
          return s;
        });
        // Close once the server saw them all (in flight), then wait for the closes to be counted.
        await eventually(
          async () => (await started.monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight === n,
        );
        for (const s of sockets) s.destroy();
        await eventually(
          async () => (await started.monitor.getMetrics({ maxAgeMs: 0 })).errors.count_aborted === n,
        );
        expect(await request(port, 'OPTIONS', '/hang')).toBe(c.status[variant]);
        // The client can have the answer before the server's 'finish', where the request is recorded.
        await eventually(
          async () => (await started.monitor.getMetrics({ maxAgeMs: 0 })).requests.total === 1,
        );
        const m = await started.monitor.getMetrics({ maxAgeMs: 0 });
        expect(m.errors).toMatchObject({
          status: 'critical',
          unanswered: true,
          error_rate_percent: 100,
          count_judged: 0,
          count_aborted_early: n,
          count_unmatched_options: 1,
        });
        expect(m.requests.total).toBe(1);
      });
    }
  },
);
