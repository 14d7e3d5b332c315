// Custom metrics on the aggregator: each worker's counter and histogram totals as known (for the
// ledger and full reports, like request totals), and their merge into the cluster's registry:
// counters summed, histograms from the merged HDR counts, gauges summed over live workers.

import type { Counter } from '../custom/counter.js';
import type { Gauge, GaugeOptions, GaugeReading } from '../custom/gauge.js';
import type { CustomHistogram, HistogramOptions } from '../custom/histogram.js';
import type { MetricOptionsBase } from '../custom/names.js';
import type { CustomMetric } from '../custom/registry.js';
import type { SparseCounts } from '../latency/latency-ring.js';
import { errorMessage } from '../logger.js';
import type { Logger } from '../types.js';
import { addSparse, emptySparse, subtractSparse } from './counts-wire.js';
import type { CustomDefinition, CustomDelta, CustomSeries } from './custom-wire.js';

/** When a part's histogram values were recorded (`at`, epoch ms: its sub-window's start) and the aggregator's now. */
export interface AbsorbAt {
  at: number;
  now: number;
}

const SEP = '\u0000';

interface KnownSeries {
  values: string[];
  counter: number;
  /** lo/hi: the exact extremes (NaN once a delta came without them). */
  hist: MergedHist | null;
}

const asSparse = (h: NonNullable<CustomSeries['histogram']>): SparseCounts => ({
  slots: h.slots,
  counts: h.counts,
  n: h.n,
  sum: h.sum,
  max: h.max,
  errors: 0,
});

/** Exact extremes to pass on, when known (finite, in order). */
function extremes(lo: number | undefined, hi: number | undefined): { lo?: number; hi?: number } {
  return lo !== undefined && hi !== undefined && lo <= hi && Number.isFinite(hi) ? { lo, hi } : {};
}

/** One worker's custom counter and histogram totals since start as an aggregator knows them. */
export class KnownCustom {
  private readonly metrics = new Map<
    string,
    { type: CustomDelta['type']; def?: CustomDefinition; series: Map<string, KnownSeries> }
  >();

  private metric(d: CustomDelta) {
    let m = this.metrics.get(d.name);
    if (m === undefined) {
      m = { type: d.type, series: new Map() };
      this.metrics.set(d.name, m);
    }
    if (d.def) m.def = d.def;
    return m;
  }

  private series(m: { series: Map<string, KnownSeries> }, values: string[]): KnownSeries {
    const key = values.join(SEP);
    let s = m.series.get(key);
    if (s === undefined) {
      s = { values, counter: 0, hist: null };
      m.series.set(key, s);
    }
    return s;
  }

  /** Adds deltas (gauges are values, not totals: not kept). */
  add(deltas: readonly CustomDelta[]): void {
    for (const d of deltas) {
      const m = this.metric(d);
      if (d.type === 'gauge') continue;
      for (const x of d.series) {
        const s = this.series(m, x.values);
        if (x.counter !== undefined) s.counter += x.counter;
        if (x.histogram) {
          s.hist ??= emptyHist();
          addSparse(s.hist.counts, asSparse(x.histogram));
          s.hist.min = Math.min(s.hist.min, x.histogram.min);
          s.hist.lo = Math.min(s.hist.lo, x.histogram.lo ?? Number.NaN);
          s.hist.hi = Math.max(s.hist.hi, x.histogram.hi ?? Number.NaN);
          x.histogram.le.forEach((v, i) => {
            s.hist!.le[i] = (s.hist!.le[i] ?? 0) + v;
          });
        }
      }
    }
  }

  /** Takes totals since start: what they hold beyond these totals (gauges as they are), adopted. */
  replace(full: readonly CustomDelta[]): CustomDelta[] {
    const out: CustomDelta[] = [];
    for (const d of full) {
      const m = this.metric(d);
      const series: CustomSeries[] = [];
      for (const x of d.series) {
        if (d.type === 'gauge') {
          series.push(x);
          continue;
        }
        const s = this.series(m, x.values);
        if (x.counter !== undefined) {
          const diff = x.counter - s.counter;
          if (diff > 0) {
            s.counter = x.counter;
            series.push({ values: x.values, counter: diff });
          }
        }
        if (x.histogram) {
          s.hist ??= emptyHist();
          const diff = subtractSparse(asSparse(x.histogram), s.hist.counts);
          if (diff.n === 0) continue;
          addSparse(s.hist.counts, diff);
          s.hist.min = Math.min(s.hist.min, x.histogram.min);
          s.hist.lo = Math.min(s.hist.lo, x.histogram.lo ?? Number.NaN);
          s.hist.hi = Math.max(s.hist.hi, x.histogram.hi ?? Number.NaN);
          const le = x.histogram.le.map((v, i) => Math.max(0, v - (s.hist!.le[i] ?? 0)));
          s.hist.le = x.histogram.le.slice();
          series.push({
            values: x.values,
            histogram: {
              ...diff,
              min: x.histogram.min,
              max: x.histogram.max,
              ...extremes(x.histogram.lo, x.histogram.hi),
              le,
            },
          });
        }
      }
      // A gauge's delta also says whether the worker has a reading of it (`unread`), even with no series.
      if (series.length > 0 || d.def || d.type === 'gauge') out.push({ ...d, series });
    }
    return out;
  }

