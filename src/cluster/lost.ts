// Requests cut by a worker's death (outside review 9, F3): a worker whose connection to the aggregator drops
// without its goodbye (a crash, SIGKILL, an uncaught exception, an exit; not a close, which drains and says `bye`) took
// the requests it held with it, and their clients got a reset: a server failure. The aggregator holds what it
// last reported in flight (how many: in-flight-wire.ts; by route those in flight for a second or more:
// routes-in-flight.ts); once the process is gone, those requests are counted as failed, in the 5xx class, on
// their route when it was said, else on `* other`. Requests that came after its last report are unknowable, unless
// its process ran its 'exit' event: its exit frame (exit-frame.ts) then says every request in flight as it exited.

import { OTHER_METHOD, OTHER_ROUTE } from '../requests/route-counters.js';
import type { InFlightState } from './in-flight-wire.js';
import type { Report } from './report.js';
import type { RoutesInFlightState } from './routes-in-flight.js';

/** How long the aggregator waits for a disconnected worker's process to be gone (a live one comes back). */
export const LOST_WAIT_MS = 5000;
const POLL_MS = 50;

/**
 * The requests a worker last reported in flight, as a report of failed requests (5xx, no latency: they never
 * ended); by route as far as its routes in flight say (a route's count bounded by what is left of the total),
 * the rest on `* other`. Null when it held none.
 */
export function lostReport(
  inFlight: InFlightState | null,
  routes: RoutesInFlightState | null,
): Report | null {
  const n = inFlight?.n ?? 0;
  if (!(n > 0)) return null;
  const out: Report = { routes: [], functions: [] };
  let left = n;
  for (const r of routes?.rows ?? []) {
    const k = Math.min(r.count, left);
    if (k <= 0) break;
    left -= k;
    out.routes.push(failed(r.method, r.route, k));
  }
  if (left > 0) out.routes.push(failed(OTHER_METHOD, OTHER_ROUTE, left));
  return out;
}

const failed = (method: string, route: string, k: number): Report['routes'][number] => ({
  method,
  route,
  classes: [0, 0, 0, 0, k],
  latency: null,
  extra: [0, 0, 0, 0],
});

/** What watchLost reads of the aggregator's worker entry. */
export interface LostHolder {
  readonly pid: number;
  /** Its connection now (non-null: it said hello again, alive). */
  readonly peer: unknown;
}

/**
 * After a worker's connection dropped without its goodbye: `report` (lostReport, taken at the drop) is counted
 * once its process is gone (polled, up to LOST_WAIT_MS: a process exits before its parent reaps it). Nothing is
 * counted when it connects again or stays alive (a connection dropped by a live worker: its requests end there,
 * and its next hello carries them), or when the aggregator no longer counts (`active` false: closing, deposed).
 */
export function watchLost(
  entry: LostHolder,
  report: Report,
  deps: {
    active(): boolean;
    alive(pid: number): boolean;
    now(): number;
    count(report: Report): void;
  },
): void {
  const until = deps.now() + LOST_WAIT_MS;
  const poll = () => {
    if (!deps.active() || entry.peer !== null) return;
    if (!deps.alive(entry.pid)) {
      deps.count(report);
      return;
    }
    if (deps.now() < until) setTimeout(poll, POLL_MS).unref();
  };
  poll();
}

/** Requests (all status classes) in a report. */
export function requestsOf(report: Report): number {
  let n = 0;
  for (const r of report.routes) for (const c of r.classes) n += c;
  return n;
}
