// Request statistics, the hot path: rates, 4xx/5xx counts and HDR latency over a sliding window,
// per route (bounded), plus the history bucket and the cumulative figures Prometheus needs.

import {
  enoughRequests,
  errorRateStatus,
  failedPercent,
  levelStatus,
  notJudgedReason,
  round,
} from '../alerts/status.js';
import { acquireCoarseClock, coarseClock, releaseCoarseClock } from '../latency/coarse-clock.js';
import type { Histogram } from '../latency/histogram.js';
import {
  type CountsView,
  CumulativeCounts,
  clearView,
  createView,
  LatencyRing,
  microsOf,
  type SparseCounts,
  slotOf,
  summarizeView,
  toHistogram,
} from '../latency/latency-ring.js';
import { thresholdFor } from '../profiling/apdex.js';
import type { Clock, RequestGroups } from '../types.js';
import {
  type EndpointWindow,
  MIN_RATE_SPAN_MS,
  RATE_WINDOW_MS,
  type RequestBucket,
  type RouteState,
} from './request-figures.js';
import {
  parseRequestStatsOptions,
  type RequestStatsConfig,
  type RequestStatsOptions,
} from './request-options.js';
import {
  ABORTED_COLUMN,
  ABORTED_STATUS,
  type AbortedTotal,
  APDEX_STRIDE,
  COLUMNS,
  entryTotals,
  METHODS,
  methodIndex,
  OTHER_METHOD,
  OTHER_ROUTE,
  RouteEntry,
  type RouteTotal,
  STATUS_CLASSES,
  STRIDE,
  type StatusClass,
  windowCounts,
} from './route-counters.js';
import { endpointWindowRows, routeRows } from './window-rows.js';

