// Database query statistics between processes (cluster mode): each fingerprint's queries since the
// previous report as counts (merged exactly, never averaged), the routes that issued them, and the
// slow queries logged meanwhile; and what an aggregator knows of one worker's query totals.

import { COUNTS_LENGTH, type CountsView, type SparseCounts, slotHighest } from '../latency/latency-ring.js';
import type { QuerySystem, SlowQuery } from '../profiling/query-stats.js';
import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import {
  addSparse,
  type CountsWire,
  decodeCounts,
  emptySparse,
  encodeCounts,
  SentCounts,
  subtractSparse,
} from './counts-wire.js';

/** One fingerprint's queries since the previous report: system, fingerprint, counts, routes' counts. */
export interface QueryWire {
  y: string;
  g: string;
  l?: CountsWire;
  /** Route template and count; `other` for routes beyond the five kept. */
  o?: Array<[string, number]>;
  /** Failures before the database, with no duration (QueryStats.recordUnsent). */
  u?: number;
}

/** Queries read back and checked. */
export interface QueryDelta {
  system: QuerySystem | '*';
  fingerprint: string;
  latency: SparseCounts | null;
  routes: Array<[string, number]>;
  /** Failures before the database, with no duration. */
  unsent?: number;
}

/** Where a reporter reads query totals (a monitor's QueryStats). */
export interface QuerySource {
  states(): Iterable<{
    system: QuerySystem | '*';
    fingerprint: string;
    histogram: Readonly<CountsView>;
    routes: ReadonlyMap<string, number>;
    otherRoutes: number;
    unsent?: number;
  }>;
  slowSince(seen: number): { entries: SlowQuery[]; total: number };
}

/** Where query reports are merged (the cluster monitor's QueryStats). */
export interface QueryTarget {
  absorb(
    system: QuerySystem | '*',
    fingerprint: string,
    latency: SparseCounts | null,
    routes: ReadonlyArray<readonly [string, number]>,
    window: boolean,
    span?: AbsorbSpan,
    unsent?: number,
  ): void;
  absorbSlow(entries: readonly SlowQuery[]): void;
}

const KEY_SEP = '\u0000';
const OTHER_ROUTE = 'other';
const SYSTEMS = new Set(['postgresql', 'mysql', 'redis', '*']);

/** Turns live query totals into deltas; what was taken is not sent again. */
export class QueryReporter {
  private sent = new Map<string, { counts: SentCounts; routes: Map<string, number>; unsent: number }>();
  private slowSeen = 0;

  reset(): void {
    this.sent.clear();
    this.slowSeen = 0;
  }

  /** The queries since the previous take (undefined when none), and the slow queries logged meanwhile. */
  take(source: QuerySource): { q: QueryWire[] | undefined; s: SlowQuery[] | undefined } {
    let q: QueryWire[] | undefined;
    for (const st of source.states()) {
      const key = `${st.system}${KEY_SEP}${st.fingerprint}`;
      let sent = this.sent.get(key);
      if (sent === undefined) {
        sent = { counts: new SentCounts(), routes: new Map(), unsent: 0 };
        this.sent.set(key, sent);
      }
      const l = sent.counts.take(st.histogram, slotHighest);
      const u = (st.unsent ?? 0) - sent.unsent;
      if (l === null && !(u > 0)) continue;
      if (u > 0) sent.unsent += u;
      const o: Array<[string, number]> = [];
      const diff = (route: string, now: number) => {
        const d = now - (sent.routes.get(route) ?? 0);
        if (d > 0) {
          o.push([route, d]);
          sent.routes.set(route, now);
        }
      };
      for (const [route, count] of st.routes) diff(route, count);
      diff(`${KEY_SEP}${OTHER_ROUTE}`, st.otherRoutes);
      for (const r of o) if (r[0] === `${KEY_SEP}${OTHER_ROUTE}`) r[0] = OTHER_ROUTE;
      const w: QueryWire = { y: st.system, g: st.fingerprint };
      if (l !== null) w.l = l;
      if (o.length > 0) w.o = o;
      if (u > 0) w.u = u;
      q ??= [];
      q.push(w);
    }
    const slow = source.slowSince(this.slowSeen);
    this.slowSeen = slow.total;
    return { q, s: slow.entries.length > 0 ? slow.entries : undefined };
  }
}

const text = (v: unknown, max: number): string => {
  if (typeof v !== 'string' || v.length > max) throw new Error('bad name');
  return v;
};

/** Reads query deltas from the wire; throws on anything malformed (the report is dropped whole). */
export function decodeQueries(w: unknown): QueryDelta[] {
  if (w === undefined) return [];
  if (!Array.isArray(w) || w.length > 10_000) throw new Error('bad queries');
  return w.map((x: QueryWire) => {
    if (x === null || typeof x !== 'object' || !SYSTEMS.has(x.y)) throw new Error('bad query');
    if (x.o !== undefined && (!Array.isArray(x.o) || x.o.length > 6)) throw new Error('bad query routes');
    const routes = (x.o ?? []).map((r): [string, number] => {
      if (!Array.isArray(r) || !Number.isInteger(r[1]) || (r[1] as number) <= 0) throw new Error('bad route');
      return [text(r[0], 1024), r[1] as number];
    });
    if (x.u !== undefined && !(Number.isSafeInteger(x.u) && x.u > 0)) throw new Error('bad unsent');
    const d: QueryDelta = {
      system: x.y as QuerySystem | '*',
      fingerprint: text(x.g, 4096),
      latency: x.l === undefined ? null : decodeCounts(x.l, COUNTS_LENGTH - 1),
      routes,
    };
    if (x.u !== undefined) d.unsent = x.u;
    return d;
  });
}

