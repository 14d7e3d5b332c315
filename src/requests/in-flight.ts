// Application requests in flight and when each was admitted: their ages feed the latency window, so that a
// hang (requests that never complete) reads as slow rather than as "nothing measured".

import { addToView, type CountsView, microsOf, slotOf } from '../latency/latency-ring.js';
import type { Clock } from '../types.js';
import { bodyArriving } from './body-arrival.js';
import { clientsToTake } from './client-backlog.js';
import { isEventStream } from './exclusion.js';
import { readClock, SteadyClock } from './steady-clock.js';

/** What a request window reads of the requests in flight (InFlightAges, or a cluster's: src/cluster/). */
export interface InFlightReader {
  /** Requests in flight. */
  readonly size: number;
  /** Adds those in flight for at least `minMs` to `view` at their age; returns how many. */
  addToView(view: CountsView & { counts: Float64Array }, minMs: number): number;
}

/**
 * A request in flight that its caller keeps until its end (track() and untrack()): linked in a list rather than
 * keyed in a Map, which costs a hash of the response, a table rehash every few requests and a shrink on each
 * delete (about 600 instructions per request under callgrind: issue 18). The adapters' tickets are entries.
 * A plain object (see adapters/response-end.ts newTrackedTicket): a class constructor here was called through V8's generic
 * construct stub, about 400 instructions per request. Its response is `res`, the field the adapters' tickets hold
 * anyway, and whether it is tracked is its `t` (a number, not NaN): no field of its own for either, two stores fewer
 * per request (issue 18).
 */
export interface InFlightEntry {
  /** Its response (the event stream check reads its headers). */
  readonly res: object;
  /** The next older entry tracked. */
  prev: InFlightEntry | null;
  /** The next newer entry tracked. */
  next: InFlightEntry | null;
  /** When it was admitted (the clock's reading); NaN while not tracked. */
  t: number;
}

/** Where InFlightAges keeps its newest entry (see its `holder`). */
interface NewestHolder {
  newest: InFlightEntry | null;
}

/** Tracks between two of InFlightAges' holders (its `holder`: young when written, so no write barrier's slow path). */
const HOLDER_USES = 16;

/**
 * When each admitted request started: keyed by its response object (begin(), end()), or as an entry its caller
 * keeps (track(), untrack()). All are O(1); reading the ages walks the requests in flight. The clock (the request
 * window's) is read as a monotonic view (SteadyClock): a step back never makes an age negative or shorter.
 */
export class InFlightAges implements InFlightReader {
  private readonly started = new Map<object, number>();
  private readonly clock: SteadyClock;
  /**
   * Holds the newest tracked entry, the older ones through `prev`. The newest alone is kept, not the oldest too, and
   * in a small holder this object replaces every HOLDER_USES tracks rather than in a field of its own: a store of a
   * young object (each request's entry) into a long-lived one goes through V8's write barrier's slow path (~52
   * instructions under callgrind), and a store into a young object does not. The holder, made a few requests ago, is
   * still young (a scavenge comes every few thousand requests); making a new one costs one such store per
   * HOLDER_USES requests (issue 18, RESULTS `perf`, `ticket`).
   */
  private holder: NewestHolder = { newest: null };
  private holderUses = 0;
  private linkedCount = 0;

  constructor(clock: Clock) {
    this.clock = new SteadyClock(clock);
  }

  /** Requests tracked. */
  get size(): number {
    return this.started.size + this.linkedCount;
  }

  /** A request was admitted, kept as `entry` (not tracked already). Never throws (a throwing or NaN clock leaves it untracked). */
  track(entry: InFlightEntry): void {
    let now: number;
    try {
      now = this.clock.now();
    } catch {
      return; // monitoring never breaks the request
    }
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (tracked already)
    if (!Number.isFinite(now) || entry.t === entry.t) return;
    entry.t = now;
    let holder = this.holder;
    if (++this.holderUses >= HOLDER_USES) {
      this.holderUses = 0;
      this.holder = holder = { newest: holder.newest };
    }
    const newest = holder.newest;
    entry.prev = newest;
    if (newest !== null) newest.next = entry;
    holder.newest = entry;
    this.linkedCount++;
  }

  /** The request kept as `entry` ended (or was released). Idempotent. */
  untrack(entry: InFlightEntry): void {
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (not tracked)
    if (entry.t !== entry.t) return;
    entry.t = Number.NaN;
    const { prev, next } = entry;
    if (prev !== null) prev.next = next;
    if (next === null) this.holder.newest = prev;
    else next.prev = prev;
    entry.prev = null;
    entry.next = null;
    this.linkedCount--;
  }

  /**
   * A request was admitted by hand (monitor.admitRequest()), keyed by its response. Never throws: a throwing or NaN
   * clock keeps it without an age (NaN, never aged), so that its end still finds it.
   */
  begin(key: object): void {
    let now = Number.NaN;
    try {
      now = this.clock.now();
    } catch {
      // monitoring never breaks the request
    }
    this.started.set(key, Number.isFinite(now) ? now : Number.NaN);
  }

