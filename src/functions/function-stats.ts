// Per-name statistics of @timed functions: calls, errors and latency over a sliding window, with a
// bounded number of names, plus totals since start for Prometheus.

import { MAX_KEY_NAME_LENGTH, wellFormed } from '../custom/well-formed.js';
import { invalidOption } from '../errors.js';
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
import { checkInteger, rejectUnknownOptions } from '../options/option-keys.js';
import { type AbsorbSpan, spanStamp } from '../requests/cluster-exchange.js';
import { SteadyClock } from '../requests/steady-clock.js';
import type { Clock } from '../types.js';
import type { FunctionStats as FunctionStatsRow } from './function-row.js';

export interface FunctionTimingsOptions {
  /** Time source, ms. @defaultValue `Date.now` */
  clock?: Clock;
  /** Sliding window of the statistics (the request window). @defaultValue 60_000 */
  windowMs?: number;
  /**
   * Rotating sub-windows; figures cover the last `windowMs * (slots - 1) / slots` to `windowMs`.
   * @defaultValue 4 (15 s each: the last 45–60 s)
   */
  slots?: number;
  /** Distinct names tracked; later names are counted under `other`. @defaultValue 200 */
  maxNames?: number;
}

export interface FunctionTimingsConfig {
  readonly clock: Clock;
  readonly windowMs: number;
  readonly slots: number;
  readonly maxNames: number;
}

export const FUNCTION_STATS_DEFAULTS = Object.freeze({ windowMs: 60_000, slots: 4, maxNames: 200 });

/** The name that calls beyond `maxNames` distinct names are counted under. */
export const OTHER_FUNCTION = 'other';

/** One name's figures since start (Prometheus counters and histogram). */
export interface FunctionTotal {
  name: string;
  count: number;
  errors: number;
  /** Durations in microseconds (the shared HDR config); a new histogram owned by the caller. */
  histogram: Histogram;
}

const KNOWN_OPTIONS = ['clock', 'windowMs', 'slots', 'maxNames'];

export function parseFunctionTimingsOptions(options: FunctionTimingsOptions = {}): FunctionTimingsConfig {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('FunctionTimings options must be an object.');
  }
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'FunctionTimings');
  const { clock = coarseClock } = options;
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
    throw invalidOption('`clock` must be an object with a now() method returning milliseconds.');
  }
  const windowMs = options.windowMs ?? FUNCTION_STATS_DEFAULTS.windowMs;
  checkInteger(windowMs, 'windowMs', 1_000, 3_600_000);
  const slots = options.slots ?? FUNCTION_STATS_DEFAULTS.slots;
  checkInteger(slots, 'slots', 1, 60);
  const maxNames = options.maxNames ?? FUNCTION_STATS_DEFAULTS.maxNames;
  checkInteger(maxNames, 'maxNames', 0, 10_000);
  return Object.freeze({ clock, windowMs, slots, maxNames });
}

interface NameEntry {
  readonly name: string;
  /** The window: rotating sub-windows, no totals. */
  readonly latency: LatencyRing;
  /** Every call since start, incremented beside the ring so that totals are read without a merge. */
  readonly total: CumulativeCounts;
}

function createEntry(name: string, slots: number): NameEntry {
  return { name, latency: new LatencyRing(slots), total: new CumulativeCounts() };
}

/**
 * Statistics per `@timed` name. `record()` is O(1), allocates nothing once a name is warm, and never
 * throws. Each name costs one counts array per sub-window it was called in (6.5 KB, widening to 13 KB
 * once one latency slot passes 65,535 calls) and one of 13 KB for its totals since start.
 */
export class FunctionTimings {
  /** Whether a function named over MAX_KEY_NAME_LENGTH characters folded into `other`. @internal */
  longNameFolded = false;
  readonly config: FunctionTimingsConfig;
  private clock: Clock;
  private holdsCoarseClock = false;
  private readonly subWindowMs: number;
  private readonly byName = new Map<string, NameEntry>();
  private other: NameEntry | null = null;
  // Current sub-window, recomputed only when the clock passes `nextBoundary`.
  private sub = 0;
  private pos = 0;
  private nextBoundary = Number.NEGATIVE_INFINITY;
  /** The clock read as a monotonic view (a step back not taken back), as the request window's. */
  private time: SteadyClock;
  private droppedCount = 0;
  private readonly scratch = createView();
  /** Called as the window turns, before anything is recorded in the new sub-window (src/cluster/cuts.ts). */
  onTurn: ((sub: number, ms: number) => void) | null = null;

