// `excludeRoutes` in a Koa app (outside review 38, RT38-4): @koa/router routes letter case by its `sensitive` option
// (a `new Router({ sensitive: true })` sends `/POLL` to its `/:page`, not to its excluded `/poll`) and koa-mount's
// prefix is matched in its own letter case (`/R/poll` does not enter `mount('/r', …)`). A path that matches an entry
// only in another letter case is excluded when the app's middleware would take it where the entry's own spelling
// goes: the same @koa/router route (koa-would-match.ts, whose layers' regexps carry `sensitive`), the same koa-mount
// sub-app, or no route either way (exclusion-path.ts asks; only for such a path, never for one that matches no entry
// or matches it exactly). A koa-mount'ed sub-app's own routers are learnt from the requests they route (koa-mount.ts):
// until then, inside it, another letter case is excluded as the entry's own spelling (the sub-app is the same), and
// each path entry inside a mount is told once at the first request (warnExcludedInMounts).

import type { Context } from 'koa';
import { setCaseRouter } from '../requests/exclusion-path.js';
import type { Logger } from '../types.js';
import { koaMountPrefixesFor } from './koa-mount-takes.js';
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

/**
 * At the first request: each `excludeRoutes` path entry that lies inside a koa-mount'ed sub-app of the app, told once
 * (where the sub-app's routers send another letter case of it is not seen before they have routed a request).
 */
export function warnExcludedInMounts(app: unknown, entries: unknown, logger: Logger | undefined): void {
  if (!Array.isArray(entries) || logger === undefined) return;
  for (const entry of entries.slice(0, 100) as unknown[]) {
    if (typeof entry !== 'string' || !entry.startsWith('/')) continue;
    const prefix = koaMountPrefixesFor(app, entry)[0];
    if (prefix === undefined) continue;
    logger.warn(
      { excludeRoutes: entry, mount: prefix },
      `sysvitals: excludeRoutes '${entry}' lies in the koa-mount'ed sub-app at '${prefix}', whose routers are ` +
        'learnt from the requests they route: until they have routed one, a spelling of it in another letter ' +
        "case is excluded as the entry's own, and a request answered before them is recorded unmatched",
    );
  }
}
