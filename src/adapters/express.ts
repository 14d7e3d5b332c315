// sysvitals/express: `app.use(monitor.middleware())` records every request and mounts the admin API.

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AdminApi, AdminApiOptions } from '../http/admin-api-options.js';
import { createAdminApi } from '../http/api.js';
import type { SystemMonitor } from '../monitor.js';
import { type RequestScope, requestContextEnabled, runInScope } from '../profiling/request-context.js';
import {
  type AdapterMonitorOptions,
  type AdapterSource,
  closedStatus,
  createAdapterMonitor,
  decideUpgrade,
} from './common.js';
import { expressRouteLabel } from './express-route.js';

export { type AdapterMonitorOptions, type AdapterSource, UNMATCHED_ROUTE } from './common.js';

/** Options of the Express createMonitor(): the monitor's options and the admin API's together. */
export type ExpressMonitorOptions = AdapterMonitorOptions<Request>;

/** The core monitor (a SystemMonitor, imported from 'sysvitals') with the Express integration and its mounted admin API. */
export interface ExpressMonitor extends SystemMonitor {
  /** Mount first (`app.use(monitor.middleware())`), so that it sees every request. Returns the same function each time. */
  middleware(): RequestHandler;
  /** The admin API the integration mounts (its `basePath`; `authenticate` for your own WebSocket checks). */
  readonly adminApi: AdminApi<Request>;
}

/** The core monitor plus `middleware()`; options are the monitor's and the admin API's together. */
export function createMonitor(options: ExpressMonitorOptions = {}): ExpressMonitor {
  const { monitor, adminApi, live } = createAdapterMonitor<Request>(options);
  const middleware = expressMiddleware(monitor, adminApi);
  return Object.assign(monitor, {
    middleware: () => middleware,
    adminApi,
    ...live,
  });
}

/** The middleware for an existing monitor (or any AdapterSource) and admin API or its options. */
export function expressMiddleware(
  monitor: AdapterSource,
  api: AdminApi<Request> | AdminApiOptions<Request> = {},
): RequestHandler {
  const adminApi = 'handle' in api ? api : createAdminApi<Request>(monitor, api);

  // When each response in flight started, kept here rather than as a property of `req` or `res`: Express
  // gives every request and response its own hidden class (setPrototypeOf to the app's prototypes), so a
  // property added to them copies that class's descriptors, about 1.3 KB per request (issue 18).
  const started = new Map<ServerResponse, number>();

  // One listener for every response (`this` is the response): nothing is allocated per request here.
  // 'close' follows 'finish' for every completed response, and comes alone when the client closed the
  // connection first: then the request is recorded as aborted (status 499, as nginx logs it).
  function onClose(this: ServerResponse): void {
    const start = started.get(this);
    if (start === undefined) return;
    started.delete(this);
    const req = this.req as Request;
    monitor.recordRequest(
      {
        method: req.method,
        route: expressRouteLabel(req),
        status: closedStatus(this, req),
        durationMs: performance.now() - start,
      },
      this,
    );
  }

  const admit = typeof monitor.admitRequest === 'function' ? monitor.admitRequest.bind(monitor) : undefined;

  return function sysvitals(req: Request, res: Response, next: NextFunction): void {
    // A WebSocket upgrade handed over by monitor.attachWebSocket: decided here, with Express's req.
    if (decideUpgrade(adminApi, req, req)) return;
    const url = req.originalUrl ?? req.url;
    if (adminApi.isAdminUrl(url)) {
      // Admin requests and probes are answered here and never counted as application traffic.
      void adminApi.handle(req, res, { request: req, url });
      return;
    }
    if (admit !== undefined && !admit(req, res)) return; // shed: answered 503
    started.set(res, performance.now());
    // EventEmitter's own `on`, not `res.on`: on Express's per-request hidden class, reading `on` walks res's
    // prototype chain (app response, Express response, ServerResponse, OutgoingMessage, Stream) with no inline
    // cache; none of those overrides it. Not once(): that allocates a wrapper per call.
    addListener.call(res, 'close', onClose);
    // Only with database instrumentation on: queries in this request are attributed to its route.
    if (requestContextEnabled()) runInScope(new ExpressScope(req), next);
    else next();
  };
}

const addListener = EventEmitter.prototype.on;

/** The request's route for a query issued while it is handled (resolved when asked: routing is done by then). */
class ExpressScope implements RequestScope {
  private readonly req: Request;

  constructor(req: Request) {
    this.req = req;
  }

  route(): string {
    return expressRouteLabel(this.req);
  }
}
