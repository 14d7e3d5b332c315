// Per-route request counters: the route entry (counters by status class and sub-window, plus its latency ring), method slots and the fold.

import type { CumulativeCounts, LatencyRing } from '../latency/latency-ring.js';
import type { ApartLatency } from './apart.js';

/** Method and route of the entry that requests beyond `maxRoutes` distinct pairs fold into. */
export const OTHER_METHOD = '*';
export const OTHER_ROUTE = 'other';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
export const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * The status an aborted request is recorded with: its response did not complete because the client or the
 * server closed the connection first (nginx logs a client's as 499; the server cannot reliably tell the two
 * apart). Always counted as `aborted`; closed after `abortedFailureMs` it is also a request, a 4xx and FAILED
 * in every error rate; closed earlier it is not a request at all (see countAborted).
 */
export const ABORTED_STATUS = 499;

/**
 * The status an adapter ends a flight with when the application had already answered its request before the monitor
 * saw it (a middleware before it ended the response, then passed the request on: outside review 46, RT46-7): it
 * leaves the requests in flight and nothing is recorded (the unseen path counts it, adapters/unseen-requests.ts).
 */
export const ANSWERED_BEFORE_STATUS = 0;

/** Requests since start for one method, route template and status class (Prometheus counters). */
export interface RouteTotal {
  method: string;
  route: string;
  status_class: StatusClass;
  count: number;
}

/** Aborted requests since start for one method and route template (Prometheus counter). */
export interface AbortedTotal {
  method: string;
  route: string;
  count: number;
  /** Of these, the failed ones: the client waited at least `abortedFailureMs` (see ABORTED_FAILED_COLUMN). */
  failed: number;
}

/** How long a client must have waited for its aborted request to count as failed, by default (ms). */
export const DEFAULT_ABORTED_FAILURE_MS = 1_000;

/**
 * The method label of requests whose method is outside GET POST PUT DELETE PATCH HEAD OPTIONS (PROPFIND,
 * ACL, BIND, ...: some 30 names Node's parser accepts): one row per route for all of them, as
 * OpenTelemetry's `_OTHER`, so that an anonymous client cannot multiply rows and label values by the method.
 */
export const OTHER_HTTP_METHOD = 'OTHER';

/**
 * Route recorded for a response no route template matched (404s, static files, middleware answers),
 * so that unique URLs never become routes. Real templates start with `/`, so this cannot clash.
 */
export const UNMATCHED_ROUTE = 'unmatched';

// Slots per route: GET POST PUT DELETE PATCH HEAD OPTIONS, then OTHER.
export const METHODS = 8;
const OTHER_INDEX = 7;

// Request counters of one route: per sub-window [stamp, then the COLUMNS, then Apdex satisfied and tolerating], then
// their totals folded in from reused sub-windows. One Float64Array and one stamp per sub-window, one increment per
// request (an aborted one: aborted, then failed and 4xx, or quick or nothing more for an early close, which is not a
// request), one more for Apdex; totals since start (Apdex's too): folded plus live sub-windows, derived on read.
export const STRIDE = 13;
/** Columns after the stamp: 5 status classes, aborted, failed aborted, answered closes, body closes, quick closes. */
export const COLUMNS = 10;
/** Column of aborted requests (after the stamp and the five classes). */
export const ABORTED_COLUMN = 6;
/**
 * Column of the aborted requests that count as FAILED in every error rate: those whose client waited at least
 * `abortedFailureMs` (1 s by default) before the connection closed. A client that closes after a few ms (an
 * anonymous flood of early closes) is counted as aborted, never as failed; a timeout storm (clients and
 * proxies give up after seconds) is.
 */
export const ABORTED_FAILED_COLUMN = 7;
/**
 * Column of the early closes of responses the application had already ended, or was writing while blocked on its
 * client (clientsToTake: a large body or a streamed download its client did not read, a response queued behind it
 * on a pipelined connection): early closes everywhere, but answered, so not counted toward the `unanswered` verdict
 * (request-groups.ts). Counted at the close only (countWaitedClose).
 */
export const ANSWERED_CLOSE_COLUMN = 8;
/**
 * Column of the early closes while the request's body was still arriving from its client (bodyArriving: headers
 * sent, body not in full, the server reading it as it comes): the server was waiting for the client, so, as answered
 * closes, not counted toward the `unanswered` verdict (outside review 7, F2: 20 half-sent POSTs paged an idle
 * service). Counted at the close only (countWaitedClose with this column). Carried across processes beside the
 * answered closes, under a wire key of its own (cluster-exchange.ts, src/cluster/report.ts).
 */
