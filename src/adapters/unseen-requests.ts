// Requests a server answered that never passed the sysvitals middleware (mounted after a handler that ends them:
// `app.use((req, res) => res.send('x'))`, a static server, a router or sub-app), counted exactly and told once.
//
// The oracle is Node's own: every response an HTTP/1 server completes is published on the
// 'http.server.response.finish' channel, which response-end.ts already listens to for the responses the middleware
// tracks. A completed response none of whose flights it ended is one the middleware did not see: response-end.ts
// hands it here (untrackedFinish), so a request the middleware sees costs nothing more than before. Such a
// response belongs to the middleware whose server it is: a server is learnt once per connection the middleware
// tracks (noteServer), or, for an Express app the middleware never saw a request of, from the app's own stack
// (a resolver the Express adapter gives); for a Koa app, every server its callback serves (koa-unseen.ts: a
// resolver, and a finder of the listening servers asked when the waiting gauge is read). Until then its count is kept per server and taken over when a middleware
// learns it. Responses sysvitals answers itself (admin API, probes, load shedding) are set apart (answeredHere).
//
// Only requests that entered the Express or Koa application count (enteredApp): a response another 'request'
// listener of the server wrote (socket.io / engine.io long-polls, outside review 42, RT42-11) or Node itself (400
// without Host, 503 past maxRequestsPerSocket, 417: never emitted as 'request') is not the app's. A 5xx among them
// (a failing middleware before the monitor, outside review 39, RT39-4) is also recorded as a failed request on the
// route `unseen`, at its 'finish' (once per response, whatever its connection does after), without a duration.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeControls } from '../logger.js';
import { TicketPath } from '../requests/request-ticket.js';
import { sentStatus, statusClass } from '../requests/sent-status.js';
import type { Logger } from '../types.js';
import { enteredApp } from './entered-app.js';
import { loggablePath } from './unseen-path.js';
import { type UnseenWaiting, waitingOn } from './unseen-waiting.js';

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
  /** Servers learnt (how many). */
  learnt = 0;
  /** Those servers, weakly: their connections are read for the requests waiting before it (unseen-waiting.ts). */
  readonly servers: WeakRef<object>[] = [];
  private readonly logger: Logger | undefined;
  /** The monitor's lifecycle, whose `unseenTotal` (metrics/ and Prometheus) each middleware adds to. */
  private readonly sink: UnseenSink | undefined;
  /** Where a 5xx among them is recorded as a failed request (the core monitor's TicketPath.recordUnseen). */
  private readonly failures: UnseenFailures | undefined;
  /** Whether a missed request was its app's (set by the adapter): only those 5xx are its failures (RT48-4). */
  owns: ((req: IncomingMessage, server: object) => boolean) | undefined = undefined;
  /** Other monitors' middlewares in its app's own stack (outside review D, RTD-6): they count what it counts. */
  peers: readonly UnseenWatcher[] = [];

  constructor(logger: Logger | undefined, sink?: UnseenSink, failures?: UnseenFailures) {
    this.logger = logger;
    this.sink = sink;
    this.failures = failures;
  }

  /** One of them, answered `status`: a 5xx is a failed request of the route `unseen` too. */
  failed(req: IncomingMessage, status: number, server: object): void {
    if (this.failures === undefined || !isFailure(status)) return;
    if (this.owns !== undefined && !this.owns(req, server)) return;
    this.failures(req, req.method ?? 'GET', UNSEEN_ROUTE);
  }

  /** Those its server answered before it was learnt (Pending.failed), recorded as it is. */
  failedBefore(failed: readonly PendingFailure[], server: object): void {
    if (this.failures === undefined) return;
    for (const f of failed) {
      const req = f as unknown as IncomingMessage; // its `app` read as the request's (expressWatcherFor)
      if (this.owns !== undefined && !this.owns(req, server)) continue;
      this.failures(req, f.method, UNSEEN_ROUTE);
    }
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
    // The object's strings as the message's (outside review B, RTB-3): a JSON logger writes them as they are.
    const [method, path] = [escapeControls(first.method), escapeControls(first.path)];
    this.logger?.warn(
      { method, path, status: first.status, unseen: count },
      `sysvitals: ${method} ${path} was answered (${first.status}) by this server without passing ` +
        `monitor.middleware()${earlier}: a handler mounted before the middleware (or outside the path it is mounted ` +
        'on) ends such requests, and they are not measured (monitor.getUnseenRequests() counts them; a 5xx is a ' +
        'failed request of the route `unseen`, without its time). Mount it ' +
        'before them: app.use(monitor.middleware()) first',
    );
  }
}

