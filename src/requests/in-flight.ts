// Application requests in flight and when each was admitted: their ages feed the latency window, so that a
// hang (requests that never complete) reads as slow rather than as "nothing measured".

import { addToView, type CountsView, microsOf, slotOf } from '../latency/latency-ring.js';
import type { Clock } from '../types.js';
import { isEventStream } from './exclusion.js';
import { SteadyClock } from './steady-clock.js';

/** What a request window reads of the requests in flight (InFlightAges, or a cluster's: src/cluster/). */
export interface InFlightReader {
  /** Requests in flight. */
  readonly size: number;
  /** Adds those in flight for at least `minMs` to `view` at their age; returns how many. */
  addToView(view: CountsView & { counts: Float64Array }, minMs: number): number;
}

/**
 * When each admitted request started, keyed by its response object (insertion order is admission order).
 * begin() and end() are O(1); reading the ages walks the requests in flight. The clock (the request window's)
 * is read as a monotonic view (SteadyClock): a step back never makes an age negative or shorter.
 */
export class InFlightAges implements InFlightReader {
  private readonly started = new Map<object, number>();
  private readonly clock: SteadyClock;

  constructor(clock: Clock) {
    this.clock = new SteadyClock(clock);
  }

  /** Requests tracked. */
  get size(): number {
    return this.started.size;
  }

  /** A request was admitted. Never throws (a throwing or NaN clock leaves it untracked). */
  begin(key: object): void {
    try {
      const now = this.clock.now();
      if (Number.isFinite(now)) this.started.set(key, now);
    } catch {
      // monitoring never breaks the request
    }
  }

  /**
   * A request ended; `remaining` is how many are still in flight. An end without its key (a caller of
   * recordRequest() that does not pass the response) releases the oldest ones, so that no phantom request
   * ages for ever: the tracked ages never outnumber the requests in flight.
   */
  end(key: object | undefined, remaining: number): void {
    if (key !== undefined && this.started.delete(key)) return;
    for (const k of this.started.keys()) {
      if (this.started.size <= remaining) break;
      this.started.delete(k);
    }
  }

  /**
   * Calls `visit` with the age (ms) of each request in flight for at least `minMs` at `now`; server-sent event
   * streams are left out (open for as long as their client listens: their age is no latency). Returns how many.
   */
  eachAtLeast(minMs: number, now: number, visit: (ageMs: number) => void): number {
    let n = 0;
    for (const [key, t] of this.started) {
      const age = now - t;
      if (age >= minMs && !isEventStream(key)) {
        visit(age);
        n++;
      }
    }
    return n;
  }

  /**
   * Adds the requests in flight for at least `minMs` to `view` (a window's latency), each at its age so far:
   * a lower bound of its duration, so a hang reads slow before any of its requests completes, while younger
   * ones (their outcome unknown) wait until they end. Each request counts once: in flight, or, once ended, in
   * the window. Returns how many were added; never throws.
   */
  addToView(view: CountsView & { counts: Float64Array }, minMs: number): number {
    if (this.started.size === 0) return 0;
    let now: number;
    try {
      now = this.clock.now();
    } catch {
      return 0;
    }
    if (!Number.isFinite(now)) return 0;
    return this.eachAtLeast(minMs, now, (ageMs) => {
      const us = microsOf(ageMs);
      if (us >= 0) addToView(view, slotOf(us), us);
    });
  }
}
