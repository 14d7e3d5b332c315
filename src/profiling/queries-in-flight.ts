// Database queries sent and not yet answered, with when each was sent: past a threshold (the db_query_p95
// rule's critical level) they count in the query window at their age, so a hung database reads slow rather
// than "no query in the last minute" (outside review F19).

import { addToView, type CountsView, microsOf, slotOf } from '../latency/latency-ring.js';
import { readClock, SteadyClock } from '../requests/steady-clock.js';
import type { Clock } from '../types.js';

/** A query in flight, as its instrumentation keeps it until the answer (begin() and end()). */
export interface QueryTicket {
  /** When it was sent (the window's clock, monotonic view); NaN once ended or when the clock failed. */
  t: number;
}

/**
 * Queries in flight. begin() and end() are O(1) (a Set of tickets); reading the ages walks them. Bounded by
 * what the application has in flight (a pool's connections), and an ended ticket is never kept.
 */
export class QueriesInFlight {
  private readonly open = new Set<QueryTicket>();
  private readonly clock: SteadyClock;

  constructor(clock: Clock) {
    this.clock = new SteadyClock(clock);
  }

  /** Queries in flight. */
  get size(): number {
    return this.open.size;
  }

  /** A query was sent. Never throws: a throwing or NaN clock gives a ticket that is not tracked. */
  begin(): QueryTicket {
    const t = readClock(this.clock);
    const ticket: QueryTicket = { t };
    if (Number.isFinite(t)) this.open.add(ticket);
    return ticket;
  }

  /** The query answered (or failed). Idempotent; never throws. */
  end(ticket: unknown): void {
    if (ticket !== null && typeof ticket === 'object') this.open.delete(ticket as QueryTicket);
  }

  /**
   * Adds the queries in flight for at least `minMs` to `view`, each at its age so far (a lower bound of its
   * duration; younger ones wait for their answer). Each query counts once: in flight, or, once answered, in the
   * window. Returns how many were added; never throws.
   */
  addToView(view: CountsView & { counts: Float64Array }, minMs: number): number {
    if (this.open.size === 0) return 0;
    const now = readClock(this.clock);
    if (!Number.isFinite(now)) return 0;
    let n = 0;
    for (const q of this.open) {
      const age = now - q.t;
      if (age < minMs) continue;
      const us = microsOf(age);
      if (us < 0) continue;
      addToView(view, slotOf(us), us);
      n++;
    }
    return n;
  }
}
