// Custom metrics between processes (cluster mode): each interval, the counters' increases, the
// histograms' new values by HDR index (with their exact extremes and Prometheus buckets) and the gauges
// that changed, series by series (only the changed ones); a metric's definition rides with its first
// report to an aggregator.

import type { CustomMetric } from '../custom/registry.js';
import { SlotCounts } from '../custom/slot-counts.js';
import { packRuns, unpackRuns } from './counts-wire.js';

/** Label values in the order of the metric's labels. */
type Values = string[];

/** A histogram series' new values: HDR index counts run-length coded as CountsWire's `c`. */
export interface HistWire {
  /** Count, sum, min above 0 (null: none) and max (encoded: custom/precision.ts), index counts, bucket counts. */
  n: number;
  s: number;
  m: number | null;
  x: number;
  /** The exact least and largest values, in the metric's unit (absent from senders that kept none). */
  a?: number;
  z?: number;
  /** Packed (packRuns), or the array form. */
  c: number[] | string;
  b: number[];
}

export interface CustomWire {
  /** Name and type (counter, gauge, histogram). */
  n: string;
  t: 'c' | 'g' | 'h';
  /** Definition: help, labels, label-set bound, buckets (histograms). Sent first to each aggregator. */
  d?: { h: string; l: string[]; k: number; b?: number[] };
  /** Series: label values and a counter's increase, a gauge's value or a histogram's new values. */
  s: Array<{ v: Values; c?: number; g?: number; r?: 1; h?: HistWire }>;
  /**
   * A gauge with no reading yet (a collect() gauge before its callback returned one): sent while so, and its absence
   * once it has one, so that the cluster's gauge reads null, not 0, while no live worker's has a reading.
   */
  u?: 1;
  /**
   * A collect() gauge whose last callback failed (its snapshot's `error`, credentials redacted): sent while so, and
   * its absence once a reading succeeds, so that the cluster's gauge, read by a rule, is unknown in health meanwhile.
   */
  e?: string;
}

/** A metric's definition, read back. */
export interface CustomDefinition {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: string[];
  maxLabelSets: number;
  buckets?: number[];
}

/** One series read back. */
export interface CustomSeries {
  values: Values;
  counter?: number;
  gauge?: number;
  /**
   * A gauge's label set the worker no longer has (its collect() stopped returning it): sent as `g: 0, r: 1`, so an
   * aggregator that does not know `r` reads 0 for it, one that does drops the series.
   */
  removed?: true;
  histogram?: {
    slots: number[];
    counts: number[];
    n: number;
    sum: number;
    min: number;
    max: number;
    lo?: number;
    hi?: number;
    le: number[];
  };
}

/** One metric's deltas, read back and checked. */
export interface CustomDelta {
  name: string;
  type: CustomDefinition['type'];
  def?: CustomDefinition;
  series: CustomSeries[];
  /** A gauge the worker has no reading of yet (CustomWire's `u`). */
  unread?: true;
  /** A gauge whose last collect() failed in the worker: why (CustomWire's `e`). */
  error?: string;
}

const TYPES = { c: 'counter', g: 'gauge', h: 'histogram' } as const;
const CODES = { counter: 'c', gauge: 'g', histogram: 'h' } as const;
/** Beyond every HDR index an encoded value below 2^53 takes. */
const MAX_INDEX = 1 << 17;
const SEP = '\u0000';

interface SentHistogram {
  /** What was sent, by HDR slot (pages as values landed: not a dense array up to the largest slot). */
  counts: SlotCounts;
  n: number;
  sum: number;
  le: Float64Array;
}

/** Where a reporter reads custom metrics (a monitor's registry). */
export interface CustomSource {
  all(): Iterable<CustomMetric>;
}

/** Turns a registry's live figures into per-interval deltas; what was taken is not sent again. */
export class CustomReporter {
  private sent = new Map<string, Map<string, number | SentHistogram>>();
  /** Whether each gauge had no reading yet as last sent. */
  private sentUnread = new Map<string, boolean>();
  /** Each gauge's collect() failure as last sent (absent: none). */
  private sentError = new Map<string, string>();

  reset(): void {
    this.sent.clear();
    this.sentUnread.clear();
    this.sentError.clear();
  }