  constructor(options: FunctionTimingsOptions = {}) {
    this.config = parseFunctionTimingsOptions(options);
    this.clock = this.config.clock;
    this.time = new SteadyClock(this.clock);
    this.subWindowMs = this.config.windowMs / this.config.slots;
  }

  /** Records one call. A negative, NaN or non-number duration is dropped (counted in `dropped`). */
  record(name: string, durationMs: number, failed: boolean): void {
    try {
      const us = typeof durationMs === 'number' ? microsOf(durationMs) : -1;
      if (us < 0) {
        this.droppedCount++;
        return;
      }
      // The coarse clock's timer starts with the first call, not at import (a decorator may never run).
      if (this.clock === coarseClock && !this.holdsCoarseClock) this.holdCoarseClock();
      this.tick();
      const entry = this.entryFor(name);
      const slot = slotOf(us);
      const f = failed === true;
      entry.latency.record(this.sub, this.pos, slot, us, f);
      entry.total.add(slot, us, f);
    } catch {
      // Only a throwing injected clock can get here; timing must not break the timed call.
      this.droppedCount++;
    }
  }

  /**
   * Adds calls recorded elsewhere (a worker thread, another process: src/cluster/) as if recorded here now, or
   * in the sub-window `span` names (spanStamp: a cluster worker's frame cut where its window turned); with
   * `window` false (or a sub-window that has left the window) they count in totals since start only.
   */
  absorb(name: string, latency: SparseCounts, window: boolean, span?: AbsorbSpan): void {
    if (!(latency.n > 0)) return;
    this.tick();
    const entry = this.entryFor(name);
    const sub = window ? spanStamp(span, this.subWindowMs, this.sub, this.config.slots) : null;
    if (sub !== null) entry.latency.addSparse(sub, sub % this.config.slots, latency);
    entry.total.addSparse(latency);
  }

  /** The window's sub-windows per name with their stamps, and their length (src/cluster/ takeover). */
  windowStates(): {
    ms: number;
    functions: Array<{ name: string; latency: Array<{ abs: number; counts: SparseCounts }> }>;
  } {
    this.tick();
    const functions = [];
    for (const e of this.entries()) {
      const latency = [...e.latency.subWindows(this.sub)];
      if (latency.length > 0) functions.push({ name: e.name, latency });
    }
    return { ms: this.subWindowMs, functions };
  }

  /** Adds another process's window at the same stamps, window only (totals come in apart). */
  absorbWindow(
    name: string,
    ms: number,
    latency: ReadonlyArray<{ abs: number; counts: SparseCounts }>,
  ): void {
    this.tick();
    if (ms !== this.subWindowMs) return;
    const entry = this.entryFor(name);
    const slots = this.config.slots;
    for (const l of latency) {
      if (!(l.abs > this.sub - slots && l.abs <= this.sub)) continue;
      entry.latency.addSparse(l.abs, l.abs % slots, l.counts);
    }
  }

  /** Same as record(): lets a FunctionTimings be passed as `@timed({ monitor })`. */
  recordFunction(name: string, durationMs: number, failed: boolean): void {
    this.record(name, durationMs, failed);
  }

  /**
   * Switches to another time source (a monitor adopting the module-level statistics with its own
   * clock). Figures recorded under the old clock leave the window but stay in totals().
   */
  /** Releases the coarse clock's timer if this held it. Idempotent; recording goes on working. */
  close(): void {
    if (!this.holdsCoarseClock) return;
    this.holdsCoarseClock = false;
    releaseCoarseClock();
  }

  private holdCoarseClock(): void {
    acquireCoarseClock();
    this.holdsCoarseClock = true;
  }

