// For an Express request that ended unmatched (no route ran: an auth middleware before the router answered 401, a
// rate limiter 429, or no route has its URL), the route its method and URL would have reached: the label it is
// recorded under, as Fastify (which routes before its hooks) records the same request (outside review 29, RT29-2).
// Only for requests that end unmatched, never on a matched request's path; bounded (MAX_PATH, MAX_LAYERS).

import { UNMATCHED_ROUTE } from './common.js';
import { mountedApp, routerOf, topApp } from './express-apps.js';
import { routeObjectLabel, routerReach } from './express-route.js';
import { candidateLayers } from './would-match-index.js';

/** Longer paths are not looked up (stay `unmatched`): no API route is that long, and a scanner's can be. */
export const MAX_PATH = 2048;
/** Router layers tried per lookup, every router and sub-app together; past it the request stays `unmatched`. */
export const MAX_LAYERS = 1024;
const MAX_DEPTH = 16;

// Just enough of Express 4's and router 2.x's layers and routes.
interface Layer {
  route?: {
    path?: unknown;
    _handlesMethod?(method: string): boolean;
    _handles_method?(method: string): boolean;
  };
  handle?: { stack?: unknown };
  match?(path: string): unknown;
  path?: unknown;
}

interface Found {
  route: object;
  app: unknown;
  baseUrl: string;
}

interface ExpressRequestLike {
  app?: unknown;
  originalUrl?: string;
  url?: string;
}

/**
 * The label of the route `method` and the request's URL would have matched in its app's router tree (from the
 * topmost app, sub-apps and routers with their mount paths, in order), or `unmatched`. Never throws.
 */
export function expressWouldMatch(req: ExpressRequestLike, method: string): string {
  try {
    const url = req.originalUrl ?? req.url;
    if (typeof url !== 'string' || url.length > MAX_PATH || url.charCodeAt(0) !== 47) return UNMATCHED_ROUTE;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let root = topApp(req.app);
    let found = walk(routerOf(root), root, path, '', method, { left: MAX_LAYERS }, 0);
    // An app handed to a Router (RTD-1): from the root app its server serves (looked up once per app).
    const outer = found === undefined ? routerReach(root, req)?.root : undefined;
    if (outer !== undefined) {
      root = outer;
      found = walk(routerOf(root), root, path, '', method, { left: MAX_LAYERS }, 0);
    }
    return found === undefined
      ? UNMATCHED_ROUTE
      : routeObjectLabel(found.route, found.app, found.baseUrl, req);
  } catch {
    return UNMATCHED_ROUTE;
  }
}

/**
 * Express's own order through `stack`: the first route layer that handles `method` and matches `path`; a router
 * or sub-app whose mount path matches is entered with the rest of the path, and left for the next layer when
 * nothing in it matches. Other middleware is passed over (as one that calls next()).
 */
function walk(
  stack: unknown,
  app: unknown,
  path: string,
  baseUrl: string,
  method: string,
  budget: { left: number },
  depth: number,
): Found | undefined {
  if (!Array.isArray(stack) || depth > MAX_DEPTH) return undefined;
  // Only the layers that can match the path's first segment (would-match-index.ts, RT30-9).
  for (const layer of candidateLayers(stack, path, routeTemplate) as Layer[]) {
    if (--budget.left < 0) return undefined;
    if (!layer || typeof layer !== 'object' || typeof layer.match !== 'function') continue;
    const route = layer.route;
    if (route) {
      const handles = route._handlesMethod ?? route._handles_method;
      if (
        typeof handles === 'function' &&
        handles.call(route, method) &&
        matched(layer, path) !== undefined
      ) {
        return { route, app, baseUrl };
      }
      continue;
    }
    const router = layer.handle?.stack;
    // A sub-app: mounted (`app.use('/v1', sub)`), or handed to a Router's use() (the layer's handle itself).
    let sub = router === undefined ? mountedApp(layer.handle) : undefined;
    if (router === undefined && sub === undefined && routerOf(layer.handle) !== undefined) sub = layer.handle;
    const inner = router ?? routerOf(sub);
    if (!Array.isArray(inner)) continue;
    const consumed = matched(layer, path);
    if (consumed === undefined) continue;
    let rest = path.slice(consumed.length);
    if (rest.charCodeAt(0) !== 47) rest = `/${rest}`;
    const found = walk(inner, sub ?? app, rest, baseUrl + consumed, method, budget, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The part of `path` the layer matches (its mount path; the whole path for a route), or undefined: its own match,
 * which returns it on router >= 2.3 (Express 5) and sets the layer's `path` and `params` on Express 4 (read by
 * Express right after its own call, in the same synchronous step: this runs at a response's end, never inside
 * it). Express 4 throws on a malformed %-escape in a parameter: no match.
 */
function matched(layer: Layer, path: string): string | undefined {
  try {
    const m = (layer.match as (p: string) => unknown).call(layer, path) as { path?: unknown } | boolean;
    if (m !== null && typeof m === 'object') return typeof m.path === 'string' ? m.path : '';
    if (m !== true) return undefined;
    return typeof layer.path === 'string' ? layer.path : '';
  } catch {
    return undefined;
  }
}

/** A route layer's template (`app.get('/users/:id')`); mounts and middleware have none here. */
function routeTemplate(layer: unknown): unknown {
  return (layer as Layer | undefined)?.route?.path;
}
