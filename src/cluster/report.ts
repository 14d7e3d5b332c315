// What a process or thread reports each interval: the requests and @timed calls recorded since its
// previous report (never one message per request), and how such reports are read and merged.

import { COUNTS_LENGTH, type CountsView, type SparseCounts, slotHighest } from '../latency/latency-ring.js';
import type { JobMeta } from '../profiling/jobs.js';
import type { SlowQuery } from '../profiling/query-stats.js';
import type { ApartFigures } from '../requests/apart.js';
import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import type { InFlightReader } from '../requests/in-flight.js';
import { decodeSubCounts, type SubCounts } from '../requests/sub-split.js';
import { type ApartState, type ApartWire, decodeApart, decodeRowLatency, SentApart } from './apart-wire.js';
import { type CountsWire, decodeCounts, SentCounts } from './counts-wire.js';
import {
  type CustomDelta,
  CustomReporter,
  type CustomSource,
  type CustomWire,
  decodeCustom,
} from './custom-wire.js';
import { DroppedReporter, type DroppedSource, decodeDropped } from './dropped-wire.js';
import {
  decodeInFlight,
  type InFlightSource,
  type InFlightState,
  type InFlightWire,
  inFlightScratch,
  takeInFlight,
} from './in-flight-wire.js';
import { jobMeta } from './job-wire.js';
import {
  applyQueries,
  decodeQueries,
  decodeSlow,
  type QueryDelta,
  QueryReporter,
  type QuerySource,
  type QueryTarget,
  type QueryWire,
} from './query-wire.js';
import { foldSent, type ReclaimedSource, type SentRoute } from './reclaimed-sent.js';
import { absorbRoutes, type RequestsTarget } from './report-apply.js';
import { SecondsReporter, type SecondsSource } from './seconds-wire.js';
import { decodeShed, type ShedFigures, ShedReporter, type ShedSource, type ShedWire } from './shed-wire.js';

/** One route's requests by status class (1xx … 5xx) and their latency; of them, those not judged (ApartWire). */
export interface RouteWire extends ApartWire {
  m: string;
  r: string;
  k: number[];
  l?: CountsWire;
  /** Aborted (among the 4xx), Apdex satisfied, tolerating, failed aborted(, answered closes: when some); absent: 0s. */
  x?: number[];
  /**
   * Of the aborted, the early closes while the request's body was still arriving (absent when none). A key of its
   * own, not a sixth `x` figure: an older aggregator, whose decoder takes 3 to 5, ignores it and counts those closes
   * as plain early closes, as before (a sixth figure would drop the whole report there).
   */
  b?: number;
  /** Of the aborted, the early closes before `unansweredMinWaitMs` (absent when none): a key of its own, as `b`. */
  q?: number;
}

/** One `@timed` name's calls (errors in `l.e`). */
export interface FunctionWire {
  f: string;
  l: CountsWire;
}

/** One background job's runs since the previous report (errors in `l.e`) and its last outcomes. */
export interface JobWire {
  f: string;
  l?: CountsWire;
  /**
   * Last success, last failure (epoch ms or null), last error, last duration µs, expectEvery ms or
   * null, watched since, runs in progress (absent from older reports and ledgers).
   */
  m: [number | null, number | null, string, number, number | null, number, number?];
}

/** A report: a delta since the previous one, or (after reset) totals since start. */
export interface ReportWire extends ShedWire {
  r: RouteWire[];
  f: FunctionWire[];
  /** Jobs (absent when none changed, and from threads). */
  j?: JobWire[];
  /** Database queries by fingerprint (absent when none ran). */
  q?: QueryWire[];
  /** Slow queries logged since the previous report (absent when none). */
  s?: SlowQuery[];
  /** Custom metrics whose series changed (absent when none). */
  c?: CustomWire[];
  /** Requests in flight, when that changed since the previous report (absent: as before; threads have none). */
  i?: InFlightWire;
  /** Observations dropped for bad input, per DROPPED_SOURCES (absent when none since the previous report). */
  d?: number[];
  /** Its requests per request sub-window (clock second) they were recorded in (seconds-wire.ts; absent: spread). */
  ps?: number[];
}