  /** These totals with their definitions (the ledger, a new aggregator's starting point). */
  toReports(): CustomDelta[] {
    const out: CustomDelta[] = [];
    for (const [name, m] of this.metrics) {
      if (m.type === 'gauge') continue;
      const series: CustomSeries[] = [];
      for (const s of m.series.values()) {
        if (m.type === 'counter' && s.counter > 0) series.push({ values: s.values, counter: s.counter });
        if (s.hist && s.hist.counts.n > 0) {
          const c = s.hist.counts;
          series.push({
            values: s.values,
            histogram: {
              slots: c.slots,
              counts: c.counts,
              n: c.n,
              sum: c.sum,
              max: c.max,
              min: s.hist.min,
              ...extremes(s.hist.lo, s.hist.hi),
              le: s.hist.le.slice(),
            },
          });
        }
      }
      out.push(m.def ? { name, type: m.type, def: m.def, series } : { name, type: m.type, series });
    }
    return out;
  }
}

/** The cluster monitor's registry, as the aggregator feeds it. */
export interface CustomRegistry {
  get(name: string): CustomMetric | undefined;
  counter(name: string, options?: MetricOptionsBase): Counter;
  gauge(name: string, options?: GaugeOptions): Gauge;
  histogram(name: string, options?: HistogramOptions): CustomHistogram;
}

/** A worker as the custom merge reads it: live or not, its last gauge values. */
export interface GaugeHolder {
  /** Gauge values by metric, then series key. */
  gauges: Map<string, Map<string, number>>;
  /** The worker's id (named in a failing gauge's error). */
  id?: string;
  /** Why each gauge's last collect() failed in the worker, while it fails. */
  gaugeErrors?: Map<string, string>;
}

/** Merges workers' custom deltas into the cluster's registry. */
export class CustomMerger {
  /**
   * Every series seen of each gauge (label values by key). A read shows only those a live worker holds: one only a
   * dead worker held is absent (not 0), and comes back if that worker reconnects; one every live worker reported
   * removed (its collect() no longer returns it) is dropped.
   */
  private readonly gaugeSeries = new Map<string, Map<string, Record<string, string>>>();
  private readonly refused = new Set<string>();

  constructor(
    private readonly registry: CustomRegistry,
    private readonly live: () => Iterable<GaugeHolder>,
    private readonly logger: Logger,
  ) {}

  /** Merges one worker's deltas (`holder` null: ledger totals, no gauges); `window` as RequestStats.absorb. */
  apply(holder: GaugeHolder | null, deltas: readonly CustomDelta[], window: boolean, at?: AbsorbAt): void {
    for (const d of deltas) {
      const m = this.metric(d);
      if (m === null) continue;
      // The worker has a reading of this gauge (possibly of no label set): the cluster's reads 0 from now, not null.
      if (m.type === 'gauge' && holder && !d.unread && !holder.gauges.has(d.name))
        holder.gauges.set(d.name, new Map());
      // Its collect() fails there (or reads again): the cluster's gauge says so while a live worker's fails.
      if (m.type === 'gauge' && holder) {
        if (d.error !== undefined) {
          holder.gaugeErrors ??= new Map();
          holder.gaugeErrors.set(d.name, d.error);
        } else holder.gaugeErrors?.delete(d.name);
      }
      const labelsOf = (values: string[]) => {
        const out: Record<string, string> = {};
        m.config.labels.forEach((l, i) => {
          out[l] = values[i] ?? '';
        });
        return out;
      };
      for (const x of d.series) {
        if (m.type === 'counter' && x.counter !== undefined) m.absorb(labelsOf(x.values), x.counter, window);
        else if (m.type === 'histogram' && x.histogram)
          m.absorb(labelsOf(x.values), x.histogram, window, at?.at, at?.now);
        else if (m.type === 'gauge' && x.gauge !== undefined && holder) {
          const key = x.values.join(SEP);
          let mine = holder.gauges.get(d.name);
          if (mine === undefined) {
            mine = new Map();
            holder.gauges.set(d.name, mine);
          }
          if (x.removed) {
            // The worker's collect() no longer returns this set: gone from the cluster's gauge too, unless a
            // live worker still has it.
            mine.delete(key);
            if (![...this.live()].some((w) => w.gauges.get(d.name)?.has(key)))
              this.gaugeSeries.get(d.name)?.delete(key);
            continue;
          }
          mine.set(key, x.gauge);
          this.gaugeSeries.get(d.name)?.set(key, labelsOf(x.values));
        }
      }
    }
  }

