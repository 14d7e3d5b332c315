// The Koa app behind a server, for the count of requests a Koa middleware missed (unseen-requests.ts). Koa leaves
// nothing on a request or a response that leads back to its app (createContext links the app to the context only),
// and a server's listener is app.callback()'s closure, `handleRequest` (Koa 2 and 3), whose app cannot be read.
// A server is learnt for a middleware's app only from evidence that runs no code of the host (outside review C,
// RTC-5: calling a listener to test it ran another app's createContext override, and its middleware on a fake
// context): a request that reached the middleware from it (response-end.ts, noteKoaApp); a server whose listener is
// the very closure of a server learnt (`const cb = app.callback()` given to HTTP and HTTPS); and the app's own
// createContext, which handleRequest calls first for every request of the app: at the middleware's first request
// the app (ctx.app) gets an own createContext that calls the original with the same this and arguments and notes
// the request's server when it differs from the last one's (an identity check per request; put back at close).
// So every server serving the app is learnt at its first request after the middleware's first.
// A middleware that has seen no request knows no app: a Koa server's missed requests are its only while it is the
// one Koa middleware of the process that has seen none and the server is the process's one listening Koa server
// (then unambiguous); else nothing is counted until its first request (outside review C, RTC-1: another Koa app's
// 500s on its own server, before the monitored app's first request, were the monitored app's failures).

import type { IncomingMessage } from 'node:http';
import { Server } from 'node:net';
import { setPeers } from './unseen-peers.js';
import { noteServerOf, type UnseenWatcher, unlearn } from './unseen-requests.js';

/** A Koa middleware made in this process and not closed: the apps it has seen (one, usually), each wrapped. */
interface KoaWatch {
  apps: object[];
  /** Each app's createContext wrapper and the own property it replaced (undefined: none). */
  wrapped: { app: object; wrapper: unknown; own: PropertyDescriptor | undefined }[];
}

const koaWatchers = new Map<UnseenWatcher, KoaWatch>();
/** Each server's Koa listener (null: its 'request' listeners hold none), read once per server. */
const koaListeners = new WeakMap<object, KoaListener | null>();

type KoaListener = (req: unknown, res: unknown) => unknown;

/** Each Koa middleware function's watcher: found in an app's `middleware` array (two monitors on one app). */
const middlewareWatchers = new WeakMap<object, UnseenWatcher>();

/** A Koa middleware is made: it may be given its server before it sees a request. */
export function addKoaWatcher(watcher: UnseenWatcher, middleware?: object): void {
  if (!koaWatchers.has(watcher)) koaWatchers.set(watcher, { apps: [], wrapped: [] });
  if (middleware !== undefined) middlewareWatchers.set(middleware, watcher);
}

/**
 * The monitors whose middlewares are in `app`'s own `middleware` array are peers (unseen-peers.ts): each counts the
 * requests answered before it, those answered before them all and between them. Read at each middleware's first
 * request in the app. Never throws.
 */
function notePeers(app: object): void {
  try {
    const stack = (app as { middleware?: unknown }).middleware;
    if (!Array.isArray(stack)) return;
    const own = new Set<UnseenWatcher>();
    for (const fn of stack) {
      const w = typeof fn === 'function' ? middlewareWatchers.get(fn) : undefined;
      if (w !== undefined && !w.closed) own.add(w);
    }
    if (own.size > 1) setPeers([...own]);
  } catch {
    // an app whose middleware cannot be read: each monitor counts what the server it learnt missed
  }
}

/** Its monitor closed: each app's createContext put back (left, inert, if something wrapped it since). */
export function removeKoaWatcher(watcher: UnseenWatcher): void {
  const watch = koaWatchers.get(watcher);
  koaWatchers.delete(watcher);
  for (const { app, wrapper, own } of watch?.wrapped ?? []) {
    try {
      if (
        !Object.hasOwn(app, 'createContext') ||
        (app as { createContext?: unknown }).createContext !== wrapper
      )
        continue;
      if (own === undefined) delete (app as { createContext?: unknown }).createContext;
      else Object.defineProperty(app, 'createContext', own);
    } catch {
      // a frozen app: the wrapper stays, inert (its watcher is closed)
    }
  }
}

/**
 * The middleware's first request (once per middleware, and once per other app it meets): `app` is the Koa app it
 * runs in (ctx.app), `req` the request. Its server is the middleware's; the Koa servers it was given before (while
 * it had seen no request) that are neither that server nor served by the same listener are given back: their next
 * requests are not its. The app's createContext then notes each server of the app at its first request.
 */
export function noteKoaApp(watcher: UnseenWatcher, app: unknown, req: unknown): void {
  const watch = koaWatchers.get(watcher);
  if (watch === undefined || app === null || typeof app !== 'object' || watch.apps.includes(app)) return;
  const first = watch.apps.length === 0;
  watch.apps.push(app);
  // Before its server is learnt: what the server missed so far is then taken over by each peer too.
  notePeers(app);
  try {
    const server = serverOfRequest(req);
    noteServerOf(server, watcher);
    const listener = server !== null && typeof server === 'object' ? koaListenerOf(server) : null;
    if (first) {
      for (const ref of [...watcher.servers]) {
        const s = ref.deref();
        if (s !== undefined && s !== server && (listener === null || koaListenerOf(s) !== listener))
          unlearn(s, watcher);
      }
    }
  } catch {
    // a server whose listeners cannot be read: kept
  }
  wrapCreateContext(watch, watcher, app);
}

