// monitor.attachWebSocket(): the live events over `ws` on one path under the admin base, leaving every other upgrade alone.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidOption } from '../errors.js';
import { consoleLogger, guarded, OutageLog, safeLogger } from '../logger.js';
import type {
  AuthenticateUpgrade,
  UpgradeServer,
  WebSocketAttachment,
  WebSocketOptions,
} from '../monitor/websocket-port.js';
import { rejectUnknownOptions } from '../options/option-keys.js';
import type { Clock, Logger } from '../types.js';
import { DEFAULT_BASE_PATH, normalizeBasePath } from './admin-api-options.js';
import { createAdminApi } from './api.js';
import { WWW_AUTHENTICATE } from './auth.js';
import { installContinueHold } from './expect-continue.js';
import { LiveFeed, type LiveSource } from './live-feed.js';
import { ClientSlots, expiryTimer, TOKEN_EXPIRED_MESSAGE, WriteWatch } from './live-limits.js';
import { createOriginGuard } from './origin-guard.js';
import { clientKey } from './rate-limit.js';
import type { AdminSource } from './route.js';
import { parseLiveOptions } from './stream.js';
import { serveAsRequest } from './upgrade-fallthrough.js';
import {
  CLOSE_GOING_AWAY,
  CLOSE_POLICY_VIOLATION,
  CLOSE_TRY_AGAIN_LATER,
  loadWs,
  OPEN,
  refuse,
  type WsSocket,
  wsFrame,
} from './ws-peer.js';

const DEFAULT_WS_LIMITS = Object.freeze({
  heartbeatMs: 15_000,
  maxBufferedBytes: 256 * 1024,
  maxClients: 100,
  maxPerClient: 10,
  stalledMs: 5_000,
});
const WEBSOCKET_OPTION_KEYS: readonly string[] = Object.freeze([
  'path',
  'basePath',
  'authenticate',
  'adminApi',
  'adminToken',
  'authorize',
  'trustProxy',
  'allowedHosts',
  'allowedOrigins',
  'logger',
  ...Object.keys(DEFAULT_WS_LIMITS),
]);

interface WsClient {
  ws: WsSocket;
  alive: boolean;
  key: string;
  watch: WriteWatch;
  expiry: NodeJS.Timeout | undefined;
  expiresAt: number | undefined;
}

/** `url` is `base` or below it (the admin API's own paths; probes read no body). */
function underBase(url: string, base: string): boolean {
  return (
    url.startsWith(base) &&
    (url.length === base.length || url[base.length] === '/' || url[base.length] === '?')
  );
}

function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function parseWebSocketOptions(options: WebSocketOptions) {
  rejectUnknownOptions(options, WEBSOCKET_OPTION_KEYS, 'attachWebSocket');
  const limits = parseLiveOptions(options, DEFAULT_WS_LIMITS, 'attachWebSocket') as typeof DEFAULT_WS_LIMITS;
  const basePath = normalizeBasePath(options.basePath ?? options.adminApi?.basePath ?? DEFAULT_BASE_PATH);
  const path = (options.path ?? `${basePath}/ws`).replace(/(.)\/+$/, '$1');
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw invalidOption(
      `attachWebSocket: \`path\` must be a URL path starting with "/", got ${JSON.stringify(path)}.`,
    );
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw invalidOption('attachWebSocket: `authenticate` must be a function (req) => { ok } .');
  }
  return Object.freeze({ ...limits, path, basePath });
}

/**
 * The HTTP API's check (Host and Origin, bearer, authorize hook, loopback, signed access token) as an
 * upgrade check, for an attachment without an admin API (no rate limit, as before).
 */
export function adminUpgradeCheck(
  options: WebSocketOptions,
  deps: { logger: Logger; clock: Clock; basePath: string },
): AuthenticateUpgrade {
  const source = { logger: deps.logger, clock: deps.clock } as unknown as AdminSource;
  const api = createAdminApi<IncomingMessage>(source, {
    basePath: deps.basePath,
    adminToken: options.adminToken,
    authorize: options.authorize,
    trustProxy: options.trustProxy,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
    rateLimit: false,
  });
  return (req) => api.authenticate(req);
}

