// The routes RequestStats tracks: method + route to its counters, at most maxRoutes matched ones (plus the `unmatched` rows), the rest folded into `other`.
// A route that is not well-formed UTF-16 (a lone surrogate) is its well-formed spelling's (custom/well-formed.ts).

import { MAX_KEY_NAME_LENGTH, wellFormed } from '../custom/well-formed.js';
import { CumulativeCounts, LatencyRing } from '../latency/latency-ring.js';
import { type ApdexConfig, thresholdFor } from '../profiling/apdex.js';
import {
  judgedApart,
  METHODS,
  methodIndex,
  methodLabel,
  NEVER_APART,
  OTHER_METHOD,
  OTHER_ROUTE,
  RouteEntry,
  UNMATCHED_ROUTE,
} from './route-counters.js';

/**
 * Method + route pairs to their entries: one Map lookup per request (methods map to indices by a switch).
 * Methods outside the standard seven count as OTHER (route-counters.ts OTHER_HTTP_METHOD), so a route has
 * at most 8 rows. Past `maxRoutes` matched pairs, requests fold into `* other`. The `unmatched` rows (at most 8,
 * one per method slot) do not count against `maxRoutes`: junk on made-up URLs that came first never takes a
 * matched route's slot. No row ever moves, so every row's counters since start only grow (Prometheus).
 */
export class RouteTable {
  /** Whether a route named over MAX_KEY_NAME_LENGTH characters folded into `* other`. */
  longNameFolded = false;
  private readonly byRoute = new Map<string, Array<RouteEntry | undefined>>();
  /** The tracked pairs in order of first request, `unmatched` ones included (`other` not included). */
  readonly entries: RouteEntry[] = [];
  /** Of the entries, the matched ones (not `unmatched`): at most maxRoutes. */
  private matched = 0;
  /** The fold (listed once, after the entries). */
  private other: RouteEntry | null = null;
  private routeLatency = false;
  /** admitAbsorbed()'s ceiling for absorbed routes (0: none, `maxRoutes` for them too), and whether one folded past it. */
  private absorbCap = 0;
  private spill = false;
  /**
   * The method and route of the last entryFor() that found (or made) a tracked entry, as given, and that entry: a
   * request of the same pair as the one before (a busy route's run) takes it after two string comparisons, without
   * the method switch and the Map's hash lookup (issue 18). Never stale: a pair's entry never changes once made.
   */
  private lastMethod = '';
  private lastRoute = '';
  private lastEntry: RouteEntry | null = null;

  constructor(
    private readonly slots: number,
    private readonly latencySlots: number,
    private maxRoutes: number,
    private readonly apdex: ApdexConfig,
  ) {}

  /**
   * A cluster aggregator's table (src/cluster/folded-routes.ts): routes absorbed from other processes take rows up
   * to `maxRoutes` x `factor`, since each is a route its process tracks (RT22-2: the cluster's own cap folded them
   * into `* other` unmarked); recorded ones keep `maxRoutes`. Past that, spilled() says a tracked route folded.
   */
  admitAbsorbed(factor: number): void {
    this.absorbCap = Math.max(this.absorbCap, this.maxRoutes * factor);
  }

  /** entryFor() for a row absorbed from another process: within admitAbsorbed()'s ceiling, a row of its own. */
  absorbed(method: string, route: string): RouteEntry {
    if (this.absorbCap <= this.maxRoutes) return this.entryFor(method, route);
    const cap = this.maxRoutes;
    this.maxRoutes = this.absorbCap;
    try {
      const entry = this.entryFor(method, route);
      if (entry === this.other && !(method === OTHER_METHOD && route === OTHER_ROUTE)) this.spill = true;
      return entry;
    } finally {
      this.maxRoutes = cap;
    }
  }

  /** A route absorbed from another process (admitAbsorbed) folded into `* other`: past the ceiling. */
  spilled(): boolean {
    return this.spill;
  }

  entryFor(method: string, route: string): RouteEntry {
    const last = this.lastEntry;
    if (last !== null && route === this.lastRoute && method === this.lastMethod) return last;
    return this.find(method, route);
  }

  /**
   * entryFor() past its last-pair check: a function of its own, so that the check alone is inlined into
   * RequestStats.record (V8's inlining budget did not hold the whole lookup: methodIndex was left to run as baseline
   * code, ~150 instructions per request under callgrind, and the window's tick() was not inlined; issue 18).
   */
  private find(method: string, route: string): RouteEntry {
    // `* other` from another process (cluster mode) is the fold itself.
    if (typeof route === 'string' && !(method === OTHER_METHOD && route === OTHER_ROUTE)) {
      const m = methodIndex(method);
      const byMethod = this.byRoute.get(route);
      if (byMethod !== undefined && m >= 0) {
        const entry = byMethod[m];
        if (entry !== undefined) {
          this.remember(method, route, entry);
          return entry;
        }
      }
      if (byMethod === undefined) {
        // Routes are filed well-formed (a lone surrogate as U+FFFD, as the scrape's UTF-8 spells it: one series):
        // only a miss asks, so the hot path is one lookup as before.
        const filed = wellFormed(route);
        if (filed !== route) return this.find(method, filed);
      }
      const unmatched = route === UNMATCHED_ROUTE;
      // An over-long name folds as a route past maxRoutes does (MAX_KEY_NAME_LENGTH), said once by the monitor.
      if (route.length > MAX_KEY_NAME_LENGTH) this.longNameFolded = true;
      else if (m >= 0 && (unmatched || this.matched < this.maxRoutes)) {
        if (!unmatched) this.matched++;
        const entry = this.createRouteEntry(methodLabel(method, m), route);
        this.entries.push(entry);
        if (byMethod === undefined) {
          const created = new Array<RouteEntry | undefined>(METHODS).fill(undefined);
          created[m] = entry;
          this.byRoute.set(route, created);
        } else {
          byMethod[m] = entry;
        }
        this.remember(method, route, entry);
        return entry;
      }
    }
    this.other ??= this.createRouteEntry(OTHER_METHOD, OTHER_ROUTE);
    return this.other;
  }

  /** The pair entryFor() was last given and found `entry` for (both strings: methodIndex() told `method` is). */
  private remember(method: string, route: string, entry: RouteEntry): void {
    this.lastMethod = method;
    this.lastRoute = route;
    this.lastEntry = entry;
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
    if (this.other) yield this.other;
  }

  private createRouteEntry(method: string, route: string): RouteEntry {
    // Server-wide latency since start is kept by record() in `cumulative`; per route only when asked.
    const apdexUs = thresholdFor(this.apdex, method, route);
    const entry = new RouteEntry(method, route, this.slots, new LatencyRing(this.latencySlots), apdexUs);
    // A row whose requests may be left out of the judged figures keeps its own too: the history bucket leaves them
    // out of its latency as the live figures do (bucket.ts).
    if (this.routeLatency || judgedApart(route)) entry.total = new CumulativeCounts();
    entry.apartFrom = apartFromOf(method, route);
    return entry;
  }
}

/**
 * The status class from which a row's requests are not judged (RouteEntry.apartFrom, as unjudgedOf reads the counts):
 * an `unmatched` or catch-all row's 4xx, its OPTIONS row's answers below 500; none on any other row.
 */
export function apartFromOf(method: string, route: string): number {
  if (!judgedApart(route)) return NEVER_APART;
  return method === 'OPTIONS' ? 1 : 4;
}
