// Request statistics, the hot path: rates, 4xx/5xx counts and HDR latency over a sliding window,
// per route (bounded), plus the history bucket and the cumulative figures Prometheus needs.

import { levelStatus, round } from '../alerts/status.js';
import {
  DEFAULT_LEVELS,
  PERCENT_RULES,
  RULE_NAMES,
  type RuleLevels,
  type RuleName,
} from '../alerts/thresholds.js';
import { invalidOption, SysvitalsError } from '../errors.js';
import { acquireCoarseClock, coarseClock, releaseCoarseClock } from '../latency/coarse-clock.js';
import type { Histogram } from '../latency/histogram.js';
import {
  addView,
  type CountsView,
  CumulativeCounts,
  clearView,
  createView,
  LatencyRing,
  microsOf,
  slotOf,
  summarizeView,
  toHistogram,
} from '../latency/latency-ring.js';
import { checkInteger, rejectUnknownKeys, rejectUnknownOptions } from '../options/option-keys.js';
import type { Clock, FunctionStats, MetricsSnapshot, RouteStats } from '../types.js';

type View = ReturnType<typeof createView>;

/** Anything that can report @timed statistics (a FunctionTimings from src/functions/function-stats.ts). */
export interface FunctionStatsSource {
  snapshot(): Record<string, FunctionStats>;
}

export interface RequestStatsOptions {
  /** Time source, ms. @defaultValue `Date.now` */
  clock?: Clock;
  /** Sliding window of `per_minute`, error counts and rate, latency and routes. @defaultValue 60_000 */
  windowMs?: number;
  /**
   * Sub-windows of the request counters (requests, 4xx, 5xx). The window slides by `windowMs / slots`.
   * @defaultValue 60 (one second each)
   */
  slots?: number;
  /**
   * Sub-windows of the latency histograms (global and per route); must divide `slots`. Latency
   * figures cover the last `windowMs * (latencySlots - 1) / latencySlots` to `windowMs`. Fewer
   * sub-windows keep memory small: each one is a 6.5–13 KB counts array per route.
   * @defaultValue 4 (15 s each: latency covers the last 45–60 s)
   */
  latencySlots?: number;
  /** Distinct method + route pairs tracked; later ones fold into method `*`, route `other`. @defaultValue 100 */
  maxRoutes?: number;
  /** Levels for the `errors` (error_rate, %) and `latency` (api_response_time, p95 ms) statuses. @defaultValue DEFAULT_LEVELS */
  levels?: Partial<Record<RuleName, Partial<RuleLevels>>>;
  /** Where the snapshot's `functions` group comes from (the @timed statistics). */
  functions?: FunctionStatsSource | null;
}

export interface RequestStatsConfig {
  readonly clock: Clock;
  readonly windowMs: number;
  readonly slots: number;
  readonly latencySlots: number;
  readonly maxRoutes: number;
  readonly levels: Readonly<{ error_rate: Readonly<RuleLevels>; api_response_time: Readonly<RuleLevels> }>;
  readonly functions: FunctionStatsSource | null;
}

export const REQUEST_STATS_DEFAULTS = Object.freeze({
  windowMs: 60_000,
  slots: 60,
  latencySlots: 4,
  maxRoutes: 100,
});

/** Method and route of the entry that requests beyond `maxRoutes` distinct pairs fold into. */
export const OTHER_METHOD = '*';
export const OTHER_ROUTE = 'other';

/** `per_second` is the average over the last complete counter sub-windows spanning this long. */
export const RATE_WINDOW_MS = 5_000;

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** Requests since start for one method, route template and status class (Prometheus counters). */
export interface RouteTotal {
  method: string;
  route: string;
  status_class: StatusClass;
  count: number;
}

/** What was recorded since the previous takeBucket() (one history point's request figures). */
export interface RequestBucket {
  requests: number;
  count_4xx: number;
  count_5xx: number;
  /** Latency, microseconds, the shared HDR config; a new histogram owned by the caller. */
  histogram: Histogram;
}