/**
 * Serves the monitor's `metrics` and `alert` events as `{ event, data }` JSON messages to WebSocket clients on
 * `path`. The upgrade listener answers only that path, so the application's own `ws` or socket.io servers on
 * the same HTTP server keep working (the conflict behind express-status-monitor #27).
 */
export function attachWebSocket(
  source: LiveSource,
  server: UpgradeServer,
  options: WebSocketOptions = {},
): WebSocketAttachment {
  const config = parseWebSocketOptions(options);
  const { WebSocketServer } = loadWs();
  const logger = safeLogger(options.logger ?? (source as { logger?: Logger }).logger ?? consoleLogger);
  const heartbeatOutage = new OutageLog(logger);
  const clock: Clock = (source as { clock?: Clock }).clock ?? Date;
  const api = options.adminApi;
  const custom = options.authenticate;
  // A custom check replaces the credentials, not the Origin check: browsers let any page open a WebSocket.
  const originGuard = custom ? createOriginGuard(options, false) : undefined;
  const authenticate: AuthenticateUpgrade = custom
    ? (req) => originGuard?.checkOrigin(req) ?? custom(req)
    : api
      ? (req) => api.authenticate(req)
      : adminUpgradeCheck(options, { logger, clock, basePath: config.basePath });
  const slots = new ClientSlots(config.maxPerClient);
  // noServer: ws's own `server` option answers 400 to every other upgrade path, which is exactly the conflict
  // to avoid. Clients have nothing to say, so their frames are kept tiny.
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 4096,
  });
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;

  const drop = (client: WsClient, why: string, code = CLOSE_TRY_AGAIN_LATER): void => {
    feed.delete(client);
    logger.debug?.({ why }, 'sysvitals: WebSocket client dropped');
    try {
      client.ws.close(code, why);
    } catch {
      // Already closing.
    }
    // A client that does not read will not read the close frame either.
    setTimeout(() => client.ws.terminate(), 1000).unref();
  };

  const send = (client: WsClient, frame: string): void => {
    if (client.ws.readyState !== OPEN) {
      feed.delete(client);
      return;
    }
    if (client.expiresAt !== undefined && clock.now() >= client.expiresAt) {
      drop(client, TOKEN_EXPIRED_MESSAGE, CLOSE_POLICY_VIOLATION);
      return;
    }
    if (client.ws.bufferedAmount + frame.length > config.maxBufferedBytes) {
      drop(client, 'client too slow');
      return;
    }
    client.watch.wrote();
    client.ws.send(frame, client.watch.done);
  };

  const feed = new LiveFeed<WsClient>(source, wsFrame, (client, frame) => send(client, frame));

  const startHeartbeat = (): void => {
    if (heartbeat) return;
    heartbeat = setInterval(
      guarded(heartbeatOutage, 'the WebSocket heartbeat', () => {
        feed.each((client) => {
          if (!client.alive) {
            feed.delete(client);
            client.ws.terminate();
            return;
          }
          client.alive = false;
          try {
            client.ws.ping();
          } catch {
            // The close handler removes it.
          }
        });
        if (feed.size === 0) stopHeartbeat();
      }),
      config.heartbeatMs,
    );
    heartbeat.unref();
  };
  const stopHeartbeat = (): void => {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
  };

  const onConnection = (ws: WsSocket, key: string, expiresAt: number | undefined): void => {
    const client: WsClient = {
      ws,
      alive: true,
      key,
      watch: new WriteWatch(config.stalledMs, () => {
        // It reads nothing, so not the close frame either.
        feed.delete(client);
        ws.terminate();
      }),
      expiry: undefined,
      expiresAt,
    };
    client.expiry = expiryTimer(expiresAt, clock.now(), () =>
      drop(client, TOKEN_EXPIRED_MESSAGE, CLOSE_POLICY_VIOLATION),
    );
    ws.on('error', () => {}); // Followed by 'close'.
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('close', () => {
      feed.delete(client);
      slots.release(key);
      client.watch.stop();
      if (client.expiry) clearTimeout(client.expiry);
      if (feed.size === 0) stopHeartbeat();
    });
    if (closed) {
      ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      return;
    }
    feed.add(client, (err) => logger.debug?.({ err }, 'sysvitals: no snapshot for a new WebSocket client'));
    startHeartbeat();
  };

  const isOurs = (req: IncomingMessage): boolean => {
    const pathname = pathnameOf(req.url);
    return pathname === config.path || pathname === `${config.path}/`;
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    Promise.resolve()
      .then(() => authenticate(req))
      .then(
        (decision) => {
          if (socket.destroyed) return;
          if (closed) {
            refuse(socket, 503, 'closed', 'the monitor is closed');
            return;
          }
          if (!decision.ok) {
            const code = decision.code ?? (decision.status === 401 ? 'unauthorized' : 'forbidden');
            const message =
              decision.message ?? (decision.status === 401 ? 'credentials required' : 'access refused');
            const headers =
              decision.headers ??
              (decision.status === 401 ? { 'WWW-Authenticate': WWW_AUTHENTICATE } : undefined);
            refuse(socket, decision.status, code, message, headers);
            return;
          }
          if (feed.size >= config.maxClients) {
            refuse(socket, 503, 'unavailable', `at most ${config.maxClients} WebSocket clients are served`, {
              'Retry-After': '30',
            });
            return;
          }
          const key = decision.clientKey ?? clientKey(req.socket?.remoteAddress ?? '');
          if (!slots.take(key)) {
            refuse(
              socket,
              429,
              'rate_limited',
              `at most ${config.maxPerClient} WebSocket connections per client`,
              { 'Retry-After': '30' },
            );
            return;
          }
          let connected = false;
          socket.once('close', () => {
            if (!connected) slots.release(key);
          });
          wss.handleUpgrade(req, socket, head, (ws) => {
            connected = true;
            onConnection(ws, key, decision.expiresAt);
          });
        },
        () => refuse(socket, 403, 'forbidden', 'access refused'),
      );
  };

  // Upgrades for our path are taken before the server's 'upgrade' listeners run: a `ws` server created with
  // `{ server, path }` answers 400 to every path but its own, and socket.io ends unanswered upgrades after 1 s,
  // so merely listening would lose our path to them. Every other upgrade reaches the app's listeners as before.
  const target = server as UpgradeServer;
  const originalEmit = target.emit as (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
  const intercept = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'upgrade' && !closed && isOurs(args[0] as IncomingMessage)) {
      upgrade(args[0] as IncomingMessage, args[1] as Duplex, args[2] as Buffer);
      return true;
    }
    return originalEmit.call(this, event, ...args);
  };
  target.emit = intercept as UpgradeServer['emit'];

  // Node treats a request as an upgrade only while the server has an 'upgrade' listener; this one makes sure
  // there is one. An upgrade for another path that no other listener takes goes to the app's request
  // handlers, as it would without this listener (else `Upgrade: h2c` on the app's routes got our 404).
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (isOurs(req)) return; // Only reached after close().
    if (target.listenerCount('upgrade') === 1) serveAsRequest(target as unknown as Server, req, socket, head);
  };
  target.on('upgrade', onUpgrade);
  // The server Express and Koa middleware never sees: `Expect: 100-continue` on an admin path waits for the
  // admin API to let the request in (expect-continue.ts); a no-op where the Fastify plugin did it already.
  const releaseContinue = api
    ? installContinueHold(target as unknown as Server, (url) => underBase(url, api.basePath))
    : () => {};

  const onSourceClose = (): void => void attachment.close();
  const attachment: WebSocketAttachment = {
    path: config.path,
    get clients() {
      return feed.size;
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      target.off('upgrade', onUpgrade);
      releaseContinue();
      // If someone wrapped emit after us, ours stays in the chain but passes everything through (closed).
      if (target.emit === intercept) target.emit = originalEmit as UpgradeServer['emit'];
      closable.off?.('close', onSourceClose);
      stopHeartbeat();
      feed.each((client) => {
        client.ws.close(CLOSE_GOING_AWAY, 'server shutting down');
        setTimeout(() => client.ws.terminate(), 1000).unref();
      });
      feed.clear();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
  // The monitor closing (it emits 'close') detaches the WebSocket too.
  const closable = source as unknown as Partial<Pick<NodeJS.EventEmitter, 'once' | 'off'>>;
  if (typeof closable.once === 'function' && typeof closable.off === 'function')
    closable.once('close', onSourceClose);
  return attachment;
}
