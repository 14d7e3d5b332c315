// Requests the server got that never reached the Express or Koa middleware, judged with the rest (outside review 39,
// RT39-4). Plain middleware mounted before the monitor (a session or auth router, a body parser) that fails every
// request (`next(err)`: 503) left the monitor's figures at 0 requests, `requests: healthy`, no error rate, the
// failures only in `unseen_total`; one that hangs left nothing at all, not even in flight.
//
// Node publishes every HTTP/1 request a server starts ('http.server.request.start', just before its 'request' event)
// and every response it completes ('http.server.response.finish', which response-end.ts listens to already; a
// completed response no middleware tracked comes to unseen-requests.ts). Here:
// - a completed response the middleware never saw (of a server it has learnt) is recorded on the route `unseen`
//   (UNSEEN_ROUTE): its method, the status its head sent, and its duration from the server's start to its finish,
//   in the same counters as every request: totals, status classes, error rate, latency, Apdex, the alerts;
// - a request started and neither tracked by a middleware nor ended, found by a sweep every SWEEP_MS, is in flight
//   from then, aged from its start at the server like any request in flight (a hang reads critical while its clients
//   wait), and at its end recorded as above, or as cut off (499) when its connection closes first.
// A request the middleware sees costs one more store per request and one per connection (its start, kept on its
// connection: the channel's own message, nothing allocated); it is recorded once, by the middleware, as before.
// Paths in `excludeRoutes` are not recorded; responses sysvitals answers itself (admin API, probes, shed) are not.

import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { InFlightEntry } from '../requests/in-flight.js';
import { ABORTED_STATUS } from '../requests/route-counters.js';
import { sentStatus } from '../requests/sent-status.js';
import type { RequestWay } from './common.js';
import { hasFlight } from './response-end.js';
import { type FinishMessage, isAnsweredHere, type UnseenWatcher, watcherOf } from './unseen-requests.js';

/** The route a request no middleware saw is recorded on (real templates start with `/`: no clash). */
export const UNSEEN_ROUTE = 'unseen';

/** How often requests waiting before the middleware are looked for (only while connections are open). */
export const SWEEP_MS = 500;

/** What a watcher's server-wide recorder is told (unseen-requests.ts). */
export interface ServerWide {
  /** A completed response of the watcher's server that no middleware tracked. Never throws. */
  finished(message: FinishMessage): void;
}

/** What 'http.server.request.start' publishes, and the start kept on it. */
interface StartMessage {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
  server: object;
  /** performance.now() at its start. */
  t?: number;
}

/** A request found waiting before the middleware: its place in flight. */
interface Waiting extends InFlightEntry {
  readonly res: ServerResponse;
  readonly req: IncomingMessage;
  readonly socket: Socket;
  /** performance.now() at its start at the server. */
  readonly start: number;
  readonly way: RequestWay;
}

const STARTED = Symbol('sysvitals.started');
type Stamped = Socket & { [STARTED]?: StartMessage };

/** Connections with a request started (those closed are dropped at the next sweep). */
const sockets = new Set<Stamped>();
/** Requests in flight found by a sweep, by response (rare: a middleware before the monitor holds them). */
const waiting = new Map<ServerResponse, Waiting>();
/** Responses a sweep has decided on (in flight, excluded, or no monitor's): not looked at again. */
const decided = new WeakSet<ServerResponse>();
let subscribed = false;
let timer: ReturnType<typeof setInterval> | null = null;

/**
 * Records what `watcher`'s server answers without the middleware (statuses, waits) through `way`, when `way` can
 * (the core monitor's tickets); else they are only counted, as before.
 */
export function recordServerWide(watcher: UnseenWatcher, way: RequestWay): void {
  const begin = way.beginUnseen;
  const end = way.endUnseen;
  if (begin === undefined || end === undefined) return;
  watcher.served = {
    finished(message) {
      try {
        const res = message.response;
        const w = waiting.get(res);
        if (w !== undefined) {
          waiting.delete(res);
          end.call(way, w.req, w, UNSEEN_ROUTE, sentStatus(res), performance.now() - w.start);
          return;
        }
        const started = (message.socket as Stamped | null)?.[STARTED];
        if (started?.response !== res || started.t === undefined) return; // its start not known: counted only
        end.call(way, message.request, null, UNSEEN_ROUTE, sentStatus(res), performance.now() - started.t);
      } catch {
        // never thrown into Node's publish
      }
    },
  };
  ways.set(watcher, way);
  if (!subscribed) {
    subscribed = true;
    subscribe('http.server.request.start', onStart);
  }
}

const ways = new WeakMap<UnseenWatcher, RequestWay>();

/** Every HTTP/1 request a server starts: its start kept on its connection (the channel's message, stamped). */
function onStart(message: unknown): void {
  const m = message as StartMessage;
  const socket = m.socket as Stamped;
  m.t = performance.now();
  if (socket[STARTED] === undefined) {
    sockets.add(socket);
    if (timer === null) {
      timer = setInterval(sweep, SWEEP_MS);
      timer.unref?.();
    }
  }
  socket[STARTED] = m;
}

/**
 * Finds the requests started at a server that neither a middleware tracks nor have ended (their connection's latest
 * request): each, when its server is a monitored one's, is in flight from now on. Exported for tests.
 */
export function sweep(): void {
  try {
    // One found before that reached a middleware since (a slow body a parser before it waited for), or that ended
    // without being told here (the middleware recorded it): released from flight, recorded by the middleware alone.
    for (const [res, w] of waiting) {
      if (!res.writableFinished && !hasFlight(res, w.socket)) continue;
      waiting.delete(res);
      w.way.endUnseen?.(w.req, w, UNSEEN_ROUTE, 0, 0);
    }
    for (const socket of sockets) {
      if (socket.destroyed) {
        sockets.delete(socket);
        continue;
      }
      const m = socket[STARTED];
      if (m === undefined || m.t === undefined) continue;
      const res = m.response;
      if (res.writableEnded || decided.has(res) || isAnsweredHere(res) || hasFlight(res, socket)) continue;
      decided.add(res);
      const watcher = watcherOf(m.request, m.server);
      const way = watcher === undefined ? undefined : ways.get(watcher);
      if (way?.beginUnseen === undefined) continue;
      const w: Waiting = { res, req: m.request, socket, start: m.t, way, prev: null, next: null, t: Number.NaN };
      if (!way.beginUnseen(m.request, w)) continue;
      // Aged from its start at the server, not from now (the in-flight clock's reading, less the time since).
      // biome-ignore lint/suspicious/noSelfCompare: NaN check (tracked)
      if (w.t === w.t) w.t -= performance.now() - m.t;
      waiting.set(res, w);
      // Before the middleware's own listener (response-end.ts), so that one it tracks by then is still told apart.
      socket.prependOnceListener('close', onWaitingClose);
    }
    if (sockets.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  } catch {
    // a sweep never throws into the timer
  }
}

/** A connection with a request found waiting closed: those not completed were cut off (499, their wait). */
function onWaitingClose(this: Socket): void {
  for (const [res, w] of waiting) {
    if (w.socket !== this) continue;
    waiting.delete(res);
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (still tracked)
    if (w.t !== w.t) continue;
    // A middleware tracks it (it got there since the last sweep): released, the middleware records its close.
    const status = hasFlight(res, this) ? 0 : ABORTED_STATUS;
    w.way.endUnseen?.(w.req, w, UNSEEN_ROUTE, status, performance.now() - w.start);
  }
}
