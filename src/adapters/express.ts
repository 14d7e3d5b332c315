// sysvitals/express: `app.use(monitor.middleware())` records every request and mounts the admin API.

import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AdminApi, AdminApiOptions } from '../http/admin-api-options.js';
import { createAdminApi } from '../http/api.js';
import type { SystemMonitor } from '../monitor.js';
import { type RequestScope, requestContextEnabled, runInScope } from '../profiling/request-context.js';
import { ShadowedRoutes } from './base-path-shadows.js';
import {
  type AdapterMonitorOptions,
  type AdapterSource,
  appRouteTakes,
  createAdapterMonitor,
  decideUpgrade,
  requestWay,
  UNMATCHED_ROUTE,
} from './common.js';
import { watchLateErrors } from './express-errors.js';
import { routeExclusionCaseByExpress } from './express-exclusion-case.js';
import { type HoistedEntry, hoistFirstLayer } from './express-hoist.js';
import {
  expressOwns,
  expressWatcherFor,
  expressWatcherOf,
  notePeers,
  warnIfMountedLate,
} from './express-order.js';
import { expressRouteLabel } from './express-route.js';
import { expressWouldMatch } from './express-would-match.js';
import { flightRouteReader } from './flight-routes.js';
import {
  flightDuration,
  isTracked,
  newTrackedTicket,
  type TrackedTicket,
  trackFlight,
  watchResponseEnds,
} from './response-end.js';
import {
  addWatcherResolver,
  answeredHere,
  type UnseenRequests,
  type UnseenWatcher,
  unseenFailures,
  unseenSink,
  unwatchUnseen,
  watchUnseen,
} from './unseen-requests.js';

export { type AdapterMonitorOptions, type AdapterSource, UNMATCHED_ROUTE } from './common.js';
export type { UnseenRequest, UnseenRequests } from './unseen-requests.js';

// The method is read at a request's end with its name held in a variable (issue 18). By then Express's router has
// written to `req`, and every Express request has a hidden class of its own: a named read (`req.method`) misses its
// inline cache and V8's stub cache each time and goes to the runtime (a lookup in C++, then a handler made and
// stored in the stub cache: about 1,000 instructions under callgrind). A keyed read with the name in a variable
// (`req[METHOD]`) is answered by V8's generic keyed load, which looks the name up in the object's own properties
// (and up its prototypes) without leaving generated code. Same value, getters included, read at the same moment.
// At the start (the hoisted entry, before the router) the reads of `req` hit V8's caches: they stay named.
const METHOD = 'method';

/** Options of the Express createMonitor(): the monitor's options and the admin API's together. */
export type ExpressMonitorOptions = AdapterMonitorOptions<Request>;

/** The core monitor (a SystemMonitor, imported from 'sysvitals') with the Express integration and its mounted admin API. */
export interface ExpressMonitor extends SystemMonitor {
  /** Mount first (`app.use(monitor.middleware())`), so that it sees every request. Returns the same function each time. */
  middleware(): RequestHandler;
  /** The admin API the integration mounts (its `basePath`; `authenticate` for your own WebSocket checks). */
  readonly adminApi: AdminApi<Request>;
  /**
   * Requests its server answered that never reached the middleware (a handler mounted before it ended them):
   * how many completed, and the first. The first is also logged once, as it happens.
   */
  getUnseenRequests(): UnseenRequests;
}

/** The core monitor plus `middleware()`; options are the monitor's and the admin API's together. */
export function createMonitor(options: ExpressMonitorOptions = {}): ExpressMonitor {
  const { monitor, adminApi, live } = createAdapterMonitor<Request>(options);
  const [middleware, unseen] = makeMiddleware(monitor, adminApi);
  return Object.assign(monitor, {
    middleware: () => middleware,
    adminApi,
    getUnseenRequests: () => unseen.read(),
    ...live,
  });
}

/** The middleware for an existing monitor (or any AdapterSource) and admin API or its options. */
export function expressMiddleware(
  monitor: AdapterSource,
  api: AdminApi<Request> | AdminApiOptions<Request> = {},
): RequestHandler {
  return makeMiddleware(monitor, api)[0];
}