export type RequestGroups = Pick<MetricsSnapshot, 'requests' | 'errors' | 'latency' | 'routes' | 'functions'>;

// Slots per route for GET POST PUT DELETE PATCH HEAD OPTIONS; other method names get later indices.
const METHODS = 7;
const MAX_EXTRA_METHODS = 32;

const KNOWN_OPTIONS = ['clock', 'windowMs', 'slots', 'latencySlots', 'maxRoutes', 'levels', 'functions'];

export function parseRequestStatsOptions(options: RequestStatsOptions = {}): RequestStatsConfig {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('RequestStats options must be an object.');
  }
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'RequestStats');
  const { clock = coarseClock, functions = null } = options;
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
    throw invalidOption('`clock` must be an object with a now() method returning milliseconds.');
  }
  if (functions !== null && typeof functions?.snapshot !== 'function') {
    throw invalidOption('`functions` must have a snapshot() method (a FunctionTimings).');
  }
  const windowMs = options.windowMs ?? REQUEST_STATS_DEFAULTS.windowMs;
  checkInteger(windowMs, 'windowMs', 1_000, 3_600_000);
  const slots = options.slots ?? REQUEST_STATS_DEFAULTS.slots;
  checkInteger(slots, 'slots', 1, Math.min(3_600, Math.floor(windowMs / 10)));
  const latencySlots = options.latencySlots ?? Math.min(REQUEST_STATS_DEFAULTS.latencySlots, slots);
  checkInteger(latencySlots, 'latencySlots', 1, slots);
  if (slots % latencySlots !== 0) {
    throw invalidOption(
      `\`latencySlots\` (${latencySlots}) must divide \`slots\` (${slots}), e.g. 60 and 4.`,
    );
  }
  const maxRoutes = options.maxRoutes ?? REQUEST_STATS_DEFAULTS.maxRoutes;
  checkInteger(maxRoutes, 'maxRoutes', 0, 10_000);
  const levels = parseLevels(options.levels);
  return Object.freeze({ clock, windowMs, slots, latencySlots, maxRoutes, levels, functions });
}

function parseLevels(levels: RequestStatsOptions['levels']): RequestStatsConfig['levels'] {
  if (levels === undefined) {
    return Object.freeze({
      error_rate: DEFAULT_LEVELS.error_rate,
      api_response_time: DEFAULT_LEVELS.api_response_time,
    });
  }
  if (levels === null || typeof levels !== 'object') throw invalidOption('`levels` must be an object.');
  rejectUnknownKeys(
    levels,
    RULE_NAMES,
    'ERR_SYSVITALS_UNKNOWN_RULE',
    (key) => `levels: unknown rule \`${key}\`. Known rules: ${RULE_NAMES.join(', ')}.`,
  );
  const one = (rule: 'error_rate' | 'api_response_time'): Readonly<RuleLevels> => {
    const given = levels[rule];
    if (given === undefined) return DEFAULT_LEVELS[rule];
    if (given === null || typeof given !== 'object') throw invalidOption(`levels.${rule} must be an object.`);
    const warning = given.warning ?? DEFAULT_LEVELS[rule].warning;
    const critical = given.critical ?? DEFAULT_LEVELS[rule].critical;
    const top = PERCENT_RULES.has(rule) ? 100 : Number.MAX_SAFE_INTEGER;
    for (const [name, v] of [
      ['warning', warning],
      ['critical', critical],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > top) {
        throw new SysvitalsError(
          'ERR_SYSVITALS_INVALID_RULE',
          `levels.${rule}.${name} must be a number from 0 to ${top === 100 ? '100 (percent)' : 'any (ms)'} (got ${String(v)}).`,
        );
      }
    }
    if (warning > critical) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_INVALID_RULE',
        `levels.${rule}: warning (${warning}) must not be above critical (${critical}).`,
      );
    }
    return Object.freeze({ warning, critical });
  };
  return Object.freeze({ error_rate: one('error_rate'), api_response_time: one('api_response_time') });
}