export const BODY_CLOSE_COLUMN = 9;
/**
 * Column of the early closes whose client waited less than `unansweredMinWaitMs` (100 ms by default): not toward the
 * `unanswered` verdict (outside review 8, F6: 30 connections that sent `GET /<random>` and closed at once paged an
 * idle service). Counted by record() (countAborted); carried across processes under a wire key of its own.
 */
export const QUICK_CLOSE_COLUMN = 10;

/** Columns after the stamp folded into the totals when a sub-window is reused: the COLUMNS and the two of Apdex. */
const FOLDED = COLUMNS + 2;

/** RouteEntry.apartFrom of a row whose requests are all judged: above every status class. */
export const NEVER_APART = 9;

/** Where the window stands: the current request and latency sub-windows and the ring sizes. */
export interface WindowAt {
  readonly slots: number;
  readonly latencySlots: number;
  readonly sub: number;
  /** The current request sub-window's position in the ring (sub % slots). */
  readonly pos: number;
  readonly lat: number;
  /** Where an entry's counters keep the totals folded from past sub-windows. */
  readonly totalsOffset: number;
  readonly subWindowMs: number;
  /** When recording started (epoch ms): a window younger than its length covers only the time since. */
  readonly startedAt: number;
}

export function createCounters(slots: number): Float64Array {
  const counters = new Float64Array(slots * STRIDE + FOLDED);
  for (let pos = 0; pos < slots; pos++) counters[pos * STRIDE] = Number.NaN;
  return counters;
}

// One method + route pair, or the fold: counters and a latency ring (windows only; totals are kept apart).
export class RouteEntry {
  readonly method: string;
  readonly route: string;
  readonly counters: Float64Array;
  readonly latency: LatencyRing;
  /** Latency since start of this route alone: kept only once trackRouteLatency() was called (cluster mode). */
  total: CumulativeCounts | null = null;
  /**
   * This route's Apdex T and 4T in µs, in a Float64Array rather than number fields: a T that is not a whole number
   * of µs on one route would make its field a double, change RouteEntry's map and deoptimize record() for every
   * route (bench/RESULTS.md record-deopt).
   */
  readonly apdexLimits = new Float64Array(2);
  /**
   * The status class from which this row's requests are not judged (unjudgedOf), their latency kept in `apart` too:
   * 4 on an `unmatched` or catch-all row, 1 on its OPTIONS row, NEVER_APART elsewhere (route-table.ts apartFromOf).
   */
  apartFrom = NEVER_APART;
  /** The latency of this row's requests not judged (made with the first: record(), absorb()). */
  apart: ApartLatency | null = null;
  /**
   * Added to the totals since start (COLUMNS) as series only (routeTotalsOf: Prometheus, route history; null: none):
   * on `* other` minus what reclaim moved in (its series grows only by its own requests); on a row made again after a
   * reclaim, its series' counts when it ended (it goes on from there). Never read by record().
   */
  seriesBase: Float64Array | null = null;

  constructor(method: string, route: string, slots: number, latency: LatencyRing, apdexUs = 500_000) {
    this.method = method;
    this.route = route;
    this.counters = createCounters(slots);
    this.latency = latency;
    this.apdexLimits[0] = apdexUs;
    this.apdexLimits[1] = apdexUs * 4;
  }

  /** This route's Apdex T, µs. */
  get satisfiedUs(): number {
    return this.apdexLimits[0] as number;
  }

  /** 4T, µs: slower successful requests are frustrated. */
  get toleratingUs(): number {
    return this.apdexLimits[1] as number;
  }

  get bytes(): number {
    const own = this.counters.byteLength + this.latency.bytes;
    return own + (this.total?.bytes ?? 0) + (this.apart?.bytes ?? 0);
  }
}

/**
 * Counts an aborted request in the sub-window at `b`: always as aborted, as failed when `failed` (its client
 * waited at least `abortedFailureMs`), as quick when `quick` (it waited less than `unansweredMinWaitMs`, never above
 * `abortedFailureMs`: a quick close is never failed). Returns `failed`: only then is it a request (a 4xx, with its
 * latency); an early close (a client that gave up within the threshold, an anonymous flood of closes) is counted as
 * aborted and nowhere else, so it neither dilutes the error rate nor fills the `minRequests` guard, the rates,
 * Apdex or latency with requests the server never answered.
 */