/** expressMiddleware(), with its count of the requests it missed. */
function makeMiddleware(
  monitor: AdapterSource,
  api: AdminApi<Request> | AdminApiOptions<Request>,
): [RequestHandler, UnseenWatcher] {
  const adminApi = 'handle' in api ? api : createAdminApi<Request>(monitor, api);

  const way = requestWay(monitor);
  const testsRoutes = way.testsRoutes === true;
  // `excludeRoutes` in another letter case: as Express's routers take the path (express-exclusion-case.ts).
  if (testsRoutes) routeExclusionCaseByExpress();

  // A request's end (completed or cut off), with what was kept of it at its start (its ticket): on Express's
  // per-request hidden classes every read of a property of `req` or `res` is an inline-cache miss (issue 18), so
  // `res.req` and `req.socket` are not read again here, and the method (which the application may have rewritten:
  // method-override) is a keyed read. One function for every request: nothing allocated for it.
  const onEnd = (ticket: TrackedTicket<Request>, status: number): void => {
    const req = ticket.request;
    if (mountedBase !== undefined) noteMountedAdmin(req);
    const method = req[METHOD];
    const route = expressRouteLabel(req);
    // No route ran (a middleware before the router answered, or no route has the URL): recorded under the route
    // the URL would have reached, as on Fastify (express-would-match.ts); a URL no route has stays `unmatched`.
    way.end(
      ticket,
      method,
      route === UNMATCHED_ROUTE ? expressWouldMatch(req, method) : route,
      status,
      flightDuration(ticket, status),
    );
  };
  // routes/ names the route of a request still in flight, read when it is read with the label its end will have:
  // the one the router matched (`req.route`), or before (a middleware holding it) the one its URL would match;
  // not routed yet when none would.
  way.readRoutes?.(
    flightRouteReader(onEnd, (req: Request) => {
      const method = req[METHOD];
      let route = expressRouteLabel(req);
      if (route === UNMATCHED_ROUTE) route = expressWouldMatch(req, method);
      return [method, route === UNMATCHED_ROUTE ? null : route];
    }),
  );

  // Mounted under a path (`parent.use('/v1', app)`): the base path is matched against the original URL, so the
  // admin API is not at `/v1<basePath>` (outside review 1, F2). The first request there is told once, naming the
  // basePath to set; until then a mounted app's requests compare one string (an unmounted one's nothing).
  let mountedBase: string | undefined;
  const noteMountedAdmin = (req: Request): void => {
    const base = mountedBase as string;
    const url = req.originalUrl ?? '';
    const next = url.charCodeAt(base.length);
    if (!url.startsWith(base) || !(Number.isNaN(next) || next === 47 || next === 63)) return;
    mountedBase = undefined;
    monitor.logger?.warn(
      { path: base },
      'sysvitals: the middleware runs in an app mounted under a path, and the admin API matches its basePath ' +
        `against the full URL (originalUrl), so it does not answer at ${base}/; set basePath: '${base}' to serve it there`,
    );
  };

  /** The middleware's own work at a request's start: false when it answered the request (admin, upgrade, shed). */
  const begin = (req: Request, res: Response): boolean => {
    const socket = req.socket;
    // Re-dispatched by the application (`req.url = …; req.app.handle(req, res, next)`): its response is already
    // in flight with this middleware; it ends once, with the route that answered (read at its end).
    if (isTracked(res, socket, onEnd)) return true;
    const ticket = newTrackedTicket<Request>(res, req, performance.now(), socket, onEnd);
    // With `excludeRoutes`: an app routing in letter case routes `/POLL/1` elsewhere (outside review 33, RT33-7).
    const exact = testsRoutes && req.app?.enabled?.('case sensitive routing') === true;
    if (!way.begin(req, ticket, socket, undefined, exact)) {
      answeredHere(res); // shed: answered 503
      return false;
    }
    // Its end is told by Node's 'http.server.response.finish' channel, or its connection's 'close' when it was
    // cut off (response-end.ts): no listener is added to `res`, and nothing is keyed by it.
    trackFlight(ticket);
    return true;
  };
  const entry: HoistedEntry = {
    // Upgrades and admin URLs go through the router with the middleware's layer in place (express-hoist.ts).
    plain: (req) =>
      (req as { upgrade?: boolean }).upgrade !== true && !adminApi.isAdminUrl(req.originalUrl ?? req.url),
    begin,
    scoped: requestContextEnabled,
    runScoped: (req, run) => runInScope(new ExpressScope(req), run),
  };
  let hoistTried = false;

  const sysvitals = function sysvitals(req: Request, res: Response, next: NextFunction): void {
    // Mounted first: from the next request on, Express's router no longer passes this layer (express-hoist.ts).
    if (!hoistTried) {
      hoistTried = true;
      const mount = req.baseUrl;
      if (typeof mount === 'string' && mount !== '' && !adminApi.basePath.startsWith(`${mount}/`))
        mountedBase = `${mount}${adminApi.basePath}`;
      // The error handler first: appended to the stack this request goes through. Lifting the layer then replaces
      // the router's stack by a copy (with the handler), which only later requests use; appended after that, the
      // handler was not in this first request's stack, so its failure after a partial write read as the client's
      // close on Express 5 (outside review 6, F6).
      watchLateErrors(req);
      warnIfMountedLate(req, sysvitals, monitor.logger);
      notePeers(req);
      warnShadowedRoutes(
        adminApi,
        req,
        monitor.logger,
        () => (monitor as { closed?: boolean }).closed === true,
      );
      try {
        hoistFirstLayer(req, sysvitals, entry);
      } catch {
        // an Express whose router we do not know: the middleware stays an ordinary layer
      }
    }
    // A WebSocket upgrade handed over by monitor.attachWebSocket: decided here, with Express's req.
    if (decideUpgrade(adminApi, req, req)) return;
    const url = req.originalUrl ?? req.url;
    // A path under the base that is no admin endpoint and that an application route matches is the app's (RT31-11);
    // with basePathShared, every such path is.
    if (
      adminApi.isAdminUrl(url) &&
      (adminApi.isEndpointUrl(url) ||
        (!adminApi.basePathShared &&
          !appRouteTakes(req.method, (m) => expressWouldMatch(req, m) !== UNMATCHED_ROUTE)))
    ) {
      // Admin requests and probes are answered here and never counted as application traffic (their server is
      // drained on shutdown all the same).
      way.adminRequest?.(req);
      answeredHere(res, onEnd);
      void adminApi.handle(req, res, { request: req, url });
      return;
    }
    if (!begin(req, res)) return;
    // Only with database instrumentation on: queries in this request are attributed to its route.
    if (requestContextEnabled()) runInScope(new ExpressScope(req), next);
    else next();
  };
  return [sysvitals, watchMissed(monitor, sysvitals, onEnd)];
}

