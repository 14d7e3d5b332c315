// What an admin route is: the narrow monitor interface it reads (AdminSource), the context it gets,
// and how it declares its path, methods, auth and query parameters.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Alert } from '../alerts/alert.js';
import type { ChannelStatus } from '../channels/channel-status.js';
import type { MaintenanceWindowStatus } from '../channels/maintenance.js';
import type { Silence } from '../channels/silences.js';
import type { BudgetName, SharedBudget } from '../cluster/admin-guesses.js';
import type { ProbeVerdict } from '../lifecycle/lifecycle.js';
import type {
  AlertsReadOptions,
  HealthReadOptions,
  HistoryReadOptions,
  MetricsReadOptions,
} from '../options/read-options.js';
import type { Clock, HealthStatus, Logger, MetricsSnapshot } from '../types.js';
import type { AccessToken, AuthVia } from './auth.js';
import type { ParsedQuery, QuerySpec } from './params.js';
import type { ProbeKind } from './probes.js';
import type { PrometheusConfig } from './prometheus/options.js';
import type { RateLimiter } from './rate-limit.js';
import { sendError } from './respond.js';

/** The lifecycle's record of the admin responses open (lifecycle/admin-in-flight.ts). @internal */
export interface AdminInFlightLike {
  /** A request began: in flight until its response closes. */
  begin(res: ServerResponse): void;
  /** The response is a live stream, which shutdown's drain ends with `end`. */
  stream(res: ServerResponse, end: () => void): void;
}

/**
 * The part of the SystemMonitor the admin API reads. The monitor implements it; tests use a fake.
 * Routes that need more (the stream's events) may widen it with optional members.
 */
export interface AdminSource {
  /** The latest snapshot (`GET metrics/`), collected when older than `maxAgeMs`. */
  getMetrics(options?: MetricsReadOptions): Promise<MetricsSnapshot>;
  /** Status and score (`GET health/`), with the snapshot when `detailed`. */
  getHealth(options?: HealthReadOptions): Promise<HealthStatus>;
  /** Active alerts, or the stored history (`GET alerts/`). */
  getAlerts(options?: AlertsReadOptions): Promise<readonly Alert[]>;
  /** Stored history for a period (`GET history/`). */
  getHistory(options?: HistoryReadOptions): Promise<unknown>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly instanceId?: string;
  /** The verdict of a liveness, readiness or startup probe, from state already held (never collects). */
  probe?(kind: ProbeKind): ProbeVerdict | Promise<ProbeVerdict>;
  /**
   * The process's lifecycle: while it drains (shutdown's delay), the probes' and admin API's responses close their
   * connection as every other response does (`Connection: close`, HTTP/2 GOAWAY). @internal
   */
  readonly lifecycle?: {
    drainConnection?(req: IncomingMessage, res: ServerResponse): void;
    /** Admin requests and live streams in flight, which shutdown's drain waits for, ends or cuts (RT32-2). */
    readonly adminInFlight?: AdminInFlightLike;
  };
  /**
   * Cluster mode: the reads take `{ instance }` (`all`, the default, for the whole cluster; a
   * worker's id or pid for one worker).
   */
  readonly supportsInstances?: boolean;
  /** Silences, maintenance windows and channel status for `silences/` and `channels/`. */
  readonly notifications?: NotificationsSource;
  /**
   * Cluster mode: the secret every worker derives its access-token key from, so a token minted by one
   * worker is accepted by all; undefined (or absent) for a key of this process alone.
   * @internal
   */
  accessTokenSecret?(): Buffer | undefined;
  /**
   * Cluster mode: one of the admin API's rate-limit budgets counted for the whole cluster by its aggregator,
   * `local` (this process's own limiter) the floor when it cannot be asked (cluster/admin-guesses.ts).
   * @internal
   */
  shareBudget?(
    api: string,
    budget: BudgetName,
    limiters: { local: RateLimiter; cluster: RateLimiter; maxClients: number },
  ): SharedBudget;
}

/**
 * What the notification routes read and change; the monitor's NotificationRouter provides it (in
 * cluster mode the silences are the aggregator's, hence the promises).
 */
export interface NotificationsSource {
  /** The silences (`GET/POST silences/`, `DELETE silences/<id>`). */
  readonly silences: {
    /** Every silence, active or not yet expired. */
    list(): Silence[] | Promise<Silence[]>;
    /** One silence by id, or undefined. */
    get(id: string): Silence | undefined | Promise<Silence | undefined>;
    /** Creates a silence from the request body (throws on invalid input). */
    create(input: unknown): Silence | Promise<Silence>;
    /** Ends a silence now; undefined for an unknown id. */
    expire(id: string): Silence | undefined | Promise<Silence | undefined>;
  };
  /** Each channel's delivery status (`GET channels/`; in cluster mode the aggregator's, hence the promise). */
  status(): ChannelStatus[] | Promise<ChannelStatus[]>;
  /** Each maintenance window and whether it is active now. */
  maintenanceStatus(): MaintenanceWindowStatus[];
}

