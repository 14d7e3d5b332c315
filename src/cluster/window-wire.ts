// A worker's window as it stands (the last minute, sub-window by sub-window, with absolute stamps),
// sent in its hello so that a new aggregator rebuilds the cluster's window from what the live workers
// still hold, instead of starting from an empty minute after the old aggregator died (issue #13).

import type { CustomMetric } from '../custom/registry.js';
import { COUNTS_LENGTH, type SparseCounts } from '../latency/latency-ring.js';
import { type CountsWire, decodeCounts, encodeCounts } from './counts-wire.js';
import {
  type CustomWindow,
  type CustomWindowWire,
  decodeCustomWindows,
  takeCustomWindows,
} from './custom-window.js';

/** Sub-windows with their stamp: [stamp, counts]. */
type SubWire = Array<[number, CountsWire]>;

export interface WindowWire {
  /** Sub-window lengths, ms: requests, request latency, functions (a receiver with others ignores the window). */
  ms: [number, number, number];
  /**
   * Per route: rows [stamp, 1xx … 5xx, aborted, Apdex satisfied, tolerating(, failed aborted(, answered closes))],
   * latency sub-windows, and `b` [stamp, body closes] for the rows holding closes while the request's body was still
   * arriving (absent when none: a key of its own, which an older aggregator ignores; a 12th row figure would make it
   * drop the whole window), and so `q` [stamp, quick closes] for the rows holding closes before `unansweredMinWaitMs`.
   */
  r: Array<{
    m: string;
    r: string;
    k: number[][];
    l: SubWire;
    b?: Array<[number, number]>;
    q?: Array<[number, number]>;
  }>;
  f: Array<{ f: string; l: SubWire }>;
  /** The database queries' last minute (`window_count`, `window_p95_ms`): sub-window length, sub-windows. */
  q?: { ms: number; l: SubWire };
  /** Custom histograms' windows (their window percentiles), label sets with values only. */
  c?: CustomWindowWire[];
  /**
   * When the worker's request window started recording (epoch ms): the rebuilt window covers the time
   * since then (absent from older versions: since the start of its earliest sub-window sent).
   */
  s?: number;
}

type Sub = Array<{ abs: number; counts: SparseCounts }>;

/** Where a worker reads its window (its monitor's RequestStats and FunctionTimings). */
export interface WindowSources {
  requests: {
    windowStates?(): {
      ms: [number, number];
      startedAt?: number;
      routes: Array<{ method: string; route: string; rows: number[][]; latency: Sub }>;
    };
  };
  functions: { windowStates?(): { ms: number; functions: Array<{ name: string; latency: Sub }> } };
  /** A monitor's QueryStats (threads have none). */
  queries?: { windowStates?(): { ms: number; latency: Sub } };
  /** A monitor's custom metrics (threads have none), read at `clock.now()`. */
  custom?: { all(): Iterable<CustomMetric> };
  clock?: { now(): number };
}

/** Where the aggregator adds it (the cluster monitor's RequestStats and FunctionTimings). */
export interface WindowTarget {
  requests: {
    absorbWindow?(
      method: string,
      route: string,
      ms: readonly number[],
      rows: readonly (readonly number[])[],
      latency: Sub,
    ): void;
    /** The window absorbed covers the time since `since` (epoch ms) too: moves the start of its rates' span back. */
    coverSince?(since: number, ms: readonly number[]): void;
  };
  functions: { absorbWindow?(name: string, ms: number, latency: Sub): void };
  queries?: { absorbWindow?(ms: number, latency: Sub): void };
}

/** A read window, checked. */
export interface WindowReport {
  ms: [number, number, number];
  routes: Array<{ method: string; route: string; rows: number[][]; latency: Sub }>;
  functions: Array<{ name: string; latency: Sub }>;
  /** The queries' window, when the worker sent it. */
  queries?: { ms: number; latency: Sub };
  /** Custom histograms' windows, when the worker sent them (the aggregator adds them: applyCustomWindows). */
  custom?: CustomWindow[];
  /** When the worker's window started recording (epoch ms), when it said. */
  startedAt?: number;
}

/**
 * A route's window for the wire: each row's body closes (its 12th figure, cluster-exchange.ts) in `b`, its quick
 * closes (its 13th) in `q`.
 */
function routeWire(m: string, r: string, rows: number[][], l: SubWire): WindowWire['r'][number] {
  const b: Array<[number, number]> = [];
  const q: Array<[number, number]> = [];
  const k = rows.map((row) => {
    if (row.length <= 11) return row;
    if ((row[11] as number) > 0) b.push([row[0] as number, row[11] as number]);
    if ((row[12] as number) > 0) q.push([row[0] as number, row[12] as number]);
    return row.slice(0, row[10] ? 11 : 10);
  });
  const out: WindowWire['r'][number] = b.length > 0 ? { m, r, k, l, b } : { m, r, k, l };
  if (q.length > 0) out.q = q;
  return out;
}

const subWire = (s: Sub): SubWire => s.map((x) => [x.abs, encodeCounts(x.counts)]);

