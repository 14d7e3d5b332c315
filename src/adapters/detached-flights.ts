// Requests that did not come through a connection of a Node HTTP server: light-my-request's in-memory ones
// (Fastify's `app.inject()`, `inject(app, …)` on an Express app or a Koa `app.callback()`), or any request whose
// socket is a stand-in. Node publishes no 'http.server.response.finish' for their responses and their socket never
// closes, so a flight kept on that socket never ended once the channel had been seen working (outside review 9, F1:
// every inject() stayed in flight, uncounted, and shutdown waited drainMs for them). They are tracked by their
// response instead, whose 'finish' or 'close' ends them: recorded like any request (status, route, duration to
// their end()).
// Looked at once per connection only (response-end.ts watch()): a real connection costs one property read.

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ABORTED_STATUS } from '../requests/route-counters.js';
import { sentStatus } from '../requests/sent-status.js';

/** What this file reads and writes of response-end.ts's Flight (the same fields: no import, no cycle). */
export interface DetachedFlight {
  readonly res: ServerResponse;
  socket: object | null;
  nextFlight: DetachedFlight | null;
  onEnd(flight: this, status: number): void;
}

/**
 * Whether `socket` is not a connection of a Node HTTP server: Node's server sets `socket.server` on every connection
 * it serves (a net.Server's socket, a TLS socket, or a stream handed over with `server.emit('connection', stream)`),
 * and publishes its responses' 'finish'; light-my-request's MockSocket has no `server`.
 */
export function isDetached(socket: object): boolean {
  return (socket as { server?: unknown }).server == null;
}

const addListener = EventEmitter.prototype.on;

/** response-end.ts's flights tracked by their response (set by the first trackDetached()). */
let byResponse: Map<ServerResponse, DetachedFlight> | undefined;

/**
 * Tracks `flight` by its response in `flights` (response-end.ts's map of flights without a connection, where the
 * end() wrapper stamps when the application ended it): the response's 'finish' or 'close', whichever comes first,
 * ends it. Several flights of one response (two sysvitals middlewares) are chained by `nextFlight`, as on a
 * connection.
 */
export function trackDetached<F extends DetachedFlight>(flight: F, flights: Map<ServerResponse, F>): void {
  byResponse = flights as Map<ServerResponse, DetachedFlight>;
  const res = flight.res;
  const first = flights.get(res);
  flight.socket = null;
  flight.nextFlight = first ?? null;
  flights.set(res, flight);
  if (first !== undefined) return;
  addListener.call(res, 'finish', onDetachedEnd);
  addListener.call(res, 'close', onDetachedEnd);
}

/** Whether `res` is tracked in `flights` with `onEnd` (a request the application re-dispatched: response-end.ts isTracked). */
export function isTrackedDetached(
  flights: Map<ServerResponse, DetachedFlight>,
  res: ServerResponse,
  onEnd: unknown,
): boolean {
  for (let f: DetachedFlight | null | undefined = flights.get(res); f; f = f.nextFlight)
    if (f.onEnd === onEnd) return true;
  return false;
}

/**
 * The response finished or closed. light-my-request's emits 'finish' in its end(), when the whole response is in the
 * caller's hands (completed, with its own status), and 'close' a tick later, or alone after a destroy() before any
 * end() (cut off: 499). A response whose class the application replaced (Express's own set on a request from
 * `inject((req, res) => app(req, res))`) emits Node's 'finish' once its end() is written, and never 'close'.
 */
function onDetachedEnd(this: ServerResponse): void {
  let f: DetachedFlight | null | undefined = byResponse?.get(this);
  if (f === undefined) return;
  byResponse?.delete(this);
  const status = this.writableEnded ? sentStatus(this) : ABORTED_STATUS;
  while (f) {
    const next: DetachedFlight | null = f.nextFlight;
    f.nextFlight = null;
    f.onEnd(f, status);
    f = next;
  }
}