/** Reads slow queries from the wire; malformed entries are dropped, the rest kept. */
export function decodeSlow(w: unknown): SlowQuery[] {
  if (!Array.isArray(w)) return [];
  const out: SlowQuery[] = [];
  for (const e of w.slice(0, 1000) as SlowQuery[]) {
    if (
      e === null ||
      typeof e !== 'object' ||
      !SYSTEMS.has(e.system) ||
      typeof e.fingerprint !== 'string' ||
      e.fingerprint.length > 4096 ||
      typeof e.duration_ms !== 'number' ||
      typeof e.timestamp !== 'string' ||
      e.timestamp.length > 40 ||
      (e.route !== null && (typeof e.route !== 'string' || e.route.length > 1024))
    )
      continue;
    out.push({
      system: e.system,
      fingerprint: e.fingerprint,
      duration_ms: e.duration_ms,
      timestamp: e.timestamp,
      failed: e.failed === true,
      route: e.route,
    });
  }
  return out;
}

/** Query deltas for the wire (the inverse of decodeQueries). */
export function encodeQueries(queries: readonly QueryDelta[]): QueryWire[] {
  return queries.map((x) => {
    const w: QueryWire = { y: x.system, g: x.fingerprint };
    if (x.latency && x.latency.n > 0) w.l = encodeCounts(x.latency);
    if (x.routes.length > 0) w.o = x.routes.map((r) => [r[0], r[1]]);
    if (x.unsent !== undefined && x.unsent > 0) w.u = x.unsent;
    return w;
  });
}

/** Merges query deltas (see QueryStats.absorb for `window` and `span`). */
export function applyQueries(
  target: QueryTarget,
  queries: readonly QueryDelta[],
  window: boolean,
  span?: AbsorbSpan,
): void {
  for (const x of queries)
    if (x.latency || (x.unsent ?? 0) > 0)
      target.absorb(x.system, x.fingerprint, x.latency, x.routes, window, span, x.unsent ?? 0);
}

/** One worker's query totals since start as an aggregator knows them (see KnownTotals). */
export class KnownQueries {
  private readonly byKey = new Map<
    string,
    { latency: SparseCounts; routes: Map<string, number>; q: QueryDelta; unsent: number }
  >();

  private entry(x: QueryDelta) {
    const key = `${x.system}${KEY_SEP}${x.fingerprint}`;
    let e = this.byKey.get(key);
    if (e === undefined) {
      e = {
        latency: emptySparse(),
        routes: new Map(),
        q: { system: x.system, fingerprint: x.fingerprint, latency: null, routes: [] },
        unsent: 0,
      };
      this.byKey.set(key, e);
    }
    return e;
  }

  add(queries: readonly QueryDelta[]): void {
    for (const x of queries) {
      const e = this.entry(x);
      if (x.latency) addSparse(e.latency, x.latency);
      e.unsent += x.unsent ?? 0;
      for (const [r, c] of x.routes) e.routes.set(r, (e.routes.get(r) ?? 0) + c);
    }
  }

  /** Takes totals since start: returns what they hold beyond what is known, and adopts them. */
  replace(full: readonly QueryDelta[]): QueryDelta[] {
    const out: QueryDelta[] = [];
    for (const x of full) {
      const e = this.entry(x);
      const latency = x.latency ? subtractSparse(x.latency, e.latency) : null;
      if (latency) addSparse(e.latency, latency);
      const routes: Array<[string, number]> = [];
      for (const [r, c] of x.routes) {
        const d = c - (e.routes.get(r) ?? 0);
        if (d > 0) {
          routes.push([r, d]);
          e.routes.set(r, c);
        }
      }
      const unsent = (x.unsent ?? 0) - e.unsent;
      if (unsent > 0) e.unsent += unsent;
      if ((latency && latency.n > 0) || unsent > 0)
        out.push({
          system: x.system,
          fingerprint: x.fingerprint,
          latency: latency && latency.n > 0 ? latency : null,
          routes,
          ...(unsent > 0 ? { unsent } : {}),
        });
    }
    return out;
  }

  /** These totals as query reports (the ledger). */
  toReports(): QueryDelta[] {
    return [...this.byKey.values()]
      .filter((e) => e.latency.n > 0 || e.unsent > 0)
      .map((e) => ({
        system: e.q.system,
        fingerprint: e.q.fingerprint,
        latency: e.latency.n > 0 ? e.latency : null,
        routes: [...e.routes],
        ...(e.unsent > 0 ? { unsent: e.unsent } : {}),
      }));
  }
}
