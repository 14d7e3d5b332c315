// When an application response ends, without a listener on the response (issue 18): Node's
// 'http.server.response.finish' diagnostics channel for completed responses, one 'close' listener per connection for
// those cut off (aborted). On Express every response has a hidden class of its own, where adding a 'close' listener
// reads `_events` and reads and writes `_eventsCount` with an inline-cache miss each: about 12,000 instructions per
// request under callgrind (the write alone about 8,000), against none here (the channel's message and the socket keep
// stable hidden classes). When the application ended the response (its end() call) is told by one wrapper of the
// response classes' end(), shared by every response (timeEnds).

import { subscribe } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { nodeHttp, nodeHttp2 } from '../builtins.js';
import { destroyedByServer, http2ClosedStatus, markEndedLate, watchStreamEnds } from '../requests/cut-off.js';
import { drained, writeBlocked } from './client-blocked.js';
import { ABORTED_STATUS, ANSWERED_BEFORE_STATUS, closedStatus } from './common.js';
import { isDetached, isTrackedDetached, trackDetached } from './detached-flights.js';
import type { Flight, FlightEnd } from './flight.js';
import { handedOver } from './handed-over.js';
import { headStatusOf } from './head-status.js';
import { timeDestroys, timeEnds, timeHeads, timeWrites } from './prototype-timing.js';
import { passedBy, peered } from './unseen-peers.js';
import { noteServer, tellTracked, untrackedFinish } from './unseen-requests.js';

export { type Flight, type FlightEnd, newTrackedTicket, type TrackedTicket } from './flight.js';
export { flightDuration } from './flight-duration.js';

const FLIGHTS = Symbol('sysvitals.flights');
/** `null` once the connection has its 'close' listener and nothing in flight. */
type Watched = Socket & { [FLIGHTS]?: Flight | null };

/**
 * Whether Node publishes 'http.server.response.finish' for the responses tracked (Node >= 18.7 does; another runtime
 * or a response not from Node's server may not): undefined until one tells. If not, each gets a 'close' listener.
 */
let channelWorks: boolean | undefined;
let subscribed = false;
const addListener = EventEmitter.prototype.on;
/** Flights without a connection (a request object not from Node's server), by response. */
const orphans = new Map<ServerResponse, Flight>();

/**
 * The mark of an HTTP/2 session's socket (node:http2 compat API: `req.socket` is a proxy to it while the stream
 * lives, to the stream itself once it has left its session). Its streams are tracked by their response, as
 * orphans: the session's socket lives as long as the connection, and Node publishes no 'finish' for them.
 */
const HTTP2: Flight = {
  res: null as unknown as ServerResponse,
  socket: null,
  onEnd() {},
  nextFlight: null,
  endedAt: Number.NaN,
  handedOver: false,
  headStatus: 0,
  blocked: null,
};

/** The mark watch() returns for a connection not a Node server's (detached-flights.ts); never set on it. */
const DETACHED: Flight = { ...HTTP2 };

/** A watched connection whose 'close' came (onSocketClose): a flight tracked later ends at once, cut off (RT42-1). */
const CLOSED: Flight = { ...HTTP2 };

/**
 * Whether a response was ended while no middleware tracked it (stampEnd: one answered before the middleware, or by
 * sysvitals itself). Until then no response can reach trackFlight already ended, and its read is skipped.
 */
let endedUntracked = false;

/** Tracks `flight` until its response finishes or its connection closes; its onEnd is then called once. */
export function trackFlight(flight: Flight): void {
  // Answered before the middleware saw it, then passed on, on a connection still open (RT46-7 kept alive): the
  // unseen path's alone, never in flight (its 'finish', published before or after, is an untracked one).
  if (endedUntracked && flight.res.writableEnded) {
    flight.onEnd(flight, ANSWERED_BEFORE_STATUS);
    return;
  }
  // The usual case (an HTTP/1 connection watched, the channel known to work), small enough for V8 to inline whole
  // into the adapters; the rest is trackAny's (issue 18: inlining budget, bench/RESULTS.md `perf`).
  const socket = flight.socket as Watched | null;
  const head = channelWorks === true && socket ? socket[FLIGHTS] : undefined;
  if (head === undefined || head === DETACHED || head === HTTP2 || head === CLOSED) {
    trackAny(flight);
    return;
  }
  flight.nextFlight = head;
  (socket as Watched)[FLIGHTS] = flight;
}

