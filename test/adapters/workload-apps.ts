// One route, `GET /w/:kind?status=&ms=&bytes=`, that answers `status` after `ms` milliseconds (with a body of
// `bytes` bytes written in one call), on Express, Fastify and Koa with sysvitals' own createMonitor, on a real
// server on port 0; and a client that can give up early, or in the middle of the body.

import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import { afterEach } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { CURRENT_MAJORS, type FrameworkModules } from './framework-modules.js';

export type Framework = 'express' | 'fastify' | 'koa';
export const FRAMEWORKS: readonly Framework[] = ['express', 'fastify', 'koa'];
/** The route template every framework reports for `/w/<kind>`. */
export const WORK_ROUTE = '/w/:kind';

export interface WorkloadApp extends ServedApp {
  /** Requests the route handler has started on (the server has read them). */
  readonly received: number;
}

function params(query: Record<string, unknown>): {
  status: number;
  ms: number;
  kill: boolean;
  sse: boolean;
  body: Buffer | string;
} {
  const bytes = Number(query.bytes ?? 0);
  return {
    status: Number(query.status ?? 200),
    ms: Number(query.ms ?? 0),
    kill: query.kill === '1',
    sse: query.sse === '1',
    body: bytes > 0 ? bodyOf(bytes) : 'done',
  };
}

