// Whether a koa-mount'ed sub-app takes a request under a basePath the app shares (RT31-11 left it out): koa-mount
// (`app.use(mount('/api/v2', subApp))`) keeps its prefix and the sub-app's middleware in a closure with no property,
// so the sub-app's routers cannot be looked into (koa-would-match.ts). What can be asked is koa-mount's own prefix
// test: its middleware, recognised by its source, is called with a stand-in context that gives only `path`; it calls
// the stand-in `next` when the path is outside its prefix, or sets `mountPath` when the path enters the sub-app, where
// the stand-in throws before anything else of koa-mount, and anything of the sub-app, runs. A path inside the prefix
// is then the sub-app's, routes of its own or middleware (static files), at any depth of mounts inside it.
// A sub-app mounted at '/' (`mount(subApp)`, `mount('/', subApp)`; RT35-8) has no prefix test: koa-mount returns
// koa-compose's dispatch over the sub-app's middleware itself, which takes every path. It is recognised by
// koa-compose's source and, never called, takes every path under basePath that is no endpoint (as basePathShared
// does; the endpoints keep their authentication). A group of middleware the app composes itself
// (`app.use(compose([...]))`) has the same function and is taken the same way.

import type { Context } from 'koa';
import { MAX_LAYERS, MAX_PATH } from './express-would-match.js';

/** koa-mount 4's middleware (Koa 2 and 3): `const newPath = match(prev)`, then `ctx.mountPath = prefix` when it matched. */
const KOA_MOUNT_SOURCE = /\bmatch\(prev\)[\s\S]*\bupstream\(\)[\s\S]*\bctx\.mountPath\s*=\s*prefix\b/;
/** koa-compose 4's middleware (what `mount('/', subApp)` returns): `let index = -1`, `dispatch(0)`, `dispatch.bind(null, i + 1)`. */
const KOA_COMPOSE_SOURCE =
  /\blet index = -1\b[\s\S]*\breturn dispatch\(0\)[\s\S]*\bfunction dispatch\s*\(i\)[\s\S]*\bdispatch\.bind\(null, i \+ 1\)/;
/** Per function: a koa-mount with a prefix, a root mount (koa-compose), or neither. */
const recognised = new WeakMap<object, 'mount' | 'root' | false>();
/** Thrown by the stand-in context to stop koa-mount at its entry into the sub-app. */
const STOP = Symbol('sysvitals.koaMountStop');

/**
 * True when a koa-mount middleware of the request's app (before any router; in order) would enter its sub-app
 * for the request's path. Runs only koa-mount's own code; never throws.
 */
export function koaMountTakes(ctx: Context): boolean {
  try {
    const middleware = (ctx.app as { middleware?: unknown } | undefined)?.middleware;
    const path = ctx.path;
    if (!Array.isArray(middleware) || typeof path !== 'string' || path.length > MAX_PATH) return false;
    let left = MAX_LAYERS;
    for (const fn of middleware as unknown[]) {
      if (--left < 0) return false;
      if (typeof fn !== 'function') continue;
      const kind = mountKind(fn);
      if (kind === 'root' || (kind === 'mount' && enters(fn, path))) return true;
    }
    return false;
  } catch {
    return false;
  }
}

function mountKind(fn: object): 'mount' | 'root' | false {
  let known = recognised.get(fn);
  if (known === undefined) {
    let source = '';
    try {
      source = Function.prototype.toString.call(fn);
    } catch {}
    known =
      source.length >= 4096
        ? false
        : KOA_MOUNT_SOURCE.test(source)
          ? 'mount'
          : KOA_COMPOSE_SOURCE.test(source)
            ? 'root'
            : false;
    recognised.set(fn, known);
  }
  return known;
}

/**
 * For one middleware of an app: the prefix of the koa-mount it is when `path` enters its sub-app (`/` for a sub-app
 * mounted at '/', which takes every path), else undefined (no koa-mount, or the path is outside its prefix, in
 * koa-mount's own letter case). Never throws.
 */
export function koaMountEntered(fn: unknown, path: string): string | undefined {
  try {
    if (typeof fn !== 'function') return undefined;
    const kind = mountKind(fn);
    return kind === 'root' ? '/' : kind === 'mount' ? enteredPrefix(fn, path) : undefined;
  } catch {
    return undefined;
  }
}

/** koa-mount's prefix test on `path`: true when it would set `mountPath` (enter its sub-app). */
function enters(fn: unknown, path: string): boolean {
  return enteredPrefix(fn, path) !== undefined;
}

/**
 * The prefixes of the app's koa-mount middleware (before any router; in order) whose sub-app `path` enters: the
 * mount's prefix (`/api`; a sub-app mounted at '/' has none, and is not told). For the once-only basePath check
 * (base-path-shadows.ts); never throws.
 */
export function koaMountPrefixesFor(app: unknown, path: string): string[] {
  const found: string[] = [];
  try {
    const middleware = (app as { middleware?: unknown } | undefined)?.middleware;
    if (!Array.isArray(middleware) || path.length > MAX_PATH) return found;
    let left = MAX_LAYERS;
    for (const fn of middleware as unknown[]) {
      if (--left < 0) break;
      if (typeof fn !== 'function') continue;
      const kind = mountKind(fn);
      if (kind === 'mount') {
        const prefix = enteredPrefix(fn, path);
        if (prefix !== undefined) found.push(prefix);
      }
    }
  } catch {}
  return found;
}

/** koa-mount's prefix test on `path`: the prefix it would set as `mountPath` (enter its sub-app), or undefined. */
function enteredPrefix(fn: unknown, path: string): string | undefined {
  let entered: string | undefined;
  const stop = (): never => {
    throw STOP;
  };
  // Only `path` can be read; any other read, and any write, stops the call (a write of `mountPath` says it entered).
  const standIn = new Proxy(Object.create(null) as object, {
    get: (_t, key) => (key === 'path' ? path : stop()),
    set: (_t, key, value) => {
      if (key === 'mountPath') entered = typeof value === 'string' ? value : '/';
      return stop();
    },
    has: stop,
    defineProperty: stop,
    deleteProperty: stop,
    getOwnPropertyDescriptor: stop,
    ownKeys: stop,
    getPrototypeOf: stop,
    setPrototypeOf: stop,
  });
  try {
    const out = (fn as (ctx: object, next: () => Promise<void>) => unknown)(standIn, () => Promise.resolve());
    if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
      (out as Promise<unknown>).then(undefined, ignore);
    }
  } catch {}
  return entered;
}

function ignore(): void {}