/** trackFlight() in every case. */
function trackAny(flight: Flight): void {
  watchResponseEnds();
  const socket = flight.socket as Watched | null;
  if (!socket) {
    orphans.set(flight.res, flight);
    addListener.call(flight.res, 'close', onResponseClose);
    return;
  }
  let head = socket[FLIGHTS];
  // Closed before it got here (middleware before the monitor held it; outside review 42, RT42-1): cut off at once,
  // unless its response had been ended before (answered, then passed on: the unseen path's, not a client's close;
  // outside review 46, RT46-7). Its duration starts now: when it arrived is not known (RT46-1, docs/requests.md).
  if (head === CLOSED || (head === undefined && socket.destroyed)) {
    flight.onEnd(flight, flight.res.writableEnded ? ANSWERED_BEFORE_STATUS : ABORTED_STATUS);
    return;
  }
  // Decided once per connection: an HTTP/1 request costs the one comparison with HTTP2 below.
  if (head === undefined) head = watch(socket, flight);
  // Never marked: each of a detached connection's requests comes here.
  if (head === DETACHED) {
    trackDetached(flight, orphans);
    return;
  }
  if (head === HTTP2) {
    flight.socket = null;
    orphans.set(flight.res, flight);
    addListener.call(flight.res, 'close', onStreamClose);
    return;
  }
  flight.nextFlight = head ?? null;
  socket[FLIGHTS] = flight;
  if (channelWorks !== true) addListener.call(flight.res, 'close', onResponseClose);
}

/** Listens to Node's response ends, once: at the first flight, or when a middleware is made (unseen-requests.ts). */
export function watchResponseEnds(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.response.finish', onResponseFinish);
  const proto = nodeHttp().ServerResponse.prototype;
  timeEnds(proto, stampEnd);
  timeWrites(proto, stampBlocked);
  timeHeads(proto, stampHead);
}

/** The first flight on `socket`: an HTTP/2 session's is marked HTTP2, an HTTP/1 connection gets its 'close' listener. */
function watch(socket: Watched, flight: Flight): Flight | undefined {
  if ((flight.res.req as IncomingMessage | undefined)?.httpVersionMajor === 2) {
    if (!http2Timed) {
      http2Timed = true;
      const proto = nodeHttp2().Http2ServerResponse.prototype;
      timeEnds(proto, stampStreamEnd);
      timeWrites(proto, stampBlocked);
      timeDestroys(proto, destroyedByServer);
      watchStreamEnds((flight.res as { stream?: unknown }).stream);
    }
    socket[FLIGHTS] = HTTP2;
    return HTTP2;
  }
  if (isDetached(socket)) return DETACHED; // light-my-request's inject(): no 'finish' published, no close
  addListener.call(socket, 'close', onSocketClose);
  noteServer((socket as { server?: unknown }).server, flight.onEnd);
  return undefined;
}

/**
 * Whether `res` is already tracked with `onEnd` (the same middleware): a request the application re-dispatched
 * (`req.url = …; req.app.handle(req, res, next)`) passes the middleware again and must not be counted twice.
 * Reads the connection's list trackFlight keeps (usually empty or one flight): nothing added to `req` or `res`.
 */
export function isTracked(res: ServerResponse, socket: Socket | null, onEnd: FlightEnd<never>): boolean {
  if (!socket) return orphans.get(res)?.onEnd === onEnd;
  const head = (socket as Watched)[FLIGHTS];
  for (let f = head; f; f = f.nextFlight) if (f.res === res && f.onEnd === onEnd) return true;
  // (an HTTP/2 session's mark, HTTP2, matches no response: Express does not run on node:http2). A connection never
  // marked: its first request, or a detached one's (detached-flights.ts), tracked by its response.
  return head === undefined && orphans.size !== 0 && isTrackedDetached(orphans, res, onEnd);
}

/** Whether `res` is tracked on its HTTP/1 connection `socket` by any middleware (unseen-waiting.ts; reads only). */
function trackedOn(socket: object, res: object): boolean {
  for (let f = (socket as Watched)[FLIGHTS]; f; f = f.nextFlight) if (f.res === res) return true;
  return false;
}
tellTracked(trackedOn);

