// Database query statistics per fingerprint: counts, errors and latency since start (bounded to a
// number of fingerprints, the rest folded into `other`), the routes issuing each, and a slow-query log.

import { wellFormed } from '../custom/well-formed.js';
import { FunctionTimings } from '../functions/function-stats.js';
import {
  type CountsView,
  CumulativeCounts,
  microsOf,
  type SparseCounts,
  slotOf,
  summarizeView,
} from '../latency/latency-ring.js';
import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import type { Clock } from '../types.js';
import { QueriesInFlight } from './queries-in-flight.js';
import { parseQueryStatsOptions, type QueryStatsConfig, type QueryStatsOptions } from './query-options.js';
import { countRoute } from './query-routes.js';
import { SlowLog } from './slow-log.js';

/** The database a query went to (the `system` of a row, a Prometheus label). */
export type QuerySystem = 'postgresql' | 'mysql' | 'redis';

/** The fingerprint that queries beyond `maxFingerprints` are counted under. */
export const OTHER_FINGERPRINT = 'other';

/** One fingerprint's figures since start (a row of `GET queries/`). */
export interface QueryRow {
  system: QuerySystem | '*';
  /** The statement with literals replaced (`SELECT * FROM users WHERE id = $1`), or `other`. */
  fingerprint: string;
  count: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  avg_ms: number;
  max_ms: number;
  total_ms: number;
  /** Route templates that issued it (at most 5, busiest first), with counts; queries outside a request are not listed. */
  routes: Array<{ route: string; count: number }>;
}

/** One entry of the slow-query log. */
export interface SlowQuery {
  system: QuerySystem;
  fingerprint: string;
  duration_ms: number;
  /** When the query finished, ISO 8601. */
  timestamp: string;
  failed: boolean;
  /** Route template of the request that issued it, or null outside a request. */
  route: string | null;
}

/** What `GET queries/` serves. */
export interface QueryReport {
  /** Queries recorded since start, all fingerprints. */
  total: number;
  errors: number;
  /**
   * p95 over the last minute, all fingerprints (what the `db_query_p95` rule reads); null when no query
   * ran in the last minute (unknown, not 0 ms).
   */
  window_p95_ms: number | null;
  window_count: number;
  fingerprints: QueryRow[];
  slow_threshold_ms: number;
  slow_queries: SlowQuery[];
}

interface Entry {
  readonly system: QuerySystem | '*';
  readonly fingerprint: string;
  readonly total: CumulativeCounts;
  readonly routes: Map<string, number>;
  otherRoutes: number;
  /** Failures before the query reached the database: in count and errors, with no duration (recordUnsent). */
  unsent: number;
}

const WINDOW_NAME = 'all';

/**
 * Query statistics. `record()` is O(1) and never throws: a Map lookup, one counts increment, and one
 * more in the server-wide window the alert rule reads.
 */
export class QueryStats {
  /** @internal */
  readonly config: QueryStatsConfig;
  // By system, then fingerprint: no key string is built per query (a fresh string would be hashed anew).
  private readonly bySystem = new Map<string, Map<string, Entry>>();
  private count = 0;
  private other: Entry | null = null;
  private readonly window: FunctionTimings;
  private readonly slow: SlowLog<SlowQuery>;
  private droppedCount = 0;
  /** Queries sent and not yet answered (the instrumentations' beginQuery/endQuery). */
  private readonly inFlight: QueriesInFlight;
  /** Queries in flight this long count in the window at their age (the monitor: db_query_p95's critical level). @internal */
  inFlightMinMs = 2000;

  constructor(options: QueryStatsOptions = {}, clock?: Clock) {
    this.config = parseQueryStatsOptions(options, clock);
    // Without an injected clock the window reads the coarse clock, as the request statistics do.
    const injected = options?.clock ?? clock;
    this.window = new FunctionTimings({ ...(injected ? { clock: injected } : {}), maxNames: 1 });
    this.inFlight = new QueriesInFlight(this.config.clock);
    this.slow = new SlowLog<SlowQuery>(this.config.slowLogSize);
  }

  /** A query was sent: returns its ticket for end(). O(1), never throws. */
  begin(): unknown {
    return this.inFlight.begin();
  }

  /** The query of `ticket` answered or failed (record() it too). Idempotent, never throws. */
  end(ticket: unknown): void {
    this.inFlight.end(ticket);
  }

