// The floor of a request-timing middleware (issue 18, bench/floor.ts): the least that any monitor that times requests
// per route must do. Read a high-resolution clock when the request starts, learn when its response ends, read the
// clock again, and add the duration to a per-route count and sum (a Map of small objects, keyed by the framework's
// matched route template). It does nothing more: no status, no method, no histogram, no admin path, no flights table.
// Two ways to learn the end, per framework (served by bench/overhead-server.ts as variants `floor` and `floor-dc`):
//   floor     what a user writes. Express and Koa: a 'finish' listener on the response (one closure and one listener
//             per request); Koa's middleware is `async` around `await next()`. Fastify: an onRequest hook and an
//             onResponse hook.
//   floor-dc  the shape sysvitals has: one stamp on the response at the start (a symbol property) and Node's
//             'http.server.response.finish' diagnostics channel, subscribed once, to learn the end; no closure, no
//             listener, and Koa's middleware returns next()'s own promise (not async). Fastify: the onRequest hook only.
// The route is read at the end, as sysvitals reads it: Express `req.baseUrl + req.route.path`, Fastify its route
// context's `config.url` (what the `routeOptions` getter reads, without the 12-field object that getter builds),
// Koa @koa/router's `ctx._matchedRoute`.

import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context, Next } from 'koa';

interface Tally {
  count: number;
  sum: number;
}

/** Per route: requests and the sum of their durations in ms. Kept reachable for the life of the process. */
export const tallies = new Map<string, Tally>();
const UNMATCHED = 'unmatched';

function add(route: string, ms: number): void {
  let t = tallies.get(route);
  if (t === undefined) {
    t = { count: 0, sum: 0 };
    tallies.set(route, t);
  }
  t.count++;
  t.sum += ms;
}

const START = Symbol('floor.start');
const CTX = Symbol('floor.ctx');
type Stamped = Record<symbol, unknown>;

/** Calls `onFinish(request, response)` for every response Node's HTTP server finishes. */
function onChannelFinish(onFinish: (req: IncomingMessage, res: ServerResponse & Stamped) => void): void {
  subscribe('http.server.response.finish', (message) => {
    const m = message as { request: IncomingMessage; response: ServerResponse & Stamped };
    onFinish(m.request, m.response);
  });
}

function expressRoute(req: Request): string {
  const route = req.route as { path?: string } | undefined;
  if (route === undefined || typeof route.path !== 'string') return UNMATCHED;
  return req.baseUrl ? req.baseUrl + route.path : route.path;
}

/** The floor middleware for Express (`app.use(...)` it before the routes). */
export function expressFloor(
  way: 'listener' | 'channel',
): (req: Request, res: Response, next: NextFunction) => void {
  if (way === 'listener')
    return (req, res, next) => {
      const start = performance.now();
      res.on('finish', () => add(expressRoute(req), performance.now() - start));
      next();
    };
  onChannelFinish((req, res) => {
    const start = res[START];
    if (typeof start === 'number') add(expressRoute(req as Request), performance.now() - start);
  });
  return (_req, res, next) => {
    (res as unknown as Stamped)[START] = performance.now();
    next();
  };
}

let contextKey: symbol | null | undefined;
/** Fastify's route template, read from its route context (found once; routeOptions when it is not there). */
function fastifyRoute(request: FastifyRequest): string {
  if (contextKey === undefined) {
    contextKey = null;
    for (const key of Object.getOwnPropertySymbols(request))
      if (key.description === 'fastify.context') contextKey = key;
  }
  const url =
    contextKey === null
      ? request.routeOptions?.url
      : (request as unknown as Record<symbol, { config?: { url?: unknown } } | undefined>)[contextKey]?.config
          ?.url;
  return typeof url === 'string' ? url : UNMATCHED;
}

/** Adds the floor hooks to a Fastify app (before its routes). */
export function fastifyFloor(app: FastifyInstance, way: 'listener' | 'channel'): void {
  if (way === 'listener') {
    app.addHook('onRequest', (request, _reply, done) => {
      (request as unknown as Stamped)[START] = performance.now();
      done();
    });
    app.addHook('onResponse', (request, _reply, done) => {
      add(fastifyRoute(request), performance.now() - ((request as unknown as Stamped)[START] as number));
      done();
    });
    return;
  }
  onChannelFinish((_req, res) => {
    const request = res[CTX] as FastifyRequest | undefined;
    if (request !== undefined) add(fastifyRoute(request), performance.now() - (res[START] as number));
  });
  app.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw as unknown as Stamped;
    res[START] = performance.now();
    res[CTX] = request;
    done();
  });
}

function koaRoute(ctx: Context): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : UNMATCHED;
}

/** The floor middleware for Koa (`app.use(...)` it before the router). */
export function koaFloor(way: 'listener' | 'channel'): (ctx: Context, next: Next) => Promise<void> {
  if (way === 'listener')
    return async (ctx, next) => {
      const start = performance.now();
      ctx.res.on('finish', () => add(koaRoute(ctx), performance.now() - start));
      await next();
    };
  onChannelFinish((_req, res) => {
    const ctx = res[CTX] as Context | undefined;
    if (ctx !== undefined) add(koaRoute(ctx), performance.now() - (res[START] as number));
  });
  return (ctx, next) => {
    const res = ctx.res as unknown as Stamped;
    res[START] = performance.now();
    res[CTX] = ctx;
    return next() as Promise<void>;
  };
}
