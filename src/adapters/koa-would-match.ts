// For a Koa request that ended unmatched (@koa/router matched no route: an auth middleware before it answered 401,
// a rate limiter 429, or no route has its URL), the route its method and path would have reached: the label it is
// recorded under, as Fastify (which routes before its hooks) records the same request (outside review 29, RT29-2).
// Only for requests that end unmatched, never on a matched request's path; bounded (MAX_PATH, MAX_LAYERS).

import type { Context } from 'koa';
import { UNMATCHED_ROUTE } from './common.js';
import { MAX_LAYERS, MAX_PATH } from './express-would-match.js';
import { joinMount, type LearntLevels, learntLevels } from './koa-mount.js';
import { koaMountEntered } from './koa-mount-takes.js';
import { candidateLayers } from './would-match-index.js';

// Just enough of @koa/router: `routes()` (and `middleware()`) return a dispatch function holding its router.
interface RouterLayer {
  path?: unknown;
  match?(path: string): unknown;
  methods?: unknown[];
  paramNames?: unknown[];
}
interface KoaRouterLike {
  stack?: unknown[];
  exclusive?: unknown;
  opts?: { routerPath?: unknown; exclusive?: unknown };
  match?(path: string, method: string): { route?: boolean; pathAndMethod?: RouterLayer[] };
  matchHost?(host: string): boolean;
}

/**
 * The template of the route the request would have matched in the first @koa/router of its app's middleware that
 * has one for its path and method (prefixes and nested routers included: @koa/router keeps them in the layer's
 * path, as `_matchedRoute`), or `unmatched`. Routers inside a koa-mount sub-app are seen once learnt from the
 * requests they routed (koa-mount.ts; koa-mount keeps the sub-app to itself), unless `learnt` is false (the once-only
 * basePath check, which must not depend on which requests came first). `asMethod` asks for another method than the
 * request's. With `mounts`, a koa-mount whose sub-app the path enters before such a router, and has no learnt route
 * for it, is its answer: `<prefix>/* (koa-mount)`. Never throws.
 */
export function koaWouldMatch(ctx: Context, asMethod?: string, mounts = false, learnt = true): string {
  try {
    const middleware = (ctx.app as { middleware?: unknown } | undefined)?.middleware;
    if (!Array.isArray(middleware)) return UNMATCHED_ROUTE;
    const path = ctx.path;
    if (typeof path !== 'string' || path.length > MAX_PATH) return UNMATCHED_ROUTE;
    const method = asMethod ?? ctx.req.method ?? 'GET';
    // Sub-app levels learnt from the requests they handled (koa-mount.ts): none on an app that never mounted.
    const levels = learnt ? learntLevels(ctx.app) : undefined;
    const budget = { left: MAX_LAYERS };
    for (const fn of middleware as unknown[]) {
      if (--budget.left < 0) return UNMATCHED_ROUTE;
      const router = typeof fn === 'function' ? (fn as { router?: KoaRouterLike }).router : undefined;
      if ((mounts || levels !== undefined) && router === undefined) {
        const prefix = koaMountEntered(fn, path);
        if (prefix !== undefined) {
          const inner =
            levels === undefined || prefix === '/'
              ? undefined
              : levelMatch(levels, prefix, path, ctx, method, budget);
          if (inner !== undefined) return inner;
          if (mounts) return `${prefix}/* (koa-mount)`;
        }
      }
      const found = routerMatch(router, ctx, undefined, method, budget);
      if (found !== undefined) return found;
      if (budget.left < 0) return UNMATCHED_ROUTE;
    }
    return UNMATCHED_ROUTE;
  } catch {
    return UNMATCHED_ROUTE;
  }
}

/** The route label `router` gives the request (`path`: a sub-app's path; else the request's own), or undefined. */
function routerMatch(
  router: KoaRouterLike | undefined | null,
  ctx: Context,
  path: string | undefined,
  method: string,
  budget: { left: number },
): string | undefined {
  if (router === undefined || router === null || typeof router.match !== 'function') return undefined;
  if (typeof router.matchHost === 'function' && !router.matchHost(ctx.host)) return undefined;
  // The path @koa/router routes on (its _getRequestPath).
  const c = ctx as { newRouterPath?: unknown; routerPath?: unknown };
  const routed =
    router.opts?.routerPath || (path === undefined ? c.newRouterPath || ctx.path || c.routerPath : path);
  if (typeof routed !== 'string' || routed.length > MAX_PATH) return undefined;
  // The layers tried count against MAX_LAYERS: only those that can match the path's first segment.
  const layers = Array.isArray(router.stack) ? candidateLayers(router.stack, routed, layerPath) : undefined;
  budget.left -= layers === undefined ? 0 : layers.length;
  if (budget.left < 0) return undefined;
  const found =
    layers !== undefined ? matchLayers(layers, routed, method) : matchedRoute(router.match(routed, method));
  return found === undefined ? undefined : labelOf(router, found);
}