  /**
   * A request begun by begin() ended: the one of response `key`, or without it (a caller of recordRequest() that
   * does not pass the response) the oldest begun one. Returns whether one ended: false for a response begin() was
   * not given, or when none is left. The tracked entries (the adapters' requests) are never released here: they end
   * at their own response's end (untrack()), so that work recorded by hand never ends nor hides them (outside
   * review 3, finding 4).
   */
  release(key: object | undefined): boolean {
    if (key !== undefined) return this.started.delete(key);
    if (this.started.size === 0) return false;
    for (const k of this.started.keys()) {
      this.started.delete(k); // Map order is admission order: the oldest
      break;
    }
    return true;
  }

  /**
   * Calls `visit` with the age (ms) of each request in flight for at least `minMs` at `now`; server-sent event
   * streams are left out (open for as long as their client listens: their age is no latency), and so are requests
   * whose body is still arriving (isUploading: the time is the client's upload; a body the server does not read is
   * not arriving, and is aged from the request's start) or whose response the application has ended or is
   * blocked on its client (only its client's reading is left: clientsToTake). Returns how many.
   */
  eachAtLeast(minMs: number, now: number, visit: (ageMs: number) => void): number {
    let n = 0;
    for (const [key, t] of this.started) {
      const age = now - t;
      if (age >= minMs && aged(key)) {
        visit(age);
        n++;
      }
    }
    for (let e = this.oldest(); e !== null; e = e.next) {
      const age = now - e.t;
      if (age >= minMs && aged(e.res)) {
        visit(age);
        n++;
      }
    }
    return n;
  }

  /**
   * Calls `visit` with each request kept as an entry (track(): the adapters' tickets) and its age now, oldest first,
   * leaving out what eachAtLeast() leaves out (event streams, bodies still arriving, responses ended). For reads (routes/ names the
   * routes in flight: in-flight-routes.ts), never per request. Never throws (a throwing `visit` is the caller's).
   */
  eachEntry(visit: (entry: InFlightEntry, ageMs: number) => void): void {
    if (this.linkedCount === 0) return;
    const now = readClock(this.clock);
    if (!Number.isFinite(now)) return;
    for (let e = this.oldest(); e !== null; e = e.next) if (aged(e.res)) visit(e, now - e.t);
  }

  /**
   * Whether a request in flight has lost its connection already: destroyed (by `server.closeAllConnections()`,
   * shutdown's cut at `drainMs`, a reset), its 'close' event, which records it, still to come (Node emits it from the
   * socket handle's close callback, a turn of the event loop later). For close() only (a walk), never per request.
   */
  anyConnectionGone(): boolean {
    for (const key of this.started.keys()) if (connectionGone(key)) return true;
    for (let e = this.holder.newest; e !== null; e = e.prev) if (connectionGone(e.res)) return true;
    return false;
  }

  /** The oldest tracked entry (a walk from the newest: for reads only, never per request). */
  private oldest(): InFlightEntry | null {
    let e = this.holder.newest;
    while (e?.prev) e = e.prev;
    return e;
  }

  /**
   * Adds the requests in flight for at least `minMs` to `view` (a window's latency), each at its age so far:
   * a lower bound of its duration, so a hang reads slow before any of its requests completes, while younger
   * ones (their outcome unknown) wait until they end. Each request counts once: in flight, or, once ended, in
   * the window. Returns how many were added; never throws.
   */
  addToView(view: CountsView & { counts: Float64Array }, minMs: number): number {
    if (this.size === 0) return 0;
    const now = readClock(this.clock);
    if (!Number.isFinite(now)) return 0;
    return this.eachAtLeast(minMs, now, (ageMs) => {
      const us = microsOf(ageMs);
      if (us >= 0) addToView(view, slotOf(us), us);
    });
  }
}

/**
 * Whether a request in flight counts at its age (eachAtLeast): not an event stream, its body not still arriving, its
 * response not already ended by the application nor blocked on its client (clientsToTake: only its client's reading
 * is left, a slow reader's wait, not the server's; outside review 6, F1c, and streamed downloads).
 */
function aged(res: object): boolean {
  return !isEventStream(res) && !clientsToTake(res) && !isUploading(res);
}

/**
 * Whether the request of response `res` is still arriving from its client (body-arrival.ts): a slow upload (a client
 * trickling its body) is not a request the application was handed yet, so its age is no server latency (red team 1
 * F10(a)); a body the server does not read (Node stopped reading the connection for it) is the server's wait, and
 * is aged (outside review 2, G1). Read at sample time only.
 */
function isUploading(res: object): boolean {
  return bodyArriving((res as { req?: unknown }).req);
}

/** Whether the connection of response `res` (HTTP/1 socket or HTTP/2 stream) is destroyed. Never throws. */
function connectionGone(res: object): boolean {
  try {
    const r = res as {
      destroyed?: unknown;
      socket?: { destroyed?: unknown } | null;
      stream?: { destroyed?: unknown } | null;
    };
    return r.destroyed === true || r.socket?.destroyed === true || r.stream?.destroyed === true;
  } catch {
    return false;
  }
}
