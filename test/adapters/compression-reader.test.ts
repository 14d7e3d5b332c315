// Regression (outside review 9, F2): behind a compression middleware (Express `compression`, `koa-compress`,
// `@fastify/compress`: re-implemented in compression-apps.ts, not installed here), a body the application sends in
// one call is written by zlib, paused on backpressure, and the real end() comes once the client has taken all but
// the buffers' worth: clients that read nothing for a while were timed at their pace and paged `api_response_time`.
// A request's duration now leaves out the time its producer waited on its client (a write returned false, until
// the response's 'drain' that the producer waited for); the server's own work, a handler sleeping between writes
// included, stays in it.
// Real servers on port 0 (Express, Fastify, Koa, both majors each), raw clients that hold reading; the oracle is the
// server's own stamps (compression-apps.ts, bounds()): the request's start and the real end() bracketed, and each
// span from a write that returned false to its 'drain', read on either side of sysvitals' own listener.
// Outside review 10, F1: only the event loop's idle time in a span is taken out; a generator's own synchronous work
// between its writes (a 'drain' cannot come while it holds the loop) stays in the duration, a fast reader or not.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import {
  bounds,
  expressCompression,
  expressInstrument,
  fastifyCompression,
  handlerStarts,
  koaCompression,
  type Stamps,
  watchRequests,
} from './compression-apps.js';
import { MAJOR_CASES } from './cut-off-apps.js';
import { closedAfterEach, expressApp, fastifyApp } from './framework-apps.js';
import type { FrameworkModules } from './framework-modules.js';
import { eventually, type Framework } from './workload-apps.js';

/** Text that gzip barely shrinks (base64 of random bytes: ~5.3 MB gzipped), more than loopback takes unread (~4 MB). */
const BODY = randomBytes(5_400_000).toString('base64');
/** Far more than loopback takes from a client that does not read. */
const BIG = Buffer.alloc(16 * 1024 * 1024, 97);
const READERS = 3;
const HOLD_MS = 500; // how long each slow client holds reading once the server is blocked on it (the unfixed code timed it in)
const SLEEP_MS = 500; // the sleeping handler's own wait between its writes
const CHUNK = Buffer.alloc(1024 * 1024, 97);
const GEN_CHUNKS = 6;
const GEN_WORK_MS = 60; // the generator's synchronous work after each write (rendering the next chunk)

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const options: MonitorOptions = { sampleIntervalMs: 0, logger: quiet };
const running = closedAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** HDR keeps 3 significant digits: a recorded value may read up to 0.1 % off. */
const hdrHi = (ms: number) => ms * 1.001 + 0.001;
const hdrLo = (ms: number) => ms * 0.999 - 0.001;

/** What the sleeping handler saw: its first write's result and when it returned, and its own sleep. */
interface Sleeper {
  firstWrite: boolean | undefined;
  slept: number;
  /** Just before its end(). */
  endPre: number;
}

/** What the generator saw: its writes that returned false, and its own synchronous work (ms, its clock). */
interface Generator {
  blocked: number;
  work: number;
}

/** The reviewer's loop: write a chunk, render the next (sync CPU), then wait for the drain if the write said so. */
async function generate(
  res: { write(b: Buffer): boolean; end(): unknown } & NodeJS.EventEmitter,
  g: Generator,
) {
  for (let i = 0; i < GEN_CHUNKS; i++) {
    const ok = res.write(CHUNK);
    const drain = ok ? null : once(res, 'drain');
    if (!ok) g.blocked++;
    const t = performance.now();
    while (performance.now() - t < GEN_WORK_MS);
    g.work += performance.now() - t;
    if (drain) await drain;
  }
  res.end();
}

async function sleepyWrites(res: { write(b: Buffer | string): boolean; end(): unknown }, s: Sleeper) {
  s.firstWrite = res.write(BIG);
  const t = performance.now();
  await sleep(SLEEP_MS);
  s.slept = performance.now() - t;
  res.write('x');
  s.endPre = performance.now();
  res.end();
}

/** GET /export: BODY in one call behind the framework's compression; GET /sleepy: sleepyWrites, no compression. */
async function start(framework: Framework, modules: FrameworkModules) {
  const sleeper: Sleeper = { firstWrite: undefined, slept: Number.NaN, endPre: Number.NaN };
  const gen: Generator = { blocked: 0, work: 0 };
  const seen: Stamps[] = [];
  let made: { monitor: SystemMonitor; server: Server };
  if (framework === 'express') {
    made = await expressApp(
      options,
      (app) => {
        app.get('/export', expressInstrument(seen), expressCompression(), (_req, res) => {
          handlerStarts(seen, res);
          res.type('text/plain').send(BODY);
        });
        app.get('/sleepy', (_req, res) => {
          handlerStarts(seen, res);
          void sleepyWrites(res, sleeper);
        });
        app.get('/gen', (_req, res) => {
          handlerStarts(seen, res);
          void generate(res, gen);
        });
      },
      modules,
    );
  } else if (framework === 'fastify') {
    made = await fastifyApp(
      options,
      (app) => {
        fastifyCompression(app, seen, '/export');
        app.get('/export', async (_req, reply) => {
          handlerStarts(seen, reply.raw);
          reply.type('text/plain');
          return BODY;
        });
        app.get('/sleepy', (_req, reply) => {
          handlerStarts(seen, reply.raw);
          reply.hijack();
          void sleepyWrites(reply.raw, sleeper);
        });
        app.get('/gen', (_req, reply) => {
          handlerStarts(seen, reply.raw);
          reply.hijack();
          void generate(reply.raw, gen);
        });
      },
      modules,
    );
  } else {
    const { default: KoaRouter } = await import('@koa/router');
    const { createMonitor } = await import('../../src/adapters/koa.js');
    const { createServer } = await import('node:http');
    const monitor = createMonitor(options);
    const app = new modules.koa();
    const router = new KoaRouter();
    router.get('/export', (ctx) => {
      handlerStarts(seen, ctx.res);
      ctx.type = 'text/plain';
      ctx.body = BODY;
    });
    router.get('/sleepy', (ctx) => {
      handlerStarts(seen, ctx.res);
      ctx.respond = false;
      void sleepyWrites(ctx.res, sleeper);
    });
    router.get('/gen', (ctx) => {
      handlerStarts(seen, ctx.res);
      ctx.respond = false;
      void generate(ctx.res, gen);
    });
    app.use(monitor.middleware());
    koaCompression(app, seen, '/export');
    app.use(router.routes());
    made = { monitor, server: createServer(app.callback()) };
  }
  watchRequests(made.server, seen);
  await new Promise<void>((r) => made.server.listen(0, '127.0.0.1', () => r()));
  running.push(made);
  return { ...made, port: (made.server.address() as AddressInfo).port, seen, sleeper, gen };
}

