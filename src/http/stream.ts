// GET stream/: Server-Sent Events with a `metrics` event per sample, `alert` events and a heartbeat, bounded per client.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '../errors.js';
import { consoleLogger, guarded, OutageLog, safeLogger } from '../logger.js';
import type { Logger } from '../types.js';
import { LiveFeed, type LiveSource } from './live-feed.js';
import { ClientSlots, expiryTimer, TOKEN_EXPIRED_MESSAGE, WriteWatch } from './live-limits.js';
import { sendError, setCommonHeaders } from './respond.js';
import { type AdminInFlightLike, type AdminRoute, type AdminSource, defineRoute } from './route.js';

export interface StreamOptions {
  /**
   * How often a comment line is sent when nothing else is, so proxies and load balancers keep the stream open.
   * @defaultValue 15_000 (ms)
   */
  heartbeatMs?: number;
  /**
   * The reconnection delay the browser is told (`retry:`).
   * @defaultValue 3_000 (ms)
   */
  retryMs?: number;
  /**
   * Bytes that may wait unsent for one client (Node's buffer of its response). A client that stops reading
   * reaches it after a few events and is disconnected, so it never holds memory or delays the others.
   * @defaultValue 262_144 (256 KiB)
   */
  maxBufferedBytes?: number;
  /**
   * Open streams served at once; beyond it a new client gets 503 with `Retry-After`.
   * @defaultValue 100
   */
  maxClients?: number;
  /**
   * Open streams one client (address, IPv6 by /64) may hold; beyond it 429 with `Retry-After`.
   * @defaultValue 10
   */
  maxPerClient?: number;
  /**
   * A client whose pending write has not gone out for this long has stopped reading and is disconnected.
   * @defaultValue 5_000 (ms)
   */
  stalledMs?: number;
}

export interface StreamConfig {
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly maxBufferedBytes: number;
  readonly maxClients: number;
  readonly maxPerClient: number;
  readonly stalledMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamConfig = Object.freeze({
  heartbeatMs: 15_000,
  retryMs: 3_000,
  maxBufferedBytes: 256 * 1024,
  maxClients: 100,
  maxPerClient: 10,
  stalledMs: 5_000,
});

/** Shared by the stream and the WebSocket: validates the live options at setup. */
export function parseLiveOptions<T extends object>(
  options: T | undefined,
  defaults: object,
  owner: string,
): Record<string, number> {
  const out = { ...defaults } as Record<string, number>;
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined) continue;
    if (!(key in defaults)) continue; // Other keys belong to the caller's own options (path, authenticate …).
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || !Number.isInteger(value)) {
      throw invalidOption(`${owner}: \`${key}\` must be a positive integer, got ${String(value)}.`);
    }
    out[key] = value;
  }
  return out;
}

export function parseStreamOptions(options: StreamOptions = {}): StreamConfig {
  return Object.freeze(
    parseLiveOptions(options, DEFAULT_STREAM_OPTIONS, 'stream') as unknown as StreamConfig,
  );
}

/** Who opened a stream: the client's rate-limit key, and when its access token expires (if it used one). */
export interface StreamGrant {
  clientKey?: string;
  /** Epoch ms on `now`'s clock; the stream ends then. */
  expiresAt?: number;
  now?: () => number;
  /** The lifecycle's admin responses in flight: shutdown's drain ends the stream (RT32-2). */
  inFlight?: AdminInFlightLike;
}

/** Handles one authenticated `GET stream/`; the admin router calls it after its auth check. */
export interface StreamHandler {
  (req: IncomingMessage, res: ServerResponse, grant?: StreamGrant): void;
  /** Streams open now. */
  readonly clients: number;
  /** Ends every open stream (on monitor close, so the server can close). */
  close(): void;
}

interface StreamClient {
  res: ServerResponse;
  key: string;
  watch: WriteWatch;
  expiry: NodeJS.Timeout | undefined;
  expiresAt: number | undefined;
  now: () => number;
}

