// The adapters' whole per-request path on request/response stand-ins (no framework, no socket): the
// middleware or hooks as the framework calls them, then the response's end as Node signals it, so that
// everything sysvitals does per request is in the loop (admin-path check, admission, clock reads, the
// listener, the route label, recording), against the same stand-ins through a no-op middleware.

import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';

const quiet = { warn() {}, error() {} };
const ROUTES = Array.from({ length: 20 }, (_, i) => `/resource${i}/:id`);
const noop = () => {};

/** A response stand-in: an EventEmitter with the fields the adapters read. */
function standInResponse(req: object): EventEmitter {
  return Object.assign(new EventEmitter(), {
    req,
    statusCode: 200,
    writableFinished: true,
    headersSent: false,
    setHeader: noop,
  });
}

export interface AdapterPath {
  name: string;
  /** n requests through sysvitals' path. */
  loop(n: number): void | Promise<void>;
  /** n requests through a no-op middleware on the same stand-ins. */
  baseline(n: number): void | Promise<void>;
  close(): Promise<void>;
}

export function expressPath(): AdapterPath {
  const monitor = expressMonitor({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const mw = monitor.middleware() as unknown as (req: unknown, res: unknown, next: () => void) => void;
  const socket = { server: {} };
  const reqs = ROUTES.map((path, i) => ({
    method: 'GET',
    url: `/items/${i}`,
    originalUrl: `/api/items/${i}`,
    baseUrl: '/api',
    route: { path },
    socket,
  }));
  const ress = reqs.map(standInResponse);
  const noopMw = (_req: unknown, _res: unknown, next: () => void) => next();
  const run = (use: typeof mw, n: number) => {
    for (let i = 0; i < n; i++) {
      const k = i % 20;
      const res = ress[k] as EventEmitter;
      use(reqs[k], res, noop);
      res.emit('close');
      res.removeAllListeners('close');
    }
  };
  return {
    name: 'Express middleware + close listener',
    loop: (n) => run(mw, n),
    baseline: (n) => run(noopMw, n),
    close: () => monitor.close(),
  };
}

export function fastifyPath(): AdapterPath {
  const monitor = fastifyMonitor({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const hooks: Record<string, (req: FastifyRequest, reply: FastifyReply, next: () => void) => void> = {};
  const fake = {
    addHook: (name: string, fn: (typeof hooks)[string]) => {
      hooks[name] = fn;
    },
    route: noop,
    all: noop,
    get: noop,
    decorateRequest: noop,
    decorateReply: noop,
    // The plugin reads initialConfig.http2 to decide on the `Expect: 100-continue` hold, which needs a real
    // `fastify.server`; this stand-in has none, so it answers as an HTTP/2 instance (no hold installed).
    initialConfig: { http2: true },
  };
  (monitor.plugin() as unknown as (f: unknown, o: unknown, done: () => void) => void)(fake, {}, noop);
  const socket = { server: {} };
  const pairs = ROUTES.map((path, i) => {
    const raw = { method: 'GET', url: `/api/items/${i}`, socket };
    const rawRes = standInResponse(raw);
    const request = { url: `/api/items/${i}`, method: 'GET', raw, routeOptions: { url: path } };
    const reply = { raw: rawRes, statusCode: 200, elapsedTime: 3.2, hijack: noop };
    return [request, reply] as unknown as [FastifyRequest, FastifyReply];
  });
  const names = Object.keys(hooks);
  const empty = (_r: unknown, _p: unknown, next: () => void) => next();
  const run = (real: boolean, n: number) => {
    for (let i = 0; i < n; i++) {
      const [request, reply] = pairs[i % 20] as [FastifyRequest, FastifyReply];
      for (const name of names) (real ? (hooks[name] as typeof empty) : empty)(request, reply, noop);
      const raw = reply.raw as unknown as EventEmitter;
      raw.emit('close');
      raw.removeAllListeners('close');
    }
  };
  return {
    name: `Fastify hooks (${names.join(' + ')})`,
    loop: (n) => run(true, n),
    baseline: (n) => run(false, n),
    close: () => monitor.close(),
  };
}

export function koaPath(): AdapterPath {
  const monitor = koaMonitor({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const mw = monitor.middleware() as unknown as (ctx: unknown, next: () => Promise<void>) => Promise<void>;
  const socket = { server: {} };
  const ctxs = ROUTES.map((path, i) => {
    const req = { method: 'GET', url: `/api/items/${i}`, socket };
    const res = standInResponse(req);
    return { originalUrl: `/api/items/${i}`, url: `/api/items/${i}`, req, res, _matchedRoute: `/api${path}` };
  });
  const next = () => Promise.resolve();
  const noopMw = async (_ctx: unknown, n: () => Promise<void>) => {
    await n();
  };
  const run = async (use: typeof mw, n: number) => {
    for (let i = 0; i < n; i++) {
      const ctx = ctxs[i % 20] as (typeof ctxs)[number];
      await use(ctx, next);
      ctx.res.emit('close');
      ctx.res.removeAllListeners('close');
      ctx.res.removeAllListeners('finish');
    }
  };
  return {
    name: 'Koa middleware + close listener',
    loop: (n) => run(mw, n),
    baseline: (n) => run(noopMw, n),
    close: () => monitor.close(),
  };
}
