// sysvitals/fastify: `await app.register(monitor.plugin())` records every route's requests and serves the admin API.

import { createRequire } from 'node:module';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
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

  const plugin: FastifyPluginCallback = (fastify, _opts, done) => {
    // Callback-style hooks: no promise per request.
    fastify.addHook('onRequest', (request, reply, next) => {
      if (!adminApi.isAdminUrl(request.url)) {
        if (admit !== undefined && !admit(request.raw, reply.raw)) {
          // Shed: answered 503 on the raw response; not recorded as application traffic.
          (reply.raw as ShedMark)[SHED] = true;
          reply.hijack();
          return;
        }
        next();
        return;
      }
      // The admin API (or a probe) answers on the raw objects; Fastify's lifecycle stops here.
      reply.hijack();
      void adminApi.handle(request.raw, reply.raw, { request, url: request.url });
    });
    fastify.addHook('onResponse', (request, reply, next) => {
      // Fastify runs onResponse for hijacked replies too: admin requests, probes and shed requests are not application traffic.
      if (!adminApi.isAdminUrl(request.url) && (reply.raw as ShedMark)[SHED] !== true) {
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
type ShedMark = { [SHED]?: boolean };

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
    const load = typeof require === 'function' ? require : createRequire(import.meta.url);
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
