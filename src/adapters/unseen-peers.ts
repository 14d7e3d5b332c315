// Two or more monitors on one app (`app.use(a.middleware()); app.use(b.middleware())`, Express or Koa): each counts
// every request of the app once. A request answered before them all is counted by each (unseen-requests.ts: the
// watcher that learnt the server, then its peers). A request answered between them (after `a`'s middleware, before
// `b`'s: an auth check's 401) was `a`'s request and in none of `b`'s figures: at its 'finish', the flights it ended
// tell which middlewares saw it, and each of their peers that did not counts it as answered before it (passedBy).
// Only once a process has peers is anything read at a tracked response's end (`peered`): one boolean otherwise.

import type { IncomingMessage } from 'node:http';
import {
  addServer,
  describeFinish,
  type FinishMessage,
  isAnsweredHere,
  type UnseenWatcher,
  watcherOf,
} from './unseen-requests.js';

/** Whether any monitors are peers in this process (set once, by setPeers). */
export let peered = false;

/**
 * The watchers of the monitors whose middlewares are in one app's own stack (outside review D, RTD-6: only the one
 * that learnt the server counted the requests answered before them all): each counts them, and sees its servers.
 */
export function setPeers(watchers: readonly UnseenWatcher[]): void {
  const live = watchers.filter((w) => !w.closed);
  if (live.length < 2) return;
  peered = true;
  for (const w of live) {
    w.peers = live.filter((p) => p !== w);
    for (const ref of w.servers) {
      const server = ref.deref();
      if (server !== undefined) for (const p of w.peers) addServer(p, server);
    }
  }
}

/**
 * A completed response whose flights ended with `ended` (the onEnd of each middleware that tracked it): each peer of
 * theirs that tracked none counts it as a request answered before it (its `unseen_total`; a 5xx a failed request of
 * `unseen`). A response cut off, or one sysvitals answered itself (another monitor's admin API), is no one's. Never
 * throws.
 */
export function passedBy(message: unknown, ended: readonly unknown[]): void {
  try {
    const m = message as FinishMessage;
    const server = m.server;
    if (server === null || typeof server !== 'object' || isAnsweredHere(m.response)) return;
    if (m.socket?.destroyed === true || (m.socket?.errored ?? null) !== null) return;
    const saw = new Set<UnseenWatcher>();
    for (const onEnd of ended) {
      const w = watcherOf(onEnd);
      if (w !== undefined) saw.add(w);
    }
    const missed = new Set<UnseenWatcher>();
    for (const w of saw) for (const p of w.peers) if (!p.closed && !saw.has(p)) missed.add(p);
    if (missed.size === 0) return;
    const first = describeFinish(m);
    for (const p of missed) {
      p.add(1, first);
      p.failed(m.request as IncomingMessage, first.status, server);
    }
  } catch {
    // never thrown into Node's publish
  }
}
