// Extra history series beyond the fixed point fields, by metric path: runtime signals, custom metrics
// and plugin figures. Gauges keep the samples' average and maximum, counters their increase in the
// bucket, histograms their HDR histogram (so percentiles over longer steps come from merged
// histograms, never from averaged percentiles).

import type * as hdr from 'hdr-histogram-js';
import { round } from '../alerts/status.js';
import { createCustomHistogram, figuresOf } from '../custom/histogram.js';
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
      out[path] = { kind: 'gauge', avg: round(g.sum / g.n, 3), max: round(g.max, 3), n: g.n };
      any = true;
    }
    for (const [name, e] of custom ?? []) {
      any = true;
      if (e.type === 'counter') out[`custom.${name}`] = { kind: 'counter', increase: e.increase };
      else out[`custom.${name}`] = histogramPoint(e.histogram, e.sum);
    }
    this.gauges = new Map();
    return any ? out : undefined;
  }
}

function histogramPoint(h: hdr.Histogram, sum: number): HistogramSeriesPoint {
  // No value observed in the bucket: figuresOf reads its percentiles null (unknown, not 0).
  const f = figuresOf(h, sum, h.totalCount, sum);
  return {
    kind: 'histogram',
    count: f.count,
    sum: f.sum,
    p50: f.p50,
    p95: f.p95,
    p99: f.p99,
    max: f.max,
    h: h.totalCount > 0 ? hdrLibrary().encodeIntoCompressedBase64(h) : '',
  };
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
      out[path] = { kind: 'gauge', avg: g.n > 0 ? round(g.sum / g.n, 3) : 0, max: round(g.max, 3), n: g.n };
    }
    for (const [path, inc] of this.counters) out[path] = { kind: 'counter', increase: inc };
    for (const [path, { points }] of this.histograms) {
      let merged: HistogramSeriesPoint;
      if (points.length === 1) merged = points[0] as HistogramSeriesPoint;
      else {
        const h = createCustomHistogram();
        let sum = 0;
        for (const p of points) {
          if (p.h) h.add(hdrLibrary().decodeFromCompressedBase64(p.h, 32, false));
          sum += p.sum;
        }
        // A decoded histogram's max is its top slot's edge, above the values recorded: the points'
        // maxima are exact, so the step's max is theirs and no percentile lies above it.
        let max = 0;
        for (const p of points) if (p.count > 0 && p.max !== null) max = Math.max(max, p.max);
        const m = histogramPoint(h, sum);
        const cap = (v: number | null) => (v === null ? null : Math.min(v, max));
        merged = { ...m, p50: cap(m.p50), p95: cap(m.p95), p99: cap(m.p99), max: cap(m.max) };
      }
      out[path] = withHistograms ? merged : { ...merged, h: '' };
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
    if (p.kind !== 'histogram') out[path] = p;
    // Points stored by earlier versions carry 0 where no value was observed: unknown, shown as null.
    else if (p.count > 0) out[path] = { ...p, h: '' };
    else out[path] = { ...p, h: '', p50: null, p95: null, p99: null, max: null };
  }
  return out;
}
