// Requests a server answered that never passed the sysvitals middleware (mounted after a handler that ends them:
// `app.use((req, res) => res.send('x'))`, a static server, a router or sub-app), counted exactly and told once.
//
// The oracle is Node's own: every response an HTTP/1 server completes is published on the
// 'http.server.response.finish' channel, which response-end.ts already listens to for the responses the middleware
// tracks. A completed response none of whose flights it ended is one the middleware did not see: response-end.ts
// hands it here (untrackedFinish), so a request the middleware sees costs nothing more than before. Such a
// response belongs to the middleware whose server it is: a server is learnt once per connection the middleware
// tracks (noteServer), or, for an Express app the middleware never saw a request of, from the app's own stack
// (a resolver the Express adapter gives). Until then its count is kept per server and taken over when a middleware
// learns it. Responses sysvitals answers itself (admin API, probes, load shedding) are set apart (answeredHere).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactCredentials } from '../channels/credentials.js';
import { REDACTED } from '../channels/credentials-spellings.js';
import { looksLikeCredential, tokenParts } from '../channels/secret-parts.js';
import { escapeControls } from '../logger.js';
import { sentStatus } from '../requests/sent-status.js';
import type { Logger } from '../types.js';

/** The first request a middleware missed: method, path (no query string) and status. */
export interface UnseenRequest {
  /** As the client sent it (`GET`). */
  method: string;
  /** The URL's path (Express: `originalUrl`'s), without its query string; at most 200 characters. */
  path: string;
  /** The status the server answered with. */
  status: number;
}

/** Requests the middleware missed since it was created: how many, and the first. */
export interface UnseenRequests {
  /** Completed responses of its server(s) whose requests never reached the middleware. */
  total: number;
  /** The first of them; null while there is none. */
  first: UnseenRequest | null;
}

/** One middleware's count, and how it tells. */
export class UnseenWatcher {
  total = 0;
  first: UnseenRequest | null = null;
  closed = false;
  /** Servers learnt (a Koa middleware that learnt none may be given its app's server: koa-unseen.ts). */
  learnt = 0;
  private readonly logger: Logger | undefined;
  /** The monitor's lifecycle, whose `unseenTotal` (metrics/ and Prometheus) each middleware adds to. */
  private readonly sink: UnseenSink | undefined;

  constructor(logger: Logger | undefined, sink?: UnseenSink) {
    this.logger = logger;
    this.sink = sink;
  }

  /** What the adapters' getUnseenRequests() returns (a copy). */
  read(): UnseenRequests {
    return { total: this.total, first: this.first === null ? null : { ...this.first } };
  }

  /** Adds `count` missed requests, the first of them `first`; the first ever is told once. */
  add(count: number, first: UnseenRequest): void {
    this.total += count;
    if (this.sink !== undefined) this.sink.unseenTotal = (this.sink.unseenTotal ?? 0) + count;
    if (this.first !== null) return;
    this.first = first;
    const earlier = count > 1 ? ` (${count} requests so far, the first of them this one)` : '';
    this.logger?.warn(
      { method: first.method, path: first.path, status: first.status, unseen: count },
      `sysvitals: ${escapeControls(first.method)} ${escapeControls(first.path)} was answered (${first.status}) by this server without passing ` +
        `monitor.middleware()${earlier}: a handler mounted before the middleware (or outside the path it is mounted ` +
        'on) ends such requests, and they are not measured (monitor.getUnseenRequests() counts them). Mount it ' +
        'before them: app.use(monitor.middleware()) first',
    );
  }
}

/** Where a monitor's missed requests are summed (its Lifecycle: `requests.unseen_total` in metrics/). */
export interface UnseenSink {
  unseenTotal: number | undefined;
}

/** The monitor's sink, when `monitor` is a core monitor (undefined while none watches: the field is left out). */
export function unseenSink(monitor: unknown): UnseenSink | undefined {
  const lifecycle = (monitor as { lifecycle?: UnseenSink } | null)?.lifecycle;
  if (lifecycle === undefined || lifecycle === null || typeof lifecycle !== 'object') return undefined;
  lifecycle.unseenTotal ??= 0;
  return lifecycle;
}

/** A server's missed requests while no middleware has learnt it. */
interface Pending {
  total: number;
  first: UnseenRequest;
}

/**
 * Finds the watcher of a request's application (Express: the app's stack holds its middleware; Koa: the one Koa
 * middleware that has learnt no server, for a Koa server's request).
 */
export type WatcherResolver = (request: IncomingMessage, server: object) => UnseenWatcher | undefined;