/** A client that sends GET `path` (gzip accepted), holds reading until resume(); done: the bytes it read. */
function client(port: number, path: string) {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n`);
  let bytes = 0;
  const done = new Promise<number>((resolve) => {
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
    });
    socket.on('close', () => resolve(bytes));
  });
  return { resume: () => socket.resume(), done };
}

/** Waits until `monitor` has recorded `n` requests; the route's row. */
async function recorded(monitor: SystemMonitor, n: number, route: string) {
  await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).requests.total === n);
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  expect([m.requests.total, m.errors.count_aborted]).toEqual([n, 0]);
  return m.routes.find((r) => r.route === route);
}

/** The response has been blocked on its client (a span open, undrained) for 200 ms: its buffers are full. */
const heldUp = (s: Stamps) => s.open !== null && performance.now() - s.open.post > 200;

describe.each(MAJOR_CASES)('$framework $major behind a compression middleware', ({ framework, modules }) => {
  it(`${READERS} clients that hold reading ${HOLD_MS} ms once the server is blocked on them: a body sent in one call is timed at the server's work, not their wait`, async () => {
    const app = await start(framework, modules);
    const clients = Array.from({ length: READERS }, () => client(app.port, '/export'));
    await eventually(async () => app.seen.length === READERS && app.seen.every(heldUp));
    await sleep(HOLD_MS);
    for (const c of clients) c.resume();
    for (const bytes of await Promise.all(clients.map((c) => c.done)))
      expect(bytes).toBeGreaterThan(4_000_000);
    const row = await recorded(app.monitor, READERS, '/export');
    const b = app.seen.map(bounds);
    // The premise: each response waited on its client at least the hold (before the fix, all in its duration).
    for (const x of b) expect(x.waited).toBeGreaterThanOrEqual(HOLD_MS);
    expect(row?.count).toBe(READERS);
    expect(row?.max_ms).toBeLessThanOrEqual(hdrHi(Math.max(...b.map((x) => x.hi))));
  }, 60_000);

  it("a client that reads at once: timed at the server's work (the app's call and zlib's), as before", async () => {
    const app = await start(framework, modules);
    const c = client(app.port, '/export');
    c.resume();
    expect(await c.done).toBeGreaterThan(4_000_000);
    const row = await recorded(app.monitor, 1, '/export');
    const [b] = app.seen.map(bounds);
    expect(row?.avg_ms).toBeGreaterThanOrEqual(hdrLo(b?.lo ?? Number.NaN));
    expect(row?.avg_ms).toBeLessThanOrEqual(hdrHi(b?.hi ?? Number.NaN));
  }, 60_000);

  it(`a handler that sleeps ${SLEEP_MS} ms between writes, its client draining meanwhile: the sleep stays in its duration`, async () => {
    const app = await start(framework, modules);
    const c = client(app.port, '/sleepy');
    // Blocked on its client at its first write, which it does not wait on; the client drains it during the sleep.
    await eventually(async () => app.sleeper.firstWrite === false);
    await sleep(100);
    c.resume();
    expect(await c.done).toBeGreaterThan(BIG.length);
    const row = await recorded(app.monitor, 1, '/sleepy');
    const s = app.seen[0] as Stamps;
    expect(app.sleeper.slept).toBeGreaterThan(0);
    // Nothing taken out: at least the handler's whole time, so at least its sleep.
    const handled = app.sleeper.endPre - s.handler;
    expect(handled).toBeGreaterThanOrEqual(app.sleeper.slept);
    expect(row?.avg_ms).toBeGreaterThanOrEqual(hdrLo(handled));
  }, 60_000);

  it(`a generator that renders ${GEN_WORK_MS} ms synchronously after each write, a client that reads at once: its work stays in its duration`, async () => {
    const app = await start(framework, modules);
    const c = client(app.port, '/gen');
    c.resume();
    expect(await c.done).toBeGreaterThan(GEN_CHUNKS * CHUNK.length);
    const row = await recorded(app.monitor, 1, '/gen');
    // The premise: writes found the response blocked, and the generator waited for their drains.
    expect(app.gen.blocked).toBeGreaterThan(0);
    expect(app.gen.work).toBeGreaterThanOrEqual(GEN_CHUNKS * GEN_WORK_MS);
    // Before the fix, the work after each write that returned false was taken out (timed at a few ms).
    expect(row?.avg_ms).toBeGreaterThanOrEqual(hdrLo(app.gen.work));
  }, 60_000);
});
