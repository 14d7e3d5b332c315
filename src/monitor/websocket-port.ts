// The core monitor's side of `monitor.attachWebSocket()`: its option and result types, and the port the http
// layer plugs the WebSocket endpoint into (imports run downward: the monitor never imports http/).

import type { IncomingMessage, Server } from 'node:http';
import { SysvitalsError } from '../errors.js';
import type { HealthStatus, Logger, MetricsSnapshot } from '../types.js';

/** Who may read the admin API (and open its WebSocket): bearer token, authorize hook, proxies trusted. */
export interface AuthOptions<R = IncomingMessage> {
  /**
   * Secret for `Authorization: Bearer <adminToken>`. Compared in constant time. Use at least 32 random
   * characters (`openssl rand -hex 16`): a shorter one is accepted with a warning logged once at setup.
   */
  adminToken?: string;
  /**
   * Decides whether a request may read the admin API (sync or async). Returning false or throwing refuses
   * it with 403. With `adminToken` also set, a request with the right token is served without the hook.
   * Receives the framework's request (Express `req`, Fastify `request`, Koa `ctx`; node's `IncomingMessage` in the core).
   */
  authorize?: (request: R) => boolean | Promise<boolean>;
  /**
   * Trust `X-Forwarded-For` to find the client address (loopback rule, rate limit). `true` takes the
   * left-most address; a number N trusts N proxies in front of the app. Default false: the socket address.
   * Without adminToken and authorize, a request is served only when the client and every proxy it passed
   * through are loopback addresses (so a forged left-most `127.0.0.1` does not pass). With it,
   * `X-Forwarded-Proto` (the same entry) also names the scheme the client used, for the `Origin` check, and
   * every peer may be a proxy: `authorize` and the dashboard page serve only `allowedHosts` names in `Host`.
   * @defaultValue false
   */
  trustProxy?: boolean | number;
}

/** Host and Origin checks against DNS rebinding and cross-site WebSocket pages. */
export interface OriginGuardOptions {
  /**
   * Host names (without port) served besides `localhost` and IP addresses to a request let in by its
   * client's address (loopback mode) or by the `authorize` hook: list the name the dashboard is opened
   * under (`['admin.example.com']`). Such a request whose `Host` is none of these gets 421
   * `host_not_allowed`: a page on another site that rebinds its DNS name to the server comes from the
   * admin's own address and browser, so the loopback rule or an IP allow-list hook would let it read and
   * write. Requests with a bearer `adminToken` or a signed access token are not checked.
   * @defaultValue []
   */
  allowedHosts?: readonly string[];
  /**
   * Origins (`https://admin.example.com`) whose pages may open the WebSocket besides the server's own.
   * Browsers let any page open a WebSocket to any server and send its `Origin`, so an upgrade (or a
   * `stream/` request) whose `Origin` is neither the server's own nor listed here is refused with 403, as
   * are writes (`POST`/`DELETE silences/`) and reads let in by a loopback address or `authorize`.
   * The server's own origin is scheme, host and port: the request's `Host` with `https` on a TLS socket,
   * `http` otherwise, or with `trustProxy` the scheme `X-Forwarded-Proto` names. Clients
   * that send no `Origin` (scripts, curl) are not affected. This never adds CORS headers.
   * @defaultValue []
   */
  allowedOrigins?: readonly string[];
}

/** The answer of an auth check for one upgrade request: serve it, or refuse it with this status. */
export type UpgradeDecision =
  | {
      ok: true;
      /** When the access token the client connected with expires (epoch ms, monitor clock): closed then. */
      expiresAt?: number;
      /** The client for the per-client connection limit. @defaultValue the socket address (IPv6 by /64) */
      clientKey?: string;
    }
  | { ok: false; status: number; code?: string; message?: string; headers?: Record<string, string> };

/** The `authenticate` option of attachWebSocket: decides one upgrade request (sync or async). */
export type AuthenticateUpgrade = (req: IncomingMessage) => UpgradeDecision | Promise<UpgradeDecision>;

