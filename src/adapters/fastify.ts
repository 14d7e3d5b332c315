// sysvitals/fastify: `await app.register(monitor.plugin())` records every route's requests and serves the admin API.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminApi, AdminApiOptions } from '../http/admin-api-options.js';
import { createAdminApi } from '../http/api.js';
import { installContinueHold } from '../http/expect-continue.js';
import type { SystemMonitor } from '../monitor.js';
import { type RequestScope, requestContextEnabled, runInScope } from '../profiling/request-context.js';
import { ShadowedRoutes } from './base-path-shadows.js';
import {
  type AdapterMonitorOptions,
  type AdapterSource,
  appRouteTakes,
  createAdapterMonitor,
  decideUpgrade,
  isPendingUpgrade,
  requestWay,
  UNMATCHED_ROUTE,
} from './common.js';
import { PluginApps, putRecordingFirst } from './fastify-hook-order.js';
import { unwatchRouterAnswers, watchRouterAnswers } from './fastify-router.js';
import { flightRouteReader } from './flight-routes.js';
import { flightDuration, newTrackedTicket, type TrackedTicket, trackFlight } from './response-end.js';

export { type AdapterMonitorOptions, type AdapterSource, UNMATCHED_ROUTE } from './common.js';

/** Options of the Fastify createMonitor(): the monitor's options and the admin API's together. */
export type FastifyMonitorOptions = AdapterMonitorOptions<FastifyRequest>;

/** The core monitor (a SystemMonitor, imported from 'sysvitals') with the Fastify integration and its mounted admin API. */
export interface FastifyMonitor extends SystemMonitor {
  /** A fastify-plugin (not encapsulated), so its hooks see every route of the app. Same plugin each time. */
  plugin(): FastifyPluginCallback;
  /** The admin API the integration mounts (its `basePath`; `authenticate` for your own WebSocket checks). */
  readonly adminApi: AdminApi<FastifyRequest>;
}

/** The core monitor plus `plugin()`; options are the monitor's and the admin API's together. */
export function createMonitor(options: FastifyMonitorOptions = {}): FastifyMonitor {
  const { monitor, adminApi, live } = createAdapterMonitor<FastifyRequest>(options);
  const plugin = fastifyPlugin(monitor, adminApi);
  return Object.assign(monitor, { plugin: () => plugin, adminApi, ...live });
}

