// Extra history series beyond the fixed point fields, by metric path: runtime signals, custom metrics
// and plugin figures. Gauges keep the samples' average and maximum, counters their increase in the
// bucket, histograms their HDR histogram (so percentiles over longer steps come from merged
// histograms, never from averaged percentiles).

import type * as hdr from 'hdr-histogram-js';
import { createCustomHistogram, type Extremes, figuresOf } from '../custom/histogram.js';
import { encodeValue, roundSig } from '../custom/precision.js';
import type { CustomBucketEntry } from '../custom/registry.js';
import { hdrLibrary } from '../latency/histogram.js';
import type { MetricsSnapshot } from '../types.js';

/** A gauge's minute in history: the samples' average and maximum. */
export interface GaugeSeriesPoint {
  kind: 'gauge';
  avg: number;
  max: number;
  /** Samples behind the average (its weight when points merge). */
  n: number;
}

/** A counter's minute in history: its increase over the bucket. */
export interface CounterSeriesPoint {
  kind: 'counter';
  increase: number;
}

/** A histogram's minute in history: count, sum, percentiles and the encoded HDR histogram. */
export interface HistogramSeriesPoint {
  kind: 'histogram';
  count: number;
  sum: number;
  /** Percentiles and max of the values observed; null when none was (unknown, not 0). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** The HDR histogram, compressed base64 ('' in API views). */
  h: string;
  /**
   * How `h` counts values: 1, square roots in units of 2^-23 (custom/precision.ts); absent (points stored by
   * earlier versions), thousandths. Not in API views.
   */
  e?: 1;
}

/** One extra history series' value in a point (`HistoryPoint.series`), by the metric's kind. */
export type SeriesPoint = GaugeSeriesPoint | CounterSeriesPoint | HistogramSeriesPoint;

/** Paths a point keeps at most: every custom metric and plugin figure is one. */
export const MAX_SERIES = 300;
/** Numeric figures kept per plugin. */
const MAX_PLUGIN_SERIES = 50;

/** The process-group runtime signals kept per bucket (average and maximum of the samples). */
const PROCESS_SERIES = [
  'event_loop_utilization_percent',
  'event_loop_delay_max_ms',
  'external_mb',
  'array_buffers_mb',
  'rss_mb',
  'open_fds',
] as const;

/** Numeric leaves of a plugin group as `plugins.<name>.<path>` (records keyed as `["key"]`). */
export function pluginLeaves(
  name: string,
  group: unknown,
  out: [string, number][],
  limit = MAX_PLUGIN_SERIES,
): void {
  const walk = (v: unknown, path: string, depth: number): void => {
    if (out.length >= limit || depth > 4) return;
    if (typeof v === 'number' && Number.isFinite(v)) out.push([path, v]);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v)) {
        if (k === 'status' || k === 'error') continue;
        walk(
          child,
          /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
          depth + 1,
        );
      }
    }
  };
  walk(group, `plugins.${name}`, 0);
}

/** Accumulates one bucket's series from samples, then closes them with the bucket's custom figures. */
export class SeriesAccumulator {
  private gauges = new Map<string, { sum: number; n: number; max: number }>();

  add(s: MetricsSnapshot): void {
    const put = (path: string, v: unknown) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      let g = this.gauges.get(path);
      if (!g) {
        if (this.gauges.size >= MAX_SERIES) return;
        g = { sum: 0, n: 0, max: Number.NEGATIVE_INFINITY };
        this.gauges.set(path, g);
      }
      g.sum += v;
      g.n++;
      if (v > g.max) g.max = v;
    };
    if (s.process && !s.process.error) {
      for (const f of PROCESS_SERIES) put(`process.${f}`, s.process[f]);
      if (s.process.gc) put('process.gc.major.total_ms', s.process.gc.major?.total_ms);
    }
    for (const [name, m] of Object.entries(s.custom ?? {})) {
      if (m.type === 'gauge') put(`custom.${name}`, m.value);
    }
    for (const [name, group] of Object.entries(s.plugins ?? {})) {
      if (group.status === 'unknown') continue;
      const leaves: [string, number][] = [];
      pluginLeaves(name, group, leaves);
      for (const [path, v] of leaves) put(path, v);
    }
  }

  /** The bucket's series (undefined when there is none) and a fresh start. */
  close(custom?: ReadonlyMap<string, CustomBucketEntry>): Record<string, SeriesPoint> | undefined {
    const out: Record<string, SeriesPoint> = {};
    let any = false;
    for (const [path, g] of this.gauges) {
      // Relative precision (6 significant digits), the max as read: a ratio of 0.9316 is not 0.932.
      out[path] = { kind: 'gauge', avg: roundSig(g.sum / g.n), max: g.max, n: g.n };
      any = true;
    }
    for (const [name, e] of custom ?? []) {
      any = true;
      if (e.type === 'counter') out[`custom.${name}`] = { kind: 'counter', increase: e.increase };
      else {
        const x = e.lo !== undefined && e.hi !== undefined ? { lo: e.lo, hi: e.hi } : undefined;
        out[`custom.${name}`] = histogramPoint(e.histogram, e.sum, x);
      }
    }
    this.gauges = new Map();
    return any ? out : undefined;
  }
}

