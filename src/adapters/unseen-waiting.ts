// Requests an Express or Koa application holds before its sysvitals middleware without answering them (a middleware
// that hangs them: never calls next(), never answers; outside review 39, RT39-4), made visible as a gauge: how many
// wait now, and for at least how long the oldest has. Read when metrics are read, from the connections of the servers
// the middleware learnt (unseen-requests.ts), never per request: a request that reaches the middleware costs nothing
// more. Nothing is recorded, counted or put in flight: a request that leaves (answered, passed on, its socket closed)
// is simply not found at the next read (outside review 42: RT42-1, RT42-14 came from keeping such requests).
//
// Node 20's HTTP/1 server keeps its connections in `server[Symbol('http.server.connections')]` (lib/_http_server.js,
// a ConnectionsList whose all() gives each connection's parser, with its `socket`); a connection's `_httpMessage` is
// the response it is answering now (pipelined ones queued behind it are not seen: a lower bound). Such a response
// waits for an answer when its head is not sent; it is the application's when its request entered the app
// (enteredApp), and unseen when no middleware tracks it. Its age is not known (its start is not seen): it is timed
// from the first read that found it, so the oldest age is a lower bound. A runtime without that list reads 0.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** The gauge: requests waiting before the middleware now, and the oldest one's age (ms, a lower bound). */
export interface UnseenWaiting {
  count: number;
  oldestMs: number;
}

/** What a connection list gives (Node's ConnectionsList.all()): its parsers, with their socket. */
interface ConnectionList {
  all(): ArrayLike<{ socket?: unknown } | null | undefined>;
}

/** When each waiting response was first found (its age's start). */
const found = new WeakMap<object, number>();
/** Each server's connection list (null: none readable). */
const lists = new WeakMap<object, ConnectionList | null>();

/**
 * The waiting requests on `servers`' connections at `now` (the monitor's clock, ms). `isApp` tells a request that
 * entered the application, `answered` one sysvitals answers itself, `trackedOn` one a middleware tracks on its
 * connection (response-end.ts). Never throws.
 */
export function waitingOn(
  servers: Iterable<object>,
  now: number,
  isApp: (req: IncomingMessage, res: ServerResponse) => boolean,
  answered: (res: ServerResponse) => boolean,
  trackedOn: (socket: object, res: object) => boolean,
): UnseenWaiting {
  const out: UnseenWaiting = { count: 0, oldestMs: 0 };
  try {
    for (const server of servers) {
      const list = listOf(server);
      if (list === null) continue;
      const parsers = list.all();
      for (let i = 0; i < parsers.length; i++) {
        const socket = parsers[i]?.socket as
          | { destroyed?: boolean; _httpMessage?: ServerResponse | null }
          | undefined;
        const res = socket?._httpMessage;
        if (socket === undefined || socket.destroyed === true || res === null || res === undefined) continue;
        if (res.headersSent || res.writableEnded) continue; // answering, or answered
        const req = res.req as IncomingMessage | undefined;
        if (req === undefined || !isApp(req, res) || answered(res) || trackedOn(socket, res)) continue;
        let since = found.get(res);
        if (since === undefined) {
          since = now;
          found.set(res, now);
        }
        out.count++;
        out.oldestMs = Math.max(out.oldestMs, now - since);
      }
    }
  } catch {
    // a runtime whose internals differ: what was read so far
  }
  return out;
}

function listOf(server: object): ConnectionList | null {
  let list = lists.get(server);
  if (list !== undefined) return list;
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  const value = key === undefined ? undefined : (server as Record<symbol, unknown>)[key];
  list =
    value !== null && typeof value === 'object' && typeof (value as ConnectionList).all === 'function'
      ? (value as ConnectionList)
      : null;
  // Not set until the server listens: asked again at the next read.
  if (list !== null) lists.set(server, list);
  return list;
}