/** The plugin for an existing monitor (or any AdapterSource) and admin API or its options. */
export function fastifyPlugin(
  monitor: AdapterSource,
  api: AdminApi<FastifyRequest> | AdminApiOptions<FastifyRequest> = {},
): FastifyPluginCallback {
  const adminApi = 'handle' in api ? api : createAdminApi<FastifyRequest>(monitor, api);

  const way = requestWay(monitor);
  const testsRoutes = way.testsRoutes === true;

  // A request's end (completed or cut off), told without a listener on the response (response-end.ts: Node's
  // 'http.server.response.finish' channel, or its connection's 'close'), with the ticket kept at its start.
  const onEnd = (ticket: TrackedTicket<FastifyRequest>, status: number): void => {
    const request = ticket.request;
    // `request.method` is a getter reading `request.raw.method`.
    way.end(ticket, request.raw.method as string, routeOf(request), status, flightDuration(ticket, status));
  };
  // routes/ names the route of a request still in flight, read when it is read as its end reads it: Fastify has
  // routed a request before its onRequest hook (the 404 handler's are `unmatched` from the start).
  way.readRoutes?.(
    flightRouteReader(onEnd, (request: FastifyRequest) => [request.raw.method as string, routeOf(request)]),
  );

  // A request Fastify's router answers itself (malformed %-encoding, a parameter over maxParamLength on Fastify 5),
  // before any route hook: `unmatched`, from when the router gave up on its path (fastify-router.ts).
  const onRouterEnd = (ticket: TrackedTicket<IncomingMessage>, status: number): void => {
    way.end(ticket, ticket.request.method as string, UNMATCHED_ROUTE, status, flightDuration(ticket, status));
  };
  way.readRoutes?.(
    flightRouteReader(onRouterEnd, (req: IncomingMessage) => [req.method as string, UNMATCHED_ROUTE]),
  );
  const routerAnswered = (req: IncomingMessage, res: ServerResponse, start: number): boolean => {
    // An admin path's is not application traffic (the admin API never saw it): Fastify answers it, unrecorded.
    if (adminApi.isAdminUrl(req.url as string)) return true;
    const ticket = newTrackedTicket(res, req, start, req.socket, onRouterEnd);
    if (!way.begin(req, ticket)) return false; // shed: answered 503, as every request is while shedding
    trackFlight(ticket);
    return true;
  };

  // A second registration in one app does nothing, warned once (outside review 42, RT42-10; fastify-hook-order.ts).
  const apps = new PluginApps();
  const plugin: FastifyPluginCallback = (fastify, _opts, done) => {
    // The app's root instance, also when registered inside an encapsulated plugin of the app (RT39-3): its router's
    // answers, its routes and every hook list under it are the plugin's.
    const root = apps.enter(fastify, () =>
      monitor.logger?.warn(
        `sysvitals: monitor.plugin() of the monitor at ${adminApi.basePath} is registered a second time in this ` +
          'Fastify app: that registration does nothing (its first records every route of the app). Register it once',
      ),
    );
    if (root === undefined) return done();
    // Known before it listens: every HTTP/2 session of it gets GOAWAY on shutdown, whatever it carried.
    way.serves?.(fastify.server);
    if (watchRouterAnswers(root, routerAnswered)) {
      fastify.addHook('onClose', (_instance, next) => {
        unwatchRouterAnswers(root);
        next();
      });
    }
    // Starts the recording of an application request; false when it was shed (answered 503 on the raw response,
    // not recorded as application traffic), and Fastify's lifecycle stops there.
    const begin = (request: FastifyRequest, reply: FastifyReply, req: IncomingMessage): boolean => {
      const socket = req.socket;
      const ticket = newTrackedTicket(reply.raw as ServerResponse, request, performance.now(), socket, onEnd);
      // With `excludeRoutes`: the matched route's template too, so that every spelling of a URL Fastify routes to
      // an excluded route is excluded (%-escapes, `//` with ignoreDuplicateSlashes, `;`: outside review 6, F3).
      // The connection read above is passed on, not read again.
      if (!way.begin(req, ticket, socket, testsRoutes ? routeOf(request) : undefined)) {
        reply.hijack();
        return false;
      }
      trackFlight(ticket);
      return true;
    };
    // Only with database instrumentation on: queries in this request are attributed to its route.
    const proceed = (request: FastifyRequest, next: HookDone): void => {
      if (requestContextEnabled()) runInScope(scopeOf(request), next);
      else next();
    };
    // A WebSocket upgrade handed over by monitor.attachWebSocket, decided with Fastify's request; else an admin URL:
    // the admin API (or a probe) answers on the raw objects. Either way Fastify's lifecycle stops here, and the
    // request is not application traffic.
    const answerAside = (
      request: FastifyRequest,
      reply: FastifyReply,
      req: IncomingMessage,
      next: HookDone,
    ): void => {
      if (decideUpgrade(adminApi, req, request)) {
        reply.hijack();
        return;
      }
      const url = req.url as string;
      // Under the base but no admin endpoint, and routed to an application route (Fastify routes before the hooks:
      // `is404` false): the application's request, recorded as one (outside review 31, RT31-11). recordFirst left
      // it unrecorded, as it does every admin URL. With basePathShared, every such path is the application's.
      if (!adminApi.isEndpointUrl(url) && (adminApi.basePathShared || routedHere(request, url))) {
        if (begin(request, reply, req)) proceed(request, next);
        return;
      }
      reply.hijack();
      way.adminRequest?.(req);
      void adminApi.handle(req, reply.raw, { request, url });
    };
    // True once an application hook was found before `onRequest` (fastify-hook-order.ts): `recordFirst`, put at
    // the head of the hook lists, then records application requests, and `onRequest` only the admin API's.
    let recordsFirst = false;
    // The only hook an application request passes when the plugin is registered before any other onRequest hook
    // (callback style: no promise per request).
    const onRequest = (request: FastifyRequest, reply: FastifyReply, next: HookDone): void => {
      // The raw request read once: Fastify's `request.url` is a getter reading `request.raw.url` (4 and 5).
      const req = request.raw;
      // Upgrades and the admin API are answered by answerAside, out of line: this hook is inlined into Fastify's
      // hook runner, within V8's inlining budget for it, so every byte of it here keeps a callee of `begin`
      // (the ticket, the in-flight list, the clock) out of line (issue 18; bench/RESULTS.md `fastify-inline`).
      if (isPendingUpgrade(req) || adminApi.isAdminUrl(req.url as string))
        answerAside(request, reply, req, next);
      else if (recordsFirst)
        next(); // recorded from the head of the list
      else if (begin(request, reply, req)) proceed(request, next);
    };
    // First of all onRequest hooks when the application added some before the plugin: the admin API and upgrades
    // pass on to `onRequest`, where the plugin was registered (after the application's hooks, as before).
    const recordFirst = (request: FastifyRequest, reply: FastifyReply, next: HookDone): void => {
      const req = request.raw;
      if (isPendingUpgrade(req) || adminApi.isAdminUrl(req.url as string)) next();
      else if (begin(request, reply, req)) proceed(request, next);
    };
    fastify.addHook('onRequest', onRequest);
    watchShadowedRoutes(root, adminApi, monitor.logger);
    // Once Fastify has added it (an `after`: addHook is deferred until then), before any route copies the lists.
    afterLoaded(fastify, () => {
      const order = putRecordingFirst(fastify, onRequest, recordFirst);
      recordsFirst = order === 'moved';
      if (order === 'unknown' && root !== fastify) {
        monitor.logger?.warn(
          "sysvitals: monitor.plugin() is registered inside an encapsulated plugin and this Fastify's hook lists " +
            "were not found: it sees only that plugin's routes and the admin API is not served. Register it on the " +
            'app itself (await app.register(monitor.plugin())), or wrap the plugin registering it with fastify-plugin',
        );
      } else if (order === 'unknown') {
        monitor.logger?.warn(
          "sysvitals: cannot check the order of this Fastify's onRequest hooks: register monitor.plugin() before " +
            'any other onRequest hook (auth, rate limit), or the requests those answer or hold are not recorded',
        );
      }
    });
    // Body parsing resumes on the socket's events, outside the scope: with database instrumentation on
    // when the plugin is registered, the scope is entered again before the handler. (Without it, an
    // application request passes the onRequest hook only.)
    if (requestContextEnabled()) {
      fastify.addHook('preHandler', (request, _reply, next) => {
        runInScope(scopeOf(request), next);
      });
    }
    // `Expect: 100-continue` on an admin path: the 100 goes out once the admin API has let the request in,
    // not before (Node's default); other paths as before. Not on HTTP/2, whose streams have no such step.
    if (fastify.initialConfig.http2 !== true) {
      const release = installContinueHold(fastify.server, (url) => adminApi.isAdminUrl(url));
      fastify.addHook('onClose', (_instance, next) => {
        release();
        next();
      });
    }
    done();
  };
  return markAsFastifyPlugin(plugin);
}

