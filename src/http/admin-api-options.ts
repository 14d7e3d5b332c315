// The admin API's options (names, defaults, checks), its interface and its auth decision.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '../errors.js';
import type { UpgradeDecision } from '../monitor/websocket-port.js';
import type { AuthDecision, AuthMode, AuthOptions } from './auth.js';
import type { GuardRefusal, OriginGuardOptions } from './origin-guard.js';
import type { ProbePathsOptions } from './probes.js';
import type { PrometheusOptions } from './prometheus/options.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { AdminRoute } from './route.js';

export const DEFAULT_BASE_PATH = '/api/core/admin/system';

/** Options of the admin HTTP API: base path, authentication, origin checks, rate limits. */
export interface AdminApiOptions<R = IncomingMessage> extends AuthOptions<R>, OriginGuardOptions {
  /** Where the admin API lives. @defaultValue '/api/core/admin/system' */
  basePath?: string;
  /**
   * The application serves paths under basePath too, through middleware as well (static files, mounts, proxies):
   * every path under it that is no admin endpoint is the application's (`handle` resolves false and writes
   * nothing), instead of the admin API's 401/404. The endpoints keep their authentication; what changes is that
   * other paths under the base no longer answer 401, so which ones are endpoints shows. @defaultValue false
   */
  basePathShared?: boolean;
  /**
   * Per-client limit on admin requests; `false` disables it. Refused requests (wrong credentials) and served
   * ones are counted in separate budgets, so anonymous traffic never spends an admin's budget; a request
   * that presents no credential (token mode: no bearer, no access token) is counted in neither.
   * @defaultValue { max: 300, windowMs: 60_000, maxClients: 10_000 }
   */
  rateLimit?: RateLimitOptions | false;
  /** `metrics/` serves a snapshot younger than this from cache. @defaultValue 1000 */
  metricsMaxAgeMs?: number;
  /** Lifetime of the signed tokens from `GET token/`. @defaultValue 300_000 (5 minutes) */
  accessTokenTtlMs?: number;
  /** `metrics/prometheus`: metric name prefix and latency buckets (seconds). @defaultValue { prefix: 'sysvitals_', buckets: prom-client's } */
  prometheus?: PrometheusOptions;
  /**
   * Where the liveness, readiness and startup probes are served, outside the base path and without
   * credentials; `false` serves none. Served only for a monitor (a source with `probe()`).
   * @defaultValue { live: '/livez', ready: '/readyz', startup: '/startupz' }
   */
  probePaths?: ProbePathsOptions | false;
}

/** The option names createAdminApi takes, so an adapter can split them from the monitor's options. */
export const ADMIN_API_OPTION_KEYS = Object.freeze([
  'basePath',
  'basePathShared',
  'adminToken',
  'authorize',
  'trustProxy',
  'rateLimit',
  'metricsMaxAgeMs',
  'accessTokenTtlMs',
  'prometheus',
  'probePaths',
  'allowedHosts',
  'allowedOrigins',
] as const satisfies readonly (keyof AdminApiOptions)[]);

/** A mounted admin API: its request handler and the checks adapters and the WebSocket reuse. */
export interface AdminApi<R = IncomingMessage> {
  readonly basePath: string;
  /** The `basePathShared` option: adapters hand every non-endpoint path under the base to the application. */
  readonly basePathShared: boolean;
  readonly authMode: AuthMode;
  /** True for the base path and anything below it (a pathname, no query). */
  isAdminPath(pathname: string): boolean;
  /**
   * True for a raw request URL (query allowed) that `handle` answers: the base path and below, and the
   * probe paths. No allocation, for the per-request check; such requests are not application traffic.
   */
  isAdminUrl(url: string): boolean;
  /**
   * For a URL `isAdminUrl` accepts: false when it is under the base path but no admin endpoint (`<base>/users`),
   * which an adapter passes on to the application when one of its routes matches it (outside review 31, RT31-11),
   * or always with `basePathShared`.
   */
  isEndpointUrl(url: string): boolean;
  /**
   * Answers `req` and resolves true when its path is under the base path; resolves false (and writes
   * nothing) otherwise. Never rejects. `request` is what the authorize hook receives (default `req`);
   * `url` overrides `req.url` (Express's `originalUrl` under a mount path).
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    context?: { request?: R; url?: string },
  ): Promise<boolean>;
  /**
   * The same rate limit and auth decision for a request served outside `handle` (a WebSocket upgrade):
   * the client's budget, then bearer token, authorize hook, loopback rule, or `?access_token=` in `req.url`.
   * Never rejects. What `attachWebSocket`'s `adminApi` option calls for each upgrade.
   */
  authenticate(req: IncomingMessage, request?: R): Promise<UpgradeDecision>;
}

/** An auth decision, or a refusal because the client spent its admin budget (send the headers with it). */
export type AdminDecision =
  | (AuthDecision & { ok: true; clientKey?: string })
  | Extract<AuthDecision, { ok: false }>
  | GuardRefusal
  | {
      ok: false;
      status: 429;
      code: 'rate_limited';
      message: string;
      headers: Record<string, string>;
    };

export interface AdminApiDeps {
  /** The route table; tests and the standalone server may pass their own. @defaultValue ADMIN_ROUTES */
  routes?: readonly AdminRoute[];
}

/** `/x/y/` -> `/x/y`. Must start with `/`, name at least one segment, and hold no query, fragment or space. */
export function normalizeBasePath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s%]/.test(path)) {
    throw invalidOption(
      `\`basePath\` must be a path such as '/api/core/admin/system' (got ${JSON.stringify(path)}).`,
    );
  }
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed.length === 0 || trimmed.includes('//')) {
    throw invalidOption(
      `\`basePath\` ${JSON.stringify(path)} would cover the whole application; give a path with at least one segment.`,
    );
  }
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw invalidOption(
      `\`basePath\` ${JSON.stringify(path)} has a \`.\` or \`..\` segment, which clients and routers resolve away ` +
        'before it arrives: write the path it means (`/a/../b` is `/b`).',
    );
  }
  return trimmed;
}

/** A positive integer of ms, or the fallback when undefined. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw invalidOption(`\`${name}\` must be a positive integer in milliseconds.`);
  return value;
}

/** An integer of ms >= 0, or the fallback when undefined. */
export function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw invalidOption(`\`${name}\` must be an integer >= 0 in milliseconds.`);
  return value;
}
