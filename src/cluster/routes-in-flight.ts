// Requests in flight per route across the cluster (routes/, issue #13): each worker sends, per method + route, how
// many requests it holds in flight and the age of the oldest, beside its report and only when that changed; the
// aggregator sums the counts and takes the oldest age, aged since it arrived. Periodic reports carry the routes of
// requests in flight for at least REPORTED_AFTER_MS (hangs, not the ordinary traffic: a few bytes, never per
// request); the answer to a routes/ read's sync carries every request in flight, so the table is exact at the read.
// Periodic reports go on naming the requests that answer named until they end: each frame replaces what the
// aggregator holds, and one that left them out (not that old yet) arriving before the read was answered made it
// miss requests still in flight (a periodic frame batched behind its sync answer: 3 of 5 /hang read at load 25).

import { routeKey } from '../profiling/series-history.js';
import type { RouteInFlight } from '../requests/in-flight-routes.js';

/** Per route, most first: [method, route, requests in flight, age of the oldest ms]; `o`: requests of routes left out. */
export interface RoutesInFlightWire {
  r: Array<[method: string, route: string, count: number, oldestMs: number]>;
  o?: number;
}

/** A worker's routes in flight as the aggregator holds them: the rows, when they arrived (its clock), how many left out. */
export interface RoutesInFlightState {
  rows: RouteInFlight[];
  at: number;
  left: number;
}

/** Periodic reports name the routes of requests in flight at least this long (ms). */
export const REPORTED_AFTER_MS = 1000;
/** The most routes a periodic report names (the rest are counted in `o`). */
export const REPORTED_ROUTES = 10;
/** The most routes the answer to a routes/ read names. */
export const READ_ROUTES = 100;

/** Where a worker reads its requests in flight by route (its monitor's TicketPath; threads have none). */
export interface RoutesInFlightSource {
  readonly tickets?: {
    routesInFlight(minMs?: number, keptUpTo?: number): ReadonlyMap<string, RouteInFlight>;
  };
}

/** A worker's side: its routes in flight, to be sent when they changed since those last sent. */
export class RoutesInFlightReporter {
  /** What was last sent (routes, counts, when each oldest was admitted); null: nothing yet (sent at the next take). */
  private sent: string | null = null;
  /** When the newest request the last read's answer named was admitted (the request window's clock). */
  private readUpTo = Number.NEGATIVE_INFINITY;

  constructor(private readonly source: RoutesInFlightSource) {}

  /** Forgets what was sent (a new aggregator, or a hello): the next take() sends. */
  reset(): void {
    this.sent = null;
    this.readUpTo = Number.NEGATIVE_INFINITY;
  }

  /**
   * The routes in flight now: every request in flight (`read`: a routes/ read's sync), else those in flight for
   * REPORTED_AFTER_MS and those the last read's answer named (until they end: the aggregator holds only this
   * worker's last frame); undefined when the same as last sent (their ages go on at the aggregator) or unreadable.
   */
  take(read: boolean): RoutesInFlightWire | undefined {
    const tickets = this.source.tickets;
    if (tickets === undefined) return undefined;
    let rows: RouteInFlight[];
    try {
      rows = [
        ...(read
          ? tickets.routesInFlight(0)
          : tickets.routesInFlight(REPORTED_AFTER_MS, this.readUpTo)
        ).values(),
      ];
    } catch {
      return undefined; // never breaks a report
    }
    if (read) {
      this.readUpTo = Number.NEGATIVE_INFINITY;
      for (const x of rows)
        if (x.newestAt !== undefined && x.newestAt > this.readUpTo) this.readUpTo = x.newestAt;
    }
    rows.sort((a, b) => b.count - a.count || b.oldestMs - a.oldestMs);
    const max = read ? READ_ROUTES : REPORTED_ROUTES;
    let left = 0;
    for (let i = max; i < rows.length; i++) left += (rows[i] as RouteInFlight).count;
    if (rows.length > max) rows.length = max;
    const same = JSON.stringify([
      left,
      rows.map((x) => [x.method, x.route, x.count, x.oldestAt ?? x.oldestMs]),
    ]);
    if (same === this.sent) return undefined;
    this.sent = same;
    const out: RoutesInFlightWire = {
      r: rows.map((x) => [x.method, x.route, x.count, Math.floor(x.oldestMs)]),
    };
    if (left > 0) out.o = left;
    return out;
  }
}

/** Reads a worker's routes in flight, arrived at `at`; throws on anything malformed. */
export function decodeRoutesInFlight(w: unknown, at: number): RoutesInFlightState {
  const x = w as RoutesInFlightWire;
  if (x === null || typeof x !== 'object' || !Array.isArray(x.r) || x.r.length > READ_ROUTES)
    throw new Error('bad routes in flight');
  const left = x.o ?? 0;
  if (!Number.isInteger(left) || left < 0) throw new Error('bad routes in flight');
  const rows = x.r.map((row): RouteInFlight => {
    const [method, route, count, oldestMs] = Array.isArray(row) ? row : [];
    if (typeof method !== 'string' || method.length > 64 || typeof route !== 'string' || route.length > 1024)
      throw new Error('bad routes in flight');
    if (
      !Number.isInteger(count) ||
      (count as number) < 1 ||
      !Number.isFinite(oldestMs) ||
      (oldestMs as number) < 0
    )
      throw new Error('bad routes in flight');
    return { method, route, count: count as number, oldestMs: oldestMs as number };
  });
  return { rows, at, left };
}

/** What the aggregator holds of a worker (its WorkerEntry): its routes in flight as last sent (null: unsaid, unreadable). */
export interface RoutesInFlightHolder {
  readonly id?: string;
  routesInFlight?: RoutesInFlightState | null;
}

/** Keeps the routes in flight a worker's frame carries (`ir`; absent: unchanged). */
export function noteRoutesInFlight(entry: RoutesInFlightHolder, wire: unknown, at: number): void {
  if (wire === undefined) return;
  try {
    entry.routesInFlight = decodeRoutesInFlight(wire, at);
  } catch {
    entry.routesInFlight = null; // marked in routes/ (routesUnsaid), not guessed
  }
}

/**
 * The cluster's requests in flight by route at `now`: the live workers' as last sent, counts summed, the oldest of
 * each route the largest age, each aged by the time since its worker's rows arrived (a lower bound, exact for a
 * worker that answered the read's sync: it sends them whenever they change).
 */
export function mergeRoutesInFlight(
  live: Iterable<RoutesInFlightHolder>,
  now: number,
): Map<string, RouteInFlight> {
  const out = new Map<string, RouteInFlight>();
  for (const w of live) {
    const s = w.routesInFlight;
    if (!s) continue;
    const since = Math.max(0, now - s.at);
    for (const r of s.rows) {
      const key = routeKey(r.method, r.route);
      const age = r.oldestMs + since;
      const row = out.get(key);
      if (row === undefined)
        out.set(key, { method: r.method, route: r.route, count: r.count, oldestMs: age });
      else {
        row.count += r.count;
        if (age > row.oldestMs) row.oldestMs = age;
      }
    }
  }
  return out;
}

/**
 * `routes-in-flight:<id>` for each live worker whose routes in flight routes/ lacks and that `missing` does not list
 * already: none said (a worker of an older version, or unreadable) or some left out (routes past the bound).
 */
export function routesUnsaid(live: Iterable<RoutesInFlightHolder>, missing: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of live) {
    if (w.id === undefined || missing.includes(w.id)) continue;
    if (!w.routesInFlight || w.routesInFlight.left > 0) out.push(`routes-in-flight:${w.id}`);
  }
  return out;
}