const byEnd = new Map<unknown, UnseenWatcher>();
const servers = new WeakMap<object, UnseenWatcher>();
const pending = new WeakMap<object, Pending>();
const answered = new WeakSet<ServerResponse>();
const resolvers: WatcherResolver[] = [];
/** Requests Node refused with 503 past a server's `maxRequestsPerSocket` (its 'dropRequest' event). */
const dropped = new WeakSet<object>();
/** Servers whose 'dropRequest' event is listened to (once each). */
const droppedHeard = new WeakSet<object>();

/** The watcher of the middleware whose flights end with `onEnd` (one per middleware). */
export function watchUnseen(onEnd: unknown, logger: Logger | undefined, sink?: UnseenSink): UnseenWatcher {
  const watcher = new UnseenWatcher(logger, sink);
  byEnd.set(onEnd, watcher);
  return watcher;
}

/** The middleware is done (its monitor closed): it learns and counts nothing more. */
export function unwatchUnseen(onEnd: unknown): void {
  const watcher = byEnd.get(onEnd);
  if (watcher === undefined) return;
  watcher.closed = true;
  byEnd.delete(onEnd);
}

/** A resolver for servers no middleware has learnt yet (registered once per adapter module). */
export function addWatcherResolver(resolver: WatcherResolver): void {
  if (!resolvers.includes(resolver)) resolvers.push(resolver);
}

/** A response sysvitals answers itself (admin API, probe, shed): not a missed request. Off the hot path. */
export function answeredHere(res: ServerResponse): void {
  answered.add(res);
}

/**
 * A connection the middleware whose flights end with `onEnd` tracks a request on (once per connection): its
 * server is that middleware's, and what the server missed before is taken over.
 */
export function noteServer(server: unknown, onEnd: unknown): void {
  if (server === null || typeof server !== 'object') return;
  const known = servers.get(server);
  if (known !== undefined && !known.closed) return;
  const watcher = byEnd.get(onEnd);
  if (watcher !== undefined) learn(server, watcher);
}

function learn(server: object, watcher: UnseenWatcher): void {
  hearDropped(server);
  servers.set(server, watcher);
  watcher.learnt++;
  const before = pending.get(server);
  if (before === undefined) return;
  pending.delete(server);
  watcher.add(before.total, before.first);
}

/** What 'http.server.response.finish' publishes. */
interface FinishMessage {
  request: IncomingMessage;
  response: ServerResponse;
  socket: { destroyed?: boolean; errored?: unknown } | null;
  server?: unknown;
}

/** A completed response that ended none of the flights tracked on its connection. Never throws. */
export function untrackedFinish(message: unknown): void {
  try {
    const m = message as FinishMessage;
    const server = m.server;
    if (server === null || typeof server !== 'object' || answered.has(m.response)) return;
    // Cut off (its flight, if it had one, may have ended at the close already): only completed responses count.
    if (m.socket?.destroyed === true || (m.socket?.errored ?? null) !== null) return;
    if (answeredByNode(m.request, m.response, server)) return;
    let watcher = servers.get(server);
    if (watcher === undefined) {
      watcher = resolve(m.request, server);
      if (watcher !== undefined) learn(server, watcher);
    }
    if (watcher !== undefined) {
      if (!watcher.closed) watcher.add(1, describe(m));
      return;
    }
    hearDropped(server);
    const before = pending.get(server);
    if (before === undefined) pending.set(server, { total: 1, first: describe(m) });
    else before.total++;
  } catch {
    // never thrown into Node's publish
  }
}

/** Node's `continueExpression` (lib/_http_common.js): an `Expect:` Node hands to the app rather than refusing. */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * A response Node's HTTP/1 server writes itself, never emitting 'request' (Node 20 lib/_http_server.js,
 * parserOnIncoming; outside review 36, RT36-6): to an HTTP/1.1 request without `Host` while the server's
 * `requireHostHeader` holds, 400; past `maxRequestsPerSocket` on the connection, 503 (after 'dropRequest'); to an
 * `Expect:` other than 100-continue without a 'checkExpectation' listener, 417. No middleware could have seen these
 * requests: they are not the app's, whatever the order of its handlers.
 */
function answeredByNode(req: IncomingMessage, res: ServerResponse, server: object): boolean {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return false;
  const status = sentStatus(res);
  const s = server as { requireHostHeader?: unknown; listenerCount?: (event: string) => number };
  if (status === 400) return Boolean(s.requireHostHeader) && req.headers.host === undefined;
  if (status === 503) return dropped.has(req) || droppedUnheard(res, server);
  if (status !== 417) return false;
  const expect = req.headers.expect;
  return (
    expect !== undefined &&
    !CONTINUE.test(expect) &&
    typeof s.listenerCount === 'function' &&
    s.listenerCount('checkExpectation') === 0
  );
}

