// Express: tells once when the middleware is mounted after routes or routers of its app, whose requests it never
// sees (outside review 20, F6: 100 requests, 50 of them 500, read `requests: healthy`, total 0, with nothing logged).

import type { Request } from 'express';
import type { Logger } from '../types.js';
import { routerOf } from './express-route.js';

/** A layer of Express's router stack as far as this check reads it. */
interface LayerLike {
  handle?: unknown;
  route?: { path?: unknown; methods?: Record<string, unknown> };
  name?: unknown;
}

/** How many routes or routers it names in the warning; the rest are counted. */
const NAMED = 5;

/** `GET /ok`, or `router` for a mounted router: a layer before the middleware that answers requests itself. */
function answering(layer: LayerLike): string | undefined {
  if (layer.route) {
    const methods = Object.keys(layer.route.methods ?? {}).filter((m) => m !== '_all');
    const verb = methods.length === 0 ? 'ALL' : methods.map((m) => m.toUpperCase()).join(',');
    return `${verb} ${String(layer.route.path)}`;
  }
  return layer.name === 'router' ? 'a router' : undefined;
}

/**
 * Called at the middleware's first request: when routes or routers of the request's app come before its layer
 * in the app's stack, warns once, naming them (their requests are answered before it: not measured). Never throws.
 */
export function warnIfMountedLate(req: Request, middleware: unknown, logger: Logger | undefined): void {
  try {
    const stack = routerOf((req as { app?: unknown }).app) as LayerLike[] | undefined;
    if (!Array.isArray(stack)) return;
    const at = stack.findIndex((layer) => layer.handle === middleware);
    if (at <= 0) return;
    const before = stack
      .slice(0, at)
      .map(answering)
      .filter((x) => x !== undefined);
    if (before.length === 0) return;
    const named = before.slice(0, NAMED).join(', ');
    const more = before.length > NAMED ? ` and ${before.length - NAMED} more` : '';
    logger?.warn(
      { routes: before.length },
      `sysvitals: monitor.middleware() is mounted after ${before.length} route(s) of this app (${named}${more}): ` +
        'the requests they answer are not measured. Mount it before them: app.use(monitor.middleware()) first',
    );
  } catch {
    // an Express whose router we do not know: no check
  }
}