export function countAborted(counters: Float64Array, b: number, failed: boolean, quick = false): boolean {
  counters[b + ABORTED_COLUMN]!++;
  // Unconditional: a first failed abort after warm-up would otherwise meet code V8 compiled without type feedback
  // and deoptimize the request path (bench/RESULTS.md record-deopt).
  counters[b + ABORTED_FAILED_COLUMN]! += failed ? 1 : 0;
  counters[b + QUICK_CLOSE_COLUMN]! += quick ? 1 : 0;
  return failed;
}

/**
 * Counts an early close of a response the application had ended (ANSWERED_CLOSE_COLUMN), or of a request whose body
 * was still arriving (BODY_CLOSE_COLUMN), in sub-window `sub` at ring position `pos`: aborted, not failed, and in
 * `column`. At the close only, never on the request path.
 */
export function countWaitedClose(
  counters: Float64Array,
  pos: number,
  sub: number,
  totalsOffset: number,
  column = ANSWERED_CLOSE_COLUMN,
): void {
  const b = pos * STRIDE;
  if (counters[b] !== sub) openCounters(counters, b, sub, totalsOffset);
  countAborted(counters, b, false, false);
  counters[b + column]!++;
}

// The first request of a newer sub-window `sub` at this position: fold the old counts into the totals.
export function openCounters(counters: Float64Array, b: number, sub: number, totalsOffset: number): void {
  for (let c = 1; c <= FOLDED; c++) {
    counters[totalsOffset + c - 1]! += counters[b + c] as number;
    counters[b + c] = 0;
  }
  counters[b] = sub;
}

// Requests since start of one route by status class, then aborted: folded totals plus the live sub-windows.
export function entryTotals(
  counters: Float64Array,
  slots: number,
  into = new Float64Array(COLUMNS),
): Float64Array {
  for (let c = 0; c < COLUMNS; c++) into[c]! += counters[slots * STRIDE + c] as number;
  for (let pos = 0; pos < slots; pos++) {
    const b = pos * STRIDE;
    if (Number.isNaN(counters[b] as number)) continue;
    for (let c = 0; c < COLUMNS; c++) into[c]! += counters[b + 1 + c] as number;
  }
  return into;
}

// [requests, 4xx, 5xx, aborted, failed aborted, answered closes, body closes, quick closes] in the sub-windows
// `from` … `sub` (by default the whole ring ending at the current one; see windowApdex).
export function windowCounts(
  counters: Float64Array,
  slots: number,
  sub: number,
  from = sub - slots + 1,
): [number, number, number, number, number, number, number, number] {
  let n = 0;
  let c4 = 0;
  let c5 = 0;
  let aborted = 0;
  let failedAborted = 0;
  let answered = 0;
  let body = 0;
  let quick = 0;
  for (let pos = 0; pos < slots; pos++) {
    const b = pos * STRIDE;
    const stamp = counters[b] as number;
    if (!(stamp >= from && stamp > sub - slots && stamp <= sub)) continue;
    c4 += counters[b + 4] as number;
    c5 += counters[b + 5] as number;
    aborted += counters[b + ABORTED_COLUMN] as number;
    failedAborted += counters[b + ABORTED_FAILED_COLUMN] as number;
    answered += counters[b + ANSWERED_CLOSE_COLUMN] as number;
    body += counters[b + BODY_CLOSE_COLUMN] as number;
    quick += counters[b + QUICK_CLOSE_COLUMN] as number;
    n += (counters[b + 1] as number) + (counters[b + 2] as number) + (counters[b + 3] as number);
  }
  return [n + c4 + c5, c4, c5, aborted, failedAborted, answered, body, quick];
}

/**
 * A route template that is a wildcard alone, without a literal segment: a catch-all (Express `*`, `/*splat`,
 * `/{*splat}`, koa-router `(.*)`, `/{*rest}`, `/:path*`, Fastify `*`, `/*`), which any made-up URL matches. Its 4xx
 * (a JSON 404 catch-all) are anonymous clients' to make at will as an `unmatched` 4xx is (outside review 7, F1).
 */
const CATCH_ALL = /^\/?(?:\*\w*|\{\/?\*\w*\}|\(\.\*\)|:\w+(?:\(\.\*\))?[*+]|:\w+\((?:\.\*|\*)\)[*+?]?)$/;

/** Made-up paths a catch-all RegExp route matches all of (outside review 8, F4: `app.all(/.*\/, ...)`). */
const MADE_UP = ['/', '/q7x-k2', '/q7x-k2/p9z.json'];
const catchAlls = new Map<string, boolean>();