// Request counters of one route: per sub-window [stamp, 1xx, 2xx, 3xx, 4xx, 5xx], then totals by
// status class folded in from reused sub-windows. One Float64Array and one increment per request;
// totals since start are the folded ones plus the live sub-windows.
const STRIDE = 6;

function createCounters(slots: number): Float64Array {
  const counters = new Float64Array(slots * STRIDE + 5);
  for (let pos = 0; pos < slots; pos++) counters[pos * STRIDE] = Number.NaN;
  return counters;
}

// One method + route pair, or the fold: counters and a latency ring (windows only; totals are kept apart).
class Entry {
  readonly method: string;
  readonly route: string;
  readonly counters: Float64Array;
  readonly latency: LatencyRing;

  constructor(method: string, route: string, slots: number, latency: LatencyRing) {
    this.method = method;
    this.route = route;
    this.counters = createCounters(slots);
    this.latency = latency;
  }

  get bytes(): number {
    return this.counters.byteLength + this.latency.bytes;
  }
}

/**
 * Per-request statistics. `record()` is O(1), allocates nothing once warm, never throws and
 * never awaits; records and reads rotate the windows lazily from `clock.now()`. Without an injected
 * clock that is the coarse clock (src/latency/coarse-clock.ts): a cached time refreshed every 50 ms by one
 * shared unref'd timer, since Date.now() alone would cost a third of the recording budget.
 *
 * A request updates its route's counters, its route's latency ring and one server-wide cumulative
 * counts array: windowed server-wide latency is merged from the routes on read (every few seconds),
 * while latency since start (Prometheus, history buckets) is kept as it is recorded, so reading it
 * is a hand-over rather than a merge of every route's sub-windows. The history bucket is the
 * difference of those totals between two takeBucket() calls.
 */
export class RequestStats {
  readonly config: RequestStatsConfig;
  private readonly clock: Clock;
  private readonly slots: number;
  private readonly latencySlots: number;
  private readonly subWindowMs: number;
  private readonly perLatencySlot: number;
  private readonly totalsOffset: number;
  // route -> entries by method index: one Map lookup per request (methods map to indices by a switch).
  private readonly byRoute = new Map<string, Array<Entry | undefined>>();
  private readonly extraMethods = new Map<string, number>();
  private readonly entries: Entry[] = [];
  private other: Entry | null = null;
  /** The fold when it is not also a tracked entry (listed once, after the entries). */
  private separateOther: Entry | null = null;
  // Current sub-windows, recomputed only when the clock passes `nextBoundary`.
  private sub = 0;
  private pos = 0;
  private lat = 0;
  private latPos = 0;
  private nextBoundary = Number.NEGATIVE_INFINITY;
  private droppedCount = 0;
  private closed = false;
  /** Latency of every request since start, incremented by record() beside the route's ring. */
  private readonly cumulative = new CumulativeCounts();
  /** Cumulative latency and status totals at the last takeBucket(). */
  private readonly taken = createView();
  private readonly takenTotals = new Float64Array(5);
  private bucketMax = 0;
  private readonly scratch = createView();
  private readonly routeScratch = createView();

  constructor(options: RequestStatsOptions = {}) {
    const config = parseRequestStatsOptions(options);
    this.config = config;
    this.clock = config.clock;
    this.slots = config.slots;
    this.latencySlots = config.latencySlots;
    this.subWindowMs = config.windowMs / config.slots;
    this.perLatencySlot = config.slots / config.latencySlots;
    this.totalsOffset = config.slots * STRIDE;
    if (this.clock === coarseClock) acquireCoarseClock();
  }

