// Lifts the sysvitals middleware out of Express's router stack when it is mounted first, so that Express's
// router no longer passes a layer of its own per request (issue 18: that pass cost ~10,000 instructions per
// request under callgrind: reading and writing properties of a request whose hidden class is its own).

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isExpress4App } from './express-apps.js';

/** Just enough of router 2.x (Express 5): its stack of layers and its handle(). */
interface RouterLike {
  stack: { handle?: unknown; slash?: boolean }[];
  handle(req: Request, res: Response, done: NextFunction): void;
}

/**
 * What the hoisted entry runs for a request before the application: `plain` tells whether the request may take the
 * hoisted path at all (else it goes through the router with the middleware's layer in place, exactly as before);
 * `begin` then does the middleware's own work and returns false when it answered the request (shed); `scoped` says
 * whether the application must run inside `runScoped` (database instrumentation on).
 */
export interface HoistedEntry {
  plain(req: Request): boolean;
  begin(req: Request, res: Response): boolean;
  scoped(): boolean;
  runScoped(req: Request, run: () => void): void;
}

const HOISTED = new WeakSet<object>();
/** Each Express 5 app whose router the middleware was lifted out of, with that middleware (liftedFrom). */
const LIFTED = new WeakMap<object, RequestHandler>();

/**
 * The sysvitals middleware lifted out of `app`'s router (no longer a layer of its stack), if one was: an app whose
 * stack is searched for the middleware (express-order.ts: whose unseen failures a request is, RT48-4) finds it here
 * (outside review A, RTA-2: it was not found once lifted, and the 5xx a parent app answered before a mounted app's
 * middleware went uncounted). Never throws.
 */
export function liftedFrom(app: unknown): RequestHandler | undefined {
  return typeof app === 'function' ? LIFTED.get(app) : undefined;
}

/**
 * Called with the first request the middleware sees. When `middleware` is the first layer of the request's app
 * router (mounted at '/', as `app.use(monitor.middleware())` mounts it), the layer leaves the router's stack (a new
 * array: requests already on their way keep iterating the old one) and the router's handle() runs `entry` first.
 * Requests that are not plain (admin URLs, upgrades) go through the router with the layer in place, so that the
 * middleware answers them with the router's request fields set. Returns whether it was lifted.
 */
export function hoistFirstLayer(req: Request, middleware: RequestHandler, entry: HoistedEntry): boolean {
  const app = (req as { app?: unknown }).app;
  // Express 4: nothing to lift (its router passes Express's own query and expressInit layers first), and its
  // `app.router` is a getter that throws (which failed the first request).
  if (typeof app !== 'function' || isExpress4App(app)) return false;
  const router = (app as { router?: unknown }).router as RouterLike | undefined;
  if (!router || HOISTED.has(router) || !Array.isArray(router.stack)) return false;
  const layer = router.stack[0];
  if (!layer || layer.handle !== middleware || layer.slash !== true) return false;
  if (typeof router.handle !== 'function' || Object.hasOwn(router, 'handle')) return false;
  const handle = router.handle;
  HOISTED.add(router);
  LIFTED.set(app, middleware);
  router.stack = router.stack.slice(1);
  router.handle = function sysvitalsRouterHandle(req: Request, res: Response, done: NextFunction): void {
    if (!entry.plain(req)) {
      const stack = router.stack;
      const full = [layer, ...stack];
      router.stack = full;
      try {
        handle.call(router, req, res, done);
      } finally {
        // handle() keeps the array it started with: later requests see the stack without the layer again.
        if (router.stack === full) router.stack = full.length === stack.length + 1 ? stack : full.slice(1);
      }
      return;
    }
    // As Express's layer would have: a failure of the middleware's own work never reaches the host (the
    // request goes on unmonitored).
    let go = true;
    try {
      go = entry.begin(req, res);
    } catch {
      go = true;
    }
    if (!go) return;
    if (entry.scoped()) entry.runScoped(req, () => handle.call(router, req, res, done));
    else handle.call(router, req, res, done);
  };
  return true;
}