/**
 * Counts and tells the requests `middleware`'s server answers without it (unseen-requests.ts), from now on: Node's
 * response ends are listened to from the start, and an app whose every request a handler before the middleware
 * answers is found by its stack. Stops when the monitor closes.
 */
function watchMissed(monitor: AdapterSource, middleware: RequestHandler, onEnd: unknown): UnseenWatcher {
  const unseen = watchUnseen(onEnd, monitor.logger, unseenSink(monitor), unseenFailures(monitor));
  expressWatcherOf(middleware, unseen);
  // Its 5xx failures: only of requests its app (or an app mounted in it) handled (RT48-4).
  unseen.owns = (req) => expressOwns(req, unseen);
  addWatcherResolver(expressWatcherFor);
  watchResponseEnds();
  (monitor as { once?: (event: 'close', fn: () => void) => unknown }).once?.('close', () =>
    unwatchUnseen(onEnd),
  );
  return unseen;
}

/**
 * The app's routes an admin endpoint under basePath shadows or covers (base-path-shadows.ts, RT33-4), told once
 * after the first request: by then the app's routes are added, those after the middleware included. Each
 * endpoint's path is looked up as an unmatched request's is (express-would-match.ts: sub-apps and routers with
 * their mount paths), one path per setImmediate, outside any request's handling.
 */
function warnShadowedRoutes(
  adminApi: AdminApi<Request>,
  req: Request,
  logger: AdapterSource['logger'],
  closed: () => boolean,
): void {
  const shadows = new ShadowedRoutes(adminApi, logger);
  const app = req.app;
  shadows.probeDeferred((method, path) => {
    const route = expressWouldMatch({ app, originalUrl: path }, method);
    return route === UNMATCHED_ROUTE ? undefined : route;
  }, closed);
}

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
