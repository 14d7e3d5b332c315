// Request statistics, the hot path: rates, 4xx/5xx counts and HDR latency over a sliding window,
// per route (bounded), plus the history bucket and the cumulative figures Prometheus needs.

import { acquireCoarseClock, coarseClock, freshNow, releaseCoarseClock } from '../latency/coarse-clock.js';
import type { Histogram } from '../latency/histogram.js';
import {
  type CountsView,
  CumulativeCounts,
  createView,
  microsOf,
  type SparseCounts,
  slotOf,
  summarizeView,
  toHistogram,
} from '../latency/latency-ring.js';
import type { Clock, RequestGroups } from '../types.js';
import { absorbSeconds } from './absorb-seconds.js';
import type { ApartFigures } from './apart.js';
import { absorbApart, recordApart } from './apart-absorb.js';
import { APDEX_SATISFIED_COLUMN, APDEX_TOLERATING_COLUMN } from './apdex-columns.js';
import { serverTotals, TakenTotals } from './bucket.js';
import {
  type AbsorbSpan,
  absorbCounts,
  absorbLatency,
  absorbWindowRows,
  coveredSince,
  routeStatesOf,
  sameLengths,
  type WindowStates,
  windowStatesOf,
} from './cluster-exchange.js';
import { ErrorHorizon } from './error-horizon.js';
import type { InFlightReader } from './in-flight.js';
import { perMinute, perSecond, windowFrom, windowSpan } from './rates.js';
import type { EndpointWindow, RequestBucket, RouteState } from './request-figures.js';
import { requestGroups } from './request-groups.js';
import {
  parseRequestStatsOptions,
  type RequestStatsConfig,
  type RequestStatsOptions,
} from './request-options.js';
import {
  ABORTED_STATUS,
  type AbortedTotal,
  abortedTotalsOf,
  countAborted,
  countWaitedClose,
  openCounters,
  type RouteEntry,
  type RouteTotal,
  routeTotalsOf,
  STRIDE,
  type WindowAt,
} from './route-counters.js';
import { RouteTable } from './route-table.js';
import { classRequests, SecondRing } from './second-ring.js';
import { statusClass } from './sent-status.js';
import { readClock, SteadyClock } from './steady-clock.js';
import { requestsBySub, type SubCounts } from './sub-split.js';
import { endpointWindowRows, routeRows, windowLatency, windowTotals } from './window-rows.js';

/**
 * Per-request statistics. `record()` is O(1), allocates nothing once warm, never throws and never awaits; records and
 * reads rotate the windows lazily from `clock.now()`: by default the coarse clock (src/latency/coarse-clock.ts), a time
 * cached by one shared unref'd timer every 50 ms (Date.now() alone would cost a third of the recording budget), asleep
 * while nothing reads it. A request updates its route's counters and latency ring and the server-wide cumulative
 * counts: windowed latency is merged from the routes on read, latency since start (Prometheus, history buckets) kept
 * as recorded, the history bucket being the difference of those totals between two takeBucket() calls.
 */
export class RequestStats {
  readonly config: RequestStatsConfig;
  private readonly clock: Clock;
  /** When recording started (moved back by a cluster aggregator's coverSince()): a young window covers the time since. */
  private startedAt: number;
  private readonly slots: number;
  private readonly latencySlots: number;
  private readonly subWindowMs: number;
  private readonly perLatencySlot: number;
  private readonly windowLengths: [number, number]; // request and latency sub-window lengths, ms
  private readonly totalsOffset: number;
  private readonly abortedFailureUs: number; // an aborted request this long (µs) is failed
  private readonly quickUs: number; // an early close shorter than this (µs) is quick: not toward `unanswered`
  readonly routes: RouteTable; // read by a cluster aggregator (folded-routes.ts): absorbed rows' ceiling
  private readonly horizon: ErrorHorizon; // judged and failed requests banked as they leave the window
  // Current sub-windows, recomputed only when the clock passes `nextBoundary`.
  private sub = 0;
  private pos = 0;
  private lat = 0;
  private latPos = 0;
  private nextBoundary = Number.NEGATIVE_INFINITY;
  private readonly time: SteadyClock; // the clock read as a monotonic view (steps back not taken back)
  private droppedCount = 0;
  private closed = false;
  private readonly cumulative = new CumulativeCounts(); // every request's latency since start (record())
  private readonly seconds = new SecondRing(this.cumulative); // requests per whole second (rates.ts)
  private readonly taken = new TakenTotals(); // cumulative latency and status totals at the last takeBucket()
  private readonly scratch = createView();
  private readonly routeScratch = createView();
  /** Requests in flight (the monitor's lifecycle): those past the critical level count in groups()' latency. */
  inFlight: InFlightReader | null = null;
  /** Called as the latency window turns, before anything is recorded in the new sub-window (cluster/cuts.ts). */
  onTurn: ((lat: number, ms: number) => void) | null = null;

