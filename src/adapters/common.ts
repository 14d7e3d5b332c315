// What the three adapters share: creating the monitor with its admin API from one options object, the
// route name for requests no route matched, the live methods, and the narrow monitor interface an adapter needs.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { nodeHttp } from '../builtins.js';
import { ADMIN_API_OPTION_KEYS, type AdminApi, type AdminApiOptions } from '../http/admin-api-options.js';
import { createAdminApi } from '../http/api.js';
import type { AdminSource } from '../http/route.js';
import { attachWebSocket } from '../http/websocket.js';
import { MONITOR_OPTION_KEYS, type MonitorOptions, type RequestRecord } from '../monitor/options.js';
import {
  provideWebSocket,
  type UpgradeDecision,
  type UpgradeServer,
  type WebSocketAttachment,
  type WebSocketOptions,
} from '../monitor/websocket-port.js';
import { createMonitor as createCoreMonitor, type SystemMonitor } from '../monitor.js';
import { rejectNullOptions, rejectUnknownOptions } from '../options/option-keys.js';
import type { InFlightRouteReader } from '../requests/in-flight-routes.js';
import { type RequestTicket, settleCutOff, TicketPath } from '../requests/request-ticket.js';
import { ABORTED_STATUS, ANSWERED_BEFORE_STATUS, ANSWERED_CLOSE_COLUMN } from '../requests/route-counters.js';
import { sentStatus } from '../requests/sent-status.js';

// The core monitor's attachWebSocket (used by the cluster's own monitor too) serves through http/websocket.ts.
provideWebSocket(attachWebSocket);

/**
 * Route recorded for a response no route template matched (404s, static files, middleware answers),
 * so that unique URLs never become routes. Real templates start with `/`, so this cannot clash.
 */
/** Status recorded for a request whose client closed the connection before the response ended (nginx's 499). */
export { ABORTED_STATUS, ANSWERED_BEFORE_STATUS, UNMATCHED_ROUTE } from '../requests/route-counters.js';

/**
 * The status to record when an application response emits 'close': the status it sent (sentStatus) when it
 * reached the client in full, else 499 (aborted). `writableFinished` alone is not proof: a body written in one call
 * (`res.end(buffer)`) that the socket could not take at once is still pending in Node when the client
 * closes, and Node then emits 'finish' all the same (the pending write's callback runs when the socket
 * fails). What tells them apart is the socket (`res.socket` is detached by then, `req.socket` is not):
 * destroyed before its own writes finished. A completed response emits 'close' one tick after 'finish',
 * before any I/O could close the connection. Two property reads, nothing allocated. `socket` is `res.req.socket`,
 * passed by an adapter that kept it from the request's start (on Express's per-request hidden classes each read
 * of `req` or `res` is an inline-cache miss: issue 18).
 */
export function closedStatus(
  res: ServerResponse,
  socket: IncomingMessage['socket'] | null | undefined = res.req?.socket,
): number {
  if (!res.writableFinished) return ABORTED_STATUS;
  return socket?.destroyed === true && !socket.writableFinished ? ABORTED_STATUS : sentStatus(res);
}

/** What an adapter needs from the monitor: record requests, and serve the admin API. */
export interface AdapterSource extends AdminSource {
  /**
   * Records one finished application request (never throws); `res` is the response given to admitRequest (the
   * adapters always pass it; SystemMonitor.recordRequest says what a call without it ends).
   */
  recordRequest(r: RequestRecord, res?: ServerResponse): void;
  /**
   * Called at the start of each application request: counts it in flight, or answers it 503 while load
   * is shed and returns false (the adapter then stops). Optional: sources without it admit everything.
   */
  admitRequest?(req: IncomingMessage, res: ServerResponse): boolean;
}

