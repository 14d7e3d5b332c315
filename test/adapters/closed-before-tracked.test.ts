// Regression (outside review 42, RT42-1) on real Express 5/4 and Koa 3/2 servers on port 0, raw TCP clients. Async
// middleware before the monitor (a session lookup) holds each request until its client has given up (its connection
// closed), then calls next() as usual: the monitor began tracking a request whose connection's 'close' had already
// come, and waited for it for the process's life (in_flight +1 each; every shutdown waited its whole drainMs). Now
// such a request ends at once as the client's close (499), counted once. The oracle is the client's own count: N
// connections, each abandoned while the middleware held its request; on some a first request completed before.
// RT46-1 (outside review 46): how such a request is classified. Its arrival is not known to the monitor (it is timed
// from when the monitor saw it, docs/requests.md "Middleware before the monitor"), so however long its client
// waited it is an early close: the clients here each waited at least `abortedFailureMs` (the holding middleware's
// own stamps, arrival to the connection's close), and are recorded as early closes, not as failed requests.

import type { Server } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { closedAfterEach } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { abortedCount, GET } from './raw-clients.js';
import { eventually } from './workload-apps.js';

const running = closedAfterEach();
const N = 6;
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0 };

/** How long each held request's client waited: from its arrival at the holding middleware to its connection's close. */
const waited: number[] = [];

/** Holds `/held/…` requests until their connection has closed (its 'close' already emitted), then lets them on. */
function holdUntilClosed(socket: import('node:net').Socket, url: string | undefined): Promise<void> {
  if (!url?.startsWith('/held/')) return Promise.resolve();
  const arrived = performance.now();
  return new Promise((done) => {
    const after = () => {
      waited.push(performance.now() - arrived);
      setImmediate(done); // after every 'close' listener, sysvitals' included
    };
    if (socket.destroyed) after();
    else socket.once('close', after);
  });
}

interface Started {
  monitor: {
    close(): Promise<void>;
    getMetrics(): Promise<{
      requests: { total: number; in_flight: number };
      errors: Record<string, number | boolean | string | undefined>;
    }>;
    shutdown(o: { drainMs: number; delayMs: number }): Promise<{ dropped: number }>;
    requests: { abortedTotals(): { count: number }[] };
  };
  server: Server;
}

async function express(modules: FrameworkModules, options = OPTIONS): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(options);
  const app = modules.express();
  app.use(async (req, _res, next) => {
    await holdUntilClosed(req.socket, req.url);
    next();
  });
  app.use(monitor.middleware());
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/held/:id', (_req, res) => void res.send('late'));
  return {
    monitor: monitor as unknown as Started['monitor'],
    server: (await import('node:http')).createServer(app),
  };
}

async function koa(modules: FrameworkModules, options = OPTIONS): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(options);
  const app = new modules.koa();
  app.use(async (ctx, next) => {
    await holdUntilClosed(ctx.req.socket, ctx.url);
    await next();
  });
  app.use(monitor.middleware());
  app.use((ctx) => {
    ctx.body = ctx.path.startsWith('/held/') ? 'late' : 'ok';
  });
  return {
    monitor: monitor as unknown as Started['monitor'],
    server: (await import('node:http')).createServer(app.callback()),
  };
}

async function fastify(modules: FrameworkModules): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/fastify.js');
  const monitor = createMonitor(OPTIONS);
  const app = modules.fastify();
  app.addHook('onRequest', async (req) => holdUntilClosed(req.raw.socket, req.url));
  await app.register(monitor.plugin());
  app.get('/ok', async () => 'ok');
  app.get('/held/:id', async () => 'late');
  await app.ready();
  return { monitor: monitor as unknown as Started['monitor'], server: app.server };
}

