// The server of a Koa middleware that never saw a request (every request answered before it), for the count of
// requests it missed (unseen-requests.ts). Koa leaves nothing on a request or a response that leads back to its
// app (createContext links the app to the context only, and the server's listener is app.callback()'s closure),
// so the server cannot be read from the request as Express's app stack gives it. What can be told: the server is a
// Koa app's (its 'request' listener is the `handleRequest` function app.callback() returns, Koa 2 and 3), and which
// Koa middlewares of this process have learnt no server yet. With exactly one such middleware, the Koa server's
// missed requests are its; with two or more, which is whose cannot be told and nothing is counted until each sees a
// request (as before). Called only for servers no middleware has learnt: a request the middleware sees costs nothing.

import type { IncomingMessage } from 'node:http';
import type { UnseenWatcher } from './unseen-requests.js';

/** The Koa middlewares made in this process and not closed (one per middleware). */
const koaWatchers = new Set<UnseenWatcher>();
/** Whether a server is a Koa app's (its request listener, read once per server). */
const koaServers = new WeakMap<object, boolean>();

/** A Koa middleware is made: it may be given its server before it sees a request. */
export function addKoaWatcher(watcher: UnseenWatcher): void {
  koaWatchers.add(watcher);
}

/** Its monitor closed. */
export function removeKoaWatcher(watcher: UnseenWatcher): void {
  koaWatchers.delete(watcher);
}

/** The watcher of a Koa server no middleware has learnt: the only Koa middleware without a server, if one. */
export function koaWatcherFor(_request: IncomingMessage, server: object): UnseenWatcher | undefined {
  let only: UnseenWatcher | undefined;
  for (const w of koaWatchers) {
    if (w.closed || w.learnt !== 0) continue;
    if (only !== undefined) return undefined; // two or more: whose cannot be told
    only = w;
  }
  if (only === undefined || !isKoaServer(server)) return undefined;
  return only;
}

function isKoaServer(server: object): boolean {
  let koa = koaServers.get(server);
  if (koa === undefined) {
    const listeners = (server as { listeners?: (event: string) => unknown[] }).listeners;
    const fns = typeof listeners === 'function' ? listeners.call(server, 'request') : [];
    koa = fns.some((f) => typeof f === 'function' && f.name === 'handleRequest' && f.length === 2);
    koaServers.set(server, koa);
  }
  return koa;
}