type HookDone = (err?: Error) => void;

/** Runs `then` once what the plugin queued so far is loaded (its hooks added), passing any error on. */
function afterLoaded(fastify: FastifyInstance, then: () => void): void {
  // The (err, done) form, as Fastify's own addHook uses: the one-argument form would swallow an earlier error.
  const after = fastify.after as unknown as
    | ((
        this: FastifyInstance,
        fn: (err: Error | null, done: (err?: Error | null) => void) => void,
      ) => unknown)
    | undefined;
  if (typeof after !== 'function') {
    then(); // not a Fastify instance (a stand-in): its lists are not found, and the plugin says so
    return;
  }
  after.call(fastify, (err, done) => {
    if (err == null) {
      try {
        then();
      } catch (error) {
        done(error as Error);
        return;
      }
    }
    done(err);
  });
}

const SCOPE = Symbol('sysvitals.scope');

/** One scope per request, made on first use and kept on the request for the preHandler hook. */
function scopeOf(request: FastifyRequest): RequestScope {
  const r = request as FastifyRequest & { [SCOPE]?: RequestScope };
  r[SCOPE] ??= { route: () => routeOf(request) };
  return r[SCOPE];
}

/**
 * The key of Fastify's route context on its requests (`Symbol('fastify.context')`, an own property set by the
 * Request constructor): found on the first request, null when not there (another Fastify, then routeOptions).
 */
