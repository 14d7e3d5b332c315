// sysvitals/koa: `app.use(monitor.middleware())` records every request and mounts the admin API.

import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Context, Middleware, Next } from 'koa';
import { type AdminApi, type AdminApiOptions, createAdminApi } from '../http/api.js';
import type { SystemMonitor } from '../monitor.js';
import {
  type AdapterMonitorOptions,
  type AdapterSource,
  createAdapterMonitor,
  type LiveMethods,
  UNMATCHED_ROUTE,
} from './common.js';

export { UNMATCHED_ROUTE } from './common.js';

export type KoaMonitorOptions = AdapterMonitorOptions<Context>;

export interface KoaMonitor extends SystemMonitor, LiveMethods {
  /** Mount first (`app.use(monitor.middleware())`), so that it sees every request. Returns the same function each time. */
  middleware(): Middleware;
  readonly adminApi: AdminApi<Context>;
}

export function createMonitor(options: KoaMonitorOptions = {}): KoaMonitor {
  const { monitor, adminApi, live } = createAdapterMonitor<Context>(options);
  const middleware = koaMiddleware(monitor, adminApi);
  return Object.assign(monitor, {
    middleware: () => middleware,
    adminApi,
    ...live,
  });
}

const START = Symbol('sysvitals.start');
const ROUTE = Symbol('sysvitals.route');
type TimedResponse = ServerResponse & { [START]?: number; [ROUTE]?: string };

/** The middleware for an existing monitor (or any AdapterSource) and admin API or its options. */
export function koaMiddleware(
  monitor: AdapterSource,
  api: AdminApi<Context> | AdminApiOptions<Context> = {},
): Middleware {
  const adminApi = 'handle' in api ? api : createAdminApi<Context>(monitor, api);

  // Recorded when the response is sent, so a thrown error counts with the status Koa's error handler
  // sends (500, or the error's own status). `this` is the response: nothing allocated per request.
  function onFinish(this: TimedResponse): void {
    const start = this[START];
    if (start === undefined) return;
    monitor.recordRequest({
      method: this.req.method ?? 'GET',
      route: this[ROUTE] ?? UNMATCHED_ROUTE,
      status: this.statusCode,
      durationMs: performance.now() - start,
    });
  }

  const admit = typeof monitor.admitRequest === 'function' ? monitor.admitRequest.bind(monitor) : undefined;

  return async function sysvitals(ctx: Context, next: Next): Promise<void> {
    const url = ctx.originalUrl ?? ctx.url;
    if (adminApi.isAdminUrl(url)) {
      ctx.respond = false; // the admin API (or a probe) writes the raw response itself
      await adminApi.handle(ctx.req, ctx.res, { request: ctx, url });
      return;
    }
    if (admit !== undefined && !admit(ctx.req, ctx.res)) {
      ctx.respond = false; // shed: answered 503 on the raw response
      return;
    }
    const res = ctx.res as TimedResponse;
    res[START] = performance.now();
    try {
      await next();
    } finally {
      // @koa/router sets _matchedRoute to the template (with its prefix); undefined when no route matched.
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      res[ROUTE] = matched === undefined ? UNMATCHED_ROUTE : String(matched);
      if (res.writableFinished) onFinish.call(res);
      else res.on('finish', onFinish);
    }
  };
}
