// `excludeRoutes` in a Koa app (outside review 38, RT38-4): @koa/router routes letter case by its `sensitive` option
// (a `new Router({ sensitive: true })` sends `/POLL` to its `/:page`, not to its excluded `/poll`) and koa-mount's
// prefix is matched in its own letter case (`/R/poll` does not enter `mount('/r', …)`). A path that matches an entry
// only in another letter case is excluded when the app's middleware would take it where the entry's own spelling
// goes: the same @koa/router route (koa-would-match.ts, whose layers' regexps carry `sensitive`), the same koa-mount
// sub-app, or no route either way (exclusion-path.ts asks; only for such a path, never for one that matches no entry
// or matches it exactly). A koa-mount'ed sub-app's own routers cannot be seen: inside it, another letter case is
// excluded as it was (the sub-app is the same).

import type { Context } from 'koa';
import { setCaseRouter } from '../requests/exclusion-path.js';
import { koaWouldMatch } from './koa-would-match.js';

/** Lets exclusion-path.ts ask a Koa app's middleware where a path goes for a Koa request (its ctx). */
export function routeExclusionCaseByKoa(): void {
  setCaseRouter(koaCaseRouter);
}

/** For a Koa ctx (its `app.middleware`): the route or koa-mount its app gives `path`; else undefined. */
function koaCaseRouter(request: object, path: string): string | undefined {
  const ctx = request as {
    app?: { middleware?: unknown; callback?: unknown };
    req?: unknown;
    host?: unknown;
  };
  const app = ctx.app;
  if (!Array.isArray(app?.middleware) || typeof app.callback !== 'function') return undefined;
  const req = ctx.req as { method?: unknown } | undefined;
  if (typeof req !== 'object' || req === null) return undefined;
  const method = typeof req.method === 'string' ? req.method : 'GET';
  let host: unknown;
  try {
    host = ctx.host;
  } catch {
    host = '';
  }
  const probe = { app, host: typeof host === 'string' ? host : '', path, req: { method } };
  return koaWouldMatch(probe as unknown as Context, method, true);
}
