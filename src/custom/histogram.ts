// A custom histogram: values counted by HDR slot (of their square roots: precision.ts, within 0.1 %; pages of slots
// allocated as values land: slot-counts.ts), percentiles read from HDR (never averaged) over a sliding window,
// since-start totals for Prometheus, and one histogram per history bucket. observe() is O(1) and never throws; a value that is not a number (a
// string, a bigint), negative or non-finite is ignored (counted in `dropped`).

import type * as hdr from 'hdr-histogram-js';
import { SteadyTime } from '../requests/steady-clock.js';
import { createCustomHistogram, HistogramCell } from './histogram-cell.js';
import { type HistogramCounts, type HistogramDelta, recordDelta } from './histogram-delta.js';
import { figuresOf, WindowView } from './histogram-figures.js';
import { isLabelSet, LabelSets, type LabelValues } from './label-sets.js';
import { MergedWindow } from './merged-window.js';
import {
  checkMetricName,
  invalidMetric,
  type MetricOptionsBase,
  type ParsedBase,
  parseBase,
} from './names.js';
import { type SlotCounts, valueAtPercentile } from './slot-counts.js';
import type { HistogramSnapshot } from './types.js';

export { createCustomHistogram, stageSlot } from './histogram-cell.js';
export { type Extremes, figuresOf, type PercentileSource } from './histogram-figures.js';

/** Options of `monitor.histogram(name, options)`: `buckets` plus the common metric options. */
export interface HistogramOptions extends MetricOptionsBase {
  /** Prometheus bucket upper bounds, strictly increasing. @defaultValue prom-client's (0.005 … 10) */
  buckets?: readonly number[];
}

/** Default Prometheus bucket upper bounds (prom-client's, in the metric's own unit): 0.005 … 10. */
export const DEFAULT_CUSTOM_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
/** A histogram bound to one label set (from `histogram.labels({...})`). */
export interface BoundHistogram {
  /** Records one value (in the metric's unit; figures within 0.1 % of it, whatever its magnitude). */
  observe(value: number): void;
}

/** A custom histogram (`monitor.histogram()`): window percentiles per label set and Prometheus buckets since start. */
export class CustomHistogram {
  readonly type = 'histogram' as const;
  readonly name: string;
  /** @internal */
  readonly config: ParsedBase & { readonly buckets: readonly number[] };
  private readonly sets: LabelSets<HistogramCell>;
  /** The clock readings callers pass (`now`), as a monotonic view: the window rotates on elapsed time. */
  private readonly time = new SteadyTime();
  /** Calls whose label values could not be read (a getter or toString that throws): ignored, counted. */
  private failed = 0;
  /** A cluster aggregator's, once values came with their recording time: slots on the clock's multiples (place()). */
  private aligned = false;
  /** The window merged over label sets, kept as each one's changes (HistogramCell.drain, addToWindow). */
  private readonly merged = new MergedWindow();
  /** The merged window's percentiles read so far, and the label sets' window versions they were read at. */
  private readonly mergedAtCache = new Map<number, number>();
  private mergedKey = '';