/**
 * For a path that enters the sub-app mounted at `level` (its whole prefix): the label of the route its learnt routers
 * and nested mounts (koa-mount.ts) give the path the sub-app sees, the mount prefixes joined before it; undefined when
 * none (or nothing learnt yet).
 */
function levelMatch(
  learnt: LearntLevels,
  level: string,
  path: string,
  ctx: Context,
  method: string,
  budget: { left: number },
): string | undefined {
  const items = learnt.get(level);
  if (items === undefined) return undefined;
  const inner = path.slice(level.length) || '/';
  for (const item of items) {
    if (--budget.left < 0) return undefined;
    if ('router' in item) {
      const route = routerMatch(item.router as KoaRouterLike, ctx, inner, method, budget);
      if (route !== undefined) return joinMount(level, route);
    } else if (item.mount.length > level.length && entersMount(path, item.mount)) {
      const route = levelMatch(learnt, item.mount, path, ctx, method, budget);
      if (route !== undefined) return route;
    }
  }
  return undefined;
}

/** koa-mount's own prefix test (its `match`), for a whole prefix against the outer path. */
function entersMount(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith('/') || path.length === prefix.length || path.charCodeAt(prefix.length) === 47;
}

/**
 * The `_matchedRoute` @koa/router leaves on a request its router runs (outside review 30, RT30-2): each layer it runs
 * sets its own path as it is entered, so, when the handler answers (it does not call next(), RT30-3), the first
 * route layer of the match in order of registration (`/users/:id` before `/users/new` takes /users/new); with
 * `exclusive`, the one layer it runs: the last match, or the one with fewest parameters under 'specificity'. A
 * RegExp route's template is its source, as String() gives it (koaRouteOf).
 */
function labelOf(router: KoaRouterLike, layers: RouterLayer[]): string | undefined {
  let chosen: RouterLayer | undefined;
  if (router.exclusive === true || (router.exclusive === undefined && Boolean(router.opts?.exclusive))) {
    if (router.opts?.exclusive === 'specificity') {
      for (const layer of layers) {
        if (chosen === undefined || params(layer) < params(chosen)) chosen = layer;
      }
    } else {
      chosen = layers[layers.length - 1];
    }
  } else {
    chosen = layers.find((layer) => Array.isArray(layer?.methods) && layer.methods.length > 0);
  }
  const path = chosen?.path;
  if (typeof path === 'string') return path;
  return path instanceof RegExp ? String(path) : undefined;
}

function params(layer: RouterLayer): number {
  return Array.isArray(layer.paramNames) ? layer.paramNames.length : 0;
}

/**
 * @koa/router's `match(path, method).pathAndMethod` (its layers that match the path and are middleware or have
 * the method), over `layers`: only those that can match the path's first segment (would-match-index.ts, RT30-9); undefined
 * when no route layer is among them (`route: false`).
 */
function matchLayers(layers: unknown[], path: string, method: string): RouterLayer[] | undefined {
  const upper = method.toUpperCase();
  const out: RouterLayer[] = [];
  let route = false;
  for (const item of layers) {
    const layer = item as RouterLayer | undefined;
    if (typeof layer?.match !== 'function' || !Array.isArray(layer.methods) || !layer.match(path)) continue;
    if (layer.methods.length === 0) out.push(layer);
    else if (layer.methods.includes(upper)) {
      out.push(layer);
      route = true;
    }
  }
  return route ? out : undefined;
}

function layerPath(layer: unknown): unknown {
  return (layer as RouterLayer | undefined)?.path;
}

function matchedRoute(
  found: ReturnType<NonNullable<KoaRouterLike['match']>> | undefined,
): RouterLayer[] | undefined {
  return found?.route === true && Array.isArray(found.pathAndMethod) ? found.pathAndMethod : undefined;
}
