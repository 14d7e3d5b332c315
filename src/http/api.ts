// The framework-free admin API: `handle(req, res)` answers every request under the base path on
// node:http objects, so each adapter only has to hand those requests over.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '../errors.js';
import { consoleLogger, errorStack, escapeControls, OutageLog, safeLogger } from '../logger.js';
import { rejectNullOptions } from '../options/option-keys.js';
import {
  type AdminApi,
  type AdminApiDeps,
  type AdminApiOptions,
  type AdminDecision,
  DEFAULT_BASE_PATH,
  nonNegativeInteger,
  normalizeBasePath,
  positiveInteger,
} from './admin-api-options.js';
import { endpointTest } from './admin-paths.js';
import { type AdminRouteTable, adminRouteTable, cut } from './admin-routes-table.js';
import { admissionBudgets, createAdmission } from './admission.js';
import { createAuthenticator, DEFAULT_ACCESS_TOKEN_TTL_MS } from './auth.js';
import { createOriginGuard } from './origin-guard.js';
import { parseQuery } from './params.js';
import {
  adminUrlTest,
  type ProbeKind,
  parseProbePaths,
  probeAt,
  sendProbeDetails,
  sendProbePlain,
  wantsDetails,
} from './probes.js';
import { parsePrometheusOptions } from './prometheus/options.js';
import { clientKey, createRateLimiter, createServedLimiter } from './rate-limit.js';
import { sendRefusal, sendRouteFailure } from './refusals.js';
import { sendError } from './respond.js';
import type { AdminContext, AdminRouteConfig, AdminSource } from './route.js';

/**
 * Creates the admin HTTP API (JSON routes, dashboard, Prometheus) over `source` (a monitor); adapters call
 * it for you. For a plain `node:http` server: `if (!(await api.handle(req, res))) yourHandler(req, res)`.
 * @typeParam R - What the `authorize` hook receives (node's IncomingMessage unless an adapter passes its own).
 */