  constructor(
    name: string,
    options: HistogramOptions | undefined,
    private readonly windowMs: number,
  ) {
    this.name = checkMetricName(name, 'histogram');
    const parsed = parseBase(name, 'histogram', options, ['buckets']);
    const buckets = (parsed.buckets ?? DEFAULT_CUSTOM_BUCKETS) as unknown;
    if (
      !Array.isArray(buckets) ||
      buckets.length === 0 ||
      buckets.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))
    ) {
      throw invalidMetric(`histogram \`${name}\`: \`buckets\` must be strictly increasing finite numbers.`);
    }
    this.config = Object.freeze({
      help: parsed.help,
      labels: parsed.labels,
      maxLabelSets: parsed.maxLabelSets,
      buckets: Object.freeze([...(buckets as number[])]),
    });
    const bounds = Float64Array.from(this.config.buckets);
    this.sets = new LabelSets(
      this.config.labels,
      this.config.maxLabelSets,
      () => new HistogramCell(bounds, this.merged),
    );
  }

  /**
   * Values ignored since start: not a number, NaN, negative, infinite, or beyond ~1.15e18 (2^60), and calls
   * whose label values threw when read (`dropped_observations`).
   */
  get dropped(): number {
    return this.failed + this.sets.dropped();
  }

  /** Records a value: `observe(12.5)` or `observe({ queue: 'email' }, 12.5)`. */
  observe(labelsOrValue: LabelValues | number, value?: number): void {
    try {
      if (isLabelSet(labelsOrValue)) this.sets.get(labelsOrValue).observe(value);
      else this.sets.get(undefined).observe(labelsOrValue);
    } catch {
      this.failed++;
    }
  }

  /** The histogram of one label set, looked up once. */
  labels(values: LabelValues): BoundHistogram {
    return this.sets.get(values);
  }

  /**
   * Window figures per label set and over all of them (percentiles from the merged HDR counts). Its work follows
   * what changed since the previous call: a label set whose window did not change keeps its figures; one that did
   * has them searched by bucket, page and slot sums (no slot scan, no merge: outside review 18, F2).
   */
  snapshot(now: number): HistogramSnapshot {
    const steady = this.time.view(now);
    const all = new WindowView(0, (p) => this.mergedAt(p));
    let sum = 0;
    let countTotal = 0;
    let sumTotal = 0;
    let versions = 0;
    const series = this.sets.slots.map(({ labels, value: c }) => {
      c.drain(steady, this.windowMs, this.aligned);
      const s = c.currentSum + c.previousSum;
      sum += s;
      countTotal += c.total.totalCount;
      sumTotal += c.totalSum;
      versions += c.version;
      all.widen(c.current);
      all.widen(c.previous);
      if (c.figures === undefined || c.figuresVersion !== c.version) {
        const parts = [c.current, c.previous];
        const n = c.current.totalCount + c.previous.totalCount;
        const view = new WindowView(n, (p) => valueAtPercentile(parts, n, p));
        view.widen(c.current);
        view.widen(c.previous);
        c.figures = figuresOf(view, s, 0, 0);
        c.figuresVersion = c.version;
      }
      const total = c.total.totalCount;
      return { labels: { ...labels }, ...c.figures, count_total: total, sum_total: c.totalSum };
    });
    // Counted once every label set is drained; percentiles read again only when a window changed.
    all.totalCount = this.merged.totalCount;
    const key = `${versions}/${series.length}`;
    if (this.mergedKey !== key) {
      this.mergedKey = key;
      this.mergedAtCache.clear();
    }
    return {
      type: 'histogram',
      help: this.config.help,
      labels: [...this.config.labels],
      ...figuresOf(all, sum, countTotal, sumTotal),
      series,
    };
  }

  /** A percentile of the merged window (figures of the histogram), read once per change of any window. */
  private mergedAt(p: number): number {
    const known = this.mergedAtCache.get(p);
    if (known !== undefined) return known;
    const parts: SlotCounts[] = [];
    for (const { value: c } of this.sets.slots) {
      if (c.current.totalCount > 0) parts.push(c.current);
      if (c.previous.totalCount > 0) parts.push(c.previous);
    }
    const v = this.merged.valueAtPercentile(parts, p);
    this.mergedAtCache.set(p, v);
    return v;
  }

  /** The values recorded since the previous call, merged over label sets (one history bucket). */
  takeBucket(now: number): { histogram: hdr.Histogram; sum: number; lo: number; hi: number } {
    const steady = this.time.view(now);
    const out = createCustomHistogram();
    let sum = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let known = true;
    for (const { value: c } of this.sets.slots) {
      c.drain(steady, this.windowMs, this.aligned);
      c.bucket.addTo(out);
      if (c.bucket.totalCount > 0) {
        known &&= c.bucket.extremesKnown;
        lo = Math.min(lo, c.bucket.lo);
        hi = Math.max(hi, c.bucket.hi);
      }
      sum += c.bucketSum;
      c.bucket.reset();
      c.bucketSum = 0;
    }
    // Extremes not known for every count: none (the encoded ones are read instead).
    return known ? { histogram: out, sum, lo, hi } : { histogram: out, sum, lo: Number.NaN, hi: Number.NaN };
  }

  /**
   * Cluster mode: since-start histograms per label set (drained first) with the exact extremes of what
   * was drained since the previous call, which restarts them (one reader: the cluster reporter).
   * @internal
   */
  takeStates(now: number): {
    labels: Record<string, string>;
    histogram: SlotCounts;
    sum: number;
    buckets: Float64Array;
    min: number;
    max: number;
    lo: number;
    hi: number;
  }[] {
    const steady = this.time.view(now);
    return this.sets.slots.map(({ labels, value: c }) => {
      c.drain(steady, this.windowMs, this.aligned);
      const out = {
        labels,
        histogram: c.total,
        sum: c.totalSum,
        buckets: c.le,
        min: c.takeMin,
        max: c.takeMax,
        lo: c.takeLo,
        hi: c.takeHi,
      };
      c.takeMin = Number.POSITIVE_INFINITY;
      c.takeMax = -1;
      c.takeLo = Number.POSITIVE_INFINITY;
      c.takeHi = Number.NEGATIVE_INFINITY;
      return out;
    });
  }

  /**
   * Cluster mode: adds values another process recorded to one label set: into the window, the history
   * bucket and the totals, or (`window` false: totals a previous aggregator already served) the totals only.
   * `at` (epoch ms, with the aggregator's `now`): when they were recorded (the sub-window a worker cut them in:
   * src/cluster/cuts.ts): into the window's slot of that time, whenever they arrive; the window's slots then turn
   * on the clock's multiples of its length.
   * @internal
   */
  absorb(values: LabelValues, d: HistogramDelta, window: boolean, at?: number, now?: number): void {
    const c = this.sets.get(values);
    if (window && at !== undefined && now !== undefined && Number.isFinite(at) && Number.isFinite(now)) {
      this.aligned = true;
      const steady = this.time.view(now);
      c.drain(steady, this.windowMs, true);
      c.place(d, Math.min(at, now) + (steady - now), this.windowMs);
    } else if (window) {
      recordDelta(c.recent, d);
      c.recentSum += d.sum;
    } else {
      recordDelta(c.total, d);
      c.totalSum += d.sum;
    }
    const n = Math.min(d.le.length, c.le.length);
    for (let i = 0; i < n; i++) c.le[i]! += d.le[i] as number;
  }

  /**
   * Cluster mode: each label set's sliding window as it stands (drained first): its two slots, newer first,
   * and how long ago (ms) the newer one started. A new aggregator rebuilds the cluster's window from it.
   * @internal
   */
  windowStates(now: number): {
    windowMs: number;
    series: Array<{
      labels: Record<string, string>;
      ageMs: number;
      slots: [{ histogram: HistogramCounts; sum: number }, { histogram: HistogramCounts; sum: number }];
    }>;
  } {
    const steady = this.time.view(now);
    const series = this.sets.slots.map(({ labels, value: c }) => {
      c.drain(steady, this.windowMs, this.aligned);
      return {
        labels,
        ageMs: steady - c.currentStart,
        slots: [
          { histogram: c.current, sum: c.currentSum },
          { histogram: c.previous, sum: c.previousSum },
        ] as [{ histogram: HistogramCounts; sum: number }, { histogram: HistogramCounts; sum: number }],
      };
    });
    return { windowMs: this.windowMs, series };
  }

  /**
   * Cluster mode: adds another process's window of one label set (its windowStates()), window only: its newer
   * slot to this one's newer, its older to the older. A label set whose window is empty takes the other's
   * phase (its newer slot started `ageMs` ago), so a window rebuilt from processes of one phase rotates as
   * theirs did. False (nothing added) for a window of another length.
   * @internal
   */
  absorbWindow(
    values: LabelValues,
    windowMs: number,
    ageMs: number,
    slots: readonly [HistogramDelta, HistogramDelta],
    now: number,
  ): boolean {
    if (windowMs !== this.windowMs || !(ageMs >= 0)) return false;
    const steady = this.time.view(now);
    const c = this.sets.get(values);
    c.drain(steady, this.windowMs, this.aligned);
    if (c.current.totalCount === 0 && c.previous.totalCount === 0 && ageMs < windowMs)
      c.currentStart = steady - ageMs;
    c.addToWindow(c.current, slots[0]);
    c.currentSum += slots[0].sum;
    c.addToWindow(c.previous, slots[1]);
    c.previousSum += slots[1].sum;
    return true;
  }

  /** Since-start histograms per label set (Prometheus); drains first so nothing recorded is missed. */
  totals(now: number): {
    labels: Record<string, string>;
    histogram: HistogramCounts;
    sum: number;
    /** Values per bucket (not cumulative), +Inf last: exact against each bound. */
    buckets: Float64Array;
  }[] {
    const steady = this.time.view(now);
    return this.sets.slots.map(({ labels, value: c }) => {
      c.drain(steady, this.windowMs, this.aligned);
      return { labels, histogram: c.total, sum: c.totalSum, buckets: c.le };
    });
  }
}