  constructor(options: RequestStatsOptions = {}) {
    const config = parseRequestStatsOptions(options);
    this.config = config;
    this.clock = config.clock;
    this.time = new SteadyClock(config.clock);
    this.slots = config.slots;
    this.latencySlots = config.latencySlots;
    this.subWindowMs = config.windowMs / config.slots;
    this.perLatencySlot = config.slots / config.latencySlots;
    this.windowLengths = [this.subWindowMs, this.subWindowMs * this.perLatencySlot];
    this.totalsOffset = config.slots * STRIDE;
    this.abortedFailureUs = config.abortedFailureMs * 1000;
    this.quickUs = config.unansweredMinWaitMs * 1000; // never above abortedFailureUs (request-options.ts)
    this.routes = new RouteTable(config, () => this.sub);
    this.horizon = new ErrorHorizon(config, this.windowLengths[1]);
    if (this.clock === coarseClock) acquireCoarseClock();
    const started = this.time.view(readClock(this.clock)); // NaN: a throwing clock (records are dropped)
    this.startedAt = Number.isFinite(started) ? started : Number.NEGATIVE_INFINITY;
  }

  /** Releases the coarse clock's timer when this was its last user. Idempotent; recording goes on working. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.clock === coarseClock) releaseCoarseClock();
  }

  /** Records one request; bad input (status outside 100–999, duration not a number ≥ 0) is dropped, in `dropped`. */
  record(method: string, route: string, status: number, durationMs: number): void {
    try {
      if (typeof status !== 'number' || !(status >= 100 && status < 1000) || typeof durationMs !== 'number') {
        this.droppedCount++;
        return;
      }
      const us = microsOf(durationMs);
      if (us < 0) {
        this.droppedCount++;
        return;
      }
      const cls = statusClass(status, route);
      this.tick();
      const entry = this.routes.entryFor(method, route);
      const counters = entry.counters;
      const b = this.pos * STRIDE;
      if (counters[b] !== this.sub) openCounters(counters, b, this.sub, this.totalsOffset);
      const failedAfterUs = this.abortedFailureUs; // read always: a first read on a late branch deopts (record-deopt)
      const quickUs = this.quickUs;
      if (status === ABORTED_STATUS && !countAborted(counters, b, us >= failedAfterUs, us < quickUs)) return;
      counters[b + cls]!++;
      // Apdex: successful requests by their time against the route's T, in the same sub-window's columns (since start:
      // derived on read, apdexTotals); failed ones are frustrated.
      const limits = entry.apdexLimits; // [T, 4T]
      if (cls < 5 && status !== ABORTED_STATUS && us <= (limits[1] as number))
        counters[b + (us <= (limits[0] as number) ? APDEX_SATISFIED_COLUMN : APDEX_TOLERATING_COLUMN)]!++;
      const slot = slotOf(us);
      if (cls >= entry.apartFrom && cls < 5 && recordApart(entry, this.at(), slot, us, status)) {
        this.cumulative.addAside(slot, us); // not judged: out of the history bucket's max (its max since the mark)
        return;
      }
      // Its max since the mark is the history bucket's (takeBucket): no write of its own per request.
      this.cumulative.add(slot, us, false);
      entry.latency.record(this.lat, this.latPos, slot, us, false);
      const total = entry.total;
      if (total !== null) total.add(slot, us, false);
    } catch {
      // Only a throwing injected clock can get here; monitoring must not break the request.
      this.droppedCount++;
    }
  }

  /** A client's close the server waited on it for (settleCutOff: answered, or body arriving, by `column`): early. */
  recordWaitedClose(method: string, route: string, column?: number): void {
    try {
      this.tick();
      const c = this.routes.entryFor(method, route).counters;
      if (this.abortedFailureUs > 0) countWaitedClose(c, this.pos, this.sub, this.totalsOffset, column);
      else this.record(method, route, ABORTED_STATUS, 0); // abortedFailureMs 0: every aborted request failed
    } catch {
      this.droppedCount++; // a throwing injected clock, as in record()
    }
  }