/** How an adapter admits a request and records its end, with the ticket it keeps for it (requests/request-ticket.ts). */
export interface RequestWay {
  /**
   * At the start: false when the request was shed (answered 503: the adapter stops). `socket` is `req.socket`, when
   * the adapter has read it already (on Express's per-request hidden classes each read is an inline-cache miss);
   * `route` is the matched route's template, given only when testsRoutes; `caseSensitive`: the router matches paths
   * in their letter case (Express's `case sensitive routing`; Fastify's, implied by `route`).
   */
  begin(
    req: IncomingMessage,
    ticket: RequestTicket,
    socket?: IncomingMessage['socket'] | null,
    route?: string,
    caseSensitive?: boolean,
  ): boolean;
  /**
   * Whether begin() tests a route template given to it (`excludeRoutes` is set, the core monitor's tickets): an
   * adapter that knows the matched route at the start (Fastify) passes it then, and only then.
   */
  readonly testsRoutes?: boolean;
  /** At the end (completed or cut off). Never throws. */
  end(ticket: RequestTicket, method: string, route: string, status: number, durationMs: number): void;
  /**
   * Once, when the adapter is set up: how routes/ reads the route of the adapter's requests in flight (the core
   * monitor's tickets; another source has none to walk).
   */
  readRoutes?(reader: InFlightRouteReader): void;
  /** An admin API request or a probe the adapter answers: its server (and HTTP/2 session) is drained on shutdown. */
  adminRequest?(req: IncomingMessage): void;
  /** A server the adapter knows before its first request (Fastify's): drained on shutdown, every HTTP/2 session of it. */
  serves?(server: object): void;
}

/**
 * The core monitor's ticket path, or for another source its admitRequest() and recordRequest(); either way a 499
 * is settled first (settleCutOff: a failure's 500, an application's completed 499 as 498, an incomplete body's
 * close as early, a close of an answered response as `answered`).
 */
export function requestWay(source: AdapterSource): RequestWay {
  const tickets = (source as { tickets?: unknown }).tickets;
  if (tickets instanceof TicketPath) return tickets;
  const admit = typeof source.admitRequest === 'function' ? source.admitRequest.bind(source) : undefined;
  return {
    begin: (req, ticket) => admit === undefined || admit(req, ticket.res),
    end: (ticket, method, route, status, durationMs) => {
      if (status === ANSWERED_BEFORE_STATUS) return; // the unseen path's (RT46-7)
      let column = 0;
      if (status === ABORTED_STATUS) [status, durationMs, column] = settleCutOff(ticket.res, durationMs);
      // recordRequest() tells an answered close (`answered: true`); a close while the body arrived is an early close.
      const answered = column === ANSWERED_CLOSE_COLUMN;
      const r = answered
        ? { method, route, status, durationMs, answered }
        : { method, route, status, durationMs };
      source.recordRequest(r, ticket.res);
    },
  };
}

/** The core monitor's options plus the admin API's (typed with the framework's request for `authorize`). */
export type AdapterMonitorOptions<R> = MonitorOptions & AdminApiOptions<R>;

const ADAPTER_OPTION_KEYS: readonly string[] = [...MONITOR_OPTION_KEYS, ...ADMIN_API_OPTION_KEYS];

/**
 * Separates the admin API's options from the monitor's. An unknown name is refused here, against both
 * lists, so that `adminTokn` gets "Did you mean `adminToken`?".
 */
function splitOptions<R>(options: AdapterMonitorOptions<R>): [AdminApiOptions<R>, MonitorOptions] {
  if (options !== null && typeof options === 'object') {
    rejectUnknownOptions(options, ADAPTER_OPTION_KEYS, 'sysvitals: createMonitor');
    // Before the monitor is built (the admin API's own check would come after it, and after its warnings).
    rejectNullOptions(options, 'sysvitals: createMonitor', ['alerts']);
  }
  const admin: Record<string, unknown> = {};
  const core: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if ((ADMIN_API_OPTION_KEYS as readonly string[]).includes(key)) admin[key] = value;
    else core[key] = value;
  }
  return [admin as AdminApiOptions<R>, core as MonitorOptions];
}

/**
 * What every adapter's createMonitor does first: split the options, create the core monitor and its
 * admin API (a bad admin option closes the fresh monitor before it throws), and the live methods.
 */
export function createAdapterMonitor<R>(options: AdapterMonitorOptions<R>): {
  monitor: SystemMonitor;
  adminApi: AdminApi<R>;
  live: AdapterLiveMethods;
} {
  const [adminOptions, monitorOptions] = splitOptions(options);
  const monitor = createCoreMonitor(monitorOptions);
  let adminApi: AdminApi<R>;
  try {
    // Cluster mode: the admin API answers for the whole cluster (instance=<worker> for one).
    adminApi = createAdminApi<R>(monitor.clusterSource ?? monitor, adminOptions);
  } catch (err) {
    void monitor.close();
    throw err;
  }
  return { monitor, adminApi, live: liveMethods(monitor, adminApi) };
}