  take(source: CustomSource, now: number): CustomWire[] | undefined {
    let out: CustomWire[] | undefined;
    for (const m of source.all()) {
      let sent = this.sent.get(m.name);
      const first = sent === undefined;
      if (sent === undefined) {
        sent = new Map();
        this.sent.set(m.name, sent);
      }
      const series = this.series(m, sent, now);
      // A gauge's first reading is news even when it holds no label set (0 from then on, not null).
      const unread = m.type === 'gauge' && m.readless;
      const error = m.type === 'gauge' ? m.failure : undefined;
      const turned =
        m.type === 'gauge' &&
        !first &&
        (this.sentUnread.get(m.name) !== unread || this.sentError.get(m.name) !== error);
      if (m.type === 'gauge') this.sentUnread.set(m.name, unread);
      if (error === undefined) this.sentError.delete(m.name);
      else this.sentError.set(m.name, error);
      if (series.length === 0 && !first && !turned) continue;
      const w: CustomWire = { n: m.name, t: CODES[m.type], s: series };
      if (unread) w.u = 1;
      if (error !== undefined) w.e = error;
      if (first) {
        w.d = { h: m.config.help, l: [...m.config.labels], k: m.config.maxLabelSets };
        if (m.type === 'histogram') w.d.b = [...m.config.buckets];
      }
      out ??= [];
      out.push(w);
    }
    return out;
  }

  private series(m: CustomMetric, sent: Map<string, number | SentHistogram>, now: number): CustomWire['s'] {
    const out: CustomWire['s'] = [];
    const valuesOf = (labels: Record<string, string>) => m.config.labels.map((l) => labels[l] ?? '');
    if (m.type === 'counter') {
      for (const s of m.totals()) {
        const v = valuesOf(s.labels);
        const key = v.join(SEP);
        const d = s.value - ((sent.get(key) as number | undefined) ?? 0);
        if (!(d > 0)) continue;
        sent.set(key, s.value);
        out.push({ v, c: d });
      }
    } else if (m.type === 'gauge') {
      const live = new Set<string>();
      for (const s of m.values()) {
        const v = valuesOf(s.labels);
        const key = v.join(SEP);
        live.add(key);
        if (sent.get(key) === s.value) continue;
        sent.set(key, s.value);
        out.push({ v, g: s.value });
      }
      // Label sets sent before and gone since (a collect() reading that no longer returns them).
      for (const key of sent.keys()) {
        if (live.has(key)) continue;
        sent.delete(key);
        out.push({ v: key.split(SEP), g: 0, r: 1 });
      }
    } else {
      for (const s of m.takeStates(now)) {
        const v = valuesOf(s.labels);
        const key = v.join(SEP);
        let prev = sent.get(key) as SentHistogram | undefined;
        if (prev === undefined) {
          prev = { counts: new SlotCounts(), n: 0, sum: 0, le: new Float64Array(s.buckets.length) };
          sent.set(key, prev);
        }
        const h = s.histogram;
        if (!(h.totalCount > prev.n)) continue;
        // A first report holds totals since start: their extremes are the histogram's own.
        const full = prev.n === 0;
        const c: number[] = [];
        let at = 0;
        const counts = prev.counts;
        h.forEach((i, now) => {
          const d = now - counts.getCountAtIndex(i);
          if (d <= 0) return;
          if (i > at) c.push(at - i);
          c.push(d);
          at = i + 1;
          counts.addAtIndex(i, d);
        });
        const b: number[] = [];
        for (let i = 0; i < s.buckets.length; i++) {
          b.push((s.buckets[i] as number) - (prev.le[i] as number));
          prev.le[i] = s.buckets[i] as number;
        }
        const min = full
          ? h.totalCount > 0 && h.minNonZeroValue <= h.maxValue
            ? h.minNonZeroValue
            : null
          : s.min;
        const lo = full ? (h.extremesKnown ? h.lo : Number.NaN) : s.lo;
        const hi = full ? (h.extremesKnown ? h.hi : Number.NaN) : s.hi;
        const w: HistWire = {
          n: h.totalCount - prev.n,
          s: s.sum - prev.sum,
          m: min === null || !Number.isFinite(min) ? null : min,
          x: full ? h.maxValue : Math.max(0, s.max),
          c: packRuns(c),
          b,
        };
        if (lo <= hi && Number.isFinite(lo) && Number.isFinite(hi)) {
          w.a = lo;
          w.z = hi;
        }
        out.push({ v, h: w });
        prev.n = h.totalCount;
        prev.sum = s.sum;
      }
    }
    return out;
  }
}

