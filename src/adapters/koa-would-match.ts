// For a Koa request that ended unmatched (@koa/router matched no route: an auth middleware before it answered 401,
// a rate limiter 429, or no route has its URL), the route its method and path would have reached: the label it is
// recorded under, as Fastify (which routes before its hooks) records the same request (outside review 29, RT29-2).
// Only for requests that end unmatched, never on a matched request's path; bounded (MAX_PATH, MAX_LAYERS).

import type { Context } from 'koa';
import { UNMATCHED_ROUTE } from './common.js';
import { MAX_LAYERS, MAX_PATH } from './express-would-match.js';

// Just enough of @koa/router: `routes()` (and `middleware()`) return a dispatch function holding its router.
interface RouterLayer {
  path?: unknown;
  methods?: unknown[];
}
interface KoaRouterLike {
  stack?: unknown[];
  opts?: { routerPath?: unknown };
  match?(path: string, method: string): { route?: boolean; pathAndMethod?: RouterLayer[] };
  matchHost?(host: string): boolean;
}

/**
 * The template of the route the request would have matched in the first @koa/router of its app's middleware that
 * has one for its path and method (prefixes and nested routers included: @koa/router keeps them in the layer's
 * path, as `_matchedRoute`), or `unmatched`. Routers inside a koa-mount sub-app are not seen (koa-mount keeps the
 * sub-app to itself). Never throws.
 */
export function koaWouldMatch(ctx: Context): string {
  try {
    const middleware = (ctx.app as { middleware?: unknown } | undefined)?.middleware;
    if (!Array.isArray(middleware)) return UNMATCHED_ROUTE;
    const path = ctx.path;
    if (typeof path !== 'string' || path.length > MAX_PATH) return UNMATCHED_ROUTE;
    const method = ctx.req.method ?? 'GET';
    let left = MAX_LAYERS;
    for (const fn of middleware as unknown[]) {
      if (--left < 0) return UNMATCHED_ROUTE;
      const router = typeof fn === 'function' ? (fn as { router?: KoaRouterLike }).router : undefined;
      if (router === undefined || router === null || typeof router.match !== 'function') continue;
      left -= Array.isArray(router.stack) ? router.stack.length : 0;
      if (left < 0) return UNMATCHED_ROUTE;
      if (typeof router.matchHost === 'function' && !router.matchHost(ctx.host)) continue;
      // The path @koa/router routes on (its _getRequestPath).
      const c = ctx as { newRouterPath?: unknown; routerPath?: unknown };
      const routed = router.opts?.routerPath || c.newRouterPath || path || c.routerPath;
      if (typeof routed !== 'string' || routed.length > MAX_PATH) continue;
      const found = router.match(routed, method);
      if (found?.route !== true || !Array.isArray(found.pathAndMethod)) continue;
      // As @koa/router sets `_matchedRoute`: the last matched layer that is a route (has methods).
      for (let i = found.pathAndMethod.length - 1; i >= 0; i--) {
        const layer = found.pathAndMethod[i];
        if (Array.isArray(layer?.methods) && layer.methods.length > 0 && typeof layer.path === 'string') {
          return layer.path;
        }
      }
    }
    return UNMATCHED_ROUTE;
  } catch {
    return UNMATCHED_ROUTE;
  }
}