  /** Releases the coarse clock's timer when this was its last user. Idempotent; recording goes on working. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.clock === coarseClock) releaseCoarseClock();
  }

  /**
   * Records one request. Bad input (a status outside 100–599, a duration that is negative, NaN or
   * not a number) is dropped and counted in `dropped`. Durations above an hour are clamped.
   */
  record(method: string, route: string, status: number, durationMs: number): void {
    try {
      if (typeof status !== 'number' || !(status >= 100 && status < 600) || typeof durationMs !== 'number') {
        this.droppedCount++;
        return;
      }
      const us = microsOf(durationMs);
      if (us < 0) {
        this.droppedCount++;
        return;
      }
      const cls = (status / 100) | 0;
      this.tick();
      const entry = this.entryFor(method, route);
      const counters = entry.counters;
      const b = this.pos * STRIDE;
      if (counters[b] !== this.sub) this.openCounters(counters, b);
      counters[b + cls]!++;
      const slot = slotOf(us);
      entry.latency.record(this.lat, this.latPos, slot, us, false);
      this.cumulative.add(slot, us, false);
      if (us > this.bucketMax) this.bucketMax = us;
    } catch {
      // Only a throwing injected clock can get here; monitoring must not break the request.
      this.droppedCount++;
    }
  }

  /** The snapshot groups this module owns; `functions` comes from the `functions` option. */
  groups(): RequestGroups {
    this.tick();
    let count = 0;
    let count4xx = 0;
    let count5xx = 0;
    for (const e of this.allEntries()) {
      const [n, c4, c5] = this.windowCounts(e.counters);
      count += n;
      count4xx += c4;
      count5xx += c5;
    }
    // One pass over the routes gives their rows and, summed, the server-wide latency.
    const routes = this.routes(this.scratch);
    const latency = summarizeView(this.scratch);
    const { error_rate: er, api_response_time: api } = this.config.levels;
    const errorRate = count > 0 ? round((count5xx / count) * 100, 2) : 0;
    return {
      requests: {
        status: 'healthy',
        per_second: round(this.perSecond(count), 2),
        per_minute: round((count * 60_000) / this.config.windowMs, 2),
        total: this.total,
      },
      errors: {
        status: levelStatus(errorRate, er.warning, er.critical),
        count_4xx: count4xx,
        count_5xx: count5xx,
        error_rate_percent: errorRate,
        threshold: er.warning,
      },
      latency: {
        status: levelStatus(latency.p95_ms, api.warning, api.critical),
        p50_ms: latency.p50_ms,
        p95_ms: latency.p95_ms,
        p99_ms: latency.p99_ms,
        avg_ms: latency.avg_ms,
        max_ms: latency.max_ms,
        threshold: api.warning,
      },
      routes,
      functions: this.config.functions?.snapshot() ?? {},
    };
  }

  /** Requests, 4xx and 5xx since the previous call, with their latency; starts a new bucket. */
  takeBucket(): RequestBucket {
    const cumulative = this.cumulative;
    const taken = this.taken;
    const view = this.scratch;
    clearView(view);
    // One pass over the used slots: the bucket is the cumulative counts minus those at the last call.
    const now = cumulative.counts;
    const before = taken.counts;
    const out = view.counts;
    const { lo, hi } = cumulative;
    for (let i = lo; i <= hi; i++) {
      const c = now[i] as number;
      out[i] = c - (before[i] as number);
      before[i] = c;
    }
    view.lo = lo;
    view.hi = hi;
    view.n = cumulative.n - taken.n;
    taken.n = cumulative.n;
    view.sum = cumulative.sum - taken.sum;
    taken.sum = cumulative.sum;
    view.max = this.bucketMax;
    this.bucketMax = 0;
    const totals = this.classTotals();
    const tt = this.takenTotals;
    const bucket: RequestBucket = {
      requests: view.n,
      count_4xx: (totals[3] as number) - (tt[3] as number),
      count_5xx: (totals[4] as number) - (tt[4] as number),
      histogram: toHistogram(view),
    };
    tt.set(totals);
    return bucket;
  }

  /** Latency over the window (all routes), a new histogram in microseconds. */
  windowHistogram(): Histogram {
    this.tick();
    return toHistogram(this.windowView());
  }