export {
  type EndpointWindow,
  MIN_RATE_SPAN_MS,
  RATE_WINDOW_MS,
  type RequestBucket,
  type RouteState,
} from './request-figures.js';

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
  /** When recording started: a window younger than its length covers only the time since. */
  private readonly startedAt: number;
  private readonly slots: number;
  private readonly latencySlots: number;
  private readonly subWindowMs: number;
  private readonly perLatencySlot: number;
  private readonly totalsOffset: number;
  // route -> entries by method index: one Map lookup per request (methods map to indices by a switch).
  private readonly byRoute = new Map<string, Array<RouteEntry | undefined>>();
  private readonly extraMethods = new Map<string, number>();
  private readonly entries: RouteEntry[] = [];
  private other: RouteEntry | null = null;
  /** The fold when it is not also a tracked entry (listed once, after the entries). */
  private separateOther: RouteEntry | null = null;
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
  private readonly takenTotals = new Float64Array(COLUMNS);
  private bucketMax = 0;
  private routeLatency = false;
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
    let started = Number.NaN;
    try {
      started = this.clock.now();
    } catch {
      // a throwing injected clock: records are dropped anyway
    }
    this.startedAt = Number.isFinite(started) ? started : Number.NEGATIVE_INFINITY;
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
      // 501 (method not implemented) and 505 (HTTP version) answer what the client asked for, not a server
      // fault: counted with the 4xx, so that anonymous unusual-method traffic cannot raise the error rate.
      const cls = status === 501 || status === 505 ? 4 : (status / 100) | 0;
      this.tick();
      const entry = this.entryFor(method, route);
      const counters = entry.counters;
      const b = this.pos * STRIDE;
      if (counters[b] !== this.sub) this.openCounters(counters, b);
      counters[b + cls]!++;
      if (status === ABORTED_STATUS) counters[b + ABORTED_COLUMN]!++;
      // Apdex: successful requests by their time against the route's T; failed ones are frustrated.
      const a = entry.apdex;
      const ab = this.pos * APDEX_STRIDE;
      if (a[ab] !== this.sub) {
        a[ab] = this.sub;
        a[ab + 1] = 0;
        a[ab + 2] = 0;
      }
      if (cls < 5 && status !== ABORTED_STATUS) {
        if (us <= entry.satisfiedUs) {
          a[ab + 1]!++;
          entry.apdexTotal[0]!++;
        } else if (us <= entry.toleratingUs) {
          a[ab + 2]!++;
          entry.apdexTotal[1]!++;
        }
      }
      const slot = slotOf(us);
      entry.latency.record(this.lat, this.latPos, slot, us, false);
      this.cumulative.add(slot, us, false);
      const total = entry.total;
      if (total !== null) total.add(slot, us, false);
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
    let countAborted = 0;
    for (const e of this.allEntries()) {
      const [n, c4, c5, aborted] = windowCounts(e.counters, this.slots, this.sub);
      count += n;
      count4xx += c4;
      count5xx += c5;
      countAborted += aborted;
    }
    // One pass over the routes gives their rows and, summed, the server-wide latency.
    const routes = routeRows(
      this.allEntries(),
      this.slots,
      this.sub,
      this.lat,
      this.routeScratch,
      this.scratch,
    );
    const latency = summarizeView(this.scratch);
    const { error_rate: er, api_response_time: api } = this.config.levels;
    // Failed = 5xx + aborted (responses that did not complete), as Apdex counts them frustrated.
    const errorRate = failedPercent(count, count5xx, countAborted);
    const perMinute = round((count * 60_000) / this.config.windowMs, 2);
    return {
      requests: {
        status: 'healthy',
        per_second: round(this.perSecond(count), 2),
        per_minute: perMinute,
        total: this.total,
      },
      errors: {
        status: errorRateStatus(errorRate, perMinute, er, this.config.minRequests),
        count_4xx: count4xx,
        count_5xx: count5xx,
        count_aborted: countAborted,
        error_rate_percent: errorRate,
        threshold: er.warning,
        ...(enoughRequests(perMinute, this.config.minRequests)
          ? {}
          : { reason: notJudgedReason(perMinute, this.config.minRequests) }),
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
      count_aborted: (totals[5] as number) - (tt[5] as number),
      histogram: toHistogram(view),
      latency: summarizeView(view),
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

  /**
   * Keeps each route's latency since start too (one more increment per request), so that
   * routeStates() can report it: cluster mode and worker threads need it. Idempotent.
   */
  trackRouteLatency(): void {
    if (this.routeLatency) return;
    this.routeLatency = true;
    for (const e of this.allEntries()) e.total ??= new CumulativeCounts();
  }

  /** Every route's figures since start (live views: read them synchronously), `other` last. */
  *routeStates(): Generator<RouteState> {
    for (const e of this.allEntries()) {
      const classes = entryTotals(e.counters, this.slots);
      yield {
        method: e.method,
        route: e.route,
        classes,
        latency: e.total,
        extra: [classes[ABORTED_COLUMN - 1] as number, e.apdexTotal[0] as number, e.apdexTotal[1] as number],
      };
    }
  }

  /**
   * Adds requests recorded elsewhere (another process or thread, src/cluster/) as if recorded here
   * now: `classes` are counts by status class 1xx … 5xx, `latency` their durations. With `window`
   * false they count in totals since start only (not in rates, windows or the next history bucket):
   * figures a new aggregator rebuilds from, which were already reported in their time. `extra` holds
   * the aborted requests (among the 4xx already) and the Apdex satisfied and tolerating counts.
   */
  absorb(
    method: string,
    route: string,
    classes: ArrayLike<number>,
    latency: SparseCounts | null,
    window: boolean,
    extra?: ArrayLike<number>,
  ): void {
    this.tick();
    const entry = this.entryFor(method, route);
    const counters = entry.counters;
    const aborted = (extra?.[0] as number) || 0;
    const satisfied = (extra?.[1] as number) || 0;
    const tolerating = (extra?.[2] as number) || 0;
    entry.apdexTotal[0]! += satisfied;
    entry.apdexTotal[1]! += tolerating;
    if (window) {
      const b = this.pos * STRIDE;
      if (counters[b] !== this.sub) this.openCounters(counters, b);
      for (let c = 0; c < 5; c++) counters[b + 1 + c]! += (classes[c] as number) || 0;
      counters[b + ABORTED_COLUMN]! += aborted;
      const a = entry.apdex;
      const ab = this.pos * APDEX_STRIDE;
      if (a[ab] !== this.sub) {
        a[ab] = this.sub;
        a[ab + 1] = 0;
        a[ab + 2] = 0;
      }
      a[ab + 1]! += satisfied;
      a[ab + 2]! += tolerating;
    } else {
      for (let c = 0; c < 5; c++) {
        const n = (classes[c] as number) || 0;
        counters[this.totalsOffset + c]! += n;
        // Already history elsewhere: the next bucket must not count it again.
        this.takenTotals[c]! += n;
      }
      counters[this.totalsOffset + ABORTED_COLUMN - 1]! += aborted;
      this.takenTotals[ABORTED_COLUMN - 1]! += aborted;
    }
    if (latency === null || !(latency.n > 0)) return;
    this.cumulative.addSparse(latency);
    entry.total?.addSparse(latency);
    if (window) {
      entry.latency.addSparse(this.lat, this.latPos, latency);
      if (latency.max > this.bucketMax) this.bucketMax = latency.max;
    } else {
      const taken = this.taken;
      for (let i = 0; i < latency.slots.length; i++) {
        const slot = latency.slots[i] as number;
        taken.counts[slot]! += latency.counts[i] as number;
      }
      taken.n += latency.n;
      taken.sum += latency.sum;
    }
  }

  /**
   * The window as it stands, sub-window by sub-window, for a new cluster aggregator to rebuild the
   * cluster's window from (src/cluster/). `rows`: [stamp, 1xx … 5xx, aborted, Apdex satisfied,
   * tolerating] per request sub-window holding any; `latency`: the latency sub-windows with their stamp.
   * `ms`: the request and latency sub-window lengths (stamps are absolute: floor(epoch ms / length)).
   */
  windowStates(): {
    ms: [number, number];
    routes: Array<{
      method: string;
      route: string;
      rows: number[][];
      latency: Array<{ abs: number; counts: SparseCounts }>;
    }>;
  } {
    this.tick();
    const routes = [];
    for (const e of this.allEntries()) {
      const rows: number[][] = [];
      for (let pos = 0; pos < this.slots; pos++) {
        const b = pos * STRIDE;
        const stamp = e.counters[b] as number;
        if (!(stamp > this.sub - this.slots && stamp <= this.sub)) continue;
        const row = [stamp];
        for (let c = 1; c <= COLUMNS; c++) row.push(e.counters[b + c] as number);
        const ab = pos * APDEX_STRIDE;
        const own = e.apdex[ab] === stamp;
        row.push(own ? (e.apdex[ab + 1] as number) : 0, own ? (e.apdex[ab + 2] as number) : 0);
        if (row.some((v, i) => i > 0 && v > 0)) rows.push(row);
      }
      const latency = [...e.latency.subWindows(this.lat)];
      if (rows.length > 0 || latency.length > 0)
        routes.push({ method: e.method, route: e.route, rows, latency });
    }
    return { ms: [this.subWindowMs, this.subWindowMs * this.perLatencySlot], routes };
  }

  /**
   * Adds another process's window (its windowStates()) to this window at the same stamps, without
   * touching totals since start or the history bucket: a new cluster aggregator rebuilding the
   * cluster's last minute from what the workers still hold (their totals come in apart). Rows outside
   * the current window, or from sub-windows of another length, are ignored.
   */
  absorbWindow(
    method: string,
    route: string,
    ms: readonly number[],
    rows: readonly (readonly number[])[],
    latency: ReadonlyArray<{ abs: number; counts: SparseCounts }>,
  ): void {
    this.tick();
    if (ms[0] !== this.subWindowMs || ms[1] !== this.subWindowMs * this.perLatencySlot) return;
    const entry = this.entryFor(method, route);
    const counters = entry.counters;
    for (const row of rows) {
      const stamp = row[0] as number;
      if (!(stamp > this.sub - this.slots && stamp <= this.sub)) continue;
      const pos = stamp % this.slots;
      const b = pos * STRIDE;
      const held = counters[b] as number;
      if (held !== stamp) {
        if (held > stamp) continue;
        // An older sub-window at this position: fold it into the totals, as a record() would.
        const sub = this.sub;
        this.sub = stamp;
        this.openCounters(counters, b);
        this.sub = sub;
      }
      for (let c = 1; c <= COLUMNS; c++) {
        const n = (row[c] as number) || 0;
        counters[b + c]! += n;
        // Window only: the totals already hold these (the worker's totals come in apart).
        counters[this.totalsOffset + c - 1]! -= n;
      }
      const a = entry.apdex;
      const ab = pos * APDEX_STRIDE;
      if (a[ab] !== stamp) {
        if ((a[ab] as number) > stamp) continue;
        a[ab] = stamp;
        a[ab + 1] = 0;
        a[ab + 2] = 0;
      }
      a[ab + 1]! += (row[COLUMNS + 1] as number) || 0;
      a[ab + 2]! += (row[COLUMNS + 2] as number) || 0;
    }
    for (const l of latency) {
      if (!(l.abs > this.lat - this.latencySlots && l.abs <= this.lat)) continue;
      entry.latency.addSparse(l.abs, l.abs % this.latencySlots, l.counts);
    }
  }

  /** Requests since start per method, route and status class (non-zero ones), `other` last. */
  routeTotals(): RouteTotal[] {
    const out: RouteTotal[] = [];
    for (const e of this.allEntries()) {
      const totals = entryTotals(e.counters, this.slots);
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

  /** Aborted requests (the client closed the connection first) since start per method and route (non-zero ones). */
  abortedTotals(): AbortedTotal[] {
    const out: AbortedTotal[] = [];
    for (const e of this.allEntries()) {
      const count = entryTotals(e.counters, this.slots)[ABORTED_COLUMN - 1] as number;
      if (count > 0) out.push({ method: e.method, route: e.route, count });
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
    for (let c = 1; c <= COLUMNS; c++) {
      counters[t + c - 1]! += counters[b + c] as number;
      counters[b + c] = 0;
    }
    counters[b] = this.sub;
  }

  // Requests since start of the whole server by status class, then aborted.
  private classTotals(): Float64Array {
    const into = new Float64Array(COLUMNS);
    for (const e of this.allEntries()) entryTotals(e.counters, this.slots, into);
    return into;
  }

  private entryFor(method: string, route: string): RouteEntry {
    if (typeof route === 'string') {
      const m = methodIndex(method, this.extraMethods);
      const byMethod = this.byRoute.get(route);
      if (byMethod !== undefined && m >= 0) {
        const entry = byMethod[m];
        if (entry !== undefined) return entry;
      }
      if (m >= 0 && this.entries.length < this.config.maxRoutes) {
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

  private createRouteEntry(method: string, route: string): RouteEntry {
    // Server-wide latency since start is kept by record() in `cumulative`; per route only when asked.
    const apdexUs = thresholdFor(this.config.apdex, method, route);
    const entry = new RouteEntry(method, route, this.slots, new LatencyRing(this.latencySlots), apdexUs);
    if (this.routeLatency) entry.total = new CumulativeCounts();
    return entry;
  }

  private *allEntries(): Generator<RouteEntry> {
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

  /**
   * The time the request window covers now, ms: from its oldest sub-window's start (or from the start of
   * recording, when that is later: a process's first minute) to now, at least MIN_RATE_SPAN_MS. Counts
   * over the window divided by this are rates; divided by the window's length they read low until it is full.
   */
  windowSpanMs(): number {
    this.tick();
    const now = this.clock.now();
    const windowStart = (this.sub - this.slots + 1) * this.subWindowMs;
    const span = now - Math.max(this.startedAt, windowStart);
    return Math.max(span, MIN_RATE_SPAN_MS);
  }

  // Average over the last complete sub-windows covering RATE_WINDOW_MS (the current one is partial);
  // with a single sub-window, or while recording is younger than those sub-windows, the average over
  // the window's covered time (since start), as routes/ computes its rates.
  private perSecond(windowCount: number): number {
    const span = Math.min(Math.max(1, Math.round(RATE_WINDOW_MS / this.subWindowMs)), this.slots - 1);
    if (this.slots === 1 || (this.sub - span) * this.subWindowMs < this.startedAt) {
      return (windowCount * 1000) / this.windowSpanMs();
    }
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

  /**
   * Each route with requests in the window: counts, latency summary and time, Apdex counts and T (the
   * endpoints table, profiling/endpoints.ts). One pass; reads only.
   */
  endpointWindows(): EndpointWindow[] {
    this.tick();
    return endpointWindowRows(this.allEntries(), this.slots, this.sub, this.lat, this.routeScratch);
  }
}
