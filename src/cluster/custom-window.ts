// Custom histograms' sliding windows between processes (cluster mode): a worker's windows as they stand, sent
// with its window in its hello, so that a new aggregator rebuilds the cluster's window percentiles from the live
// workers instead of reading an empty window until new reports arrive (issue #13).

import type { HistogramCounts, HistogramDelta } from '../custom/histogram-delta.js';
import type { CustomMetric } from '../custom/registry.js';
import { packRuns } from './counts-wire.js';
import { type HistWire, readHistogram } from './custom-wire.js';

/** One histogram's window: name, window length (ms), per label set its values, age (ms) and two slots. */
export interface CustomWindowWire {
  n: string;
  w: number;
  s: Array<{ v: string[]; a: number; h: [HistWire, HistWire] }>;
}

/** One histogram's window, read back and checked. */
export interface CustomWindow {
  name: string;
  windowMs: number;
  series: Array<{ values: string[]; ageMs: number; slots: [HistogramDelta, HistogramDelta] }>;
}

/** A whole HDR histogram for the wire (encoded values by index, its extremes), no Prometheus buckets. */
function histogramWire(h: HistogramCounts, sum: number): HistWire {
  const x = h;
  const c: number[] = [];
  if (h.totalCount > 0) {
    const top = x.countsArrayIndex(h.maxValue);
    let at = 0;
    for (let i = 0; i <= top; i++) {
      const n = x.getCountAtIndex(i);
      if (n <= 0) continue;
      if (i > at) c.push(at - i);
      c.push(n);
      at = i + 1;
    }
  }
  const n = h.totalCount;
  const min = n > 0 && h.minNonZeroValue <= h.maxValue ? h.minNonZeroValue : null;
  const w: HistWire = { n, s: sum, m: min, x: n > 0 ? h.maxValue : 0, c: packRuns(c), b: [] };
  const e = h as { lo?: number; hi?: number; extremesKnown?: boolean };
  if (n > 0 && e.extremesKnown && e.lo !== undefined && e.hi !== undefined && e.lo <= e.hi) {
    w.a = e.lo;
    w.z = e.hi;
  }
  return w;
}

/** The windows of a registry's histograms (label sets with values in them only); undefined when none. */
export function takeCustomWindows(
  source: { all(): Iterable<CustomMetric> },
  now: number,
): CustomWindowWire[] | undefined {
  let out: CustomWindowWire[] | undefined;
  for (const m of source.all()) {
    if (m.type !== 'histogram') continue;
    const w = m.windowStates(now);
    const valuesOf = (labels: Record<string, string>) => m.config.labels.map((l) => labels[l] ?? '');
    const s: CustomWindowWire['s'] = [];
    for (const x of w.series) {
      const [a, b] = x.slots;
      if (a.histogram.totalCount === 0 && b.histogram.totalCount === 0) continue;
      s.push({
        v: valuesOf(x.labels),
        a: Math.max(0, Math.round(x.ageMs)),
        h: [histogramWire(a.histogram, a.sum), histogramWire(b.histogram, b.sum)],
      });
    }
    if (s.length === 0) continue;
    out ??= [];
    out.push({ n: m.name, w: w.windowMs, s });
  }
  return out;
}

const text = (v: unknown, max: number): string => {
  if (typeof v !== 'string' || v.length > max) throw new Error('bad custom window');
  return v;
};

/** Reads custom windows from the wire; throws on anything malformed (the window is then not used). */
export function decodeCustomWindows(w: unknown): CustomWindow[] {
  if (!Array.isArray(w) || w.length > 1000) throw new Error('bad custom window');
  return w.map((x: CustomWindowWire) => {
    if (
      x === null ||
      typeof x !== 'object' ||
      typeof x.w !== 'number' ||
      !(x.w > 0) ||
      !Array.isArray(x.s) ||
      x.s.length > 100_000
    )
      throw new Error('bad custom window');
    const series = x.s.map((s) => {
      if (
        s === null ||
        typeof s !== 'object' ||
        !Array.isArray(s.v) ||
        typeof s.a !== 'number' ||
        !(s.a >= 0) ||
        !Array.isArray(s.h) ||
        s.h.length !== 2
      )
        throw new Error('bad custom window');
      const slots: [HistogramDelta, HistogramDelta] = [
        readHistogram(s.h[0], undefined),
        readHistogram(s.h[1], undefined),
      ];
      return { values: s.v.map((v) => text(v, 1024)), ageMs: s.a, slots };
    });
    return { name: text(x.n, 200), windowMs: x.w, series };
  });
}

/**
 * Adds workers' custom windows to the cluster's histograms (window only: totals come with the reports).
 * A metric the cluster does not know as a histogram, or of another window length, is left out.
 */
export function applyCustomWindows(
  registry: { get(name: string): CustomMetric | undefined },
  windows: readonly CustomWindow[],
  now: number,
): void {
  for (const w of windows) {
    const m = registry.get(w.name);
    if (m?.type !== 'histogram') continue;
    for (const s of w.series) {
      if (s.values.length !== m.config.labels.length) continue;
      const labels: Record<string, string> = {};
      m.config.labels.forEach((l, i) => {
        labels[l] = s.values[i] ?? '';
      });
      if (!m.absorbWindow(labels, w.windowMs, s.ageMs, s.slots, now)) break;
    }
  }
}
