// Koa: tells once when the middleware is mounted after routers holding routes, whose requests it never sees (a
// matched route's handler answers without calling next()). Koa keeps the app's middleware in order in
// `app.middleware`; @koa/router's (and koa-router's) `router.routes()` carries its router (`.router`), whose stack
// holds its routes, nested routers' included (they are copied into it).

import type { Context } from 'koa';
import type { Logger } from '../types.js';
import { warnRoutesBefore } from './mount-warning.js';

/** A layer of @koa/router's stack as far as this check reads it (`methods` is empty for `router.use()`). */
interface KoaLayerLike {
  methods?: unknown;
  path?: unknown;
}

/** `GET /ok` (its implied HEAD left out), `ALL /x` for `router.all()` (every method the router knows). */
function routeName(layer: KoaLayerLike, known: number): string {
  const methods = (layer.methods as unknown[]).map(String);
  const shown = methods.includes('GET') ? methods.filter((m) => m !== 'HEAD') : methods;
  const verb = known > 0 && methods.length >= known ? 'ALL' : shown.join(',');
  return `${verb} ${String(layer.path)}`;
}

/** The routes of a router's middleware (`router.routes()`); none for any other function. */
function routesOf(fn: unknown): string[] {
  if (typeof fn !== 'function') return [];
  const router = (fn as { router?: { stack?: unknown; methods?: unknown } }).router;
  if (!Array.isArray(router?.stack)) return [];
  const known = Array.isArray(router.methods) ? router.methods.length : 0;
  return (router.stack as KoaLayerLike[])
    .filter((l) => Array.isArray(l.methods) && l.methods.length > 0)
    .map((l) => routeName(l, known));
}

/**
 * Called at the middleware's first request: when routers holding routes come before it in `ctx.app.middleware`,
 * warns once, naming their routes. A middleware not in that list (inside koa-mount or a router) is not checked.
 * Never throws.
 */
export function warnIfMountedLateKoa(ctx: Context, middleware: unknown, logger: Logger | undefined): void {
  try {
    const list = (ctx.app as { middleware?: unknown } | undefined)?.middleware;
    if (!Array.isArray(list)) return;
    const at = list.indexOf(middleware);
    if (at <= 0) return;
    const before = list.slice(0, at).flatMap(routesOf);
    if (before.length === 0) return;
    warnRoutesBefore(before, logger);
  } catch {
    // a Koa or router whose shape we do not know: no check
  }
}