  /**
   * Records one query by its fingerprint (never its text or values). `route` is resolved only for
   * queries issued inside a request (see request-context.ts).
   */
  record(
    system: QuerySystem,
    fingerprint: string,
    durationMs: number,
    failed: boolean,
    route?: string,
  ): void {
    try {
      const us = typeof durationMs === 'number' ? microsOf(durationMs) : -1;
      if (us < 0 || typeof fingerprint !== 'string') {
        this.droppedCount++;
        return;
      }
      const entry = this.entryFor(system, fingerprint);
      // The window first: a turn it hears cuts a cluster worker's pending figures before this query counts.
      this.window.record(WINDOW_NAME, durationMs, failed === true);
      entry.total.add(slotOf(us), us, failed === true);
      const filedRoute = route === undefined ? undefined : countRoute(entry, route, 1);
      if (durationMs >= this.config.slowThresholdMs && this.config.slowLogSize > 0) {
        this.slow.log({
          system,
          fingerprint: entry.fingerprint,
          duration_ms: Math.round(durationMs * 1000) / 1000,
          timestamp: new Date(this.config.clock.now()).toISOString(),
          failed: failed === true,
          route: filedRoute ?? null,
        });
      }
    } catch {
      this.droppedCount++;
    }
  }

  /** A query that failed before it reached the database: counted as a failure with no duration. Never throws. */
  recordUnsent(system: QuerySystem, fingerprint: string, route?: string): void {
    try {
      if (typeof fingerprint !== 'string') throw new TypeError('fingerprint');
      const entry = this.entryFor(system, fingerprint);
      entry.unsent++;
      if (route !== undefined) countRoute(entry, route, 1);
    } catch {
      this.droppedCount++;
    }
  }

  /** Every fingerprint's figures since start, sorted by total time (the biggest consumer first). */
  rows(): QueryRow[] {
    const out: QueryRow[] = [];
    for (const e of this.entries()) {
      const s = summarizeView(e.total);
      const routes = [...e.routes].map(([route, count]) => ({ route, count }));
      if (e.otherRoutes > 0) routes.push({ route: 'other', count: e.otherRoutes });
      routes.sort((a, b) => b.count - a.count);
      out.push({
        system: e.system,
        fingerprint: e.fingerprint,
        count: e.total.n + e.unsent,
        errors: e.total.errors + e.unsent,
        p50_ms: s.p50_ms,
        p95_ms: s.p95_ms,
        p99_ms: s.p99_ms,
        avg_ms: s.avg_ms,
        max_ms: s.max_ms,
        total_ms: Math.round(e.total.sum) / 1000,
        routes,
      });
    }
    return out.sort((a, b) => b.total_ms - a.total_ms || b.count - a.count);
  }

  /** The slow-query log, newest first. */
  slowQueries(): SlowQuery[] {
    return this.slow.entries();
  }

  /**
   * p95 and count of every query in the last minute (the `db_query_p95` rule's reading), with the queries in
   * flight for `inFlightMinMs` or more at their age; the p95 is null when there is none (no reading, not 0).
   */
  windowSummary(): { count: number; p95_ms: number | null } {
    const view = this.window.windowView(WINDOW_NAME);
    this.inFlight.addToView(view, this.inFlightMinMs);
    const s = summarizeView(view);
    return { count: s.count, p95_ms: s.count > 0 ? s.p95_ms : null };
  }

  /**
   * The last minute's window as it stands, sub-window by sub-window with absolute stamps, and the sub-window
   * length: a new cluster aggregator rebuilds the cluster's query window from it (src/cluster/window-wire.ts).
   * @internal
   */
  windowStates(): { ms: number; latency: Array<{ abs: number; counts: SparseCounts }> } {
    const w = this.window.windowStates();
    return { ms: w.ms, latency: w.functions.find((f) => f.name === WINDOW_NAME)?.latency ?? [] };
  }

  /** Adds another process's window (its windowStates()) at the same stamps, window only (totals come apart). @internal */
  absorbWindow(ms: number, latency: ReadonlyArray<{ abs: number; counts: SparseCounts }>): void {
    this.window.absorbWindow(WINDOW_NAME, ms, latency);
  }

  /** Everything `GET queries/` serves. */
  report(): QueryReport {
    const rows = this.rows();
    const w = this.windowSummary();
    let total = 0;
    let errors = 0;
    for (const r of rows) {
      total += r.count;
      errors += r.errors;
    }
    return {
      total,
      errors,
      window_p95_ms: w.p95_ms,
      window_count: w.count,
      fingerprints: rows,
      slow_threshold_ms: this.config.slowThresholdMs,
      slow_queries: this.slowQueries(),
    };
  }

