// The admin route table. Adding an endpoint = one entry in ADMIN_ROUTES (plus its import).
//
// A route is declared with `defineRoute` from './route.js':
//
//   export const prometheusRoute = defineRoute({
//     path: 'metrics/prometheus',      // below the base path, no slashes at the ends; trailing slash optional in requests
//     prefix?: true,                   // also match `path/…` (assets); read ctx.subpath
//     methods?: ['GET'],               // default GET; HEAD is served as GET without a body
//     public?: true,                   // no auth (assets holding no data only); rate limit still applies
//     query?: { detailed: booleanParam(false) } | 'any',   // declared params (others => 400), or 'any'
//     noAccessToken?: true,            // refuse ?access_token= (only the token route)
//     async handle(ctx) { … },        // (ctx: AdminContext) => void | Promise<void>
//   });
//
// The handler writes the response itself: `sendData(ctx.res, data)` / `sendError(...)` from './respond.js'
// for JSON, or ctx.res directly (call `setCommonHeaders(ctx.res)` first) for streams and assets.
// Before it runs, the API has already applied the rate limit, authentication (bearer token, authorize hook,
// loopback rule, or `?access_token=` from `GET token/`, checked with verifyAccessToken in './auth.js'),
// the method check and the query validation. A throw or rejection becomes a logged 500 with a generic message.
// ctx gives: req, res, source (AdminSource: the monitor), query, searchParams, pathname, subpath, auth,
// clientAddress, config (basePath, metricsMaxAgeMs, accessTokenTtlMs), logger, now().
// Exact paths are matched before prefix routes, so `metrics/prometheus` and `metrics` do not clash.

import { capacityRoute } from './capacity-route.js';
import { dashboardRoute } from './dashboard/route.js';
import { alertsRoute, healthRoute, historyRoute, metricsRoute, tokenRoute } from './handlers.js';
import { jobsRoute, queriesRoute, routesRoute } from './profiling-routes.js';
import { prometheusRoute } from './prometheus/route.js';
import type { AdminRoute } from './route.js';
import { channelsRoute, silencesRoute } from './silences.js';
import { streamRoute } from './stream.js';

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  metricsRoute,
  healthRoute,
  alertsRoute,
  historyRoute,
  tokenRoute,
  streamRoute,
  dashboardRoute,
  prometheusRoute,
  silencesRoute,
  channelsRoute,
  queriesRoute,
  routesRoute,
  jobsRoute,
  capacityRoute,
];