/** The adapter monitor's attachWebSocket: upgrades are decided by the application's own admin checks. */
export interface AdapterLiveMethods {
  attachWebSocket(server: UpgradeServer, options?: WebSocketOptions): WebSocketAttachment;
}

function liveMethods<R>(monitor: SystemMonitor, adminApi: AdminApi<R>): AdapterLiveMethods {
  return {
    attachWebSocket: (server, options) =>
      attachWebSocket(monitor.clusterSource ?? monitor, server, {
        ...options,
        adminApi: {
          basePath: adminApi.basePath,
          authenticate: (req) => authenticateThroughApp(server as Server, req),
        },
      }),
  };
}

/**
 * Upgrade requests while they are handed to the application, each with the function that decides it: the
 * adapter that sees one decides with the framework's own request object (Express `req`, Koa `ctx`, Fastify
 * `request`) and calls it. Kept here rather than as a property of the request, so that an application
 * request costs the adapters one size check and no property read (issue 18: on Express every request has a
 * hidden class of its own, where a missing property is looked up through the whole prototype chain).
 */
const pendingUpgrades = new Map<IncomingMessage, (decision: UpgradeDecision) => void>();

/** How long the application may take to hand an upgrade request to the adapter. */
const UPGRADE_DISPATCH_TIMEOUT_MS = 10_000;

/**
 * Decides a WebSocket upgrade the way an admin request is decided, with the authorize hook receiving the
 * framework's request: the upgrade request is handed to the application as a request (with a response
 * that goes nowhere), its middleware and hooks up to sysvitals run as for any request, and the adapter,
 * seeing the mark, calls `adminApi.authenticate` with its own request object and answers nothing.
 * An application that answers first, or never hands the request over, gets the upgrade refused.
 */
function authenticateThroughApp(server: Server, req: IncomingMessage): Promise<UpgradeDecision> {
  return new Promise((resolve) => {
    const refuse = (message: string): UpgradeDecision => ({
      ok: false,
      status: 403,
      code: 'forbidden',
      message,
    });
    const res = new (nodeHttp().ServerResponse)(req);
    let settled = false;
    const settle = (decision: UpgradeDecision): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pendingUpgrades.delete(req);
      resolve(decision);
    };
    const timer = setTimeout(
      () => settle(refuse('the application did not hand the upgrade to sysvitals; mount it first')),
      UPGRADE_DISPATCH_TIMEOUT_MS,
    );
    timer.unref();
    pendingUpgrades.set(req, settle);
    // This response has no socket, so it never emits 'finish': an application that answers calls end().
    res.end = ((): ServerResponse => {
      settle(refuse('the application answered the upgrade before sysvitals saw it; mount sysvitals first'));
      return res;
    }) as ServerResponse['end'];
    try {
      server.emit('request', req, res);
    } catch {
      settle(refuse('the application failed on the upgrade request'));
    }
  });
}

/** True when `req` is an upgrade handed over by attachWebSocket and not yet decided (decideUpgrade decides it). */
export function isPendingUpgrade(req: IncomingMessage): boolean {
  return pendingUpgrades.size !== 0 && pendingUpgrades.has(req);
}

/**
 * For the adapters: when `req` is an upgrade on its way through the application, decides it with the
 * framework's request and returns true (the adapter then stops: nothing is written, nothing recorded).
 */
export function decideUpgrade<R>(adminApi: AdminApi<R>, req: IncomingMessage, request: R): boolean {
  if (pendingUpgrades.size === 0) return false;
  const decide = pendingUpgrades.get(req);
  if (decide === undefined) return false;
  void adminApi.authenticate(req, request).then(decide);
  return true;
}

/** The methods a CORS preflight (`OPTIONS`) may ask about: it reaches the application when a route has one. */
const PREFLIGHT_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/**
 * Whether an application route takes the request under basePath (outside review 31, RT31-11): one for its method,
 * or, for an `OPTIONS` (a CORS preflight, Express's and Koa's automatic `Allow`), one for any method of its path
 * (outside review 32, RT32-7). `routed(method)` says whether a route has that method and the request's path.
 */
export function appRouteTakes(method: string | undefined, routed: (method: string) => boolean): boolean {
  if (method !== 'OPTIONS') return routed(method ?? 'GET');
  for (const m of PREFLIGHT_METHODS) if (routed(m)) return true;
  return false;
}