  /** The cluster's metric for these deltas, created from their definition; null when refused. */
  private metric(d: CustomDelta): CustomMetric | null {
    if (this.refused.has(d.name)) return null;
    const found = this.registry.get(d.name);
    if (found) return found.type === d.type ? found : this.refuse(d.name, `it exists as a ${found.type}`);
    if (!d.def) return null;
    const base = { help: d.def.help, labels: d.def.labels, maxLabelSets: d.def.maxLabelSets };
    try {
      if (d.type === 'counter') return this.registry.counter(d.name, base);
      if (d.type === 'histogram') return this.registry.histogram(d.name, { ...base, buckets: d.def.buckets });
      const series = new Map<string, Record<string, string>>();
      this.gaugeSeries.set(d.name, series);
      const collect = () => this.gaugeSums(d.name, series) as GaugeReading;
      const gauge = this.registry.gauge(d.name, { ...base, collect });
      // Our own sum of what the workers reported (a read syncs them first): computed on reads too.
      gauge.derived = true;
      gauge.failing = () => this.gaugeFailure(d.name);
      return gauge;
    } catch (err) {
      return this.refuse(d.name, errorMessage(err));
    }
  }

  private refuse(name: string, why: string): null {
    this.refused.add(name);
    this.logger.warn({ metric: name, err: why }, 'sysvitals: custom metric not merged across the cluster');
    return null;
  }

  /**
   * Each series of a gauge a live worker holds: the sum of the live workers' last values of it. A gauge is a current
   * reading: a series only dead workers held is absent, not 0 (nobody alive measures it) nor their last value.
   * Null (no reading: the gauge reads null, as a collect() gauge of one process before its first reading) while no
   * live worker holds a series or has a reading of it: before its first collect(), labelled or not, or once the
   * only workers that read it are gone. A live worker's reading of no label set (a set() gauge with none yet, a
   * reading that returned none) reads 0, as in one process.
   */
  /** The first live worker's failure of a gauge's collect(), naming it (and how many more fail); undefined: none. */
  private gaugeFailure(name: string): string | undefined {
    const failing = [...this.live()].flatMap((w) => {
      const e = w.gaugeErrors?.get(name);
      return e === undefined ? [] : [`worker ${w.id ?? '?'}: ${e}`];
    });
    if (failing.length === 0) return undefined;
    return failing.length === 1 ? failing[0] : `${failing[0]} (and ${failing.length - 1} more workers)`;
  }

  private gaugeSums(name: string, series: Map<string, Record<string, string>>) {
    const mine = [...this.live()].map((w) => w.gauges.get(name)).filter((g) => g !== undefined);
    if (mine.length === 0) return null;
    const out: Array<{ labels: Record<string, string>; value: number }> = [];
    for (const [key, labels] of series) {
      let value = 0;
      let held = false;
      for (const g of mine) {
        const v = g.get(key);
        if (v === undefined) continue;
        value += v;
        held = true;
      }
      if (held) out.push({ labels, value });
    }
    return out;
  }
}

/** A series' merged histogram: slot counts, least values (stored and exact), largest exact value, bound counts. */
type MergedHist = { counts: SparseCounts; min: number; lo: number; hi: number; le: number[] };

/** A histogram with nothing merged yet. */
function emptyHist(): MergedHist {
  return {
    counts: emptySparse(),
    min: Number.POSITIVE_INFINITY,
    lo: Number.POSITIVE_INFINITY,
    hi: Number.NEGATIVE_INFINITY,
    le: [],
  };
}