/** One connection: `first` requests answered on it first (kept alive), then a `/held/` one abandoned unanswered. */
function abandon(port: number, first: boolean, i: number): Promise<void> {
  return new Promise((done, fail) => {
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.on('error', fail);
    c.on('close', () => done());
    const held = () => c.write(GET(`/held/${i}`), () => setImmediate(() => c.destroy()));
    c.on('data', (d) => {
      got += d.toString('latin1');
      if (first && got.endsWith('ok')) {
        first = false;
        held();
      }
    });
    c.on('connect', () => (first ? c.write(GET('/ok')) : held()));
  });
}

for (const [label, modules] of [
  ['current', () => CURRENT_MAJORS],
  ['older', olderMajors],
] as const) {
  describe(`RT42-1: a request held before the monitor until its client left (${label} majors)`, () => {
    for (const [name, start] of [
      ['Express', express],
      ['Koa', koa],
      ['Fastify (a hook before the plugin)', fastify],
    ] as const) {
      it(`${name}: ends cut off, counted once; in_flight returns to 0; shutdown drops nothing`, async () => {
        const s = await start(modules());
        running.push(s);
        await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
        const port = (s.server.address() as { port: number }).port;
        // Half on a fresh connection, half after a completed request on the same kept-alive one.
        await Promise.all(Array.from({ length: N }, (_, i) => abandon(port, i % 2 === 1, i)));
        const answered = N / 2;
        await eventually(async () => abortedCount(s.monitor) >= N);
        const m = await s.monitor.getMetrics();
        expect(m.requests.in_flight).toBe(0);
        // Each abandoned request once (the client's count: early closes are not in `total`), the answered ones once.
        expect(abortedCount(s.monitor)).toBe(N);
        expect(m.requests.total).toBe(answered);
        const report = await s.monitor.shutdown({ drainMs: 8000, delayMs: 0 });
        expect(report.dropped).toBe(0);
        expect((await s.monitor.getMetrics()).requests.in_flight).toBe(0);
      });
    }
  });
}

/** One connection whose client sends a `/held/` request and leaves `ms` after writing it (unanswered). */
function leaveAfter(port: number, ms: number, i: number): Promise<void> {
  return new Promise((done, fail) => {
    const c = connect(port, '127.0.0.1');
    c.on('error', fail);
    c.on('close', () => done());
    c.on('connect', () => c.write(GET(`/held/${i}`), () => setTimeout(() => c.destroy(), ms)));
  });
}

const FAILURE_MS = 50;

for (const [label, modules] of [
  ['current', () => CURRENT_MAJORS],
  ['older', olderMajors],
] as const) {
  describe(`RT46-1: how a request held before the monitor until its client left is classified (${label} majors)`, () => {
    for (const [name, start] of [
      ['Express', express],
      ['Koa', koa],
    ] as const) {
      it(`${name}: clients that waited abortedFailureMs or more are early closes (timed from when the monitor saw them)`, async () => {
        const s = await start(modules(), { ...OPTIONS, abortedFailureMs: FAILURE_MS });
        running.push(s);
        await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
        const port = (s.server.address() as { port: number }).port;
        waited.length = 0;
        await Promise.all(Array.from({ length: N }, (_, i) => leaveAfter(port, 3 * FAILURE_MS, i)));
        await eventually(async () => abortedCount(s.monitor) >= N);
        // What the clients did, by the holding middleware's stamps: each waited abortedFailureMs or more.
        expect(waited).toHaveLength(N);
        for (const ms of waited) expect(ms).toBeGreaterThanOrEqual(FAILURE_MS);
        const m = await s.monitor.getMetrics();
        // Recorded: N client closes, all early (not requests, not failed, nothing judged), none in flight.
        expect(m.errors.count_aborted).toBe(N);
        expect(m.errors.count_aborted_early).toBe(N);
        expect(m.errors.count_judged).toBe(0);
        expect(m.errors.count_4xx).toBe(0);
        expect(m.requests.total).toBe(0);
        expect(m.requests.in_flight).toBe(0);
      });
    }
  });
}