/** The route the 5xx answered before the middleware are recorded on (requests, errors; never latency). */
export const UNSEEN_ROUTE = 'unseen';

/** Records one failed request answered before the middleware: its request, method and route (UNSEEN_ROUTE). */
export type UnseenFailures = (req: IncomingMessage, method: string, route: string) => void;

/** The core monitor's recorder of those failures; undefined for another source (they are then only counted). */
export function unseenFailures(monitor: unknown): UnseenFailures | undefined {
  const tickets = (monitor as { tickets?: unknown } | null)?.tickets;
  if (!(tickets instanceof TicketPath)) return undefined;
  return (req, method, route) => tickets.recordUnseen(req, method, route);
}

/** Where a monitor's missed requests are summed (its Lifecycle: `requests.unseen_total` in metrics/). */
export interface UnseenSink {
  unseenTotal: number | undefined;
  /** The requests waiting before its middlewares at `now` (`requests.unseen_waiting`), set by the first of them. */
  unseenWaiting?: ((now: number) => UnseenWaiting) | undefined;
}

/** Whether a response is tracked on its connection (response-end.ts gives it: it imports this module). */
let tracked: (socket: object, res: object) => boolean = () => false;

/** response-end.ts's trackedOn, given once as it loads. */
export function tellTracked(test: (socket: object, res: object) => boolean): void {
  tracked = test;
}

/** Each sink's middlewares (one monitor's: usually one). */
const sinkWatchers = new WeakMap<UnseenSink, Set<UnseenWatcher>>();

/** `watcher` adds to its sink's waiting gauge. */
function waitInto(sink: UnseenSink, watcher: UnseenWatcher): void {
  let set = sinkWatchers.get(sink);
  if (set === undefined) {
    const watchers = new Set<UnseenWatcher>();
    set = watchers;
    sinkWatchers.set(sink, watchers);
    sink.unseenWaiting = (now) => {
      findServers();
      const on = new Set<object>();
      for (const w of watchers) {
        if (w.closed) continue;
        for (const ref of w.servers) {
          const server = ref.deref();
          if (server !== undefined) on.add(server);
        }
      }
      return waitingOn(on, now, enteredApp, (res) => answered.has(res), tracked);
    };
  }
  set.add(watcher);
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
  /** The 5xx among them (at most MAX_PENDING_FAILURES), recorded when a middleware learns the server. */
  failed: PendingFailure[];
}

/** What the excluded paths are matched on (RequestExclusion.matches reads `originalUrl ?? url`), and the method. */
interface PendingFailure {
  method: string;
  url: string;
  /** Express: the request's app (whose stack tells whose it was: UnseenWatcher.owns). */
  app: unknown;
}

/** The 5xx kept for a server not learnt yet; past it they are only counted (unseen_total). */
const MAX_PENDING_FAILURES = 10_000;

/** A 5xx (501 and 505 count as 4xx on `unseen` as on any route: statusClass). */
const isFailure = (status: number) => statusClass(status, UNSEEN_ROUTE) === 5;

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

/** The watcher of the middleware whose flights end with `onEnd` (one per middleware). */
export function watchUnseen(
  onEnd: unknown,
  logger: Logger | undefined,
  sink?: UnseenSink,
  failures?: UnseenFailures,
): UnseenWatcher {
  const watcher = new UnseenWatcher(logger, sink, failures);
  byEnd.set(onEnd, watcher);
  if (sink !== undefined) waitInto(sink, watcher);
  return watcher;
}

/** The watcher of the middleware whose flights end with `onEnd`, if it is live. */
export function watcherOf(onEnd: unknown): UnseenWatcher | undefined {
  return byEnd.get(onEnd);
}

/** The middleware is done (its monitor closed): it learns and counts nothing more. */
export function unwatchUnseen(onEnd: unknown): void {
  const watcher = byEnd.get(onEnd);
  if (watcher === undefined) return;
  watcher.closed = true;
  byEnd.delete(onEnd);
}

/**
 * Finds servers of a middleware's app that no middleware has learnt (Koa: the listening servers its app's callback
 * serves, koa-unseen.ts), each with that middleware's watcher; asked when the waiting gauge is read.
 */
export type ServerFinder = (known: (server: object) => boolean) => Iterable<readonly [object, UnseenWatcher]>;

const finders: ServerFinder[] = [];

/** A finder of servers not learnt yet (registered once per adapter module). */
export function addServerFinder(finder: ServerFinder): void {
  if (!finders.includes(finder)) finders.push(finder);
}