/** Options of `monitor.attachWebSocket(server, options)`: the path, who may connect, and the per-client limits. */
export interface WebSocketOptions extends AuthOptions<IncomingMessage>, OriginGuardOptions {
  /**
   * The path served; other upgrade paths are left to the application's own WebSocket or socket.io server.
   * @defaultValue `${basePath}/ws`
   */
  path?: string;
  /**
   * The admin base path, used for the default `path`.
   * @defaultValue '/api/core/admin/system'
   */
  basePath?: string;
  /**
   * Replaces the admin check (the `Origin` check with `allowedOrigins` still applies). By default upgrades
   * are checked as the HTTP API checks requests, from `adminToken`, `authorize` (which receives node's
   * IncomingMessage here; the adapters' `monitor.attachWebSocket` gives it the framework's request) and
   * `trustProxy`, with `allowedHosts` and `allowedOrigins`: an `Authorization: Bearer` header, or
   * `?access_token=` (browsers cannot set headers on a WebSocket); with neither configured, loopback
   * clients only. Access tokens are signed per admin API: pass `adminApi` to accept the tokens of
   * its `GET token/`.
   */
  authenticate?: AuthenticateUpgrade;
  /**
   * The admin API already mounted by an adapter (`monitor.adminApi`): its `authenticate` and `basePath` are
   * used, so upgrades are checked exactly as API requests (and its options need not be repeated).
   */
  adminApi?: {
    readonly basePath: string;
    /** Checks an upgrade request as the admin API checks its requests. */
    authenticate(req: IncomingMessage): Promise<UpgradeDecision>;
  };
  /**
   * Interval of the ping that detects dead clients; a client that has not answered the previous ping is dropped.
   * @defaultValue 15_000 (ms)
   */
  heartbeatMs?: number;
  /**
   * Bytes that may wait unsent for one client (`ws.bufferedAmount`); past it the client is closed with 1013.
   * @defaultValue 262_144 (256 KiB)
   */
  maxBufferedBytes?: number;
  /**
   * Connections served at once; beyond it an upgrade is answered 503.
   * @defaultValue 100
   */
  maxClients?: number;
  /**
   * Connections one client (address, IPv6 by /64) may hold; beyond it an upgrade is answered 429.
   * @defaultValue 10
   */
  maxPerClient?: number;
  /**
   * A client whose pending message has not gone out for this long has stopped reading and is disconnected.
   * @defaultValue 5_000 (ms)
   */
  stalledMs?: number;
  /** Where dropped clients are reported (debug). @defaultValue the monitor's logger */
  logger?: Logger;
}

/** What `monitor.attachWebSocket()` returns: the path served, the clients connected, and `close()`. */
export interface WebSocketAttachment {
  /** The URL path served (`<basePath>/ws` by default). */
  readonly path: string;
  /** Connections open now. */
  readonly clients: number;
  /** Stops answering upgrades on the path and closes every connection (1001). Idempotent. */
  close(): Promise<void>;
}

/** An http or https server (or any emitter of Node's 'upgrade' event). */
export type UpgradeServer = Pick<Server, 'on' | 'off' | 'emit' | 'listenerCount'>;

/** What the live transports read: the monitor's events and reads. */
export interface LiveSource {
  on(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
  off(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
  /** The latest snapshot, so a new client has data at once. */
  getMetrics(): Promise<MetricsSnapshot>;
  /** When present, a `health` event follows every sample and alert event. */
  getHealth?(): Promise<HealthStatus>;
}

/** The WebSocket endpoint: serves `source`'s live events on `server` (http/websocket.ts). */
export type AttachWebSocket = (
  source: LiveSource,
  server: UpgradeServer,
  options?: WebSocketOptions,
) => WebSocketAttachment;

let transport: AttachWebSocket | undefined;

/**
 * Plugs the WebSocket endpoint in. The entry points (`sysvitals`, `sysvitals/express|fastify|koa`) call it
 * when they load, so every monitor a user can create has it.
 */
export function provideWebSocket(attach: AttachWebSocket): void {
  transport = attach;
}

/** The endpoint plugged in by the entry point; throws when a monitor was built without one. */
export function webSocketEndpoint(): AttachWebSocket {
  if (transport === undefined) {
    throw new SysvitalsError(
      'ERR_SYSVITALS_UNAVAILABLE',
      'attachWebSocket(): no WebSocket endpoint is loaded; import the monitor from `sysvitals` or an adapter.',
    );
  }
  return transport;
}
