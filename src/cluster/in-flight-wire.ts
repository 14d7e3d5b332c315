// Requests in flight across the cluster: each worker reports how many it holds and the ages of those in flight
// for at least the critical latency, so that a cluster-wide hang (no request completing) reads critical in the
// cluster's latency, health, alerts and Prometheus, as it does in one process (requests/in-flight.ts).

import {
  COUNTS_LENGTH,
  type CountsView,
  clearView,
  createView,
  type SparseCounts,
} from '../latency/latency-ring.js';
import type { InFlightReader } from '../requests/in-flight.js';
import type { RouteInFlight } from '../requests/in-flight-routes.js';
import { type CountsWire, decodeCounts, encodeCounts } from './counts-wire.js';
import { mergeRoutesInFlight, type RoutesInFlightHolder, routesUnsaid } from './routes-in-flight.js';

/** A worker's requests in flight as it reports them: a state (replacing the previous), not a delta. */
export interface InFlightWire {
  /** Requests in flight. */
  n: number;
  /** Ages (as latency counts) of those in flight for at least the worker's critical level; absent when none. */
  a?: CountsWire;
}

/** The same, read back. */
export interface InFlightState {
  n: number;
  ages: SparseCounts | null;
}

/** Where a worker reads its requests in flight (its monitor's RequestStats). */
export interface InFlightSource {
  inFlight?: {
    readonly size: number;
    addToView(view: CountsView & { counts: Float64Array }, minMs: number): number;
  } | null;
  config?: { levels: { api_response_time: { critical: number } } };
}

/** Reads the state now; `scratch` is reused. */
export function takeInFlight(
  source: InFlightSource,
  scratch: CountsView & { counts: Float64Array },
): InFlightWire {
  const inFlight = source.inFlight;
  const critical = source.config?.levels.api_response_time.critical;
  if (!inFlight || inFlight.size === 0) return { n: 0 };
  const out: InFlightWire = { n: inFlight.size };
  if (critical === undefined) return out;
  clearView(scratch);
  if (inFlight.addToView(scratch, critical) === 0) return out;
  const slots: number[] = [];
  const counts: number[] = [];
  for (let i = scratch.lo; i <= scratch.hi; i++) {
    const c = scratch.counts[i] as number;
    if (c > 0) {
      slots.push(i);
      counts.push(c);
    }
  }
  out.a = encodeCounts({ slots, counts, n: scratch.n, sum: scratch.sum, max: scratch.max, errors: 0 });
  return out;
}

/** The least time between two unpaced in-flight frames of a worker, ms. */
export const IN_FLIGHT_GAP_MS = 1000;

/**
 * Whether the requests in flight moved enough since the state the aggregator holds (`sent`) to be sent at
 * once, unpaced: a request crossed the critical level (or one past it ended), or the count changed by a lot
 * (at least 4, and at least half of what was sent). Smaller moves wait for the next paced report.
 */
export function inFlightMoved(now: InFlightWire, sent: InFlightWire): boolean {
  if ((now.a?.n ?? 0) !== (sent.a?.n ?? 0)) return true;
  return Math.abs(now.n - sent.n) >= Math.max(4, sent.n / 2);
}

/** Reads a worker's state; throws on anything malformed (the report is then dropped). */
export function decodeInFlight(w: unknown): InFlightState | undefined {
  if (w === undefined) return undefined;
  const x = w as InFlightWire;
  if (x === null || typeof x !== 'object' || !Number.isInteger(x.n) || x.n < 0)
    throw new Error('bad in flight');
  const ages = x.a === undefined ? null : decodeCounts(x.a, COUNTS_LENGTH - 1);
  if (ages !== null && ages.n > x.n) throw new Error('bad in flight');
  return { n: x.n, ages };
}

/** The cluster's monitor as ClusterInFlight.wire() sets it up. */
export interface InFlightTarget {
  readonly requests: { inFlight?: InFlightReader | null };
  readonly tickets?: { readRoutesFrom(source: () => Map<string, RouteInFlight>): void };
}

/**
 * The cluster's requests in flight, for the cluster monitor's RequestStats (its `inFlight`): the live workers'
 * last reported states. Their ages are as of each worker's last report (a lower bound: reports come every
 * interval, and before every answer). By route (routes/): routes-in-flight.ts.
 */
export class ClusterInFlight {
  constructor(
    private readonly live: () => Iterable<{ inFlight?: InFlightState | null } & RoutesInFlightHolder>,
  ) {}

  /**
   * Makes the cluster's monitor read the live workers' requests in flight: its latency counts those past the
   * critical level at their ages, its routes/ table the routes of all of them (`now`: the aggregator's clock).
   */
  wire(monitor: InFlightTarget, now: () => number): void {
    monitor.requests.inFlight = this;
    monitor.tickets?.readRoutesFrom(() => mergeRoutesInFlight(this.live(), now()));
  }

  /** The live workers whose routes in flight routes/ lacks (routes-in-flight.ts routesUnsaid). */
  routesUnsaid(missing: readonly string[]): string[] {
    return routesUnsaid(this.live(), missing);
  }

  /** Requests in flight in the live workers. */
  get size(): number {
    let n = 0;
    for (const w of this.live()) n += w.inFlight?.n ?? 0;
    return n;
  }

  /**
   * Adds the live workers' requests in flight past their critical level to `view` at their ages; returns how
   * many. (`_minMs`: each worker filtered at its own critical level, the same options in every worker.)
   */
  addToView(view: CountsView & { counts: Float64Array }, _minMs: number): number {
    let n = 0;
    for (const w of this.live()) {
      const a = w.inFlight?.ages;
      if (!a || !(a.n > 0)) continue;
      for (let i = 0; i < a.slots.length; i++) {
        const slot = a.slots[i] as number;
        view.counts[slot] = (view.counts[slot] as number) + (a.counts[i] as number);
        if (slot < view.lo) view.lo = slot;
        if (slot > view.hi) view.hi = slot;
      }
      view.n += a.n;
      view.sum += a.sum;
      if (a.max > view.max) view.max = a.max;
      n += a.n;
    }
    return n;
  }
}

/** A scratch view for takeInFlight(). */
export const inFlightScratch = createView;
