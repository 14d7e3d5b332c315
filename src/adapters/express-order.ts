// Express: tells once when the middleware is mounted after routes, routers or sub-apps of its app that answer
// requests it never sees (outside review 20, F6: 100 requests, 50 of them 500, read `requests: healthy`, total 0,
// with nothing logged; review 21, F7–F9: sub-apps, routers holding only middleware, a router-level mount).

import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Logger } from '../types.js';
import { liftedFrom } from './express-hoist.js';
import { mountedApp, routerOf } from './express-route.js';
import { warnRoutesBefore } from './mount-warning.js';
import type { UnseenWatcher } from './unseen-requests.js';

/** A layer of Express's router stack as far as this check reads it. */
interface LayerLike {
  handle?: unknown;
  route?: { path?: unknown; methods?: Record<string, unknown> };
  name?: unknown;
}

/** How deep routers and sub-apps are looked into (a guard against cycles and pathological nesting). */
const DEPTH = 8;
/** `app.all()` registers every method (Express 5: 35 of them; Express 4 also `_all`): named `ALL`. */
const ALL_METHODS = 30;

/** The stack inside a router or sub-app layer, or undefined for any other layer. */
function innerStack(layer: LayerLike): LayerLike[] | undefined {
  const handle = layer.handle as { stack?: unknown } | undefined;
  if (layer.name === 'router' && Array.isArray(handle?.stack)) return handle.stack as LayerLike[];
  if (layer.name === 'mounted_app') {
    const stack = routerOf(mountedApp(layer.handle));
    return Array.isArray(stack) ? (stack as LayerLike[]) : [];
  }
  return undefined;
}

/** `GET /ok`, `ALL /x`: a route layer. */
function routeName(route: NonNullable<LayerLike['route']>): string {
  const methods = Object.keys(route.methods ?? {}).filter((m) => m !== '_all');
  const all = route.methods?._all === true || methods.length >= ALL_METHODS;
  const verb = all || methods.length === 0 ? 'ALL' : methods.map((m) => m.toUpperCase()).join(',');
  return `${verb} ${String(route.path)}`;
}

/** Whether a stack holds a route, at any depth of its routers and sub-apps. */
function holdsRoutes(stack: LayerLike[], depth: number): boolean {
  return stack.some((layer) => {
    if (layer.route) return true;
    const inner = depth < DEPTH ? innerStack(layer) : undefined;
    return inner !== undefined && holdsRoutes(inner, depth + 1);
  });
}

/** What a layer before the middleware answers by itself: a route, a router or sub-app holding routes. */
function answering(layer: LayerLike, depth: number): string | undefined {
  if (layer.route) return routeName(layer.route);
  const inner = innerStack(layer);
  if (inner === undefined || !holdsRoutes(inner, depth + 1)) return undefined;
  return layer.name === 'router' ? 'a router' : 'a sub-app';
}

/**
 * The layers answering requests before `middleware` in `stack` (routers and sub-apps searched for it, so a
 * router-level mount counts the router's own routes before it and the app's before the router); undefined when
 * `middleware` is not in it.
 */
function answeredBefore(stack: LayerLike[], middleware: unknown, depth: number): string[] | undefined {
  const before: string[] = [];
  for (const layer of stack) {
    if (layer.handle === middleware) return before;
    const inner = depth < DEPTH ? innerStack(layer) : undefined;
    const found = inner === undefined ? undefined : answeredBefore(inner, middleware, depth + 1);
    if (found !== undefined) return [...before, ...found];
    const name = answering(layer, depth);
    if (name !== undefined) before.push(name);
  }
  return undefined;
}

/**
 * Called at the middleware's first request: when routes, or routers and sub-apps holding routes, come before its
 * layer in the app's stack, warns once, naming them (their requests are answered before it: not measured). Never
 * throws.
 */
export function warnIfMountedLate(req: Request, middleware: unknown, logger: Logger | undefined): void {
  try {
    const stack = routerOf((req as { app?: unknown }).app) as LayerLike[] | undefined;
    if (!Array.isArray(stack)) return;
    const before = answeredBefore(stack, middleware, 0);
    if (before === undefined || before.length === 0) return;
    warnRoutesBefore(before, logger);
  } catch {
    // an Express whose router we do not know: no check
  }
}

/** The sysvitals middlewares made in this process, each with its count of missed requests (unseen-requests.ts). */
const middlewares = new WeakMap<object, UnseenWatcher>();
/** Per app: the watcher of the middleware its stack holds (null: none), found for a stack of that length. */
const appWatchers = new WeakMap<object, { length: number; watcher: UnseenWatcher | null }>();

/** A middleware to look for in the apps of responses it missed. */
export function expressWatcherOf(middleware: object, watcher: UnseenWatcher): void {
  middlewares.set(middleware, watcher);
}

/** The watcher of the middleware lifted out of `app`'s router (express-hoist.ts): no longer in its stack. */
function liftedWatcher(app: unknown): UnseenWatcher | undefined {
  const lifted = liftedFrom(app);
  return lifted === undefined ? undefined : middlewares.get(lifted);
}

/** The watcher of a middleware in `stack` or its routers and sub-apps (one lifted out of a sub-app's included). */
function watcherIn(stack: LayerLike[], depth: number): UnseenWatcher | null {
  for (const layer of stack) {
    const w = typeof layer.handle === 'function' ? middlewares.get(layer.handle) : undefined;
    if (w !== undefined) return w;
    const lifted = layer.name === 'mounted_app' ? liftedWatcher(mountedApp(layer.handle)) : undefined;
    if (lifted !== undefined) return lifted;
    const inner = depth < DEPTH ? innerStack(layer) : undefined;
    const found = inner === undefined ? null : watcherIn(inner, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * For a response no middleware tracked on a server no middleware has learnt (a handler before the middleware
 * answers every request): the middleware in the stack of the request's app, or of the apps it is mounted in
 * (a sub-app that answered leaves `req.app` its own). Looked up again only when a stack's length changed.
 */
export function expressWatcherFor(request: IncomingMessage): UnseenWatcher | undefined {
  let app = (request as { app?: unknown }).app;
  for (let depth = 0; typeof app === 'function' && depth < DEPTH; depth++) {
    const stack = routerOf(app) as LayerLike[] | undefined;
    if (!Array.isArray(stack)) return undefined;
    let known = appWatchers.get(app);
    if (known === undefined || known.length !== stack.length) {
      known = { length: stack.length, watcher: liftedWatcher(app) ?? watcherIn(stack, 0) };
      appWatchers.set(app, known);
    }
    if (known.watcher !== null) return known.watcher;
    app = (app as { parent?: unknown }).parent;
  }
  return undefined;
}