/**
 * The watcher of a Koa server no middleware has learnt: the middleware that learnt a server with the same listener,
 * else, when the server is the process's only listening Koa server, the only Koa middleware that has seen no
 * request, if one.
 */
export function koaWatcherFor(_request: IncomingMessage, server: object): UnseenWatcher | undefined {
  const listener = koaListenerOf(server);
  if (listener === null) return undefined;
  const owner = watcherOfListener(listener);
  if (owner !== undefined) return owner;
  let only: UnseenWatcher | undefined;
  for (const [w, watch] of koaWatchers) {
    if (w.closed || watch.apps.length !== 0) continue;
    if (only !== undefined) return undefined; // two or more: whose cannot be told
    only = w;
  }
  return only !== undefined && onlyKoaServer(server) ? only : undefined;
}

/**
 * The listening servers of this process (Node's active handles: those kept referenced) that `known` does not hold
 * and whose listener is that of a server a Koa middleware has learnt, each with that middleware's watcher. Read when
 * the waiting gauge is read, never per request. Never throws.
 */
export function koaServersOf(known: (server: object) => boolean): [object, UnseenWatcher][] {
  const out: [object, UnseenWatcher][] = [];
  try {
    let any = false;
    for (const w of koaWatchers.keys()) if (!w.closed && w.servers.length !== 0) any = true;
    if (!any) return out;
    for (const h of listeningServers()) {
      if (known(h)) continue;
      const listener = koaListenerOf(h);
      const owner = listener === null ? undefined : watcherOfListener(listener);
      if (owner !== undefined) out.push([h, owner]);
    }
  } catch {
    // a runtime whose internals differ: what was found so far
  }
  return out;
}

/** HTTP, HTTPS, HTTP/2 servers (each a net.Server) among Node's active handles; none without that list. */
function listeningServers(): Server[] {
  const handles = (process as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof handles !== 'function') return [];
  return handles.call(process).filter((h): h is Server => h instanceof Server);
}

/** Whether `server` is the one listening server of the process whose listener is Koa's. Never throws. */
function onlyKoaServer(server: object): boolean {
  try {
    let count = 0;
    let found = false;
    for (const s of listeningServers()) {
      if (koaListenerOf(s) === null) continue;
      count++;
      if (s === server) found = true;
    }
    return count === 1 && found;
  } catch {
    return false;
  }
}

/** The middleware that learnt a server served by `listener` (the same closure: the same app). */
function watcherOfListener(listener: KoaListener): UnseenWatcher | undefined {
  for (const w of koaWatchers.keys()) {
    if (w.closed) continue;
    for (const ref of w.servers) {
      const s = ref.deref();
      if (s !== undefined && koaListenerOf(s) === listener) return w;
    }
  }
  return undefined;
}

/** The `handleRequest` function app.callback() returns (Koa 2, 3: an arrow function of two), if a listener is one. */
function koaListenerOf(server: object): KoaListener | null {
  let listener = koaListeners.get(server);
  if (listener === undefined) {
    const listeners = (server as { listeners?: (event: string) => unknown[] }).listeners;
    const fns = typeof listeners === 'function' ? listeners.call(server, 'request') : [];
    listener = (fns.find(isHandleRequest) as KoaListener | undefined) ?? null;
    koaListeners.set(server, listener);
  }
  return listener;
}

function isHandleRequest(f: unknown): boolean {
  return (
    typeof f === 'function' &&
    f.name === 'handleRequest' &&
    f.length === 2 &&
    !Object.hasOwn(f, 'prototype') && // an arrow function (a plain function has one)
    Object.getPrototypeOf(f) === Function.prototype // not async, not a generator
  );
}

/** The server a request came in on (HTTP/1: its socket's; HTTP/2: its session's socket's). */
function serverOfRequest(req: unknown): unknown {
  if (req === null || typeof req !== 'object') return undefined;
  const r = req as {
    stream?: { session?: { socket?: { server?: unknown } } };
    socket?: { server?: unknown };
  };
  const stream = r.stream;
  if (stream !== undefined && stream !== null) return stream.session?.socket?.server;
  return r.socket?.server;
}

/**
 * `app` gets an own createContext calling the original (its own or its class's, as found now) with the same this
 * and arguments, first noting the request's server when it is not the last one's. Never throws into the app.
 */
function wrapCreateContext(watch: KoaWatch, watcher: UnseenWatcher, app: object): void {
  try {
    const original = (app as { createContext?: unknown }).createContext;
    if (typeof original !== 'function') return;
    const own = Object.getOwnPropertyDescriptor(app, 'createContext');
    let last: unknown;
    const wrapper = function createContext(this: unknown, ...args: unknown[]): unknown {
      if (!watcher.closed) {
        try {
          const server = serverOfRequest(args[0]);
          if (server !== last) {
            last = server;
            noteServerOf(server, watcher);
          }
        } catch {
          // an HTTP/2 socket proxy refusing a read: nothing learnt
        }
      }
      return Reflect.apply(original, this, args);
    };
    Object.defineProperty(app, 'createContext', {
      configurable: true,
      writable: true,
      enumerable: own?.enumerable ?? false,
      value: wrapper,
    });
    watch.wrapped.push({ app, wrapper, own });
  } catch {
    // a frozen app: servers are learnt at the middleware's requests only
  }
}
