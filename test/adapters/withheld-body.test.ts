// Regression (outside review 7, F2) on real Express 5/4, Koa 3/2 and Fastify 5/4 servers on port 0, raw clients.
// 20 anonymous clients that send a POST's headers (Content-Length: 100) and no body, then close, paged an idle
// service "critical: unanswered" (health red): their closes, while the body was still arriving, counted toward the
// rule, on a JSON route and on URLs no route matches (Express's app-wide express.json(), Fastify's 404 handler, both
// waiting for the body). They are early closes in `errors.count_aborted_body` now, not toward `unanswered`; the same
// 20 clients sending the whole body to a route that then hangs still page. The oracle is what the clients sent.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import {
  type FrameworkRoutes,
  type FrameworkServer,
  frameworkServer,
  listening,
} from '../helpers/framework-servers.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { expressApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const N = 20; // minRequests
/**
 * Every close here is early whatever the machine's load, and counts toward `unanswered` however soon (floor 0): the
 * rule under test is the body closes' (the floor's: quick-closes.test.ts).
 */
// No host group read (NO_HOST_FILES, its failures unlogged): the oracle is the requests and the errors figures;
// each monitor's first read waited a real 250 ms CPU window for host figures nothing here checks.
const OPTIONS: MonitorOptions = {
  sampleIntervalMs: 0,
  abortedFailureMs: 3_600_000,
  unansweredMinWaitMs: 0,
  logger: silentLogger,
  ...NO_HOST_FILES,
};
const BODY = JSON.stringify({ pad: 'x'.repeat(90) }); // 100 bytes
const never = () => new Promise<never>(() => {});

async function drain(req: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of req);
}

interface Case {
  name: string;
  /** Whether the app reads the body of a URL no route matches (Koa answers it 404 at once: nothing to close on). */
  readsUnmatched: boolean;
  start(): Promise<FrameworkServer>;
}

/** Bodies /read-hang has read in full (every app's, in turn: one test at a time). */
let bodiesRead = 0;

/** Fastify's and Koa's routes: POST /echo (JSON, answered at once), POST /read-hang (reads its body, never answers). */
const ROUTES: FrameworkRoutes = {
  fastify: (app) => {
    app.post('/echo', async (request) => request.body);
    app.post('/read-hang', async () => {
      bodiesRead++;
      return never();
    });
  },
  koa: (router) => {
    router.post('/echo', async (ctx) => {
      await drain(ctx.req);
      ctx.body = { ok: true };
    });
    router.post('/read-hang', async (ctx) => {
      await drain(ctx.req);
      bodiesRead++;
      return never();
    });
  },
};

/** The same routes on Express, JSON read app-wide as usual. */
function cases(modules: FrameworkModules): Case[] {
  const v = modules.versions;
  const http1 = (framework: 'fastify' | 'koa') => () =>
    frameworkServer(framework, 'http1', OPTIONS, ROUTES, modules);
  return [
    {
      name: `Express ${v.express}`,
      readsUnmatched: true,
      start: async () =>
        listening(
          await expressApp(
            OPTIONS,
            (app, express) => {
              app.use(express.json()); // app-wide, as usual: it reads the body of any URL before routing
              app.post('/echo', (req, res) => void res.json(req.body));
              app.post('/read-hang', () => void bodiesRead++);
              // An error handler that only logs (raw-body's 'aborted' error; one that answers after the close leaves
              // them body closes too: body-close-answered-late.test.ts).
              app.use((_err: unknown, _req: unknown, _res: unknown, _next: unknown) => {});
            },
            modules,
          ),
        ),
    },
    { name: `Koa ${v.koa}`, readsUnmatched: false, start: http1('koa') },
    // Fastify's 404 handler waits for the declared body.
    { name: `Fastify ${v.fastify}`, readsUnmatched: true, start: http1('fastify') },
  ];
}

const running: FrameworkServer[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});

async function started(c: Case): Promise<FrameworkServer> {
  const server = await c.start();
  running.push(server);
  return server;
}

/** `N` raw clients POSTing JSON to `paths[i % paths.length]` with Content-Length 100 and `body` (none: headers only). */
function clients(port: number, paths: readonly string[], body: string): Socket[] {
  return Array.from({ length: N }, (_, i) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write(
      `POST ${paths[i % paths.length]} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n${body}`,
    );
    return s;
  });
}

async function closeAll(monitor: SystemMonitor, sockets: Socket[], read = 0) {
  // Close once the server has them all in flight (and `read` bodies read), then wait for every close to be counted.
  await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight === N);
  await eventually(async () => bodiesRead >= read);
  for (const s of sockets) s.destroy();
  await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).errors.count_aborted === N);
  return monitor.getMetrics({ maxAgeMs: 0 });
}

describe.each([CURRENT_MAJORS, olderMajors()].flatMap(cases).map((c) => [c.name, c] as const))(
  '%s: closes while the body is arriving do not page (outside review 7, F2)',
  (_name, c) => {
    const paths: Record<string, string[]> = { 'a JSON route': ['/echo'] };
    if (c.readsUnmatched)
      paths['URLs no route matches'] = Array.from({ length: N }, (_, i) => `/random-${i}`);
    for (const [what, targets] of Object.entries(paths)) {
      it(`${N} half-sent POSTs to ${what}, closed: early closes of arriving bodies, not unanswered`, async () => {
        const { monitor, port } = await started(c);
        const m = await closeAll(monitor, clients(port, targets, ''));
        expect(m.requests.total).toBe(0);
        expect(m.errors).toMatchObject({
          status: 'unknown',
          count_aborted: N,
          count_aborted_early: N,
          count_aborted_body: N,
          error_rate_percent: null,
          count_judged: 0,
        });
        expect(m.errors.unanswered).toBeUndefined();
      });
    }

    it(`${N} POSTs whose whole body arrived, closed on a hung route: critical, unanswered`, async () => {
      const { monitor, port } = await started(c);
      bodiesRead = 0;
      const m = await closeAll(monitor, clients(port, ['/read-hang'], BODY), N);
      expect(m.errors).toMatchObject({
        status: 'critical',
        unanswered: true,
        count_aborted_early: N,
        count_aborted_body: 0,
        count_aborted_answered: 0,
        error_rate_percent: 100,
      });
    });
  },
);
