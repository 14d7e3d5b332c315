// sysvitals/koa: `app.use(monitor.middleware())` records every request and mounts the admin API.

import { performance } from 'node:perf_hooks';
import type { Context, Middleware, Next } from 'koa';
import type { AdminApi, AdminApiOptions } from '../http/admin-api-options.js';
import { createAdminApi } from '../http/api.js';
import type { SystemMonitor } from '../monitor.js';
import { type RequestScope, requestContextEnabled, runInScope } from '../profiling/request-context.js';
import { isClientCloseError, markFailed } from '../requests/cut-off.js';
import { ShadowedRoutes } from './base-path-shadows.js';
import {
  ABORTED_STATUS,
  type AdapterMonitorOptions,
  type AdapterSource,
  appRouteTakes,
  createAdapterMonitor,
  decideUpgrade,
  requestWay,
  UNMATCHED_ROUTE,
} from './common.js';
import { flightRouteReader } from './flight-routes.js';
import { routeExclusionCaseByKoa, warnExcludedInMounts } from './koa-exclusion-case.js';
import { koaRouteLabel, koaRouteOf, watchKoaMounts } from './koa-mount.js';
import { koaMountPrefixesFor, koaMountTakes } from './koa-mount-takes.js';
import { warnIfMountedLateKoa } from './koa-order.js';
import { addKoaWatcher, koaServersOf, koaWatcherFor, noteKoaApp, removeKoaWatcher } from './koa-unseen.js';
import { koaWouldMatch } from './koa-would-match.js';
import {
  flightDuration,
  isTracked,
  newTrackedTicket,
  type TrackedTicket,
  trackFlight,
  watchResponseEnds,
} from './response-end.js';
import {
  addServerFinder,
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

/** Options of the Koa createMonitor(): the monitor's options and the admin API's together. */
export type KoaMonitorOptions = AdapterMonitorOptions<Context>;

/** The core monitor (a SystemMonitor, imported from 'sysvitals') with the Koa integration and its mounted admin API. */
export interface KoaMonitor extends SystemMonitor {
  /** Mount first (`app.use(monitor.middleware())`), so that it sees every request. Returns the same function each time. */
  middleware(): Middleware;
  /** The admin API the integration mounts (its `basePath`; `authenticate` for your own WebSocket checks). */
  readonly adminApi: AdminApi<Context>;
  /**
   * Requests its server answered that never reached the middleware (a middleware mounted before it ended them):
   * how many completed, and the first. The first is also logged once. A server is the middleware's from the first
   * request it sees there, or, once its first request told its app, from that app's first request there (every
   * server of that app), or, while it is the only Koa middleware in the process that has seen none, when the server
   * is the process's one Koa server.
   */
  getUnseenRequests(): UnseenRequests;
}

/** The core monitor plus `middleware()`; options are the monitor's and the admin API's together. */
export function createMonitor(options: KoaMonitorOptions = {}): KoaMonitor {
  const { monitor, adminApi, live } = createAdapterMonitor<Context>(options);
  const [middleware, unseen] = makeMiddleware(monitor, adminApi, options?.excludeRoutes);
  return Object.assign(monitor, {
    middleware: () => middleware,
    adminApi,
    getUnseenRequests: () => unseen.read(),
    ...live,
  });
}

/** The middleware for an existing monitor (or any AdapterSource) and admin API or its options. */
export function koaMiddleware(
  monitor: AdapterSource,
  api: AdminApi<Context> | AdminApiOptions<Context> = {},
): Middleware {
  return makeMiddleware(monitor, api)[0];
}

/** koaMiddleware(), with its count of the requests it missed. */
function makeMiddleware(
  monitor: AdapterSource,
  api: AdminApi<Context> | AdminApiOptions<Context>,
  excludeRoutes?: unknown,
): [Middleware, UnseenWatcher] {
  const adminApi = 'handle' in api ? api : createAdminApi<Context>(monitor, api);

  const way = requestWay(monitor);
  // `excludeRoutes` in another letter case: as the app's @koa/routers and koa-mounts take the path (RT38-4).
  if (way.testsRoutes === true) routeExclusionCaseByKoa();

  // Recorded when the response ends (response-end.ts: Node's 'http.server.response.finish' channel, or the
  // connection's 'close'), so a thrown error counts with the status Koa's error handler sends (500, or the
  // error's own status); a response cut off before it ended (the client gave up) is recorded as aborted, 499.
  const onEnd = (ticket: TrackedTicket<Context>, status: number): void => {
    if (status === ABORTED_STATUS) noteFailedBody(ticket.request);
    // @koa/router sets _matchedRoute to the template (with its prefix) when it matches, before the handler
    // runs; inside a koa-mount sub-app the mount path goes before it (koa-mount.ts).
    const route = koaRouteLabel(ticket.request);
    // No route ran (a middleware before the router answered, or no route has the URL): recorded under the route
    // the URL would have reached, as on Fastify (koa-would-match.ts); a URL no route has stays `unmatched`.
    way.end(
      ticket,
      ticket.request.req.method ?? 'GET',
      route === UNMATCHED_ROUTE ? koaWouldMatch(ticket.request) : route,
      status,
      flightDuration(ticket, status),
    );
  };
  // routes/ names the route of a request still in flight, read when it is read as its end reads it: the one
  // @koa/router matched (`_matchedRoute`), or before (a middleware holding it) the one its path would match; not
  // routed yet when none would (or no @koa/router).
  way.readRoutes?.(
    flightRouteReader(onEnd, (ctx: Context) => {
      const route = koaRouteOf(ctx) ?? koaWouldMatch(ctx);
      return [ctx.req.method ?? 'GET', route === UNMATCHED_ROUTE ? null : route];
    }),
  );

  // Requests its server answers without it (unseen-requests.ts): Node's response ends are listened to from now on.
  // A middleware that never sees a request may be given its Koa server (koa-unseen.ts).
  const unseen = watchUnseen(onEnd, monitor.logger, unseenSink(monitor), unseenFailures(monitor));
  addKoaWatcher(unseen);
  addWatcherResolver(koaWatcherFor);
  addServerFinder(koaServersOf);
  watchResponseEnds();
  (monitor as { once?: (event: 'close', fn: () => void) => unknown }).once?.('close', () => {
    unwatchUnseen(onEnd);
    removeKoaWatcher(unseen);
  });
  let checked = false;

  // Not an async function: an application request returns next()'s own promise, so the middleware adds no
  // promise and no await of its own per request (koa-compose takes any return value).
  const sysvitals = function sysvitals(ctx: Context, next: Next): Promise<void> | undefined {
    if (!checked) {
      checked = true;
      // Its app: every server the app serves a request on is then this middleware's (koa-unseen.ts, RTA-1, RTC-5).
      noteKoaApp(unseen, ctx.app, ctx.req);
      warnIfMountedLateKoa(ctx, sysvitals, monitor.logger);
      warnExcludedInMounts(ctx.app, excludeRoutes, monitor.logger);
      warnShadowedRoutesKoa(
        adminApi,
        ctx,
        monitor.logger,
        () => (monitor as { closed?: boolean }).closed === true,
      );
    }
    // A WebSocket upgrade handed over by monitor.attachWebSocket: decided here, with Koa's ctx.
    if (decideUpgrade(adminApi, ctx.req, ctx)) {
      ctx.respond = false;
      return undefined;
    }
    const url = ctx.originalUrl ?? ctx.url;
    // A path under the base that is no admin endpoint and that an application route or a koa-mount'ed sub-app takes
    // is the app's (RT31-11); with basePathShared, every such path is.
    if (adminApi.isAdminUrl(url) && (adminApi.isEndpointUrl(url) || !appTakesKoa(adminApi, ctx))) {
      ctx.respond = false; // the admin API (or a probe) writes the raw response itself
      way.adminRequest?.(ctx.req);
      answeredHere(ctx.res, onEnd);
      return adminApi.handle(ctx.req, ctx.res, { request: ctx, url }).then(ignore);
    }
    watchKoaMounts(ctx); // once per app: koa-mount's prefixes in the label
    const req = ctx.req;
    const socket = req.socket;
    // The same monitor's middleware met again (`app.use(mw)` twice, or in a koa-mount'ed sub-app too): the request
    // is in flight with it already and ends once (outside review 46, RT46-8).
    if (isTracked(ctx.res, socket, onEnd)) return next();
    const ticket = newTrackedTicket(ctx.res, ctx, performance.now(), socket, onEnd);
    // The socket read once: begin() would read `req.socket` again (its default).
    if (!way.begin(req, ticket, socket)) {
      ctx.respond = false; // shed: answered 503 on the raw response
      answeredHere(ctx.res);
      return undefined;
    }
    trackFlight(ticket);
    // Only with database instrumentation on: queries in this request are attributed to its route.
    if (requestContextEnabled()) return runInScope(new KoaScope(ctx), next);
    return next();
  };
  addKoaWatcher(unseen, sysvitals); // found in an app's middleware array: two monitors on one app
  return [sysvitals, unseen];
}

function ignore(): void {}

/**
 * The app's @koa/router routes an admin endpoint under basePath shadows or covers (base-path-shadows.ts, RT33-4),
 * told once after the first request, when the routers are in the app's middleware (one endpoint path per
 * setImmediate, outside any request's handling). Each endpoint's path is looked up as an unmatched request's is
 * (koa-would-match.ts); routers inside a koa-mount'ed sub-app are not looked at (what is learnt of them depends on
 * which requests came first): the sub-app is told by its mount's prefix.
 */
function warnShadowedRoutesKoa(
  adminApi: AdminApi<Context>,
  ctx: Context,
  logger: AdapterSource['logger'],
  closed: () => boolean,
): void {
  const shadows = new ShadowedRoutes(adminApi, logger);
  const probe = { app: ctx.app, host: ctx.host, path: '', req: { method: 'GET' } };
  shadows.probeDeferred((method, path) => {
    probe.path = path;
    const route = koaWouldMatch(probe as unknown as Context, method, false, false);
    if (route !== UNMATCHED_ROUTE) return route;
    // A koa-mount'ed sub-app whose routers cannot be seen: told by its prefix, when it lies under basePath.
    const prefix = koaMountPrefixesFor(probe.app, path)[0];
    return prefix === undefined ? undefined : `${prefix}/* (koa-mount)`;
  }, closed);
}

/** For a path under the base that is no endpoint: whether the application takes it (RT31-11, basePathShared). */
function appTakesKoa(adminApi: { basePathShared: boolean }, ctx: Context): boolean {
  return (
    adminApi.basePathShared ||
    appRouteTakes(ctx.method, (m) => koaWouldMatch(ctx, m) !== UNMATCHED_ROUTE) ||
    koaMountTakes(ctx)
  );
}

/**
 * Koa 2 pipes a stream body (`body.pipe(res)`) and leaves the response open when the stream fails after the head
 * went out (Koa 3's pipeline destroys the response, which cutOffStatus reads), so the request ends at its client's
 * close: a body stream that failed with an error of its own, not a client's close, marks it failed (500). Read only
 * for a response that did not complete (499).
 */
function noteFailedBody(ctx: Context): void {
  const body = ctx.body as { errored?: unknown } | null | undefined;
  const err = body !== null && typeof body === 'object' ? body.errored : undefined;
  if (err !== null && err !== undefined && !isClientCloseError(err)) markFailed(ctx.res);
}

/** The request's route for a query issued while it is handled (@koa/router has matched by then). */
class KoaScope implements RequestScope {
  private readonly ctx: Context;

  constructor(ctx: Context) {
    this.ctx = ctx;
  }

  route(): string {
    return koaRouteLabel(this.ctx);
  }
}