/** Removes `flight` from its connection's list; false when it was no longer there (already ended). */
function untrack(flight: Flight): boolean {
  const socket = flight.socket as Watched | null;
  if (!socket) return orphans.delete(flight.res);
  let f = socket[FLIGHTS];
  if (f === flight) {
    socket[FLIGHTS] = flight.nextFlight;
    flight.nextFlight = null;
    return true;
  }
  while (f) {
    if (f.nextFlight === flight) {
      f.nextFlight = flight.nextFlight;
      flight.nextFlight = null;
      return true;
    }
    f = f.nextFlight;
  }
  return false;
}

/** Ends every flight of `res` on `socket` (one per sysvitals middleware it passed: usually one); false if none. */
function endFlights(socket: Watched, res: ServerResponse, status: (f: Flight) => number): boolean {
  let f = socket[FLIGHTS];
  // The usual case, the connection's only flight is this response's: untrack() inlined (its call, out of line, was
  // ~60 instructions a request under callgrind: issue 18, bench/RESULTS.md `instructions (stop 49)`).
  if (f != null && f.res === res && f.nextFlight === null) {
    socket[FLIGHTS] = null;
    f.onEnd(f, status(f));
    return true;
  }
  let ended = false;
  for (let next: Flight | null; f; f = next) {
    next = f.nextFlight;
    if (f.res !== res || !untrack(f)) continue;
    ended = true;
    f.onEnd(f, status(f));
  }
  return ended;
}

/** A completed response (Node publishes this at 'finish', a tick before the response's 'close'). */
function onResponseFinish(message: unknown): void {
  const m = message as { response: ServerResponse; socket: Watched | null };
  const socket = m.socket;
  // A response no sysvitals middleware tracked (one answered before it: unseen-requests.ts).
  if (!socket?.[FLIGHTS]) {
    untrackedFinish(message);
    return;
  }
  channelWorks = true;
  // Two monitors on one app (unseen-peers.ts): which of them saw it, read before its flights end.
  const saw = peered ? endsOf(socket, m.response) : undefined;
  // 'finish' also comes for a body that was still pending when the client closed (Node runs the pending
  // write's callback when the socket fails): the socket, destroyed before its writes finished, tells.
  if (!endFlights(socket, m.response, finishedStatus)) untrackedFinish(message);
  else if (saw !== undefined) passedBy(message, saw);
}

/** The onEnd of each flight of `res` on `socket` (one per middleware that tracked it). */
function endsOf(socket: Watched, res: ServerResponse): unknown[] {
  const ends: unknown[] = [];
  for (let f = socket[FLIGHTS]; f; f = f.nextFlight) if (f.res === res) ends.push(f.onEnd);
  return ends;
}

/**
 * closedStatus for a response known to have finished (so without reading `res.writableFinished`, a getter
 * found five prototypes up on Express's response). The status is the one its head sent (sentStatus: not
 * `res.statusCode`, which the application may set after the head went out; outside review 24, RT24-3).
 * A write that failed runs its callback, and so 'finish', before the socket is destroyed: when Node had stopped
 * reading the connection (requests pipelined behind an unread response), the client's reset is seen by that write
 * alone, and only the socket's `errored` tells (outside review 6, F1b: recorded as a 200 at the client's close).
 * A response handed over whole when the application ended it (handedOver) completed, whoever destroyed the
 * connection afterwards: its 'finish' comes a tick after end(), so a `res.destroy()` or `socket.destroy()` in the
 * same tick is seen destroyed here, its bytes already the operating system's (outside review 7, F5).
 */
function finishedStatus(f: Flight): number {
  const socket = f.socket;
  if (socket === null || f.handedOver) return headStatusOf(f);
  return (socket.destroyed && !socket.writableFinished) || socket.errored ? ABORTED_STATUS : headStatusOf(f);
}

/** closedStatus at a close, but for a response handed over whole when the application ended it (handedOver). */
function statusAtClose(f: Flight): number {
  return f.handedOver ? headStatusOf(f) : closedStatus(f.res, f.socket);
}

/** The connection closed: what is still in flight on it was cut off (or completed in the same tick). */
function onSocketClose(this: Watched): void {
  let f = this[FLIGHTS];
  this[FLIGHTS] = CLOSED;
  while (f) {
    const next = f.nextFlight;
    f.nextFlight = null;
    f.onEnd(f, statusAtClose(f));
    f = next;
  }
}