const text = (v: unknown, max: number): string => {
  if (typeof v !== 'string' || v.length > max) throw new Error('bad custom metric');
  return v;
};
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function readHistogram(
  w: HistWire,
  buckets: number | undefined,
): NonNullable<CustomSeries['histogram']> {
  if (w === null || typeof w !== 'object' || !Array.isArray(w.b)) throw new Error('bad histogram');
  if (typeof w.c === 'string' && w.c.length > 1_000_000) throw new Error('bad histogram');
  const runs = typeof w.c === 'string' ? unpackRuns(w.c) : w.c;
  if (!Array.isArray(runs)) throw new Error('bad histogram');
  const slots: number[] = [];
  const counts: number[] = [];
  let at = 0;
  let total = 0;
  for (const v of runs) {
    if (!Number.isInteger(v) || v === 0) throw new Error('bad histogram');
    if (v < 0) {
      at -= v;
      continue;
    }
    if (at > MAX_INDEX) throw new Error('bad histogram');
    slots.push(at++);
    counts.push(v);
    total += v;
  }
  if (total !== w.n || !finite(w.s) || !finite(w.x) || w.x < 0 || (w.m !== null && !finite(w.m)))
    throw new Error('bad histogram');
  if (
    (buckets !== undefined ? w.b.length !== buckets + 1 : w.b.length > 1001) ||
    !w.b.every((x) => Number.isInteger(x) && x >= 0)
  )
    throw new Error('bad buckets');
  const out: NonNullable<CustomSeries['histogram']> = {
    slots,
    counts,
    n: total,
    sum: w.s,
    min: w.m ?? Number.POSITIVE_INFINITY,
    max: w.x,
    le: w.b.slice(),
  };
  // Exact extremes: kept when well formed (finite, 0 ≤ a ≤ z), else read from the encoded ones.
  if (finite(w.a) && finite(w.z) && w.a >= 0 && w.a <= w.z) {
    out.lo = w.a;
    out.hi = w.z;
  }
  return out;
}

/** Reads custom deltas from the wire; throws on anything malformed (the report is dropped whole). */
export function decodeCustom(w: unknown): CustomDelta[] {
  if (w === undefined) return [];
  if (!Array.isArray(w) || w.length > 1000) throw new Error('bad custom metrics');
  return w.map((x: CustomWire) => {
    if (x === null || typeof x !== 'object' || !(x.t in TYPES) || !Array.isArray(x.s) || x.s.length > 100_000)
      throw new Error('bad custom metric');
    const name = text(x.n, 200);
    const type = TYPES[x.t];
    let def: CustomDefinition | undefined;
    if (x.d !== undefined) {
      const d = x.d;
      if (d === null || typeof d !== 'object' || !Array.isArray(d.l) || !Number.isInteger(d.k))
        throw new Error('bad definition');
      def = { type, help: text(d.h, 4096), labels: d.l.map((l) => text(l, 200)), maxLabelSets: d.k };
      if (type === 'histogram') {
        if (!Array.isArray(d.b) || !d.b.every(finite)) throw new Error('bad buckets');
        def.buckets = d.b.slice();
      }
    }
    const nb = def?.buckets?.length;
    const width = def?.labels.length;
    const series = x.s.map((s) => {
      if (s === null || typeof s !== 'object' || !Array.isArray(s.v)) throw new Error('bad series');
      if (width !== undefined && s.v.length !== width) throw new Error('bad series');
      const out: CustomSeries = { values: s.v.map((v) => text(v, 1024)) };
      if (type === 'counter') {
        if (!finite(s.c) || s.c < 0) throw new Error('bad counter');
        out.counter = s.c;
      } else if (type === 'gauge') {
        if (!finite(s.g)) throw new Error('bad gauge');
        out.gauge = s.g;
        if (s.r === 1) out.removed = true;
      } else {
        out.histogram = readHistogram(s.h as HistWire, nb);
      }
      return out;
    });
    const out: CustomDelta = def === undefined ? { name, type, series } : { name, type, def, series };
    if (type === 'gauge' && x.u === 1) out.unread = true;
    if (type === 'gauge' && typeof x.e === 'string' && x.e !== '') out.error = text(x.e, 1024);
    return out;
  });
}

/** Custom deltas for the wire (the inverse of decodeCustom; the ledger keeps totals this way). */
export function encodeCustom(deltas: readonly CustomDelta[]): CustomWire[] {
  return deltas.map((x) => {
    const w: CustomWire = { n: x.name, t: CODES[x.type], s: [] };
    if (x.unread) w.u = 1;
    if (x.error !== undefined) w.e = x.error;
    if (x.def) {
      w.d = { h: x.def.help, l: x.def.labels.slice(), k: x.def.maxLabelSets };
      if (x.def.buckets) w.d.b = x.def.buckets.slice();
    }
    for (const s of x.series) {
      if (s.counter !== undefined) w.s.push({ v: s.values, c: s.counter });
      else if (s.gauge !== undefined)
        w.s.push(s.removed ? { v: s.values, g: s.gauge, r: 1 } : { v: s.values, g: s.gauge });
      else if (s.histogram) {
        const h = s.histogram;
        const c: number[] = [];
        let at = 0;
        for (let i = 0; i < h.slots.length; i++) {
          const slot = h.slots[i] as number;
          if (slot > at) c.push(at - slot);
          c.push(h.counts[i] as number);
          at = slot + 1;
        }
        const m = Number.isFinite(h.min) ? h.min : null;
        const hw: HistWire = { n: h.n, s: h.sum, m, x: h.max, c: packRuns(c), b: h.le.slice() };
        if (h.lo !== undefined && h.hi !== undefined) {
          hw.a = h.lo;
          hw.z = h.hi;
        }
        w.s.push({ v: s.values, h: hw });
      }
    }
    return w;
  });
}