/**
 * Node's 503 past `maxRequestsPerSocket` whose 'dropRequest' was emitted before it was listened to: Node drops a
 * pipelined request as it parses it, while the connection's first response (the admin API's, a handler's before the
 * middleware) is still being answered and before any middleware has learnt the server. Node marks every response
 * from the limit on `maxRequestsOnConnectionReached` and writes its own 503 with no header of the application's
 * (`res.writeHead(503); res.end()`): every framework sets headers of its own on a request it sees (Express
 * `X-Powered-By`, Koa and Fastify the body's). An application's bare `writeHead(503)` on the last request a
 * connection allows reads as Node's too (docs/requests.md).
 */
function droppedUnheard(res: ServerResponse, server: object): boolean {
  const limit = (server as { maxRequestsPerSocket?: unknown }).maxRequestsPerSocket;
  if (typeof limit !== 'number' || limit <= 0) return false;
  if ((res as { maxRequestsOnConnectionReached?: unknown }).maxRequestsOnConnectionReached !== true)
    return false;
  return typeof res.getHeaderNames === 'function' && res.getHeaderNames().length === 0;
}

/** Listens once to a server's 'dropRequest' (emitted just before Node's own 503), to set those requests apart. */
function hearDropped(server: object): void {
  const emitter = server as { on?: (event: string, fn: (req: object) => void) => unknown };
  if (droppedHeard.has(server) || typeof emitter.on !== 'function') return;
  droppedHeard.add(server);
  emitter.on('dropRequest', markDropped);
}

function markDropped(req: object): void {
  if (req !== null && typeof req === 'object') dropped.add(req);
}

function resolve(request: IncomingMessage, server: object): UnseenWatcher | undefined {
  for (const r of resolvers) {
    const w = r(request, server);
    if (w !== undefined && !w.closed) return w;
  }
  return undefined;
}

/** An absolute-form target's scheme and authority (`http://user:pass@host:port`), dropped from the path. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/;

/**
 * Method, path and status. The path without its query string and fragment (a token there stays out of the log),
 * and of an absolute-form target (`GET http://admin:pw@host/x`) only the path: its user, password and host stay
 * out too (outside review 23, RT23-1). A target that is neither (not a path a router reads) is not shown.
 */
function describe(m: FinishMessage): UnseenRequest {
  const req = m.request as IncomingMessage & { originalUrl?: unknown };
  let path = typeof req.originalUrl === 'string' ? req.originalUrl : (req.url ?? '');
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (!path.startsWith('/') && path !== '*') {
    const authority = ABSOLUTE_FORM.exec(path);
    path = authority ? path.slice(authority[0].length) || '/' : '(not a path)';
  }
  return { method: req.method ?? 'GET', path: safePath(path).slice(0, 200), status: sentStatus(m.response) };
}

/**
 * A path as the log may show it (outside review 25, F1): decoded where it decodes; without `;` parameters
 * (`;jsessionid=…`); a `user:password@` in any segment (a network-path `//admin:pw@host/x`, a URL pasted into a
 * path) with its password masked; then the credentials rules every logged text goes through (`access_token=…`).
 */
function safePath(path: string): string {
  let p = path;
  try {
    p = decodeURIComponent(p);
  } catch {
    // not percent-encoded text: as received
  }
  const segments = p.split('/').map((segment) => {
    let seg = segment;
    const param = seg.indexOf(';');
    if (param !== -1) seg = seg.slice(0, param);
    const at = seg.lastIndexOf('@');
    const colon = seg.indexOf(':');
    return colon !== -1 && colon < at
      ? `${seg.slice(0, colon)}:[redacted]${seg.slice(at)}`
      : redactSegment(seg);
  });
  return redactCredentials(segments.join('/'));
}

/**
 * A path segment under the path-segment rules the channels' redaction uses (secret-parts.ts; outside review 39,
 * RT39-8): a segment that looks like a generated credential (a reset or webhook token, a hex key, a UUID) whole;
 * else its secret parts (Telegram's `bot<id>:<token>`, `KEYID:SECRET`, a JWT's parts, a random run), longest first,
 * so the rest stays readable (`/reset/[redacted]`, `/[redacted]/getUpdates`).
 */
function redactSegment(seg: string): string {
  if (looksLikeCredential(seg)) return REDACTED;
  // A token has no space nor control character: such a segment is text (its escapes shown by escapeControls).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(seg)) return seg;
  const parts = tokenParts(seg);
  if (parts.length === 0) return seg;
  const inner = parts.filter((p) => p !== seg).sort((a, b) => b.length - a.length);
  if (inner.length === 0) return REDACTED;
  let out = seg;
  for (const part of inner) out = out.split(part).join(REDACTED);
  return out;
}