/** A report read back: the same figures as sparse counts, checked. */
export interface Report extends ShedFigures {
  routes: Array<{
    method: string;
    route: string;
    classes: number[];
    latency: SparseCounts | null;
    /** Aborted, Apdex satisfied, Apdex tolerating, failed aborted, answered, body, quick closes (absent: zeros). */
    extra?: number[];
    /** Of them, the requests not judged (apart-wire.ts; absent: none, or an older worker). */
    apart?: ApartFigures;
  }>;
  functions: Array<{ name: string; latency: SparseCounts }>;
  jobs?: Array<{ name: string; latency: SparseCounts | null; meta: JobMeta }>;
  queries?: QueryDelta[];
  slow?: SlowQuery[];
  custom?: CustomDelta[];
  /** Requests in flight now (absent: unchanged). */
  inFlight?: InFlightState;
  /** Observations dropped for bad input, per DROPPED_SOURCES (absent: none). */
  dropped?: number[];
  /** Its requests per sub-window (seconds-wire.ts; absent: spread over the report's span). */
  subs?: SubCounts;
}

/** Where a reporter reads totals since start (RequestStats with trackRouteLatency(), FunctionTimings). */
export interface ReportSources {
  requests: InFlightSource & {
    routeStates(): Iterable<{
      method: string;
      route: string;
      classes: ArrayLike<number>;
      latency: Readonly<CountsView> | null;
      extra?: ArrayLike<number>;
      apart?: ApartState | null;
    }>;
    readonly routes?: ReclaimedSource; // its route table (reclaimed-sent.ts)
  } & DroppedSource &
    SecondsSource;
  functions: {
    totalCounts(): Iterable<{ name: string; histogram: Readonly<CountsView> }>;
  } & DroppedSource;
  /** Background jobs (a monitor's JobStats; threads have none). */
  jobs?: {
    totalCounts(): Iterable<{ name: string; histogram: Readonly<CountsView> } & JobMeta>;
  } & DroppedSource;
  /** Database queries (a monitor's QueryStats; threads have none). */
  queries?: QuerySource & DroppedSource;
  /** Custom metrics (a monitor's registry; threads have none), read at `clock.now()`. */
  custom?: CustomSource & { droppedValues?(): number };
  clock?: { now(): number };
  /** Load shedding's count of refused requests (a monitor's lifecycle; threads have none). */
  lifecycle?: ShedSource;
}

/** Where a report is merged (a SystemMonitor's RequestStats and FunctionTimings). */
export interface ReportTarget {
  requests: RequestsTarget & {
    /** The requests in flight its latency window counts (an aggregator sets the cluster's). */
    inFlight?: InFlightReader | null;
  };
  functions: { absorb(name: string, latency: SparseCounts, window: boolean, span?: AbsorbSpan): void };
  jobs?: {
    absorb(name: string, latency: SparseCounts | null, meta: JobMeta): void;
    setRunning?(name: string, running: number): void;
  };
  queries?: QueryTarget;
}

/** What an aggregator assumes of a worker that did not say: nothing in flight. */
const NO_IN_FLIGHT = '{"n":0}';
/** Nothing said yet (after a reset): the next take() says its requests in flight, 0 included. */
const UNSAID = '';

/** Separates method and route in a route's key. */
export const ROUTE_SEP = '\u0000';

/** Turns the live totals of one process or thread into deltas; what was taken is not sent again. */
export class Reporter {
  private routes = new Map<string, SentRoute>();
  private functions = new Map<string, SentCounts>();
  private jobs = new Map<string, { counts: SentCounts; meta: string }>();
  private readonly queries = new QueryReporter();
  private readonly custom = new CustomReporter();
  /** The requests in flight last sent (JSON): sent again only when changed. */
  private inFlightSent = NO_IN_FLIGHT;
  private readonly inFlightView = inFlightScratch();
  private readonly dropped = new DroppedReporter();
  private readonly shed = new ShedReporter();
  private readonly seconds = new SecondsReporter();

  constructor(private readonly sources: ReportSources) {}

  /** Forgets what was sent: the next take() holds totals since start (for a new aggregator). */
  reset(): void {
    this.routes.clear();
    this.functions.clear();
    this.jobs.clear();
    this.queries.reset();
    this.custom.reset();
    // Said again, 0 included: an aggregator that still holds what this process last said on an earlier connection
    // (its end read after the hello) replaces it (an older one keeps it on a hello that says nothing).
    this.inFlightSent = UNSAID;
    this.dropped.reset();
    this.shed.reset();
    this.seconds.reset();
  }