/** Settings routes read; parsed once by createAdminApi. */
export interface AdminRouteConfig {
  readonly basePath: string;
  /** Snapshots younger than this are served from cache by `metrics/`. */
  readonly metricsMaxAgeMs: number;
  readonly accessTokenTtlMs: number;
  /** Parsed `prometheus` option (prefix, buckets) for `metrics/prometheus`. */
  readonly prometheus?: PrometheusConfig;
}

export interface AdminContext<Q = Record<string, unknown>> {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly source: AdminSource;
  /** The route's declared parameters, validated, with defaults filled in. */
  readonly query: Q;
  /** The raw query, for routes declared with `query: 'any'`. */
  readonly searchParams: URLSearchParams;
  /** The request path, e.g. `/api/core/admin/system/dashboard/app.js`. */
  readonly pathname: string;
  /** The path below the base path as received (no slash removed), e.g. `dashboard/app.js`. */
  readonly subpath: string;
  /** How the request was let in; `public` for routes served without authentication. */
  readonly auth: AuthVia | 'public';
  /** With `auth: 'access_token'`, when that token expires (epoch ms): a stream must end then. */
  readonly accessExpiresAt?: number;
  readonly clientAddress: string;
  /** The client as the rate limit counts it (IPv6 by /64): the key for per-client limits. */
  readonly clientKey: string;
  /** Mints a `?access_token=` token signed with this admin API's own key. */
  issueAccessToken(): AccessToken;
  readonly config: AdminRouteConfig;
  readonly logger: Logger;
  now(): number;
}

export interface AdminRoute<Q extends QuerySpec = QuerySpec> {
  /** Path below the base path without slashes at the ends: `metrics`, `metrics/prometheus`. A trailing slash is optional in requests. */
  readonly path: string;
  /** Also serve every path below `path` (`dashboard/…`); the handler reads `ctx.subpath`. */
  readonly prefix?: boolean;
  /** @defaultValue ['GET'] (HEAD is served as GET without a body wherever GET is allowed) */
  readonly methods?: readonly string[];
  /** Served without authentication: only for assets that hold no data. The rate limit still applies. */
  readonly public?: boolean;
  /** Declared query parameters (anything else is a 400), or 'any' to leave the query to the handler. */
  readonly query?: Q | 'any';
  /** Refuse `?access_token=` here (the token route: a signed token must not renew itself). */
  readonly noAccessToken?: boolean;
  handle(ctx: AdminContext<ParsedQuery<Q>>): void | Promise<void>;
}

/** Declares a route with its query types inferred; the table stores it type-erased. */
export function defineRoute<Q extends QuerySpec = Record<never, never>>(route: AdminRoute<Q>): AdminRoute {
  return route as unknown as AdminRoute;
}

/**
 * `instance=` outside cluster mode names this process or `all` (the same figures); anything else is
 * a 400 that says why. Returns false when it answered.
 */
export function checkInstance(
  res: ServerResponse,
  source: AdminSource,
  instance: string | undefined,
): boolean {
  if (instance === undefined || instance === 'all') return true;
  if (source.supportsInstances) return checkWorkerInstance(res, instance);
  if (instance === source.instanceId) return true;
  // `cluster` asked for but off in this process (no private directory): say so, with why.
  const off = (source as { clusterModeOff?: { reason: string } | null }).clusterModeOff;
  sendError(
    res,
    400,
    'invalid_parameter',
    `invalid parameter "instance": this server is not in cluster mode${off ? ` (cluster mode is off in this process: ${off.reason})` : ''}; use 'all' or ${JSON.stringify(source.instanceId ?? '')}`,
  );
  return false;
}

/**
 * Cluster mode: a worker is named exactly as the API lists it (its id, or its pid in decimal). A number
 * written otherwise (`017141`, `+17141`, `-1`, `0`) is a 400 that says why, not read as pid 17141; an
 * unknown worker is the aggregator's 404. Returns false when it answered.
 */
export function checkWorkerInstance(res: ServerResponse, instance: string): boolean {
  if (!/^[+-]?\d+$/.test(instance) || /^[1-9]\d*$/.test(instance)) return true;
  sendError(
    res,
    400,
    'invalid_parameter',
    `invalid parameter "instance": ${JSON.stringify(instance)} is not a worker id or pid as the API lists them (a pid in decimal, without sign or leading zeros; the ids are in metrics/ cluster.workers)`,
  );
  return false;
}

/**
 * history/ outside cluster mode: `instance=` names this process, `all`, or an instance with history in the store for
 * the period (another host's in a shared Redis, one that has stopped); anything else (a typo) is a 400 as
 * checkInstance answers it, not an empty series (outside review 3, finding 5). `points` is what the store holds of
 * `instance` for the period. Returns false when it answered.
 */
export function checkHistoryInstance(
  res: ServerResponse,
  source: AdminSource,
  instance: string | undefined,
  period: string,
  points: readonly unknown[] | undefined,
): boolean {
  if (instance === undefined || instance === 'all' || instance === source.instanceId) return true;
  if ((points?.length ?? 0) > 0) return true;
  sendError(
    res,
    400,
    'invalid_parameter',
    `invalid parameter "instance": ${JSON.stringify(instance)} is not this server's instance and has no history in the store for period ${period} (this server is not in cluster mode); use 'all' (its \`instances\` lists those with history), ${JSON.stringify(source.instanceId ?? '')} or an instance with history`,
  );
  return false;
}