  /** The snapshot groups this module owns; `functions` comes from the `functions` option. */
  groups(): RequestGroups {
    this.freshTick(); // which seconds are complete (per_second): on the time itself, not the cached one
    // Counts over the sub-windows the latency window covers: the same requests as the percentiles.
    const at = this.at();
    const from = windowFrom(at);
    const counts = windowTotals(this.allEntries(), this.slots, this.sub, from);
    // One pass over the routes gives their rows and, summed, the server-wide latency.
    const routes = routeRows(
      this.allEntries(),
      this.slots,
      this.sub,
      from,
      this.lat,
      this.routeScratch,
      this.scratch,
    );
    const critical = this.config.levels.api_response_time.critical;
    const inFlightCounted = this.inFlight?.addToView(this.scratch, critical) ?? 0;
    const latency = summarizeView(this.scratch);
    return requestGroups(this.config, {
      inFlightCounted,
      counts,
      perSecond: perSecond(this.allEntries(), at, counts[0], this.seconds, this.time.current),
      perMinute: perMinute(at, counts[0], this.time.now()),
      total: this.total,
      latency,
      routes,
      horizon: this.horizon.totals(this.lat),
    });
  }

  /** Requests, 4xx and 5xx since the previous call, with their latency; starts a new bucket. */
  takeBucket(): RequestBucket {
    return this.taken.take(this.cumulative, this.scratch, this.routes, this.slots);
  }

  /** Latency over the window (all routes), a new histogram in microseconds. */
  windowHistogram(): Histogram {
    this.tick();
    return toHistogram(windowLatency(this.allEntries(), this.lat, this.scratch));
  }

  /** Latency of every request since start, a new histogram in microseconds (Prometheus). */
  cumulativeHistogram(): Histogram {
    return toHistogram(this.cumulative);
  }
  /** cumulativeHistogram() as the live counts view, no HDR histogram (Prometheus): O(1), read-only, read at once. */
  cumulativeCounts(): Readonly<CountsView> {
    return this.cumulative;
  }
  /** Keeps each route's latency since start too (routeStates() reports it: cluster, threads). Idempotent. */
  trackRouteLatency(): void {
    this.routes.trackRouteLatency();
  }
  /** Every route's figures since start (live views: read them synchronously), `other` last. */
  routeStates(): Generator<RouteState> {
    return routeStatesOf(this.allEntries(), this.slots);
  }
  /** Requests per sub-window (per second when those do not divide one) from `from` to now (no tick: none since). */
  subWindowRequests(from: number | null): SubCounts {
    if (!Number.isInteger(1000 / this.subWindowMs)) return this.seconds.bySecond(from); // 2 s at 120 s: exact seconds
    return requestsBySub(this.allEntries(), this.at(), from ?? this.sub);
  }

  /**
   * Adds requests recorded elsewhere (another process or thread, src/cluster/) as if recorded here now: `classes`
   * by status class 1xx … 5xx, `latency` their durations, `extra` aborted (among the 4xx), Apdex satisfied and
   * tolerating, `span` when they were recorded (absorbCounts). With `window` false they count in totals since start
   * only (not in rates, windows or the next history bucket): figures a new aggregator rebuilds, reported before.
   * Those of a latency sub-window that has left the window count in totals and in the error horizon (bankLate).
   */
  absorb(
    method: string,
    route: string,
    classes: ArrayLike<number>,
    latency: SparseCounts | null,
    window: boolean,
    extra?: ArrayLike<number>,
    span?: AbsorbSpan,
    split?: SubCounts,
    apart?: ApartFigures,
  ): void {
    this.tick();
    const entry = this.routes.absorbed(method, route);
    const placed = absorbCounts(entry, this.at(), classes, extra, window, this.taken.classes, span, split);
    if (window) this.horizon.bankLate(entry, span, this.lat, classes, extra); // late: error-horizon.ts
    if (window) absorbSeconds(this.seconds, classes, this.at(), span, split, placed); // per_second's seconds
    if (!window) this.taken.skipRow(entry, classes, extra, latency, apart?.latency); // as taken.classes: bucket.ts
    if (apart !== undefined) absorbApart(entry, this.at(), apart, window, span); // of `latency`, those not judged
    if (latency === null || !(latency.n > 0)) return;
    absorbLatency(entry, this.at(), latency, window, this.cumulative, this.taken, span);
    this.seconds.skip(latency.n); // in the count since start (cumulative), not a request recorded here
    if (window) this.cumulative.raiseRecent(latency.max); // in the next history bucket's max
  }

  /** The window as it stands, sub-window by sub-window (WindowStates), for a new cluster aggregator (src/cluster/). */
  windowStates(): WindowStates {
    this.tick();
    return windowStatesOf(this.allEntries(), this.at(), this.windowLengths, this.startedAt);
  }

  /**
   * Adds another process's window (its windowStates()) at its stamps, window only (not totals, not the history bucket):
   * a new cluster aggregator rebuilding the cluster's last minute. Other rows or sub-window lengths are ignored.
   */
  absorbWindow(
    method: string,
    route: string,
    ms: readonly number[],
    rows: readonly (readonly number[])[],
    latency: ReadonlyArray<{ abs: number; counts: SparseCounts }>,
  ): void {
    this.tick();
    if (!sameLengths(ms, this.windowLengths)) return;
    absorbWindowRows(this.routes.absorbed(method, route), this.at(), rows, latency);
    for (const r of rows) this.seconds.absorb(r.slice(1), r[0]! * ms[0]!, (r[0]! + 1) * ms[0]!);
  }