  /**
   * The requests in flight when they moved enough since the state last sent (`moved`), for an unpaced frame:
   * then counted as sent (the next take() sends them only if changed again); null otherwise.
   */
  takeInFlightMove(moved: (now: InFlightWire, sent: InFlightWire) => boolean): InFlightWire | null {
    const i = takeInFlight(this.sources.requests, this.inFlightView);
    const json = JSON.stringify(i);
    if (json === this.inFlightSent) return null;
    if (this.inFlightSent !== UNSAID && !moved(i, JSON.parse(this.inFlightSent) as InFlightWire)) return null;
    this.inFlightSent = json;
    return i;
  }

  /** The figures recorded since the previous take(); empty arrays when nothing happened. */
  take(): ReportWire {
    const ps = this.seconds.take(this.sources.requests);
    const r: RouteWire[] = [];
    for (const [m, rt] of this.sources.requests.routes?.takeReclaimed() ?? []) foldSent(this.routes, m, rt);
    for (const s of this.sources.requests.routeStates()) {
      const key = `${s.method}${ROUTE_SEP}${s.route}`;
      let sent = this.routes.get(key);
      if (sent === undefined) {
        const [classes, extra] = [new Float64Array(5), new Float64Array(7)];
        sent = { classes, extra, latency: new SentCounts(), apart: new SentApart() };
        this.routes.set(key, sent);
      }
      const k = [0, 0, 0, 0, 0];
      let any = false;
      for (let c = 0; c < 5; c++) {
        const d = (s.classes[c] as number) - (sent.classes[c] as number);
        if (d > 0) {
          k[c] = d;
          any = true;
          sent.classes[c] = s.classes[c] as number;
        }
      }
      // Aborted, Apdex satisfied, tolerating, failed aborted, answered closes (sent only when some: older
      // aggregators), body closes (in `b`, only when some), quick closes (in `q`, only when some).
      const x = [0, 0, 0, 0, 0, 0, 0];
      let anyX = false;
      for (let c = 0; c < 7; c++) {
        const d = ((s.extra?.[c] as number) || 0) - (sent.extra[c] as number);
        if (d > 0) {
          x[c] = d;
          anyX = true;
          sent.extra[c] = (s.extra?.[c] as number) || 0;
        }
      }
      const l = s.latency ? sent.latency.take(s.latency, slotHighest) : null;
      const apart = sent.apart.take(s.apart, l); // `l`'s max raised to the row's, as withWholeMax
      if (!any && !anyX && l === null && apart.n === undefined && apart.na === undefined) continue;
      const wire: RouteWire = { m: s.method, r: s.route, k, ...(l === null ? {} : { l }), ...apart };
      if (anyX) wire.x = x.slice(0, x[4] === 0 ? 4 : 5);
      if (x[5]! > 0) wire.b = x[5]!;
      if (x[6]! > 0) wire.q = x[6]!;
      r.push(wire);
    }
    const f: FunctionWire[] = [];
    for (const t of this.sources.functions.totalCounts()) {
      let sent = this.functions.get(t.name);
      if (sent === undefined) {
        sent = new SentCounts();
        this.functions.set(t.name, sent);
      }
      const l = sent.take(t.histogram, slotHighest);
      if (l !== null) f.push({ f: t.name, l });
    }
    const out: ReportWire = ps === undefined ? { r, f } : { r, f, ps };
    for (const t of this.sources.jobs?.totalCounts() ?? []) {
      let sent = this.jobs.get(t.name);
      if (sent === undefined) {
        sent = { counts: new SentCounts(), meta: '' };
        this.jobs.set(t.name, sent);
      }
      const m: JobWire['m'] = [
        t.lastSuccess,
        t.lastFailure,
        t.lastError,
        t.lastDurationUs,
        t.expectEveryMs,
        t.watchedSince,
        t.running ?? 0,
      ];
      const meta = JSON.stringify(m);
      const l = sent.counts.take(t.histogram, slotHighest);
      if (l === null && meta === sent.meta) continue;
      sent.meta = meta;
      out.j ??= [];
      out.j.push(l === null ? { f: t.name, m } : { f: t.name, l, m });
    }
    if (this.sources.queries) {
      const { q, s } = this.queries.take(this.sources.queries);
      if (q) out.q = q;
      if (s) out.s = s;
    }
    if (this.sources.custom) {
      const c = this.custom.take(this.sources.custom, this.sources.clock?.now() ?? Date.now());
      if (c) out.c = c;
    }
    const d = this.dropped.take(this.sources);
    if (d) out.d = d;
    const h = this.shed.take(this.sources.lifecycle);
    if (h) Object.assign(out, h);
    const i = takeInFlight(this.sources.requests, this.inFlightView);
    const sent = JSON.stringify(i);
    if (sent !== this.inFlightSent) {
      out.i = i;
      this.inFlightSent = sent;
    }
    return out;
  }
}

