// Sees the errors an Express app leaves to Express's final handler: one that comes after the response started is
// answered by destroying the connection (finalhandler), which would otherwise read as the client's close.

import type { NextFunction, Request, Response } from 'express';
import { isClientCloseError, markFailed } from '../requests/cut-off.js';

/** Just enough of an Express router (5: `app.router`; 4: `app._router`): its stack, use() and route(). */
interface RouterLike {
  stack: { handle?: unknown }[];
  use(handler: (err: unknown, req: Request, res: Response, next: NextFunction) => void): unknown;
  route?(...args: unknown[]): unknown;
}

type Registration = (this: RouterLike, ...args: unknown[]) => unknown;

const WATCHED = new WeakSet<object>();

/**
 * An error handler that marks the response failed (cut-off.ts) and hands the error on, unchanged: Express calls it
 * only for errors no handler of the app answered, so an app's own error handlers run first, as before.
 */
function sysvitalsLateError(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!clientWentAway(err, req)) markFailed(res);
  next(err);
}

/**
 * Errors that report the client's close, not a failure of the application (CLIENT_CLOSE_CODES: outside review 2,
 * G4: clients closing downloads early read as 500s). A connection already destroyed when the error arrives was
 * closed before it.
 */
function clientWentAway(err: unknown, req: Request): boolean {
  if (isClientCloseError(err)) return true;
  return req.socket?.destroyed === true;
}

/**
 * Called with the first request the middleware sees: appends sysvitalsLateError to the end of the request's app
 * router, once per router (errors only pass it: requests without one never do), and keeps it last (keepLast). Never
 * throws.
 */
export function watchLateErrors(req: Request): void {
  try {
    const app = (req as { app?: unknown }).app;
    if (typeof app !== 'function') return;
    const a = app as unknown as { _router?: unknown; router?: unknown };
    // Express 4's `app.router` is a getter that throws; its router is `_router`.
    const router = (a._router ?? a.router) as RouterLike | undefined;
    if (!router || typeof router.use !== 'function' || WATCHED.has(router)) return;
    WATCHED.add(router);
    router.use(sysvitalsLateError);
    keepLast(router);
  } catch {
    // not an Express router we know: errors after the response started stay aborted requests
  }
}

/**
 * Routes and middleware the application adds after the first request (`app.get`, `app.use`, `app.route`: each goes
 * through the router's route() or use(), Express 4 and 5) would come after sysvitalsLateError, so their errors
 * would never pass it and a response they cut off would read as the client's close (outside review 2, G5). A
 * registration on this router moves the handler back to the end: work at registration only, none per request.
 * The move waits for the end of the registering code (a microtask: no request is dispatched before it), so that
 * registering many routes copies the stack once; the stack is replaced by a new array, as the router's handle()
 * keeps the array it started with (a request on its way is not shifted by a layer). Layers pushed onto
 * `router.stack` directly are not seen.
 */
function keepLast(router: RouterLike): void {
  if (!Array.isArray(router.stack)) return;
  const layer = router.stack[router.stack.length - 1];
  if (layer?.handle !== sysvitalsLateError) return;
  let pending = false;
  const moveLast = (): void => {
    pending = false;
    try {
      const stack = router.stack;
      const at = Array.isArray(stack) ? stack.lastIndexOf(layer) : -1;
      if (at === -1 || at === stack.length - 1) return;
      const moved = stack.slice();
      moved.splice(at, 1);
      moved.push(layer);
      router.stack = moved;
    } catch {
      // a stack we cannot replace: later routes' errors stay aborted requests, as before
    }
  };
  const after = (register: Registration | undefined): Registration | undefined =>
    register === undefined
      ? undefined
      : function sysvitalsKeepLast(this: RouterLike, ...args: unknown[]): unknown {
          const result = register.apply(this, args);
          if (!pending) {
            pending = true;
            queueMicrotask(moveLast);
          }
          return result;
        };
  for (const name of ['use', 'route'] as const) {
    const wrapped = after(router[name] as Registration | undefined);
    if (wrapped !== undefined)
      Object.defineProperty(router, name, { value: wrapped, configurable: true, writable: true });
  }
}