/** An HTTP/2 stream's response closed (completed, reset by its client, or destroyed): its flight ends. */
function onStreamClose(this: ServerResponse): void {
  const flight = orphans.get(this);
  if (flight === undefined) return;
  orphans.delete(this);
  flight.onEnd(flight, http2ClosedStatus(this));
}

/** Until the channel is known to work (or where it does not): 'close' (after 'finish'; alone if the client left). */
function onResponseClose(this: ServerResponse): void {
  const orphan = orphans.get(this);
  if (orphan !== undefined) {
    orphans.delete(this);
    orphan.onEnd(orphan, closedStatus(this, null));
    return;
  }
  const socket = (this.req as IncomingMessage | undefined)?.socket as Watched | undefined;
  if (!socket?.[FLIGHTS]) return;
  let tracked = false;
  for (let f: Flight | null | undefined = socket[FLIGHTS]; f; f = f.nextFlight)
    if (f.res === this) tracked = true;
  if (!tracked) return;
  // Completed, and the channel did not report it at 'finish': it is not published here.
  if (this.writableFinished && channelWorks === undefined) channelWorks = false;
  endFlights(socket, this, statusAtClose);
}

/** Whether Http2ServerResponse's end() is timed (the first HTTP/2 response tracked). */
let http2Timed = false;

// Keyed reads of `res.req` and `req.socket` (see express.ts, METHOD): Express's responses and requests each have a
// hidden class of their own, where a named read misses V8's caches on every request.
const REQ = 'req';
const SOCKET = 'socket';

/** The connection of `res` (`res.req.socket`; for HTTP/2 a proxy to its session's). */
function socketOf(res: ServerResponse): Watched | null | undefined {
  const req = (res as unknown as Record<string, IncomingMessage | undefined>)[REQ];
  return (req as unknown as Record<string, Watched | null | undefined> | undefined)?.[SOCKET];
}

/** The list holding the flights of `res` (they are those whose `res` it is): its connection's, or its orphan. */
function flightsOf(res: ServerResponse, socket: Watched | null | undefined): Flight | null | undefined {
  const f = socket?.[FLIGHTS];
  if (f != null && f !== HTTP2) return f;
  return orphans.size === 0 ? undefined : orphans.get(res);
}

/** A write to `res` returned false: its flights not ended are blocked on their client (client-blocked.ts). */
function stampBlocked(res: ServerResponse): void {
  writeBlocked(flightsOf(res, socketOf(res)), res, onDrain);
}

/** sysvitals' 'drain' listener of a response a write found blocked (once per response, on that slow path only). */
function onDrain(this: ServerResponse): void {
  try {
    drained(flightsOf(this, socketOf(this)), this);
  } catch {
    // Never thrown into Node's 'drain' emit (the connection's, which would fail the process).
  }
}

/** Node's writeHead() wrote the head of HTTP/1 `res` with `status` (timeHeads): its flights keep it (head-status.ts). */
function stampHead(res: ServerResponse, status: number): void {
  for (let f = flightsOf(res, socketOf(res)); f; f = f.nextFlight) if (f.res === res) f.headStatus = status;
}

/** An HTTP/1 response's end() returned: its flights (by its connection's list, or as an orphan) are stamped. */
function stampEnd(res: ServerResponse): void {
  const socket = socketOf(res);
  let f = flightsOf(res, socket);
  let now = Number.NaN;
  let whole = false;
  let tracked = false;
  for (; f; f = f.nextFlight) {
    if (f.res !== res) continue;
    tracked = true;
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (the first end() only)
    if (f.endedAt === f.endedAt) continue;
    // biome-ignore lint/suspicious/noSelfCompare: NaN check
    if (now !== now) {
      now = performance.now();
      whole = handedOver(res, socket);
      // Not whole: was its connection already failed (the client's reset found by end()'s write)? Rare path only.
      if (!whole && socket != null && (socket.destroyed || socket.errored != null)) markEndedLate(res);
    }
    f.endedAt = now;
    f.handedOver = whole;
  }
  if (!tracked) endedUntracked = true;
}

/** An HTTP/2 response's end() returned: its flight (tracked by its response, as an orphan) is stamped. */
function stampStreamEnd(res: ServerResponse): void {
  const f = orphans.get(res);
  // biome-ignore lint/suspicious/noSelfCompare: NaN check (the first end() only)
  if (f !== undefined && f.endedAt !== f.endedAt) f.endedAt = performance.now();
}