let contextKey: symbol | null | undefined;
type RouteContext = { config?: { url?: unknown } | null };

function findContextKey(request: object): symbol | null {
  for (const key of Object.getOwnPropertySymbols(request)) {
    if (key.description !== 'fastify.context') continue;
    const context = (request as Record<symbol, { config?: unknown } | undefined>)[key];
    if (context !== null && typeof context === 'object' && typeof context.config === 'object') return key;
  }
  return null;
}

/**
 * The app's routes an admin endpoint under basePath shadows or covers (base-path-shadows.ts, RT33-4): those added
 * after the plugin as Fastify adds them (onRoute: their templates, prefixes included), and an endpoint's own path
 * added before it (findRoute), told once when the app is ready (before it listens: no request pays the lookup). A
 * route with parameters that takes an endpoint's path (`/api/:name`, `/api/*`) is found by findRoute and named by
 * the onRoute template its parameters spell the path with.
 */
function watchShadowedRoutes(
  fastify: FastifyInstance,
  adminApi: AdminApi<FastifyRequest>,
  logger: AdapterSource['logger'],
): void {
  const shadows = new ShadowedRoutes(adminApi, logger);
  const templates: { url: string; methods: string[] }[] = [];
  const constrained: { url: string; methods: string[]; constraints: object; label: string }[] = [];
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) shadows.add(method, route.url);
    if (typeof route.url !== 'string' || !route.url.startsWith(`${adminApi.basePath}/`)) return;
    const upper = methods.map((m) => String(m).toUpperCase());
    const constraints = (route as { constraints?: unknown }).constraints;
    const label = constraintsLabel(constraints);
    // A constrained route (`version`, `host`: RT38-9) takes an endpoint's path only for requests meeting them.
    if (label === undefined) templates.push({ url: route.url, methods: upper });
    else constrained.push({ url: route.url, methods: upper, constraints: constraints as object, label });
  });
  fastify.addHook('onReady', (done) => {
    // findRoute matches a path as a request's (on Fastify 4 hasRoute does too): a route with no parameter that
    // takes an endpoint's own path is at that path.
    type Find = (o: { method: string; url: string }) => { params?: Record<string, string> } | null;
    const find = (fastify as { findRoute?: Find }).findRoute;
    if (typeof find === 'function') {
      shadows.probe((method, url) => {
        const found = find.call(fastify, { method, url });
        if (found == null) return undefined;
        const params = found.params ?? {};
        if (Object.keys(params).length === 0)
          return url.endsWith('/') || url.endsWith('/x') ? undefined : url;
        return templates.find((t) => t.methods.includes(method) && spelled(t.url, params) === url)?.url;
      });
      // Each constrained route, looked up with its constraints, told with them.
      for (const c of constrained) {
        shadows.probe((method, url) => {
          if (!c.methods.includes(method)) return undefined;
          const found = find.call(fastify, { method, url, constraints: c.constraints } as never);
          if (found == null || spelled(c.url, found.params ?? {}) !== url) return undefined;
          return `${c.url} (only requests with ${c.label})`;
        });
      }
    }
    shadows.warn();
    done();
  });
}