/** Learns what the finders find: their hung requests are then seen, their missed ones counted. Never throws. */
function findServers(): void {
  const known = (server: object) => servers.get(server)?.closed === false;
  for (const find of finders) {
    try {
      for (const [server, watcher] of find(known))
        if (!known(server) && !watcher.closed) learn(server, watcher);
    } catch {
      // a finder reading a runtime whose internals differ: nothing more learnt
    }
  }
}

/** A resolver for servers no middleware has learnt yet (registered once per adapter module). */
export function addWatcherResolver(resolver: WatcherResolver): void {
  if (!resolvers.includes(resolver)) resolvers.push(resolver);
}

/** Whether sysvitals answered `res` itself (answeredHere). */
export const isAnsweredHere = (res: ServerResponse): boolean => answered.has(res);

/** A response sysvitals answers itself (admin API, probe, shed): not a missed request. Off the hot path. */
export function answeredHere(res: ServerResponse, onEnd?: unknown): void {
  answered.add(res);
  // An admin API request or probe: its server is the middleware's (for the requests waiting before it, too).
  if (onEnd === undefined) return;
  try {
    noteServer((res.req?.socket as { server?: unknown } | undefined)?.server, onEnd);
  } catch {
    // an HTTP/2 stream's socket proxy, unbound: nothing learnt
  }
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

/**
 * `server` is not `watcher`'s after all (a Koa server taken before the middleware saw its app, whose listener is
 * another app's: koa-unseen.ts): what it counted stays, what comes next is not its.
 */
export function unlearn(server: object, watcher: UnseenWatcher): void {
  if (servers.get(server) !== watcher) return;
  servers.delete(server);
  const at = watcher.servers.findIndex((ref) => ref.deref() === server);
  if (at !== -1) watcher.servers.splice(at, 1);
}

/** `server` is `watcher`'s (Koa: a request of its app came from it, koa-unseen.ts), unless a live one has it. */
export function noteServerOf(server: unknown, watcher: UnseenWatcher): void {
  if (server === null || typeof server !== 'object' || watcher.closed) return;
  const known = servers.get(server);
  if (known === undefined || known.closed) learn(server, watcher);
}

function learn(server: object, watcher: UnseenWatcher): void {
  servers.set(server, watcher);
  watcher.learnt++;
  const before = pending.get(server);
  pending.delete(server);
  for (const w of [watcher, ...watcher.peers]) {
    if (w.closed) continue;
    addServer(w, server);
    if (before === undefined) continue;
    w.add(before.total, before.first);
    w.failedBefore(before.failed, server);
  }
}

/** `server` is among the servers `watcher` reads (for the requests waiting before it), once. */
export function addServer(watcher: UnseenWatcher, server: object): void {
  if (!watcher.servers.some((ref) => ref.deref() === server)) watcher.servers.push(new WeakRef(server));
}

/** What 'http.server.response.finish' publishes. */
export interface FinishMessage {
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
    if (!enteredApp(m.request, m.response)) return;
    let watcher = servers.get(server);
    if (watcher === undefined) {
      watcher = resolve(m.request, server);
      if (watcher !== undefined) learn(server, watcher);
    }
    if (watcher !== undefined) {
      const first = describeFinish(m);
      for (let i = -1; i < watcher.peers.length; i++) {
        const w = i < 0 ? watcher : (watcher.peers[i] as UnseenWatcher);
        if (w.closed) continue;
        w.add(1, first);
        w.failed(m.request, first.status, server);
      }
      return;
    }
    let before = pending.get(server);
    if (before === undefined) {
      before = { total: 0, first: describeFinish(m), failed: [] };
      pending.set(server, before);
    }
    before.total++;
    if (isFailure(sentStatus(m.response)) && before.failed.length < MAX_PENDING_FAILURES) {
      const req = m.request as IncomingMessage & { originalUrl?: unknown };
      const url = typeof req.originalUrl === 'string' ? req.originalUrl : (req.url ?? '');
      before.failed.push({ method: req.method ?? 'GET', url, app: (req as { app?: unknown }).app });
    }
  } catch {
    // never thrown into Node's publish
  }
}

function resolve(request: IncomingMessage, server: object): UnseenWatcher | undefined {
  for (const r of resolvers) {
    const w = r(request, server);
    if (w !== undefined && !w.closed) return w;
  }
  return undefined;
}

/** Method, path (as the log may show it: unseen-path.ts) and status of a finished response. */
export function describeFinish(m: FinishMessage): UnseenRequest {
  const req = m.request as IncomingMessage & { originalUrl?: unknown };
  const path = typeof req.originalUrl === 'string' ? req.originalUrl : (req.url ?? '');
  return { method: req.method ?? 'GET', path: loggablePath(path), status: sentStatus(m.response) };
}