  /** Latency of every request since start, a new histogram in microseconds (Prometheus). */
  cumulativeHistogram(): Histogram {
    return toHistogram(this.cumulative);
  }

  /**
   * The same as cumulativeHistogram() as a counts view, without building an HDR histogram (Prometheus
   * scrapes). O(1): the view is the live cumulative counts, read-only to the caller, and moves with
   * every record(); read it synchronously (a scrape serialises it in one pass).
   */
  cumulativeCounts(): Readonly<CountsView> {
    return this.cumulative;
  }

  /** Requests since start per method, route and status class (non-zero ones), `other` last. */
  routeTotals(): RouteTotal[] {
    const out: RouteTotal[] = [];
    for (const e of this.allEntries()) {
      const totals = this.entryTotals(e.counters);
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

  /** Requests recorded since start. */
  get total(): number {
    const totals = this.classTotals();
    return (
      (totals[0] as number) +
      (totals[1] as number) +
      (totals[2] as number) +
      (totals[3] as number) +
      (totals[4] as number)
    );
  }

  /** Calls ignored because of bad input. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Distinct method + route pairs tracked (at most maxRoutes; `other` not included). */
  get routeCount(): number {
    return this.entries.length;
  }

  /** Bytes held in typed arrays (counters and histograms), for sizing. */
  get bytes(): number {
    let bytes = this.takenTotals.byteLength;
    bytes += this.cumulative.bytes + this.taken.counts.byteLength;
    bytes += this.scratch.counts.byteLength + this.routeScratch.counts.byteLength;
    for (const e of this.allEntries()) bytes += e.bytes;
    return bytes;
  }

  // Moves to the current sub-windows. Costs one comparison until the next boundary; never goes
  // back (a clock stepped back by NTP stays in the current sub-window; NaN is ignored).
  private tick(): void {
    const now = this.clock.now();
    if (now < this.nextBoundary) return;
    const sub = Math.max(0, Math.floor(now / this.subWindowMs));
    if (!Number.isFinite(sub) || (sub <= this.sub && this.nextBoundary !== Number.NEGATIVE_INFINITY)) return;
    this.sub = sub;
    this.pos = sub % this.slots;
    this.lat = Math.floor(sub / this.perLatencySlot);
    this.latPos = this.lat % this.latencySlots;
    this.nextBoundary = (sub + 1) * this.subWindowMs;
  }

  // First request of a newer sub-window at this position: fold the old counts into the totals.
  private openCounters(counters: Float64Array, b: number): void {
    const t = this.totalsOffset;
    for (let c = 1; c <= 5; c++) {
      counters[t + c - 1]! += counters[b + c] as number;
      counters[b + c] = 0;
    }
    counters[b] = this.sub;
  }

  // Requests since start of one route by status class: folded totals plus the live sub-windows.
  private entryTotals(counters: Float64Array, into = new Float64Array(5)): Float64Array {
    for (let c = 0; c < 5; c++) into[c]! += counters[this.totalsOffset + c] as number;
    for (let pos = 0; pos < this.slots; pos++) {
      const b = pos * STRIDE;
      if (Number.isNaN(counters[b] as number)) continue;
      for (let c = 0; c < 5; c++) into[c]! += counters[b + 1 + c] as number;
    }
    return into;
  }

  // Requests since start of the whole server by status class.
  private classTotals(): Float64Array {
    const into = new Float64Array(5);
    for (const e of this.allEntries()) this.entryTotals(e.counters, into);
    return into;
  }

  private entryFor(method: string, route: string): Entry {
    if (typeof route === 'string') {
      const m = this.methodIndex(method);
      const byMethod = this.byRoute.get(route);
      if (byMethod !== undefined && m >= 0) {
        const entry = byMethod[m];
        if (entry !== undefined) return entry;
      }
      if (m >= 0 && this.entries.length < this.config.maxRoutes) {
        const entry = this.createEntry(method, route);
        this.entries.push(entry);
        if (byMethod === undefined) {
          const created = new Array<Entry | undefined>(METHODS).fill(undefined);
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
      this.other = existing ?? this.createEntry(OTHER_METHOD, OTHER_ROUTE);
      if (!existing) this.separateOther = this.other;
    }
    return this.other;
  }

  private createEntry(method: string, route: string): Entry {
    // No totals sink: latency since start is kept by record() in `cumulative`.
    return new Entry(method, route, this.slots, new LatencyRing(this.latencySlots));
  }

  // Common methods by a switch (interned strings compare by pointer); others get the next index,
  // at most MAX_EXTRA_METHODS of them; -1 folds the request into `other`.
  private methodIndex(method: string): number {
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
    if (typeof method !== 'string') return -1;
    const known = this.extraMethods.get(method);
    if (known !== undefined) return known;
    if (this.extraMethods.size >= MAX_EXTRA_METHODS) return -1;
    const index = METHODS + this.extraMethods.size;
    this.extraMethods.set(method, index);
    return index;
  }

  private *allEntries(): Generator<Entry> {
    yield* this.entries;
    if (this.separateOther) yield this.separateOther;
  }

  // Server-wide latency over the window, merged from the routes (into the scratch view).
  private windowView(): CountsView {
    const view = this.scratch;
    clearView(view);
    for (const e of this.allEntries()) e.latency.addWindow(this.lat, view);
    return view;
  }

  // [requests, 4xx, 5xx] in the sub-windows of the window ending at the current one.
  private windowCounts(counters: Float64Array): [number, number, number] {
    let n = 0;
    let c4 = 0;
    let c5 = 0;
    for (let pos = 0; pos < this.slots; pos++) {
      const b = pos * STRIDE;
      const stamp = counters[b] as number;
      if (!(stamp > this.sub - this.slots && stamp <= this.sub)) continue;
      c4 += counters[b + 4] as number;
      c5 += counters[b + 5] as number;
      n += (counters[b + 1] as number) + (counters[b + 2] as number) + (counters[b + 3] as number);
    }
    return [n + c4 + c5, c4, c5];
  }

  // Average over the last complete sub-windows covering RATE_WINDOW_MS (the current one is partial);
  // with a single sub-window, the average over the window.
  private perSecond(windowCount: number): number {
    if (this.slots === 1) return (windowCount * 1000) / this.config.windowMs;
    const span = Math.min(Math.max(1, Math.round(RATE_WINDOW_MS / this.subWindowMs)), this.slots - 1);
    let n = 0;
    for (const e of this.allEntries()) {
      const counters = e.counters;
      for (let pos = 0; pos < this.slots; pos++) {
        const b = pos * STRIDE;
        const stamp = counters[b] as number;
        if (!(stamp >= this.sub - span && stamp < this.sub)) continue;
        for (let c = 1; c <= 5; c++) n += counters[b + c] as number;
      }
    }
    return (n * 1000) / (span * this.subWindowMs);
  }

  // Rows of the routes with requests in the window; their latency windows are also added to `all`.
  private routes(all: View): RouteStats[] {
    clearView(all);
    const out: RouteStats[] = [];
    for (const e of this.allEntries()) {
      const [count, count4xx, count5xx] = this.windowCounts(e.counters);
      const view = e.latency.window(this.lat, this.routeScratch);
      addView(all, view);
      if (count === 0) continue;
      const l = summarizeView(view);
      out.push({
        method: e.method,
        route: e.route,
        count,
        count_4xx: count4xx,
        count_5xx: count5xx,
        avg_ms: l.avg_ms,
        p50_ms: l.p50_ms,
        p95_ms: l.p95_ms,
        p99_ms: l.p99_ms,
        max_ms: l.max_ms,
      });
    }
    return out.sort(
      (a, b) =>
        b.count - a.count ||
        (a.method < b.method
          ? -1
          : a.method > b.method
            ? 1
            : a.route < b.route
              ? -1
              : a.route > b.route
                ? 1
                : 0),
    );
  }
}