/**
 * Whether a row's requests may be kept out of the judged figures (unjudgedOf): `unmatched`, or a route template that
 * matches any made-up URL: a wildcard alone (CATCH_ALL, Express 4's `/:path(*)` included), or a RegExp route
 * (labelled by its spelling, `/.*\/`, `/^\/(.*)$/`) that matches every path of MADE_UP. Worked out once per route.
 */
export function judgedApart(route: string): boolean {
  if (route === UNMATCHED_ROUTE) return true;
  let known = catchAlls.get(route);
  if (known === undefined) {
    known = CATCH_ALL.test(route);
    const literal = known ? null : /^\/(.+)\/([dgimsuvy]*)$/.exec(route);
    if (literal !== null) {
      try {
        const re = new RegExp(literal[1] as string, (literal[2] as string).replace(/[gy]/g, ''));
        known = MADE_UP.every((path) => re.test(path));
      } catch {
        known = false; // not a RegExp's spelling after all
      }
    }
    if (catchAlls.size < 10_000) catchAlls.set(route, known);
  }
  return known;
}

/**
 * Of a row's window counts (windowCounts), the requests kept out of the judged figures: on an `unmatched` row, those
 * answered 4xx (404, 405: no route of the app's matched them; anonymous clients make them at will), not its 5xx
 * nor its aborted requests that waited (`abortedFailureMs`: failed), and so on a catch-all route's row (CATCH_ALL);
 * on the `unmatched` (or catch-all) OPTIONS row, every request but those (the router's own answer, Express's automatic `Allow` reply, koa-router's allowedMethods(), a cors
 * preflight, is a 2xx anyone can ask for: 2,000 of them read a 100 % outage "healthy", outside review 7, F4).
 * 0 on every other row. Read from the counts, so the request path does nothing for it.
 */
export function unjudgedOf(method: string, route: string, counts: ArrayLike<number>): number {
  if (!judgedApart(route)) return 0;
  const failedAborted = counts[4] as number;
  return method === 'OPTIONS'
    ? (counts[0] as number) - (counts[2] as number) - failedAborted
    : (counts[1] as number) - failedAborted;
}

// The standard methods by a switch (interned strings compare by pointer); any other name is OTHER_INDEX;
// -1 (not a string) folds the request into `other`.
export function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'POST':
      return 1;
    case 'PUT':
      return 2;
    case 'DELETE':
      return 3;
    case 'PATCH':
      return 4;
    case 'HEAD':
      return 5;
    case 'OPTIONS':
      return 6;
  }
  return typeof method === 'string' ? OTHER_INDEX : -1;
}

/** The method label a request is counted under: itself when standard, else OTHER_HTTP_METHOD. */
export function methodLabel(method: string, index: number): string {
  return index === OTHER_INDEX ? OTHER_HTTP_METHOD : method;
}

/**
 * An entry's totals since start (COLUMNS) as its series counts (Prometheus, the route history): plus its seriesBase.
 */
function seriesTotals(e: RouteEntry, slots: number): Float64Array {
  const totals = entryTotals(e.counters, slots);
  const base = e.seriesBase;
  if (base !== null) for (let c = 0; c < COLUMNS; c++) totals[c]! += base[c] as number;
  return totals;
}

/**
 * Requests since start per method, route and status class (non-zero ones), in the entries' order, as series: each
 * entry's totals plus its seriesBase (route-table.ts reclaim), so a series only grows by what was recorded under it.
 */
export function routeTotalsOf(entries: Iterable<RouteEntry>, slots: number): RouteTotal[] {
  const out: RouteTotal[] = [];
  for (const e of entries) {
    const totals = seriesTotals(e, slots);
    for (let c = 0; c < 5; c++) {
      const count = totals[c] as number;
      if (count > 0) {
        out.push({
          method: e.method,
          route: e.route,
          status_class: STATUS_CLASSES[c] as StatusClass,
          count,
        });
      }
    }
  }
  return out;
}

/** Aborted requests since start per method and route (non-zero ones), in the entries' order, as series (routeTotalsOf). */
export function abortedTotalsOf(entries: Iterable<RouteEntry>, slots: number): AbortedTotal[] {
  const out: AbortedTotal[] = [];
  for (const e of entries) {
    const totals = seriesTotals(e, slots);
    const count = totals[ABORTED_COLUMN - 1] as number;
    if (count > 0)
      out.push({
        method: e.method,
        route: e.route,
        count,
        failed: totals[ABORTED_FAILED_COLUMN - 1] as number,
      });
  }
  return out;
}