const text = (v: unknown, max: number): string => {
  if (typeof v !== 'string' || v.length > max) throw new Error('bad name');
  return v;
};

/** Reads a report from the wire; throws on anything malformed (the whole report is then dropped). */
export function decodeReport(w: ReportWire): Report {
  if (w === null || typeof w !== 'object' || !Array.isArray(w.r) || !Array.isArray(w.f)) {
    throw new Error('bad report');
  }
  const maxSlot = COUNTS_LENGTH - 1;
  const routes = w.r.map((x) => {
    if (!Array.isArray(x.k) || x.k.length !== 5 || !x.k.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error('bad classes');
    }
    if (
      x.x !== undefined &&
      (!Array.isArray(x.x) ||
        x.x.length < 3 ||
        x.x.length > 5 ||
        !x.x.every((v) => Number.isInteger(v) && v >= 0))
    ) {
      throw new Error('bad extra');
    }
    if (x.b !== undefined && !(Number.isInteger(x.b) && x.b >= 0)) throw new Error('bad body closes');
    if (x.q !== undefined && !(Number.isInteger(x.q) && x.q >= 0)) throw new Error('bad quick closes');
    const extra =
      x.x === undefined ? [0, 0, 0, 0] : x.x.length === 3 ? [...x.x, x.x[0] as number] : x.x.slice();
    if (x.b) extra.push(...[0, 0, 0, 0, 0].slice(extra.length), x.b);
    if (x.q) extra.push(...[0, 0, 0, 0, 0, 0].slice(extra.length), x.q);
    return {
      method: text(x.m, 64),
      route: text(x.r, 1024),
      classes: x.k.slice(),
      latency: decodeRowLatency(x, maxSlot),
      // Three figures from an older worker: every aborted request counted as failed then.
      extra,
      ...withApart(decodeApart(x, maxSlot)),
    };
  });
  const functions = w.f.map((x) => ({ name: text(x.f, 1024), latency: decodeCounts(x.l, maxSlot) }));
  if (w.j !== undefined && !Array.isArray(w.j)) throw new Error('bad jobs');
  const jobs = (w.j ?? []).map((x) => ({
    name: text(x.f, 200),
    latency: x.l === undefined ? null : decodeCounts(x.l, maxSlot),
    meta: jobMeta(x.m),
  }));
  const out: Report = {
    routes,
    functions,
    jobs,
    queries: decodeQueries(w.q),
    slow: decodeSlow(w.s),
    custom: decodeCustom(w.c),
    inFlight: decodeInFlight(w.i),
  };
  const dropped = decodeDropped(w.d);
  if (dropped) out.dropped = dropped;
  Object.assign(out, decodeShed(w.h, w.hr, w.u));
  const subs = decodeSubCounts(w.ps); // malformed: ignored (spread over its span, as from an older worker)
  if (subs) out.subs = subs;
  return out;
}

/**
 * Merges a report into a monitor's statistics (see RequestStats.absorb for `window`); `span`: when its figures
 * were recorded (a paced frame's span; a part cut where the worker's windows turned: absorbCounts, cuts.ts).
 * Request counts go into the seconds their worker counted them in (report-apply.ts; an older worker's: spread).
 */
export function applyReport(target: ReportTarget, report: Report, window: boolean, span?: AbsorbSpan): void {
  absorbRoutes(target.requests, report.routes, report.subs, window, span);
  for (const f of report.functions) target.functions.absorb(f.name, f.latency, window, span);
  for (const j of report.jobs ?? []) target.jobs?.absorb(j.name, j.latency, j.meta);
  if (target.queries) {
    applyQueries(target.queries, report.queries ?? [], window, span);
    if (report.slow && report.slow.length > 0) target.queries.absorbSlow(report.slow);
  }
}

const withApart = (apart: ApartFigures | undefined) => (apart === undefined ? {} : { apart });