/** The worker's window for the wire; null when its monitor cannot give one. */
export function takeWindow(sources: WindowSources): WindowWire | null {
  const req = sources.requests.windowStates?.();
  const fn = sources.functions.windowStates?.();
  if (!req || !fn) return null;
  const out: WindowWire = {
    ms: [req.ms[0], req.ms[1], fn.ms],
    r: req.routes.map((x) => routeWire(x.method, x.route, x.rows, subWire(x.latency))),
    f: fn.functions.map((x) => ({ f: x.name, l: subWire(x.latency) })),
  };
  if (typeof req.startedAt === 'number' && Number.isFinite(req.startedAt)) out.s = req.startedAt;
  const q = sources.queries?.windowStates?.();
  if (q) out.q = { ms: q.ms, l: subWire(q.latency) };
  const c = sources.custom && takeCustomWindows(sources.custom, sources.clock?.now() ?? Date.now());
  if (c) out.c = c;
  return out;
}

const text = (v: unknown, max: number): string => {
  if (typeof v !== 'string' || v.length > max) throw new Error('bad name');
  return v;
};

const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

function readSub(w: unknown): Sub {
  if (!Array.isArray(w) || w.length > 3600) throw new Error('bad window');
  return w.map((x) => {
    if (!Array.isArray(x) || x.length !== 2 || !count(x[0])) throw new Error('bad window');
    return { abs: x[0] as number, counts: decodeCounts(x[1] as CountsWire, COUNTS_LENGTH - 1) };
  });
}

/** Reads a window from the wire; throws on anything malformed (the window is then not used). */
export function decodeWindow(w: unknown): WindowReport {
  const x = w as WindowWire;
  if (
    x === null ||
    typeof x !== 'object' ||
    !Array.isArray(x.ms) ||
    x.ms.length !== 3 ||
    !x.ms.every((v) => typeof v === 'number' && v > 0) ||
    !Array.isArray(x.r) ||
    !Array.isArray(x.f)
  ) {
    throw new Error('bad window');
  }
  const routes = x.r.map((r) => {
    if (!Array.isArray(r.k) || r.k.length > 3600) throw new Error('bad window');
    const rows = r.k.map((row) => {
      // [stamp, 1xx … 5xx, aborted, satisfied, tolerating] and, from this version on, failed aborted.
      if (!Array.isArray(row) || row.length < 9 || row.length > 11 || !row.every(count))
        throw new Error('bad window row');
      return row.slice();
    });
    // Body closes (`b`) at a row's 12th figure, quick closes (`q`) at its 13th.
    for (const [pairs, at] of [
      [r.b, 11],
      [r.q, 12],
    ] as const) {
      if (pairs === undefined) continue;
      if (!Array.isArray(pairs) || pairs.length > 3600) throw new Error('bad window');
      for (const x of pairs) {
        if (!Array.isArray(x) || x.length !== 2 || !count(x[0]) || !count(x[1]))
          throw new Error('bad window');
        const row = rows.find((v) => v[0] === x[0]);
        if (row === undefined) throw new Error('bad window row');
        while (row.length < at) row.push(0); // failed aborted and the closes before are there from this version on
        row[at] = x[1];
      }
    }
    return { method: text(r.m, 64), route: text(r.r, 1024), rows, latency: readSub(r.l) };
  });
  const functions = x.f.map((f) => ({ name: text(f.f, 1024), latency: readSub(f.l) }));
  const out: WindowReport = { ms: [x.ms[0], x.ms[1], x.ms[2]], routes, functions };
  if (x.s !== undefined) {
    if (typeof x.s !== 'number' || !Number.isFinite(x.s) || x.s < 0) throw new Error('bad window start');
    out.startedAt = x.s;
  }
  if (x.q !== undefined) {
    if (x.q === null || typeof x.q !== 'object' || typeof x.q.ms !== 'number' || !(x.q.ms > 0))
      throw new Error('bad query window');
    out.queries = { ms: x.q.ms, latency: readSub(x.q.l) };
  }
  if (x.c !== undefined) out.custom = decodeCustomWindows(x.c);
  return out;
}

/**
 * When a window's recording started: as the worker said, else (an older worker) the start of its earliest
 * request sub-window sent (the finest stamps it holds); undefined when it sent none.
 */
function windowStart(w: WindowReport): number | undefined {
  if (w.startedAt !== undefined) return w.startedAt;
  let since = Number.POSITIVE_INFINITY;
  for (const r of w.routes) for (const row of r.rows) since = Math.min(since, (row[0] as number) * w.ms[0]);
  return Number.isFinite(since) ? since : undefined;
}

/** Adds a worker's window to the cluster's (window only: its totals come in apart). */
export function applyWindow(target: WindowTarget, w: WindowReport): boolean {
  const absorbRoute = target.requests.absorbWindow?.bind(target.requests);
  const absorbFunction = target.functions.absorbWindow?.bind(target.functions);
  if (!absorbRoute || !absorbFunction) return false;
  for (const r of w.routes) absorbRoute(r.method, r.route, [w.ms[0], w.ms[1]], r.rows, r.latency);
  for (const f of w.functions) absorbFunction(f.name, w.ms[2], f.latency);
  if (w.queries) target.queries?.absorbWindow?.(w.queries.ms, w.queries.latency);
  // Rates over the rebuilt window divide by the time its counts were recorded in, not by the time since
  // this aggregator took over (which read 325 req/s for ~60 a moment after a takeover).
  const since = windowStart(w);
  if (since !== undefined) target.requests.coverSince?.(since, [w.ms[0], w.ms[1]]);
  return true;
}