  /** An absorbed window covers the time since `since` too: rates divide by it (cluster-exchange.ts coveredSince). */
  coverSince(since: number, ms: readonly number[]): void {
    if (sameLengths(ms, this.windowLengths)) this.startedAt = coveredSince(this.startedAt, since, this.time);
  }

  /** Requests since start per method, route and status class (non-zero ones), `other` last. */
  routeTotals(): RouteTotal[] {
    return routeTotalsOf(this.allEntries(), this.slots);
  }

  /** Aborted requests (the client closed the connection first) since start per method and route (non-zero ones). */
  abortedTotals(): AbortedTotal[] {
    return abortedTotalsOf(this.allEntries(), this.slots);
  }
  /** Requests recorded since start. */
  get total(): number {
    return classRequests(serverTotals(this.allEntries(), this.slots));
  }

  /** Calls ignored because of bad input, this process's worker threads' included (addDropped: cluster/thread.ts). */
  get dropped(): number {
    return this.droppedCount;
  }
  addDropped(n: number): void {
    this.droppedCount += n;
  }

  /** Distinct method + route pairs tracked (at most maxRoutes matched ones plus 8 `unmatched`; `other` not included). */
  get routeCount(): number {
    return this.routes.entries.length;
  }
  /** Bytes held in typed arrays (counters and histograms), for sizing. */
  get bytes(): number {
    let bytes = this.taken.bytes + this.cumulative.bytes;
    bytes += this.scratch.counts.byteLength + this.routeScratch.counts.byteLength;
    for (const e of this.allEntries()) bytes += e.bytes;
    return bytes;
  }

  // To the current sub-windows: one comparison to the next boundary, never back (NaN ignored); turn() does the rest.
  private tick(): void {
    this.time.advance();
    const now = this.time.current;
    if (now < this.nextBoundary) return;
    this.turn(now);
  }
  // A read's tick: on the coarse clock, the time itself, and no later record is stamped before it (freshNow, RT31-8).
  private freshTick(): void {
    if (this.clock === coarseClock) this.time.take(freshNow());
    else this.time.advance();
    const now = this.time.current;
    if (now < this.nextBoundary) return;
    this.turn(now);
  }
  private turn(now: number): void {
    const second = Math.floor(now / 1000);
    this.seconds.turn(second); // a new second ends the last one's requests (second-ring.ts): not a request's work
    const sub = Math.max(0, Math.floor(now / this.subWindowMs));
    const held = sub <= this.sub && this.nextBoundary !== Number.NEGATIVE_INFINITY; // the first turn opens one
    this.nextBoundary = Math.min((this.sub + 1) * this.subWindowMs, (second + 1) * 1000); // or a second's end
    if (!Number.isFinite(sub) || held) return;
    const turned = Math.floor(sub / this.perLatencySlot) !== this.lat;
    const horizon = this.horizon; // read at every boundary, as onTurn below
    // Before anything is recorded in the new sub-window: what left the window is still whole (error-horizon.ts).
    if (turned) horizon.bank(this.routes, this.lat, Math.floor(sub / this.perLatencySlot));
    this.sub = sub;
    this.pos = sub % this.slots;
    this.lat = Math.floor(sub / this.perLatencySlot);
    this.latPos = this.lat % this.latencySlots;
    this.nextBoundary = Math.min((sub + 1) * this.subWindowMs, (second + 1) * 1000);
    const onTurn = this.onTurn; // read at every boundary, not only at a turn (see record())
    if (turned && onTurn !== null) onTurn(this.lat, this.windowLengths[1] as number);
  }

  private allEntries(): Generator<RouteEntry> {
    return this.routes.all();
  }
  private at(): WindowAt {
    const { slots, latencySlots, sub, pos, lat, totalsOffset, subWindowMs, startedAt } = this;
    return { slots, latencySlots, sub, pos, lat, totalsOffset, subWindowMs, startedAt };
  }

  /** The time the request window covers now, ms (rates.ts windowSpan: from its oldest sub-window's start, or since start). */
  windowSpanMs(): number {
    this.tick();
    return windowSpan(this.at(), this.time.now());
  }

  /** Each route with requests in the window: counts, latency, time, Apdex (profiling/endpoints.ts). One pass; reads only. */
  endpointWindows(): EndpointWindow[] {
    this.tick();
    const from = windowFrom(this.at());
    return endpointWindowRows(this.allEntries(), this.slots, this.sub, from, this.lat, this.routeScratch);
  }
}
