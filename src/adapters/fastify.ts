// sysvitals/fastify: `await app.register(monitor.plugin())` records every route's requests and serves the admin API.

import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { type AdminApi, type AdminApiOptions, createAdminApi } from '../http/api.js';
import type { SystemMonitor } from '../monitor.js';
import { type RequestScope, requestContextEnabled, runInScope } from '../profiling/request-context.js';
import {
  ABORTED_STATUS,
  type AdapterMonitorOptions,
  type AdapterSource,
  createAdapterMonitor,
  decideUpgrade,
  type LiveMethods,
  UNMATCHED_ROUTE,
} from './common.js';

export { UNMATCHED_ROUTE } from './common.js';

export type FastifyMonitorOptions = AdapterMonitorOptions<FastifyRequest>;

export interface FastifyMonitor extends SystemMonitor, LiveMethods {
  /** A fastify-plugin (not encapsulated), so its hooks see every route of the app. Same plugin each time. */
  plugin(): FastifyPluginCallback;
  readonly adminApi: AdminApi<FastifyRequest>;
}

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

  const admit = typeof monitor.admitRequest === 'function' ? monitor.admitRequest.bind(monitor) : undefined;

  // Fastify runs no onResponse hook when the client closes the connection before the response ends: one
  // 'close' listener for every response (`this` is the raw response, nothing allocated per request)
  // records those as aborted (status 499). Completed responses are recorded by onResponse.
  function onClose(this: TrackedResponse): void {
    const start = this[START];
    const request = this[REQUEST];
    this[REQUEST] = undefined;
    if (start === undefined || request === undefined || this.writableFinished) return;
    this[ABORTED] = true;
    monitor.recordRequest({
      method: request.method,
      route: routeOf(request),
      status: ABORTED_STATUS,
      durationMs: performance.now() - start,
    });
  }

  const plugin: FastifyPluginCallback = (fastify, _opts, done) => {
    // Callback-style hooks: no promise per request.
    fastify.addHook('onRequest', (request, reply, next) => {
      // A WebSocket upgrade handed over by monitor.attachWebSocket: decided here, with Fastify's request.
      if (decideUpgrade(adminApi, request.raw, request)) {
        reply.hijack();
        return;
      }
      if (!adminApi.isAdminUrl(request.url)) {
        const raw = reply.raw as TrackedResponse;
        if (admit !== undefined && !admit(request.raw, raw)) {
          // Shed: answered 503 on the raw response; not recorded as application traffic.
          raw[SHED] = true;
          reply.hijack();
          return;
        }
        raw[START] = performance.now();
        raw[REQUEST] = request;
        raw.on('close', onClose); // not once(): that allocates a wrapper per call
        // Only with database instrumentation on: queries in this request are attributed to its route.
        if (requestContextEnabled()) runInScope(scopeOf(request), next);
        else next();
        return;
      }
      // The admin API (or a probe) answers on the raw objects; Fastify's lifecycle stops here.
      reply.hijack();
      void adminApi.handle(request.raw, reply.raw, { request, url: request.url });
    });
    // Body parsing resumes on the socket's events, outside the scope: enter it again before the handler.
    fastify.addHook('preHandler', (request, _reply, next) => {
      if (requestContextEnabled()) runInScope(scopeOf(request), next);
      else next();
    });
    fastify.addHook('onResponse', (request, reply, next) => {
      // Fastify runs onResponse for hijacked replies too: admin requests, probes and shed requests are not application traffic.
      const raw = reply.raw as TrackedResponse;
      // An aborted request is recorded once, by onClose, should Fastify still reach onResponse.
      if (!adminApi.isAdminUrl(request.url) && raw[SHED] !== true && raw[ABORTED] !== true) {
        monitor.recordRequest({
          method: request.method,
          route: routeOf(request),
          status: reply.statusCode,
          durationMs: elapsedMs(reply),
        });
      }
      next();
    });
    done();
  };
  return markAsFastifyPlugin(plugin);
}

const SHED = Symbol('sysvitals.shed');
const START = Symbol('sysvitals.start');
const REQUEST = Symbol('sysvitals.request');
const ABORTED = Symbol('sysvitals.aborted');
type TrackedResponse = ServerResponse & {
  [SHED]?: boolean;
  [START]?: number;
  [REQUEST]?: FastifyRequest;
  [ABORTED]?: boolean;
};
const SCOPE = Symbol('sysvitals.scope');

/** One scope per request, made on first use and kept on the request for the preHandler hook. */
function scopeOf(request: FastifyRequest): RequestScope {
  const r = request as FastifyRequest & { [SCOPE]?: RequestScope };
  r[SCOPE] ??= { route: () => routeOf(request) };
  return r[SCOPE];
}

function routeOf(request: FastifyRequest): string {
  // routeOptions.url is the template (`/users/:id`), undefined for the 404 handler; routerPath is Fastify 4's name.
  const url = request.routeOptions?.url ?? (request as { routerPath?: string }).routerPath;
  return url ?? UNMATCHED_ROUTE;
}

function elapsedMs(reply: FastifyReply): number {
  const r = reply as FastifyReply & { getResponseTime?: () => number };
  return typeof reply.elapsedTime === 'number' ? reply.elapsedTime : (r.getResponseTime?.() ?? 0);
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
