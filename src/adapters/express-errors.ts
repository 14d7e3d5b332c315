// Sees the errors an Express app leaves to Express's final handler: one that comes after the response started is
// answered by destroying the connection (finalhandler), which would otherwise read as the client's close.

import type { NextFunction, Request, Response } from 'express';
import { markFailed } from '../requests/cut-off.js';

/** Just enough of an Express router (5: `app.router`; 4: `app._router`): its use(). */
interface RouterLike {
  use(handler: (err: unknown, req: Request, res: Response, next: NextFunction) => void): unknown;
}

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
 * Errors that report the client's close, not a failure of the application: `res.sendFile(path, next)` and
 * `res.download` hand `ECONNABORTED` ("Request aborted") to their callback when the client closes mid-download,
 * and a write to a closed connection fails with EPIPE or ECONNRESET (outside review 2, G4: clients closing
 * downloads early read as 500s). A connection already destroyed when the error arrives was closed before it.
 */
const CLIENT_CLOSE_CODES = new Set(['ECONNABORTED', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

function clientWentAway(err: unknown, req: Request): boolean {
  const code = err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && CLIENT_CLOSE_CODES.has(code)) return true;
  return req.socket?.destroyed === true;
}

/**
 * Called with the first request the middleware sees: appends sysvitalsLateError to the end of the request's app
 * router, once per router (errors only pass it: requests without one never do). Never throws.
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
  } catch {
    // not an Express router we know: errors after the response started stay aborted requests
  }
}
