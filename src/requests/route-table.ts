// The routes RequestStats tracks: method + route to its counters, at most maxRoutes of them, the rest folded into `other`.

import { CumulativeCounts, LatencyRing } from '../latency/latency-ring.js';
import { type ApdexConfig, thresholdFor } from '../profiling/apdex.js';
import { METHODS, methodIndex, OTHER_METHOD, OTHER_ROUTE, RouteEntry } from './route-counters.js';

/**
 * Method + route pairs to their entries: one Map lookup per request (methods map to indices by a switch).
 * Past `maxRoutes` pairs, or for a method past the extra-method bound, requests fold into `* other`.
 */
export class RouteTable {
  private readonly byRoute = new Map<string, Array<RouteEntry | undefined>>();
  private readonly extraMethods = new Map<string, number>();
  /** The tracked pairs in order of first request (`other` not included unless registered as a route). */
  readonly entries: RouteEntry[] = [];
  private other: RouteEntry | null = null;
  /** The fold when it is not also a tracked entry (listed once, after the entries). */
  private separateOther: RouteEntry | null = null;
  private routeLatency = false;

  constructor(
    private readonly slots: number,
    private readonly latencySlots: number,
    private readonly maxRoutes: number,
    private readonly apdex: ApdexConfig,
  ) {}

  entryFor(method: string, route: string): RouteEntry {
    if (typeof route === 'string') {
      const m = methodIndex(method, this.extraMethods);
      const byMethod = this.byRoute.get(route);
      if (byMethod !== undefined && m >= 0) {
        const entry = byMethod[m];
        if (entry !== undefined) return entry;
      }
      if (m >= 0 && this.entries.length < this.maxRoutes) {
        const entry = this.createRouteEntry(method, route);
        this.entries.push(entry);
        if (byMethod === undefined) {
          const created = new Array<RouteEntry | undefined>(METHODS).fill(undefined);
          created[m] = entry;
          this.byRoute.set(route, created);
        } else {
          byMethod[m] = entry;
        }
        return entry;
      }
    }
    // A route really registered as `*` `other` shares the fold rather than showing twice.
    if (this.other === null) {
      const m = this.extraMethods.get(OTHER_METHOD);
      const existing = m === undefined ? undefined : this.byRoute.get(OTHER_ROUTE)?.[m];
      this.other = existing ?? this.createRouteEntry(OTHER_METHOD, OTHER_ROUTE);
      if (!existing) this.separateOther = this.other;
    }
    return this.other;
  }

  /** Keeps each route's latency since start from now on (one more increment per request). Idempotent. */
  trackRouteLatency(): void {
    if (this.routeLatency) return;
    this.routeLatency = true;
    for (const e of this.all()) e.total ??= new CumulativeCounts();
  }

  /** Every entry, the fold last. */
  *all(): Generator<RouteEntry> {
    yield* this.entries;
    if (this.separateOther) yield this.separateOther;
  }

  private createRouteEntry(method: string, route: string): RouteEntry {
    // Server-wide latency since start is kept by record() in `cumulative`; per route only when asked.
    const apdexUs = thresholdFor(this.apdex, method, route);
    const entry = new RouteEntry(method, route, this.slots, new LatencyRing(this.latencySlots), apdexUs);
    if (this.routeLatency) entry.total = new CumulativeCounts();
    return entry;
  }
}
