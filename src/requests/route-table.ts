// The routes RequestStats tracks: method + route to its counters, at most maxRoutes matched ones (plus the `unmatched` rows), the rest folded into `other`.
// A route that is not well-formed UTF-16 (a lone surrogate) is its well-formed spelling's (custom/well-formed.ts).

import { MAX_KEY_NAME_LENGTH, wellFormed } from '../custom/well-formed.js';
import { CumulativeCounts, LatencyRing, type SparseCounts } from '../latency/latency-ring.js';
import { type ApdexConfig, thresholdFor } from '../profiling/apdex.js';
import {
  COLUMNS,
  entryTotals,
  judgedApart,
  METHODS,
  methodIndex,
  methodLabel,
  NEVER_APART,
  OTHER_METHOD,
  OTHER_ROUTE,
  RouteEntry,
  STRIDE,
  UNMATCHED_ROUTE,
} from './route-counters.js';

/** Columns of a row's totals area (route-counters.ts FOLDED): the COLUMNS, then Apdex satisfied and tolerating. */
const TOTALS_COLUMNS = 12;
/** Reclaimed pairs kept for takeReclaimed() (cluster report) at most: past that the oldest are dropped. */
const MAX_PENDING_RECLAIMS = 4096;
/** Ended series remembered at most (RouteTable.ended: 80 B of counts each), the oldest dropped. */
const MAX_ENDED_SERIES = 4096;

