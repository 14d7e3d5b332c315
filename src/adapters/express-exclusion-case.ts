// `excludeRoutes` in an Express app whose routers route letter case each by its own rule (`Router({ caseSensitive:
// true })` in an app that is not, or the app's `case sensitive routing` with default routers, which still match
// `/POLL` to `/poll` inside them): a path that matches an entry only in another letter case is excluded when Express
// routes it to the route the entry's own spelling reaches (exclusion-path.ts asks; only for such a path, never for
// one that matches no entry or matches it exactly).

import { setCaseRouter } from '../requests/exclusion-path.js';
import { expressWouldMatch } from './express-would-match.js';

/** Lets exclusion-path.ts ask Express's routers where a path goes for an Express request (its `app`). */
export function routeExclusionCaseByExpress(): void {
  setCaseRouter(expressCaseRouter);
}

/** For an Express request (its `app`): the route Express's routers give `path`; else undefined. */
function expressCaseRouter(req: object, path: string): string | undefined {
  const app = (req as { app?: { handle?: unknown; enabled?: unknown } }).app;
  if (typeof app?.handle !== 'function' || typeof app.enabled !== 'function') return undefined;
  const method = (req as { method?: unknown }).method;
  return expressWouldMatch(
    { app, originalUrl: path } as Parameters<typeof expressWouldMatch>[0],
    typeof method === 'string' ? method : 'GET',
  );
}
