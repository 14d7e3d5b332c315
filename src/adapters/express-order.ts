// Express: tells once when the middleware is mounted after routes, routers or sub-apps of its app that answer
// requests it never sees (outside review 20, F6: 100 requests, 50 of them 500, read `requests: healthy`, total 0,
// with nothing logged; review 21, F7–F9: sub-apps, routers holding only middleware, a router-level mount).

import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Logger } from '../types.js';
import { matchedPrefix, mountedApp, routerOf } from './express-apps.js';
import { liftedFrom } from './express-hoist.js';
import { warnRoutesBefore } from './mount-warning.js';
import { setPeers } from './unseen-peers.js';
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
  // An app given to a Router's use() (`router.use('/t/:tenant', app)`) is the layer's handle itself (RTD-1).
  const own = routerOf(handle);
  return Array.isArray(own) ? (own as LayerLike[]) : undefined;
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

/**
 * The middleware an app's stack holds (null: none), with the mount layers (sub-apps, routers) a request passes to
 * reach it; `via` null when one is in the app's own stack (every request of the app reaches it).
 */
interface Known {
  length: number;
  watcher: UnseenWatcher | null;
  via: LayerLike[][] | null;
  /** The middlewares in the app's own stack (or lifted out of it): every request of the app is theirs. */
  own: UnseenWatcher[];
}
/** Per app: what its stack holds, found for a stack of that length. */
const appWatchers = new WeakMap<object, Known>();

/** A middleware to look for in the apps of responses it missed. */
export function expressWatcherOf(middleware: object, watcher: UnseenWatcher): void {
  middlewares.set(middleware, watcher);
}

/** The watcher of the middleware lifted out of `app`'s router (express-hoist.ts): no longer in its stack. */
function liftedWatcher(app: unknown): UnseenWatcher | undefined {
  const lifted = liftedFrom(app);
  return lifted === undefined ? undefined : middlewares.get(lifted);
}

/** Each middleware in `stack` or its routers and sub-apps (one lifted out of a sub-app's included), with its mounts. */
function watchersIn(
  stack: LayerLike[],
  depth: number,
  via: LayerLike[],
  out: { watcher: UnseenWatcher; via: LayerLike[] }[],
): void {
  for (const layer of stack) {
    if (out.length >= 16) return;
    const w = typeof layer.handle === 'function' ? middlewares.get(layer.handle) : undefined;
    if (w !== undefined) {
      out.push({ watcher: w, via });
      continue;
    }
    const lifted = liftedWatcher(layer.name === 'mounted_app' ? mountedApp(layer.handle) : layer.handle);
    if (lifted !== undefined) {
      out.push({ watcher: lifted, via: [...via, layer] });
      continue;
    }
    const inner = depth < DEPTH ? innerStack(layer) : undefined;
    if (inner !== undefined) watchersIn(inner, depth + 1, [...via, layer], out);
  }
}

function knownOf(app: object, stack: LayerLike[]): Known {
  const lifted = liftedWatcher(app);
  const found = lifted === undefined ? [] : [{ watcher: lifted, via: [] }];
  watchersIn(stack, 0, [], found);
  const watcher = found[0]?.watcher ?? null;
  const mine = found.filter((f) => f.watcher === watcher);
  const own = [...new Set(found.filter((f) => f.via.length === 0).map((f) => f.watcher))];
  // Two monitors on the app (RTD-6): each counts the requests answered before them.
  if (own.length > 1) setPeers(own);
  return {
    length: stack.length,
    watcher,
    via: mine.some((f) => f.via.length === 0) ? null : mine.map((f) => f.via),
    own,
  };
}

/** At a middleware's first request: the monitors in its app's stack are told of each other (RTD-6). */
export function notePeers(request: IncomingMessage): void {
  try {
    knownFor(request);
  } catch {
    // an Express whose router we do not know: each monitor counts what the server it learnt missed
  }
}

/**
 * For a response no middleware tracked on a server no middleware has learnt (a handler before the middleware
 * answers every request): the middleware in the stack of the request's app, or of the apps it is mounted in
 * (a sub-app that answered leaves `req.app` its own). Looked up again only when a stack's length changed.
 */
export function expressWatcherFor(request: IncomingMessage): UnseenWatcher | undefined {
  return knownFor(request)?.watcher ?? undefined;
}

function knownFor(request: IncomingMessage): Known | undefined {
  let app = (request as { app?: unknown }).app;
  for (let depth = 0; typeof app === 'function' && depth < DEPTH; depth++) {
    const stack = routerOf(app) as LayerLike[] | undefined;
    if (!Array.isArray(stack)) return undefined;
    let known = appWatchers.get(app);
    if (known === undefined || known.length !== stack.length) {
      known = knownOf(app, stack);
      appWatchers.set(app, known);
    }
    if (known.watcher !== null) return known;
    app = (app as { parent?: unknown }).parent;
  }
  return undefined;
}

/**
 * Whether a missed request was `watcher`'s app's (RT48-4): its middleware is in the stack of the request's app (or
 * of the apps it is mounted in), and when it is there only inside a sub-app or router, the request's path is within
 * that mount's path (outside review C, RTC-6: a parent's 5xx on `/other`, outside the sub-app's `/v1`, were counted
 * as the sub-app's failures).
 */
export function expressOwns(request: IncomingMessage, watcher: UnseenWatcher): boolean {
  const known = knownFor(request);
  if (known?.own.includes(watcher)) return true;
  // Another monitor's middleware beside the one found, in the same app (RTD-6): judged as that one.
  if (known === undefined || (known.watcher !== watcher && !known.watcher?.peers.includes(watcher)))
    return false;
  if (known.via === null) return true;
  const path = ((request as { originalUrl?: string }).originalUrl ?? request.url ?? '').split(
    '?',
  )[0] as string;
  return known.via.some((layers) => reaches(layers, path));
}

/** Whether a request for `path` passes each mount layer in turn (each taking its part of the path). */
function reaches(layers: LayerLike[], path: string): boolean {
  let rest = path;
  for (const layer of layers) {
    const consumed = matchedPrefix(layer as Parameters<typeof matchedPrefix>[0], rest);
    if (consumed === undefined) return false;
    rest = rest.slice(consumed.length);
  }
  return true;
}