/**
 * Method + route pairs to their entries: one Map lookup per request (methods map to indices by a switch).
 * Methods outside the standard seven count as OTHER (route-counters.ts OTHER_HTTP_METHOD), so a route has
 * at most 8 rows. Past `maxRoutes` matched pairs, requests fold into `* other`. The `unmatched` rows (at most 8,
 * one per method slot) do not count against `maxRoutes`: junk on made-up URLs that came first never takes a
 * matched route's slot. When the table is full, a new matched pair takes the slot of the least recently used row that
 * has no request anywhere in its ring (idle a whole window: no window reads it; reclaim()), its figures since start
 * folded into `* other`'s (server-wide sums stay exact and monotonic; its own Prometheus series ends, `* other`'s does
 * not take it: RouteEntry.seriesBase). Only then does
 * a request fold into `* other` (`folding`, said once by the monitor). A row's counters since start only grow.
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
  /**
   * The series counts (COLUMNS, RouteEntry.seriesBase) of reclaimed pairs when their rows ended, by `method route`, at
   * most MAX_ENDED_SERIES (the oldest dropped): a pair made again goes on from there.
   */
  private readonly ended = new Map<string, Float64Array>();
  private routeLatency = false;
  /** admitAbsorbed()'s ceiling for absorbed routes (0: none, `maxRoutes` for them too), and whether one folded past it. */
  private absorbCap = 0;
  private spill = false;
  /** Whether a matched route folded into `* other` because every slot was in use within the window (said once). */
  folding = false;
  /** Pairs reclaimed since the last takeReclaimed() (kept only once trackRouteLatency() was called: cluster, threads). */
  private pending: Array<[string, string]> = [];
  /** Rows reclaimed since start. */
  reclaimed = 0;
  /** No row can be reclaimed before this sub-window (the oldest candidate's last request leaves the ring then). */
  private retryAt = Number.NEGATIVE_INFINITY;
  /**
   * The method and route of the last entryFor() that found (or made) a tracked entry, as given, and that entry: a
   * request of the same pair as the one before (a busy route's run) takes it after two string comparisons, without
   * the method switch and the Map's hash lookup (issue 18). Never stale: a pair's entry never changes once made.
   */
  private lastMethod = '';
  private lastRoute = '';
  private lastEntry: RouteEntry | null = null;

  private readonly slots: number;
  private readonly latencySlots: number;
  private maxRoutes: number;
  private readonly apdex: ApdexConfig;

  constructor(
    config: { slots: number; latencySlots: number; maxRoutes: number; apdex: ApdexConfig },
    /** The current sub-window (RequestStats ticks before any entryFor()): a full table's reclaim() reads it. */
    private readonly currentSub: () => number = () => Number.NaN,
  ) {
    this.slots = config.slots;
    this.latencySlots = config.latencySlots;
    this.maxRoutes = config.maxRoutes;
    this.apdex = config.apdex;
  }

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
      const reclaimed = this.reclaimed;
      const entry = this.entryFor(method, route);
      if (entry === this.other && !(method === OTHER_METHOD && route === OTHER_ROUTE)) this.spill = true;
      if (this.reclaimed !== reclaimed) this.spill = true; // a tracked route's totals moved into `* other`
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
      else if (m >= 0 && (unmatched || this.matched < this.maxRoutes || this.reclaim())) {
        if (!unmatched) this.matched++;
        const entry = this.createRouteEntry(methodLabel(method, m), route);
        const key = `${entry.method} ${route}`;
        const end = this.ended.get(key);
        if (end !== undefined) {
          entry.seriesBase = end; // its series goes on from its counts when its row ended
          this.ended.delete(key);
        }
        this.entries.push(entry);
        this.retryAt = Number.NEGATIVE_INFINITY; // a new row: a candidate of its own later
        const row = this.byRoute.get(route); // anew: reclaim() may have dropped this route's other method
        if (row === undefined) {
          const created = new Array<RouteEntry | undefined>(METHODS).fill(undefined);
          created[m] = entry;
          this.byRoute.set(route, created);
        } else {
          row[m] = entry;
        }
        this.remember(method, route, entry);
        return entry;
      } else if (m >= 0 && this.maxRoutes > 0) this.folding = true; // every slot in use within the window
    }
    return this.otherEntry();
  }

  private otherEntry(): RouteEntry {
    this.other ??= this.createRouteEntry(OTHER_METHOD, OTHER_ROUTE);
    return this.other;
  }

  /**
   * Frees the slot of the least recently used matched row with no request in its whole ring (every sub-window any
   * window reads is older than its last request), when there is one: its figures since start (status classes,
   * aborted, closes, Apdex, latency since start when kept) are added to `* other`'s, so the server-wide sums and
   * `* other` + the remaining rows stay exact and monotonic; the row itself (its Prometheus series) ends. Rows judged
   * apart (catch-all: the history bucket keeps marks of them) and rows with a latency apart are never reclaimed.
   * Only on a miss with the table full: nothing per request for a tracked route.
   */
  private reclaim(): boolean {
    const sub = this.currentSub();
    if (!Number.isFinite(sub) || sub < this.retryAt) return false;
    const oldestRead = sub - this.slots + 1;
    let victim = -1;
    let victimLast = Number.POSITIVE_INFINITY;
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i] as RouteEntry;
      if (e.route === UNMATCHED_ROUTE || judgedApart(e.route) || e.apart !== null) continue;
      const last = lastSub(e.counters, this.slots);
      if (last < oldest) oldest = last;
      if (last >= oldestRead || last >= victimLast) continue;
      victim = i;
      victimLast = last;
    }
    // Rows' last requests only move on: none of them leaves the ring before the oldest one does.
    if (victim < 0) {
      this.retryAt = oldest + this.slots;
      return false;
    }
    const e = this.entries[victim] as RouteEntry;
    this.entries.splice(victim, 1);
    const byMethod = this.byRoute.get(e.route);
    if (byMethod !== undefined) {
      const m = byMethod.indexOf(e);
      if (m >= 0) byMethod[m] = undefined;
      if (byMethod.every((x) => x === undefined)) this.byRoute.delete(e.route);
    }
    if (this.lastEntry === e) {
      this.lastEntry = null;
      this.lastMethod = '';
      this.lastRoute = '';
    }
    const other = this.otherEntry();
    const into = this.slots * STRIDE;
    const totals = foldedTotals(e.counters, this.slots);
    for (let c = 0; c < TOTALS_COLUMNS; c++) other.counters[into + c]! += totals[c] as number;
    // As series (Prometheus counters, the route history): `* other`'s does not take the row's counts (they would read
    // as that many requests at once: outside review B, RTB-1); the row's ends, and goes on from there if made again.
    other.seriesBase ??= new Float64Array(COLUMNS);
    const end = totals.slice(0, COLUMNS);
    for (let c = 0; c < COLUMNS; c++) {
      other.seriesBase[c]! -= totals[c] as number;
      end[c]! += (e.seriesBase?.[c] ?? 0) as number;
    }
    const key = `${e.method} ${e.route}`;
    this.ended.delete(key);
    if (this.ended.size >= MAX_ENDED_SERIES) this.ended.delete(this.ended.keys().next().value as string);
    this.ended.set(key, end);
    if (e.total !== null) {
      other.total ??= new CumulativeCounts();
      other.total.addSparse(sparseOf(e.total));
    }
    this.matched--;
    this.reclaimed++;
    if (this.routeLatency) {
      if (this.pending.length >= MAX_PENDING_RECLAIMS) this.pending.shift();
      this.pending.push([e.method, e.route]);
    }
    return true;
  }

  /** The method + route pairs reclaimed (their totals now `* other`'s) since the last call (cluster report). */
  takeReclaimed(): Array<[string, string]> {
    const taken = this.pending;
    this.pending = [];
    return taken;
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

/** The latest sub-window a row's ring holds a request in (-Infinity: none). */
function lastSub(counters: Float64Array, slots: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (let pos = 0; pos < slots; pos++) {
    const stamp = counters[pos * STRIDE] as number;
    if (stamp > last) last = stamp; // NaN (never opened) compares false
  }
  return last;
}

/** A row's totals since start: the totals area plus its live sub-windows, all TOTALS_COLUMNS. */
function foldedTotals(counters: Float64Array, slots: number): Float64Array {
  const into = entryTotals(counters, slots, new Float64Array(TOTALS_COLUMNS));
  for (let c = 10; c < TOTALS_COLUMNS; c++) {
    into[c] = counters[slots * STRIDE + c] as number;
    for (let pos = 0; pos < slots; pos++) {
      const b = pos * STRIDE;
      if (!Number.isNaN(counters[b] as number)) into[c]! += counters[b + 1 + c] as number;
    }
  }
  return into;
}

/** A cumulative view as sparse counts (addSparse). */
function sparseOf(c: CumulativeCounts): SparseCounts {
  const slots: number[] = [];
  const counts: number[] = [];
  for (let i = c.lo; i <= c.hi; i++) {
    const v = c.counts[i] as number;
    if (v > 0) {
      slots.push(i);
      counts.push(v);
    }
  }
  return { slots, counts, n: c.n, sum: c.sum, max: c.max, errors: c.errors };
}

/**
 * The status class from which a row's requests are not judged (RouteEntry.apartFrom, as unjudgedOf reads the counts):
 * an `unmatched` or catch-all row's 4xx, its OPTIONS row's answers below 500; none on any other row.
 */
export function apartFromOf(method: string, route: string): number {
  if (!judgedApart(route)) return NEVER_APART;
  return method === 'OPTIONS' ? 1 : 4;
}