  /**
   * Each fingerprint's live cumulative counts since start (Prometheus). The views move with every
   * record(): read each synchronously.
   * @internal
   */
  *totalCounts(): Generator<{
    system: string;
    fingerprint: string;
    histogram: Readonly<CountsView>;
    unsent: number;
  }> {
    for (const e of this.entries())
      yield { system: e.system, fingerprint: e.fingerprint, histogram: e.total, unsent: e.unsent };
  }

  /**
   * Each fingerprint's live totals with the routes that issued it (cluster mode reports their deltas).
   * The views move with every record(): read each synchronously.
   * @internal
   */
  *states(): Generator<{
    system: QuerySystem | '*';
    fingerprint: string;
    histogram: Readonly<CountsView>;
    routes: ReadonlyMap<string, number>;
    otherRoutes: number;
    unsent: number;
  }> {
    for (const e of this.entries()) {
      yield {
        system: e.system,
        fingerprint: e.fingerprint,
        histogram: e.total,
        routes: e.routes,
        otherRoutes: e.otherRoutes,
        unsent: e.unsent,
      };
    }
  }

  /** Slow-query log entries written after the first `seen` (oldest first, at most the log's size), and the new count. @internal */
  slowSince(seen: number): { entries: SlowQuery[]; total: number } {
    return this.slow.since(seen);
  }

  /**
   * Cluster mode: queries recorded by another process (their durations as counts, `unsent` failures with none, the
   * routes that issued them) merged here; in the last minute's window too when `window` (what db_query_p95 reads), in
   * the sub-window `span` names (FunctionTimings.absorb).
   * @internal
   */
  absorb(
    system: QuerySystem | '*',
    fingerprint: string,
    latency: SparseCounts | null,
    routes: ReadonlyArray<readonly [string, number]>,
    window: boolean,
    span?: AbsorbSpan,
    unsent = 0,
  ): void {
    try {
      const entry = system === '*' ? this.otherEntry() : this.entryFor(system, fingerprint);
      if (latency) {
        entry.total.addSparse(latency);
        if (window) this.window.absorb(WINDOW_NAME, latency, true, span);
      }
      if (unsent > 0) entry.unsent += unsent;
      for (const [route, count] of routes) {
        if (route === OTHER_FINGERPRINT) entry.otherRoutes += count;
        else countRoute(entry, route, count);
      }
    } catch {
      // never breaks the aggregator
    }
  }

  /**
   * Cluster mode: slow queries another process logged. The log keeps the newest by time (not by
   * arrival: another worker's interval may arrive later with newer queries).
   * @internal
   */
  absorbSlow(entries: readonly SlowQuery[]): void {
    this.slow.absorb(entries);
  }

  /** Distinct fingerprints tracked (`other` not included). */
  get size(): number {
    return this.count;
  }

  /** Calls ignored because of bad input. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Called as the last minute's window turns (FunctionTimings.onTurn; src/cluster/cuts.ts). @internal */
  set onTurn(fn: ((sub: number, ms: number) => void) | null) {
    this.window.onTurn = fn;
  }

  /** Releases the window's clock timer. Idempotent. */
  close(): void {
    this.window.close();
  }

  private *entries(): Generator<Entry> {
    for (const bySql of this.bySystem.values()) yield* bySql.values();
    if (this.other) yield this.other;
  }

  private entryFor(system: QuerySystem, fingerprint: string): Entry {
    // Keyed by system and fingerprint: `SELECT ?` on PostgreSQL and on MySQL are two rows.
    let bySql = this.bySystem.get(system);
    const entry = bySql?.get(fingerprint);
    if (entry !== undefined) return entry;
    const filed = wellFormed(fingerprint); // filed well-formed: a lone surrogate as U+FFFD, as UTF-8 writes it
    if (filed !== fingerprint) return this.entryFor(system, filed);
    if (this.count < this.config.maxFingerprints) {
      if (bySql === undefined) {
        bySql = new Map();
        this.bySystem.set(system, bySql);
      }
      const created: Entry = {
        system,
        fingerprint,
        total: new CumulativeCounts(),
        routes: new Map(),
        otherRoutes: 0,
        unsent: 0,
      };
      bySql.set(fingerprint, created);
      this.count++;
      return created;
    }
    return this.otherEntry();
  }

  private otherEntry(): Entry {
    this.other ??= {
      system: '*',
      fingerprint: OTHER_FINGERPRINT,
      total: new CumulativeCounts(),
      routes: new Map(),
      otherRoutes: 0,
      unsent: 0,
    };
    return this.other;
  }
}
