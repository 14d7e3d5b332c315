// The Koa app behind a server, for the count of requests a Koa middleware missed (unseen-requests.ts). Koa leaves
// nothing on a request or a response that leads back to its app (createContext links the app to the context only),
// and a server's listener is app.callback()'s closure, `handleRequest` (Koa 2 and 3), whose app cannot be read. But
// the first thing that closure does is `this.createContext(req, res)`, looked up on its app: an app a middleware has
// seen (ctx.app at its first request) is tested against a server's listener by calling the listener once with
// inert arguments while that app has an own createContext that throws a sentinel (servedBy): thrown, the listener
// is the app's. So every server an app's callback serves (HTTP and HTTPS, two ports) is its middleware's, learnt at
// its first response answered before the middleware, or when the waiting gauge is read (the listening servers of
// the process: koaServersOf), not only the server of its first request (outside review A, RTA-1).
// A middleware that has seen no request knows no app: while exactly one Koa middleware of the process has seen
// none, a Koa server's missed requests are its (every such server; at its first request, those that serve another
// app are given back); with two or more, which is whose cannot be told and nothing is counted until each sees a
// request. Called only for servers no middleware has learnt: a request the
// middleware sees costs nothing.

import type { IncomingMessage } from 'node:http';
import { Server } from 'node:net';
import { type UnseenWatcher, unlearn } from './unseen-requests.js';

/** The Koa middlewares made in this process and not closed, each with the apps it has seen (one, usually). */
const koaWatchers = new Map<UnseenWatcher, object[]>();
/** Each server's Koa listener (null: its 'request' listeners hold none), read once per server. */
const koaListeners = new WeakMap<object, KoaListener | null>();
/** Each listener's app once found; and the apps it was found not to be (tested once each). */
const listenerApps = new WeakMap<KoaListener, object>();
const notApps = new WeakMap<KoaListener, WeakSet<object>>();

type KoaListener = (req: unknown, res: unknown) => unknown;

/** A Koa middleware is made: it may be given its server before it sees a request. */
export function addKoaWatcher(watcher: UnseenWatcher): void {
  if (!koaWatchers.has(watcher)) koaWatchers.set(watcher, []);
}

/** Its monitor closed. */
export function removeKoaWatcher(watcher: UnseenWatcher): void {
  koaWatchers.delete(watcher);
}

/**
 * The middleware's first request (once per middleware): `app` is the Koa app it runs in (ctx.app). The Koa servers
 * it was given before (while it had seen no request) that serve no app a middleware has seen are given back: their
 * next requests are not its.
 */
export function noteKoaApp(watcher: UnseenWatcher, app: unknown): void {
  const apps = koaWatchers.get(watcher);
  if (apps === undefined || app === null || typeof app !== 'object' || apps.includes(app)) return;
  apps.push(app);
  try {
    for (const ref of [...watcher.servers]) {
      const server = ref.deref();
      const listener = server === undefined ? null : koaListenerOf(server);
      if (server !== undefined && listener !== null && watcherOfListener(listener) !== watcher)
        unlearn(server, watcher);
    }
  } catch {
    // a server whose listeners cannot be read: kept
  }
}

/**
 * The watcher of a Koa server no middleware has learnt: the middleware that has seen the app serving it, else the
 * only Koa middleware that has seen no request, if one.
 */
export function koaWatcherFor(_request: IncomingMessage, server: object): UnseenWatcher | undefined {
  const listener = koaListenerOf(server);
  if (listener === null) return undefined;
  const owner = watcherOfListener(listener);
  if (owner !== undefined) return owner;
  let only: UnseenWatcher | undefined;
  for (const [w, apps] of koaWatchers) {
    if (w.closed || apps.length !== 0) continue;
    if (only !== undefined) return undefined; // two or more: whose cannot be told
    only = w;
  }
  return only;
}

/**
 * The listening servers of this process (Node's active handles: those kept referenced) that serve the app of a
 * Koa middleware and that `known` does not hold, each with that middleware's watcher. Read when the waiting gauge is
 * read, never per request; nothing without an app seen. Never throws.
 */
export function koaServersOf(known: (server: object) => boolean): [object, UnseenWatcher][] {
  const out: [object, UnseenWatcher][] = [];
  try {
    let anyApp = false;
    for (const [w, apps] of koaWatchers) if (!w.closed && apps.length !== 0) anyApp = true;
    const handles = (process as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
    if (!anyApp || typeof handles !== 'function') return out;
    for (const h of handles.call(process)) {
      // A server (HTTP, HTTPS, HTTP/2: each a net.Server), not a socket nor a timer.
      if (!(h instanceof Server) || known(h)) continue;
      const listener = koaListenerOf(h);
      const owner = listener === null ? undefined : watcherOfListener(listener);
      if (owner !== undefined) out.push([h, owner]);
    }
  } catch {
    // a runtime whose internals differ: what was found so far
  }
  return out;
}

/** The middleware whose app `listener` is (tested against each app seen, each once). */
function watcherOfListener(listener: KoaListener): UnseenWatcher | undefined {
  const found = listenerApps.get(listener);
  let not = notApps.get(listener);
  for (const [w, apps] of koaWatchers) {
    if (w.closed) continue;
    for (const app of apps) {
      if (found !== undefined) {
        if (found === app) return w;
        continue;
      }
      if (not?.has(app)) continue;
      if (servedBy(listener, app)) {
        listenerApps.set(listener, app);
        return w;
      }
      if (not === undefined) {
        not = new WeakSet();
        notApps.set(listener, not);
      }
      not.add(app);
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

const SENTINEL = Symbol('sysvitals.koaProbe');

/** Arguments any read, write or test of which throws: a listener that is not Koa's stops at its first use. */
const INERT: object = new Proxy(Object.create(null), {
  get: () => {
    throw SENTINEL;
  },
  set: () => {
    throw SENTINEL;
  },
  has: () => {
    throw SENTINEL;
  },
  defineProperty: () => {
    throw SENTINEL;
  },
  deleteProperty: () => {
    throw SENTINEL;
  },
  getPrototypeOf: () => {
    throw SENTINEL;
  },
  ownKeys: () => {
    throw SENTINEL;
  },
  getOwnPropertyDescriptor: () => {
    throw SENTINEL;
  },
});

/**
 * Whether `listener` is `app`'s callback: called once with inert arguments while `app.createContext` (which Koa's
 * handleRequest calls first, on its app, with the arguments untouched) is an own function recording the call and
 * throwing; the app's own property, if it had one, put back. Synchronous: no request of the app runs meanwhile.
 */
function servedBy(listener: KoaListener, app: object): boolean {
  const own = Object.getOwnPropertyDescriptor(app, 'createContext');
  let called = false;
  try {
    Object.defineProperty(app, 'createContext', {
      configurable: true,
      writable: true,
      value: () => {
        called = true;
        throw SENTINEL;
      },
    });
  } catch {
    return false; // a frozen app: not told
  }
  try {
    const out = listener(INERT, INERT) as { then?: unknown } | undefined;
    // Not Koa's after all (an async one would have been refused): no rejection left unhandled.
    if (out !== null && typeof out === 'object' && typeof out.then === 'function')
      (out as Promise<unknown>).then(undefined, () => {});
  } catch {
    // the sentinel, or the inert arguments' first use
  } finally {
    if (own === undefined) delete (app as { createContext?: unknown }).createContext;
    else Object.defineProperty(app, 'createContext', own);
  }
  return called;
}