let bigBody: Buffer | undefined;
/** A body of `bytes` bytes (one buffer kept for the largest size asked: the apps write it in one call). */
function bodyOf(bytes: number): Buffer {
  if (bigBody === undefined || bigBody.length < bytes) bigBody = Buffer.alloc(bytes, 120);
  return bigBody.subarray(0, bytes);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A test's app listening with its monitor: close() closes the server (its connections too), then the monitor. */
export interface ServedApp {
  url: string;
  monitor: SystemMonitor;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** An Express or Koa app's node:http `server` (the monitor mounted on it), listening on 127.0.0.1, port 0. */
export async function serveHttp(server: Server, monitor: SystemMonitor): Promise<ServedApp> {
  const url = await listen(server);
  return { url, monitor, close: () => closeServer(server).then(() => monitor.close()) };
}

/** A Fastify app (the monitor's plugin and the routes registered) made ready, listening on 127.0.0.1, port 0. */
export async function serveFastify(
  app: { ready(): PromiseLike<unknown>; readonly server: Server; close(): PromiseLike<unknown> },
  monitor: SystemMonitor,
): Promise<ServedApp> {
  await app.ready();
  const url = await listen(app.server);
  return {
    url,
    monitor,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
      await monitor.close();
    },
  };
}

/** `?kill=1` makes the server destroy the connection after `ms` instead of answering. Starts the app with a fresh monitor (admin API on loopback, as the defaults are), on `modules` (the majors in devDependencies by default). */
export async function startWorkloadApp(
  framework: Framework,
  options: MonitorOptions = {},
  modules: FrameworkModules = CURRENT_MAJORS,
): Promise<WorkloadApp> {
  const opts = { sampleIntervalMs: 0, ...options };
  const counter = { received: 0 };
  if (framework === 'express') {
    const monitor = createExpressMonitor(opts);
    const app = modules.express();
    app.use(monitor.middleware());
    app.get(WORK_ROUTE, async (req, res) => {
      counter.received++;
      const { status, ms, kill, sse, body } = params(req.query);
      if (sse) {
        // sse=1: a server-sent event stream held open `ms` (Content-Type set with setHeader).
        res.setHeader('Content-Type', 'text/event-stream');
        res.write('data: hello\n\n');
        await sleep(ms);
        res.end();
        return;
      }
      if (ms > 0) await sleep(ms);
      // kill=1: the server destroys the connection without answering (a crash mid-request, a reset).
      if (kill) req.socket.destroy();
      else if (!res.destroyed) res.status(status).send(body);
    });
    return withCounter(counter, await serveHttp(createServer(app), monitor));
  }
  if (framework === 'fastify') {
    const monitor = createFastifyMonitor(opts);
    const app = modules.fastify({ logger: false });
    await app.register(monitor.plugin());
    app.get<{ Querystring: Record<string, string> }>(WORK_ROUTE, async (req, reply) => {
      counter.received++;
      const { status, ms, kill, sse, body } = params(req.query);
      if (sse) {
        // The stream on the raw response, its head given to writeHead() alone (not kept for getHeader()).
        reply.hijack();
        reply.raw.writeHead(200, { 'Content-Type': 'text/event-stream' });
        reply.raw.write('data: hello\n\n');
        await sleep(ms);
        reply.raw.end();
        return;
      }
      if (ms > 0) await sleep(ms);
      if (kill) {
        req.raw.socket.destroy();
        return reply.hijack();
      }
      reply.code(status);
      return body;
    });
    return withCounter(counter, await serveFastify(app, monitor));
  }
  const monitor = createKoaMonitor(opts);
  const app = new modules.koa();
  app.silent = true;
  app.use(monitor.middleware());
  const router = new Router();
  router.get(WORK_ROUTE, async (ctx) => {
    counter.received++;
    const { status, ms, kill, sse, body } = params(ctx.query);
    if (sse) {
      // Koa's way: ctx.type and a stream as the body, ended `ms` later.
      ctx.type = 'text/event-stream';
      const stream = new PassThrough();
      ctx.body = stream;
      stream.write('data: hello\n\n');
      setTimeout(() => stream.end(), ms);
      return;
    }
    if (ms > 0) await sleep(ms);
    if (kill) {
      ctx.req.socket.destroy();
      ctx.respond = false;
      return;
    }
    ctx.status = status;
    ctx.body = body;
  });
  app.use(router.routes());
  return withCounter(counter, await serveHttp(createServer(app.callback()), monitor));
}

function withCounter(counter: { received: number }, app: ServedApp): WorkloadApp {
  return Object.defineProperty(app, 'received', {
    get: () => counter.received,
    enumerable: true,
  }) as WorkloadApp;
}

export interface PendingGet {
  /** The status, or 0 when the client gave up first. */
  done: Promise<number>;
  /** Gives up: destroys the connection, as a client timeout or a load balancer's deadline would. */
  abandon(): void;
}

/** GET `url` on a new connection of its own. */
export function startGet(url: string): PendingGet {
  let resolve!: (status: number) => void;
  const done = new Promise<number>((r) => {
    resolve = r;
  });
  const req = httpRequest(url, { agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
    res.on('error', () => resolve(0));
  });
  req.on('error', () => resolve(0));
  req.end();
  return {
    done,
    abandon: () => {
      req.destroy();
      resolve(0);
    },
  };
}

/** What a client that read part of a body and closed saw: the length announced and the bytes it received. */
export interface PartialRead {
  status: number;
  contentLength: number;
  received: number;
}

/**
 * GET `url` on a new connection, read at least `readBytes` of the body, stop reading (the server's writes
 * then fill the socket buffers and wait), and after `closeAfterMs` destroy the connection, as a closed tab
 * or a load balancer's deadline does in the middle of a download.
 */
export function readPartly(url: string, readBytes: number, closeAfterMs: number): Promise<PartialRead> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received < readBytes) return;
        res.pause();
        res.removeAllListeners('data');
        setTimeout(() => {
          req.destroy();
          resolve({
            status: res.statusCode ?? 0,
            contentLength: Number(res.headers['content-length']),
            received,
          });
        }, closeAfterMs);
      });
      res.on('error', () => {});
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}

/** GET `url` and wait for the answer's status. */
export function get(url: string): Promise<number> {
  return startGet(url).done;
}

/**
 * Waits (real time) until `done()` holds: the server sees a client's close a little after it happens. Throws
 * after `limitMs`, a hang guard generous for a loaded machine (it used to return quietly after 5 s, so a
 * condition that never held was a 5 s sleep).
 */
export async function eventually(done: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`condition not met within the ${limitMs} ms guard: ${done}`);
    await sleep(10);
  }
}

/** In a test file: afterEach abandons the clients given to `hold` and closes the apps from `start`. */
export function useWorkloadApps(): {
  start(framework: Framework, options?: MonitorOptions): Promise<WorkloadApp>;
  hold<T extends PendingGet[]>(clients: T): T;
} {
  let apps: WorkloadApp[] = [];
  let held: PendingGet[] = [];
  afterEach(async () => {
    for (const p of held) p.abandon();
    held = [];
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
  });
  return {
    start: async (framework, options) => {
      const app = await startWorkloadApp(framework, options);
      apps.push(app);
      return app;
    },
    hold: (clients) => {
      held.push(...clients);
      return clients;
    },
  };
}