/** `event:` + `data:` framing; the JSON has no newline, so one data line is enough. */
export function sseFrame(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}

const HEARTBEAT = ': heartbeat\n\n';

export function createStreamHandler(
  source: LiveSource,
  options: StreamOptions = {},
  logger?: Logger,
): StreamHandler {
  const config = parseStreamOptions(options);
  const slots = new ClientSlots(config.maxPerClient);
  let heartbeat: NodeJS.Timeout | undefined;
  const heartbeatOutage = new OutageLog(safeLogger(logger ?? consoleLogger));

  const drop = (client: StreamClient, why: string): void => {
    feed.delete(client);
    logger?.debug?.({ why }, 'sysvitals: live stream client dropped');
    client.res.destroy();
  };

  // The token the stream was opened with has expired: say so (the dashboard asks for a new one) and end.
  const expire = (client: StreamClient): void => {
    if (!feed.has(client)) return;
    feed.delete(client);
    const body = JSON.stringify({ code: 'token_expired', message: TOKEN_EXPIRED_MESSAGE });
    client.res.end(sseFrame('token_expired', body));
  };

  // The server stops (shutdown's drain) or the monitor closes: the stream ends, and so does its connection (a
  // keep-alive one would otherwise stay open, idle, and keep the server from closing: outside review 32, RT32-2).
  // HTTP/2: the stream ends; its session, sent GOAWAY, closes after its last stream.
  const finish = (client: StreamClient): void => {
    feed.delete(client);
    const { res } = client;
    if (res.destroyed) return;
    const socket = res.req?.httpVersionMajor === 2 ? undefined : res.socket;
    if (socket) res.once('finish', () => socket.destroySoon());
    res.end();
  };

  // Node's own buffer is the per-client queue: write() never blocks, and writableLength says how much
  // this client has not taken yet. Past the bound the client is dropped instead of buffering more.
  const write = (client: StreamClient, frame: string): void => {
    const { res } = client;
    if (res.destroyed || res.writableEnded) {
      feed.delete(client);
      return;
    }
    if (client.expiresAt !== undefined && client.now() >= client.expiresAt) {
      expire(client);
      return;
    }
    if (res.writableLength + frame.length > config.maxBufferedBytes) {
      drop(client, 'client is not reading');
      return;
    }
    client.watch.wrote();
    res.write(frame, client.watch.done);
    // compression() buffers until flushed; it also skips `no-transform` responses, this is belt and braces.
    (res as ServerResponse & { flush?: () => void }).flush?.();
  };

  const feed = new LiveFeed<StreamClient>(
    source,
    sseFrame,
    (client, frame) => write(client, frame),
    () => handler.close(),
  );

  const startHeartbeat = (): void => {
    if (heartbeat) return;
    heartbeat = setInterval(
      guarded(heartbeatOutage, 'the live stream heartbeat', () => {
        feed.each((client) => write(client, HEARTBEAT));
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

  const handler = ((req: IncomingMessage, res: ServerResponse, grant: StreamGrant = {}): void => {
    if (feed.size >= config.maxClients) {
      sendError(res, 503, 'unavailable', `at most ${config.maxClients} live streams are served at once`, {
        'retry-after': 30,
      });
      return;
    }
    const key = grant.clientKey ?? req.socket?.remoteAddress ?? '';
    if (req.method !== 'HEAD' && !slots.take(key)) {
      sendError(
        res,
        429,
        'rate_limited',
        `at most ${config.maxPerClient} live streams per client; close one (another tab?) first`,
        { 'retry-after': 30 },
      );
      return;
    }
    setCommonHeaders(res);
    const headers: Record<string, string> = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: compression middleware leaves the stream alone instead of buffering it.
      'Cache-Control': 'no-store, no-transform',
      // nginx would otherwise buffer the whole response.
      'X-Accel-Buffering': 'no',
    };
    // HEAD: the GET's headers, and the response is complete (no stream opened, no slot taken); the
    // connection is then the client's to keep or close, as after any request (red-team F3: a forced
    // `Connection: keep-alive` held a `Connection: close` client's socket open until the server's timeout).
    if (req.method === 'HEAD') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    // keep-alive, unless shutdown's delay asked for close (Lifecycle.drainConnection: outside review 32, RT32-2).
    if (req.httpVersionMajor < 2) {
      headers.Connection = res.getHeader('connection') === 'close' ? 'close' : 'keep-alive';
    }
    res.writeHead(200, headers);
    res.on('error', () => {}); // A reset client is dropped via 'close'; the error itself is not ours to throw.
    const now = grant.now ?? Date.now;
    const client: StreamClient = {
      res,
      key,
      watch: new WriteWatch(config.stalledMs, () => drop(client, 'client stopped reading')),
      expiry: undefined,
      expiresAt: grant.expiresAt,
      now,
    };
    client.expiry = expiryTimer(grant.expiresAt, now(), () => expire(client));
    res.on('close', () => {
      feed.delete(client);
      slots.release(key);
      client.watch.stop();
      if (client.expiry) clearTimeout(client.expiry);
      if (feed.size === 0) stopHeartbeat();
    });
    write(client, `retry: ${config.retryMs}\n\n`);
    // The latest snapshot and health at once, unless fresher ones go out while they are read.
    feed.add(client, (err) => logger?.debug?.({ err }, 'sysvitals: no snapshot for a new stream client'));
    startHeartbeat();
    grant.inFlight?.stream(res, () => finish(client));
  }) as StreamHandler;

  Object.defineProperty(handler, 'clients', { get: () => feed.size });
  handler.close = (): void => {
    stopHeartbeat();
    feed.each((client) => finish(client));
    feed.clear();
  };
  return handler;
}

function isLiveSource(source: AdminSource): source is AdminSource & LiveSource {
  const s = source as Partial<LiveSource>;
  return typeof s.on === 'function' && typeof s.off === 'function';
}

/**
 * The `stream` admin route. One handler (client set, heartbeat) per monitor, created on first use;
 * the admin API has already checked auth (bearer, authorize hook, loopback, or `?access_token=`).
 */
export function createStreamRoute(options: StreamOptions = {}): AdminRoute {
  parseStreamOptions(options); // Fail at setup, not on the first request.
  const handlers = new WeakMap<object, StreamHandler>();
  return defineRoute({
    path: 'stream',
    handle({ req, res, source, logger, clientKey, accessExpiresAt, now }) {
      if (!isLiveSource(source)) {
        sendError(res, 404, 'not_found', 'the live stream needs a monitor that emits events');
        return;
      }
      // Upgrade (WebSocket, h2c, anything): refused on every adapter and setup alike. Behind attachWebSocket
      // Node has already detached such a socket from its HTTP server, so a stream served on it was tracked by
      // nothing: it outlived its client until a heartbeat write failed, held a slot, and kept close() waiting.
      if (req.headers.upgrade !== undefined) {
        sendError(res, 400, 'bad_request', UPGRADE_REFUSED);
        return;
      }
      let handler = handlers.get(source);
      if (!handler) {
        handler = createStreamHandler(source, options, logger);
        handlers.set(source, handler);
      }
      handler(req, res, {
        clientKey,
        expiresAt: accessExpiresAt,
        now,
        inFlight: source.lifecycle?.adminInFlight,
      });
    },
  });
}

/** The answer to an Upgrade request on `stream/`. */
export const UPGRADE_REFUSED =
  'the live stream is not served on an Upgrade request: send it without Upgrade (as EventSource does), ' +
  'or connect to the WebSocket endpoint (monitor.attachWebSocket)';

/** `GET stream/` with the default options. */
export const streamRoute: AdminRoute = createStreamRoute();