export function createAdminApi<R = IncomingMessage>(
  source: AdminSource,
  options?: AdminApiOptions<R>,
): AdminApi<R>;
/** With another route table (tests, the standalone server). @internal */
export function createAdminApi<R = IncomingMessage>(
  source: AdminSource,
  options: AdminApiOptions<R> | undefined,
  deps: AdminApiDeps,
): AdminApi<R>;
export function createAdminApi<R = IncomingMessage>(
  source: AdminSource,
  options: AdminApiOptions<R> = {},
  deps: AdminApiDeps = {},
): AdminApi<R> {
  if (options !== null && typeof options === 'object')
    rejectNullOptions(options, 'sysvitals: createAdminApi');
  const logger = safeLogger(source.logger ?? consoleLogger);
  const clock = source.clock ?? Date;
  const now = () => clock.now();
  const basePath = normalizeBasePath(options.basePath ?? DEFAULT_BASE_PATH);
  if (options.basePathShared !== undefined && typeof options.basePathShared !== 'boolean') {
    throw invalidOption('`basePathShared` must be true or false.');
  }
  const basePathShared = options.basePathShared === true;
  const config: AdminRouteConfig = Object.freeze({
    basePath,
    metricsMaxAgeMs: nonNegativeInteger('metricsMaxAgeMs', options.metricsMaxAgeMs, 1000),
    accessTokenTtlMs: positiveInteger(
      'accessTokenTtlMs',
      options.accessTokenTtlMs,
      DEFAULT_ACCESS_TOKEN_TTL_MS,
    ),
    prometheus: parsePrometheusOptions(options.prometheus),
  });
  if (
    options.rateLimit !== undefined &&
    options.rateLimit !== false &&
    typeof options.rateLimit !== 'object'
  ) {
    throw invalidOption('`rateLimit` must be an object `{ max, windowMs, maxClients }` or false.');
  }
  // Two budgets: refused requests (wrong credentials: guessing) and served ones, so that anonymous traffic,
  // however many addresses it comes from, can never spend or share an authenticated client's budget.
  // A request with no credential spends neither (admission.ts); the served one has no shared overflow (rate-limit.ts).
  const make = (name: string) => (name === 'served' ? createServedLimiter : createRateLimiter);
  const limiter = (name: string) =>
    options.rateLimit === false ? undefined : make(name)(options.rateLimit ?? {}, now);
  const { refused: refusedLimiter, served: servedLimiter } = admissionBudgets(source, basePath, limiter);
  const auth = createAuthenticator<R>(options, {
    logger,
    now,
    basePath,
    sharedSecret: source.accessTokenSecret ? () => source.accessTokenSecret?.() : undefined,
  });
  const guard = createOriginGuard(options, auth.mode === 'loopback', auth.mode === 'authorize');
  const decide = createAdmission<R>({ auth, guard, refusedLimiter, servedLimiter, logger, basePath });
  // The built-in route table, and with it the handlers (Prometheus rendering, the dashboard, silences, ...),
  // is loaded on the first admin request rather than at import (issue 18: import time).
  let table: AdminRouteTable | undefined = deps.routes ? adminRouteTable(deps.routes) : undefined;
  const loadTable = async (): Promise<AdminRouteTable> => {
    table ??= adminRouteTable((await import('./routes.js')).ADMIN_ROUTES);
    return table;
  };
  const outages = new OutageLog(logger, now);
  const baseSlash = `${basePath}/`;
  const probePaths = typeof source.probe === 'function' ? parseProbePaths(options.probePaths, basePath) : [];

  function isAdminPath(pathname: string): boolean {
    return pathname === basePath || pathname.startsWith(baseSlash);
  }

  const isAdminUrl = adminUrlTest(basePath, probePaths);
  const servesSubpath = endpointTest(deps.routes);
  /** For an admin URL: a probe, or an endpoint under the base (not the base itself or a path the API lacks). */
  /**
   * A probe's or the admin API's request: during shutdown's delay its response closes its connection too (outside
   * review 31, RT31-3), and the drain waits for it, then cuts it, as an application request (review 32, RT32-2).
   */
  function heldByDrain(req: IncomingMessage, res: ServerResponse): void {
    source.lifecycle?.drainConnection?.(req, res);
    source.lifecycle?.adminInFlight?.begin(res);
  }
  function isEndpointUrl(url: string): boolean {
    if (!url.startsWith(basePath)) return true;
    const next = url.charCodeAt(basePath.length);
    if (next !== 47 /* / */) return servesSubpath('');
    const q = url.indexOf('?', basePath.length);
    return servesSubpath(url.slice(basePath.length + 1, q === -1 ? url.length : q));
  }

  let pageHostWarned = false;
  /** A deployment that opens the dashboard under a name missing from allowedHosts learns why, once. */
  function warnPageHostOnce(message: string): void {
    if (pageHostWarned) return;
    pageHostWarned = true;
    logger.warn({ basePath }, `sysvitals: refused the dashboard with 421: ${escapeControls(message)}`);
  }

  let probeNoted = false;
  /** The probes answer before the app's routes: said once, so an app with its own /readyz can tell why. */
  function noteProbeServed(url: string): void {
    if (probeNoted) return;
    probeNoted = true;
    logger.info?.(
      { path: cut(url) },
      `sysvitals: answering the probe paths (${probePaths.map(([p]) => p).join(', ')}) before the application's routes; ` +
        'probePaths moves them, probePaths: false leaves them to the application',
    );
  }

  /** A probe: plain pass/fail for anyone, the checks behind it for admins. Never collects. */
  async function serveProbe(
    req: IncomingMessage,
    res: ServerResponse,
    kind: ProbeKind,
    search: string,
    request: R,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(
        res,
        405,
        'method_not_allowed',
        `${cut(req.method ?? '')} is not allowed here; use GET, HEAD`,
        {
          allow: 'GET, HEAD',
        },
      );
      return;
    }
    // Only `verbose` (and `access_token`) mean something; anything else is ignored, as Kubernetes' own
    // endpoints do (a cache-buster or a load balancer's marker must not turn a probe into a 400).
    const searchParams = new URLSearchParams(search);
    noteProbeServed(req.url ?? '');
    const verdict = await source.probe!(kind);
    if (!wantsDetails(searchParams, req.headers.accept)) {
      sendProbePlain(res, verdict.ok);
      return;
    }
    // The checks behind the verdict are admin data: the same budgets, credentials and Host rule as the admin API.
    const key = clientKey(auth.clientAddress(req));
    const decision = await decide(req, request, key, searchParams.get('access_token') ?? undefined);
    if (!decision.ok) {
      sendRefusal(res, decision);
      return;
    }
    // As for the admin routes: details let in by a loopback address or the authorize hook, not to other sites.
    const foreign =
      decision.via === 'loopback' || decision.via === 'authorize' ? guard.checkOrigin(req) : undefined;
    if (foreign) {
      sendError(res, 403, 'origin_not_allowed', foreign.message);
      return;
    }
    sendProbeDetails(res, kind, verdict, source.instanceId, now());
  }

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    search: string,
    request: R,
  ): Promise<void> {
    const clientAddress = auth.clientAddress(req);
    const key = clientKey(clientAddress);
    const subpath = pathname.length > basePath.length ? pathname.slice(baseSlash.length) : '';
    const { match, endpointList } = table ?? (await loadTable());
    const route = match(subpath);
    const searchParams = new URLSearchParams(search);

    // A query no handler takes is answered 400 after the credential is judged, without spending the served budget:
    // another site's script navigating a window to `metrics/?n=i` spent it on 400s (outside review G, F1).
    const parsed =
      route && route.query !== 'any'
        ? parseQuery(searchParams, route.query ?? {}, route.noAccessToken ? [] : ['access_token'])
        : undefined;
    let via: AdminContext['auth'] = 'public';
    let accessExpiresAt: number | undefined;
    if (route?.public) {
      // The dashboard's three static files (outside review D2): not rate-limited. They are fixed, in memory,
      // gzipped once and cacheable, so serving them costs less than the app's own static files; and any
      // per-address budget for anonymous requests is one whoever shares the admin's address (NAT, a proxy,
      // a forged X-Forwarded-For with trustProxy: true) can spend, locking the admin out of the page.
      // The Host rule still applies (outside review 29, RT29-3: the page was served to any Host outside
      // loopback mode): a rebound DNS name must not serve the page that asks for the admin's token.
      const refused = guard.checkPageHost(req);
      if (refused) {
        if (refused.status === 421 && auth.mode !== 'loopback') warnPageHostOnce(refused.message);
        sendError(res, refused.status, refused.code, refused.message);
        return;
      }
    } else {
      const accessToken = route?.noAccessToken ? undefined : (searchParams.get('access_token') ?? undefined);
      const decision = await decide(req, request, key, accessToken, parsed?.ok !== false);
      if (!decision.ok) {
        sendRefusal(res, decision);
        return;
      }
      via = decision.via;
      accessExpiresAt = decision.expiresAt;
    }
    if (!route) {
      sendError(
        res,
        404,
        'not_found',
        `no admin endpoint at ${JSON.stringify(cut(pathname))}; endpoints under ${basePath}/: ${endpointList}`,
      );
      return;
    }

    const methods = route.methods ?? ['GET'];
    const method = req.method === 'HEAD' && methods.includes('GET') ? 'GET' : (req.method ?? '');
    if (!methods.includes(method)) {
      const allow = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
      sendError(
        res,
        405,
        'method_not_allowed',
        `${cut(req.method ?? '')} is not allowed here; use ${allow.join(', ')}`,
        {
          allow: allow.join(', '),
        },
      );
      return;
    }
    // Loopback mode trusts the caller's address, which every server-side caller on this host has: an SSRF
    // in the application, a sidecar, another local user. Reads stay open to them (documented); a change of
    // state (a silence mutes alerting for up to 366 days) needs a configured credential.
    if (via === 'loopback' && method !== 'GET' && method !== 'HEAD') {
      sendError(
        res,
        403,
        'forbidden',
        'writes need a credential: set adminToken (or authorize) to create, expire or delete silences; without one the admin API is read-only to loopback clients',
      );
      return;
    }
    // A URL token (for EventSource) leaks through logs, history and Referer: it reads, never writes.
    if (via === 'access_token' && method !== 'GET') {
      sendError(
        res,
        403,
        'forbidden',
        'access_token opens reads only; writes need the Authorization: Bearer header',
      );
      return;
    }

    // EventSource sends Origin only across sites: a foreign page would hold a stream slot. Reads let in by what
    // the browser brings along (loopback address, cookies an authorize hook reads) are refused to other sites:
    // a CORS middleware mounted before sysvitals (cors(), @koa/cors) would let the page read. A bearer token is
    // not ambient. Writes, with any credential, come from the own origin (scheme, host, port) or allowedOrigins.
    const foreign =
      route.path === 'stream' || via === 'loopback' || via === 'authorize' || method !== 'GET'
        ? guard.checkOrigin(req)
        : undefined;
    if (foreign) {
      sendError(res, 403, 'origin_not_allowed', foreign.message);
      return;
    }

    if (parsed && !parsed.ok) return sendError(res, 400, 'invalid_parameter', parsed.message);
    const ctx: AdminContext = {
      req,
      res,
      source,
      query: parsed?.query ?? {},
      searchParams,
      pathname,
      subpath,
      auth: via,
      accessExpiresAt,
      clientAddress,
      clientKey: key,
      issueAccessToken: () => auth.issueAccessToken(now(), config.accessTokenTtlMs, via === 'authorize'),
      config,
      logger,
      now,
    };
    const outageKey = `route:${route.path}`;
    try {
      await route.handle(ctx);
      outages.recovered(outageKey);
    } catch (err) {
      sendRouteFailure(res, err, outages, outageKey);
    }
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    context?: { request?: R; url?: string },
  ): Promise<boolean> {
    const url = context?.url ?? req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    const request = context?.request ?? (req as unknown as R);
    if (!isAdminPath(pathname)) {
      const kind = probePaths.length > 0 ? probeAt(probePaths, pathname) : undefined;
      if (kind === undefined) return false;
      heldByDrain(req, res);
      try {
        await serveProbe(req, res, kind, search, request);
      } catch (err) {
        outages.failed('probes', err);
        if (res.headersSent) res.destroy();
        else sendProbePlain(res, false);
      }
      return true;
    }
    // basePathShared: a path under the base that is no endpoint is the application's (its static files, mounts).
    if (basePathShared && !isEndpointUrl(pathname)) return false;
    heldByDrain(req, res);
    try {
      await serve(req, res, pathname, search, request);
    } catch (err) {
      // Only reachable through a bug in this file or a hostile socket; the host app must not see it.
      outages.failed('admin-api', err, { status: 500, stack: errorStack(err) });
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'internal_error', 'internal error in the admin API; see the server log');
    }
    return true;
  }

  async function authenticate(req: IncomingMessage, request?: R): Promise<AdminDecision> {
    // Upgrades spend the same per-client budgets as requests, or the WebSocket would be a free guessing oracle.
    const refused = guard.checkOrigin(req);
    if (refused) return refused;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const token =
      q === -1 ? undefined : (new URLSearchParams(url.slice(q + 1)).get('access_token') ?? undefined);
    try {
      return await decide(req, request ?? (req as unknown as R), clientKey(auth.clientAddress(req)), token);
    } catch (err) {
      outages.failed('admin-auth', err);
      return { ok: false, status: 403, code: 'forbidden', message: 'not authorized to read the admin API' };
    }
  }

  return {
    basePath,
    basePathShared,
    authMode: auth.mode,
    isAdminPath,
    isAdminUrl,
    isEndpointUrl,
    handle,
    authenticate,
  };
}
