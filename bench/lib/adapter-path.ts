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

/**
 * `afterAppHook`: the plugin registered after an application onRequest hook (an empty one, which the baseline runs
 * too): the stand-in keeps Fastify's hook lists under the same symbol descriptions, so the plugin puts its
 * recording hook at their head (src/adapters/fastify-hook-order.ts), and the loop runs the list in its order.
 */
export function fastifyPath(afterAppHook = false): AdapterPath {
  const monitor = fastifyMonitor({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  type Hook = (req: FastifyRequest, reply: FastifyReply, next: () => void) => void;
  const hooks: Record<string, Hook> = {};
  const appHook: Hook = (_r, _p, next) => next();
  const onRequest: Hook[] = afterAppHook ? [appHook] : [];
  const fake = {
    [Symbol('fastify.hooks')]: { onRequest },
    [Symbol('fastify.children')]: [],
    after: (fn: (err: null, done: () => void) => void) => fn(null, noop),
    // The plugin tells the lifecycle of its server at registration: a plain object is a node:http server's
    // stand-in (not HTTP/2: nothing is watched).
    server: {},
    addHook: (name: string, fn: Hook) => {
      if (name === 'onRequest') onRequest.push(fn);
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
  // The hooks as Fastify would call them: the onRequest list in its order (the app's hook, when there is one, in
  // the baseline too), then the others.
  const real: Hook[] = [...onRequest, ...names.filter((n) => n !== 'onRequest').map((n) => hooks[n] as Hook)];
  const bare: Hook[] = afterAppHook ? [appHook, ...names.slice(1).map(() => empty)] : names.map(() => empty);
  const run = (mine: boolean, n: number) => {
    const list = mine ? real : bare;
    for (let i = 0; i < n; i++) {
      const [request, reply] = pairs[i % 20] as [FastifyRequest, FastifyReply];
      for (const hook of list) hook(request, reply, noop);
      const raw = reply.raw as unknown as EventEmitter;
      raw.emit('close');
      raw.removeAllListeners('close');
    }
  };
  return {
    name: afterAppHook
      ? `Fastify hooks after an app onRequest hook (${real.length - 1} sysvitals + the app's)`
      : `Fastify hooks (${names.join(' + ')})`,
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