/** A route's constraints as told (`version 1.2.0, host internal.example`); undefined for none. */
function constraintsLabel(constraints: unknown): string | undefined {
  if (typeof constraints !== 'object' || constraints === null) return undefined;
  const parts: string[] = [];
  try {
    for (const [k, v] of Object.entries(constraints)) parts.push(`${k} ${String(v)}`);
  } catch {
    return undefined;
  }
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** A Fastify template with its parameters' values in place (`/api/:name` with `{ name: 'jobs' }`: `/api/jobs`). */
function spelled(template: string, params: Record<string, string>): string {
  return template
    .replace(/:([\w$-]+)(?:\((?:[^()\\]|\\.)*\))?/g, (all, name: string) => params[name] ?? all)
    .replace(/\*/g, () => params['*'] ?? '*');
}

function routeOf(request: FastifyRequest): string {
  // The route's template (`/users/:id`), undefined for the 404 handler. Read from the route context, where the
  // public `routeOptions` getter reads it too, since that getter builds a 12-field object on every call (issue 18).
  if (contextKey === undefined) contextKey = findContextKey(request);
  if (contextKey !== null) {
    const context = (request as unknown as Record<symbol, RouteContext | undefined>)[contextKey];
    if (context !== undefined) {
      const url = context.config?.url;
      return typeof url === 'string' ? url : UNMATCHED_ROUTE;
    }
  }
  // routeOptions.url is the template, undefined for the 404 handler; routerPath is the name before Fastify 4.10,
  // read only where routeOptions is not there: Fastify 4 warns (FSTDEP017) on every read of it (RT46-9).
  const options = request.routeOptions as { url?: string } | undefined;
  const url = options !== undefined ? options.url : (request as { routerPath?: string }).routerPath;
  return url ?? UNMATCHED_ROUTE;
}

/**
 * Wraps with fastify-plugin when it is installed (an optional peer dependency). Without it, sets the same
 * marks fastify-plugin sets (skip-override: hooks apply to the whole app), so the plugin behaves identically.
 */
function markAsFastifyPlugin(plugin: FastifyPluginCallback): FastifyPluginCallback {
  const meta = { name: 'sysvitals', fastify: '>=4' };
  try {
    // A bare `require` is esbuild's throwing shim in the ESM build, which silently took the fallback below.
    const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const fp = load('fastify-plugin') as (fn: FastifyPluginCallback, meta: object) => FastifyPluginCallback;
    return fp(plugin, meta);
  } catch {
    const marked = plugin as FastifyPluginCallback & Record<symbol, unknown>;
    marked[Symbol.for('skip-override')] = true;
    marked[Symbol.for('fastify.display-name')] = meta.name;
    marked[Symbol.for('plugin-meta')] = meta;
    return marked;
  }
}

/**
 * Whether the application routes the request (Fastify routes before the hooks: `is404` false), or, for an `OPTIONS`
 * no route takes (a CORS preflight answered by a hook), whether a route takes its path with any method (Fastify's
 * own router, `findRoute` on the path; outside review 32, RT32-7).
 */
function routedHere(request: FastifyRequest, url: string): boolean {
  if ((request as { is404?: boolean }).is404 === false) return true;
  if (request.method !== 'OPTIONS') return false;
  const find = (request.server as { findRoute?: (o: { method: string; url: string }) => unknown }).findRoute;
  if (typeof find !== 'function') return false;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return appRouteTakes(
    'OPTIONS',
    (m) => m !== 'OPTIONS' && find.call(request.server, { method: m, url: path }) != null,
  );
}