function histogramPoint(h: hdr.Histogram, sum: number, extremes?: Extremes): HistogramSeriesPoint {
  // No value observed in the bucket: figuresOf reads its percentiles null (unknown, not 0).
  const f = figuresOf(h, sum, h.totalCount, sum, extremes);
  return {
    kind: 'histogram',
    count: f.count,
    sum: f.sum,
    p50: f.p50,
    p95: f.p95,
    p99: f.p99,
    max: f.max,
    h: h.totalCount > 0 ? hdrLibrary().encodeIntoCompressedBase64(h) : '',
    e: 1,
  };
}

/** A stored point's histogram, decoded, in the current encoding (one in thousandths is counted again). */
function decodePointHistogram(p: HistogramSeriesPoint): hdr.Histogram {
  const old = hdrLibrary().decodeFromCompressedBase64(p.h, 32, false);
  if (p.e === 1) return old;
  const h = createCustomHistogram();
  const x = old as unknown as {
    countsArrayLength: number;
    getCountAtIndex(i: number): number;
    valueFromIndex(i: number): number;
    highestEquivalentValue(v: number): number;
  };
  for (let i = 0; i < x.countsArrayLength; i++) {
    const c = x.getCountAtIndex(i);
    if (c === 0) continue;
    const low = x.valueFromIndex(i);
    // The slot's middle, in thousandths: within 0.05 % of its values (0.001 below 1, as the point was kept).
    h.recordValueWithCount(encodeValue((low + x.highestEquivalentValue(low)) / 2 / 1000), c);
  }
  return h;
}

/** Merges the series of several points (one step; one or many instances). */
export class SeriesMerger {
  private readonly gauges = new Map<string, { sum: number; n: number; max: number }>();
  private readonly counters = new Map<string, number>();
  private readonly histograms = new Map<string, { points: HistogramSeriesPoint[] }>();

  add(series: Record<string, SeriesPoint> | undefined): void {
    if (!series) return;
    for (const [path, p] of Object.entries(series)) {
      if (p.kind === 'gauge') {
        const g = this.gauges.get(path) ?? { sum: 0, n: 0, max: Number.NEGATIVE_INFINITY };
        g.sum += p.avg * p.n;
        g.n += p.n;
        g.max = Math.max(g.max, p.max);
        this.gauges.set(path, g);
      } else if (p.kind === 'counter') {
        this.counters.set(path, (this.counters.get(path) ?? 0) + p.increase);
      } else if (p.kind === 'histogram') {
        const h = this.histograms.get(path) ?? { points: [] };
        h.points.push(p);
        this.histograms.set(path, h);
      }
    }
  }

  /** The merged series; `withHistograms` false leaves the encoded histograms out (API views). */
  result(withHistograms: boolean): Record<string, SeriesPoint> | undefined {
    if (this.gauges.size + this.counters.size + this.histograms.size === 0) return undefined;
    const out: Record<string, SeriesPoint> = {};
    for (const [path, g] of this.gauges) {
      out[path] = { kind: 'gauge', avg: g.n > 0 ? roundSig(g.sum / g.n) : 0, max: g.max, n: g.n };
    }
    for (const [path, inc] of this.counters) out[path] = { kind: 'counter', increase: inc };
    for (const [path, { points }] of this.histograms) {
      let merged: HistogramSeriesPoint;
      if (points.length === 1) merged = points[0] as HistogramSeriesPoint;
      else {
        const h = createCustomHistogram();
        let sum = 0;
        for (const p of points) {
          if (p.h) h.add(decodePointHistogram(p));
          sum += p.sum;
        }
        // A decoded histogram's max is its top slot's edge, above the values recorded: the points'
        // maxima are exact, so the step's max is theirs and no percentile lies above it.
        let max = 0;
        for (const p of points) if (p.count > 0 && p.max !== null) max = Math.max(max, p.max);
        // The least value is not kept in points: only the top is held (by figuresOf, at the exact max).
        merged = histogramPoint(h, sum, { lo: 0, hi: max });
      }
      if (withHistograms) out[path] = merged;
      else {
        const { e: _encoding, ...view } = merged;
        out[path] = { ...view, h: '' };
      }
    }
    return out;
  }
}

/** The series as the API shows them: no encoded histograms. */
export function viewSeries(
  series: Record<string, SeriesPoint> | undefined,
): Record<string, SeriesPoint> | undefined {
  if (!series) return undefined;
  const out: Record<string, SeriesPoint> = {};
  for (const [path, p] of Object.entries(series)) {
    if (p.kind !== 'histogram') {
      out[path] = p;
      continue;
    }
    const { e: _encoding, ...q } = p;
    // Points stored by earlier versions carry 0 where no value was observed: unknown, shown as null.
    if (q.count > 0) out[path] = { ...q, h: '' };
    else out[path] = { ...q, h: '', p50: null, p95: null, p99: null, max: null };
  }
  return out;
}