  useClock(clock: Clock): void {
    if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
      throw invalidOption('`clock` must be an object with a now() method returning milliseconds.');
    }
    if (clock === this.clock) return;
    this.clock = clock;
    this.time = new SteadyClock(clock);
    this.sub = 0;
    this.pos = 0;
    this.nextBoundary = Number.NEGATIVE_INFINITY;
  }

  /** Names called within the window, busiest first. */
  snapshot(): Record<string, FunctionStatsRow> {
    this.tick();
    const sub = this.sub;
    const rows: FunctionStatsRow[] = [];
    const add = (e: NameEntry) => {
      const view = e.latency.window(sub, this.scratch);
      if (view.n === 0) return;
      const s = summarizeView(view);
      rows.push({
        name: e.name,
        count: s.count,
        errors: view.errors,
        avg_ms: s.avg_ms,
        p50_ms: s.p50_ms,
        p95_ms: s.p95_ms,
        p99_ms: s.p99_ms,
        max_ms: s.max_ms,
      });
    };
    for (const e of this.byName.values()) add(e);
    if (this.other && !this.byName.has(OTHER_FUNCTION)) add(this.other);
    rows.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // fromEntries defines own properties, so even a function named `__proto__` is listed.
    return Object.fromEntries(rows.map((row) => [row.name, row]));
  }

  /**
   * `name`'s window as a counts view (a scratch view, valid until the next read of this object): the query
   * window adds its queries in flight to it before summarizing (src/profiling/query-stats.ts). @internal
   */
  windowView(name: string): CountsView & { counts: Float64Array } {
    this.tick();
    const e = this.byName.get(name);
    if (e === undefined) clearView(this.scratch);
    else e.latency.window(this.sub, this.scratch);
    return this.scratch;
  }

  /** Every name's calls, errors and latency since start (for Prometheus). */
  totals(): FunctionTotal[] {
    const out: FunctionTotal[] = [];
    for (const e of this.entries()) {
      const t = e.total;
      out.push({ name: e.name, count: t.n, errors: t.errors, histogram: toHistogram(t) });
    }
    return out;
  }

  /**
   * The same as totals() with counts views instead of HDR histograms (Prometheus scrapes), O(1) per
   * name: each view is that name's live cumulative counts, read-only to the caller, moving with
   * every record(); read each item synchronously.
   */
  *totalCounts(): Generator<{
    name: string;
    count: number;
    errors: number;
    histogram: Readonly<CountsView>;
  }> {
    for (const e of this.entries()) {
      const t = e.total;
      yield { name: e.name, count: t.n, errors: t.errors, histogram: t };
    }
  }

  /** Distinct names tracked (at most maxNames; `other` not included). */
  get size(): number {
    return this.byName.size;
  }

  /** Calls ignored because of a bad duration (this process's worker threads' included: addDropped). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Adds calls a worker thread of this process ignored (src/cluster/thread.ts): they count as this process's. */
  addDropped(n: number): void {
    this.droppedCount += n;
  }

  /** Bytes held in typed arrays, for sizing. */
  get bytes(): number {
    let bytes = this.scratch.counts.byteLength;
    for (const e of this.entries()) bytes += e.latency.bytes + e.total.bytes;
    return bytes;
  }

  // Moves to the current sub-window; one comparison until the next boundary; never goes back.
  private tick(): void {
    const now = this.time.now();
    if (now < this.nextBoundary) return;
    const sub = Math.max(0, Math.floor(now / this.subWindowMs));
    if (!Number.isFinite(sub) || (sub <= this.sub && this.nextBoundary !== Number.NEGATIVE_INFINITY)) return;
    this.sub = sub;
    this.pos = sub % this.config.slots;
    this.nextBoundary = (sub + 1) * this.subWindowMs;
    this.onTurn?.(sub, this.subWindowMs);
  }

  private *entries(): Generator<NameEntry> {
    yield* this.byName.values();
    if (this.other && !this.byName.has(OTHER_FUNCTION)) yield this.other;
  }

  private entryFor(name: string): NameEntry {
    if (typeof name === 'string') {
      const entry = this.byName.get(name);
      if (entry !== undefined) return entry;
      // Names are filed well-formed (a lone surrogate as U+FFFD: the scrape's UTF-8 has one spelling for both).
      const filed = wellFormed(name);
      if (filed !== name) return this.entryFor(filed);
      if (name.length > MAX_KEY_NAME_LENGTH) this.longNameFolded = true;
      else if (this.byName.size < this.config.maxNames) {
        const created = createEntry(name, this.config.slots);
        this.byName.set(name, created);
        return created;
      }
    }
    // A function really named `other` shares the fold rather than showing twice.
    this.other ??= this.byName.get(OTHER_FUNCTION) ?? createEntry(OTHER_FUNCTION, this.config.slots);
    return this.other;
  }
}
