// Whether a koa-mount'ed sub-app takes a request under a basePath the app shares (RT31-11 left it out): koa-mount
// (`app.use(mount('/api/v2', subApp))`) keeps its prefix and the sub-app's middleware in a closure with no property,
// so the sub-app's routers cannot be looked into (koa-would-match.ts). What can be asked is koa-mount's own prefix
// test: its middleware, recognised by its source, is called with a stand-in context that gives only `path`; it calls
// the stand-in `next` when the path is outside its prefix, or sets `mountPath` when the path enters the sub-app, where
// the stand-in throws before anything else of koa-mount, and anything of the sub-app, runs. A path inside the prefix
// is then the sub-app's, routes of its own or middleware (static files), at any depth of mounts inside it.

import type { Context } from 'koa';
import { MAX_LAYERS, MAX_PATH } from './express-would-match.js';

/** koa-mount 4's middleware (Koa 2 and 3): `const newPath = match(prev)`, then `ctx.mountPath = prefix` when it matched. */
const KOA_MOUNT_SOURCE = /\bmatch\(prev\)[\s\S]*\bupstream\(\)[\s\S]*\bctx\.mountPath\s*=\s*prefix\b/;
const recognised = new WeakMap<object, boolean>();
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
      if (typeof fn === 'function' && isKoaMount(fn) && enters(fn, path)) return true;
    }
    return false;
  } catch {
    return false;
  }
}

function isKoaMount(fn: object): boolean {
  let known = recognised.get(fn);
  if (known === undefined) {
    let source = '';
    try {
      source = Function.prototype.toString.call(fn);
    } catch {}
    known = source.length < 4096 && KOA_MOUNT_SOURCE.test(source);
    recognised.set(fn, known);
  }
  return known;
}

/** koa-mount's prefix test on `path`: true when it would set `mountPath` (enter its sub-app). */
function enters(fn: unknown, path: string): boolean {
  let entered = false;
  const stop = (): never => {
    throw STOP;
  };
  // Only `path` can be read; any other read, and any write, stops the call (a write of `mountPath` says it entered).
  const standIn = new Proxy(Object.create(null) as object, {
    get: (_t, key) => (key === 'path' ? path : stop()),
    set: (_t, key) => {
      if (key === 'mountPath') entered = true;
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
