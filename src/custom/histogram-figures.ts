// The figures of a custom histogram's window, of a label set's or of a history bucket (count, sum, mean, exact
// min/max, percentiles at the middle of their slot: precision.ts), from whatever holds the HDR counts.

import { decodeValue, roundSig } from './precision.js';
import { hdrSlot, type SlotCounts, slotLowest } from './slot-counts.js';
import type { HistogramFigures } from './types.js';

/** What figures are read from: an hdr-histogram-js histogram, or a label set's SlotCounts. */
export interface PercentileSource {
  readonly totalCount: number;
  readonly maxValue: number;
  readonly minNonZeroValue: number;
  getValueAtPercentile(p: number): number;
  /** SlotCounts' exact extremes (in the metric's unit) and whether they cover every count. */
  readonly lo?: number;
  readonly hi?: number;
  readonly extremesKnown?: boolean;
}

/** Exact least and largest values, in the metric's unit. */
export interface Extremes {
  lo: number;
  hi: number;
}

/** The exact extremes of `h` (its own, or `given`), else those its encoded ones stand for. */
function extremesOf(h: PercentileSource, given: Extremes | undefined): Extremes {
  if (given && given.lo <= given.hi) return given;
  if (h.extremesKnown && h.lo !== undefined && h.hi !== undefined && h.lo <= h.hi)
    return { lo: h.lo, hi: h.hi };
  const max = h.maxValue;
  const hasZero = h.getValueAtPercentile(0) === 0;
  return {
    lo: hasZero || h.minNonZeroValue > max ? 0 : decodeValue(h.minNonZeroValue),
    hi: decodeValue(max),
  };
}

export function figuresOf(
  h: PercentileSource,
  sum: number,
  countTotal: number,
  sumTotal: number,
  extremes?: Extremes,
): HistogramFigures {
  const n = h.totalCount;
  // No value in the window: no reading, not 0 (as every other figure of nothing measured: outside review 11, F7).
  if (n === 0) {
    return {
      count: 0,
      sum,
      avg: null,
      min: null,
      max: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      count_total: countTotal,
      sum_total: sumTotal,
    };
  }
  const { lo, hi } = extremesOf(h, extremes);
  // A percentile is read at the middle of what its slot can hold (the values whose encoding falls in it, within
  // the exact [min, max]: within 0.098 % of each), to 6 significant digits, and held inside [min, max]: no figure
  // lies outside the values recorded, and one value, or a percentile at the top value alone, reads exactly.
  const at = (p: number) => {
    // Nearest rank: the first or the last value is the exact min or max.
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    if (rank >= n) return hi;
    if (rank === 1) return lo;
    const top = h.getValueAtPercentile(p);
    const a = Math.max(lo, decodeValue(Math.max(0, slotLowest(hdrSlot(top)) - 0.5)));
    const b = Math.min(hi, decodeValue(top + 0.5));
    return Math.min(hi, Math.max(lo, roundSig(a >= b ? Math.min(a, b) : (a + b) / 2)));
  };
  return {
    count: n,
    sum,
    avg: Math.min(hi, Math.max(lo, roundSig(sum / n))),
    min: lo,
    max: hi,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    count_total: countTotal,
    sum_total: sumTotal,
  };
}

/**
 * The window of a label set (its two slots) or of the histogram (the merged window) as figuresOf reads it: the
 * count, extremes (encoded and exact) of the parts that hold values (as SlotCounts.add merges them), percentiles searched over the parts.
 */
export class WindowView implements PercentileSource {
  maxValue = 0;
  minNonZeroValue = Number.MAX_SAFE_INTEGER;
  lo = Number.POSITIVE_INFINITY;
  hi = Number.NEGATIVE_INFINITY;
  extremesKnown = true;

  constructor(
    public totalCount: number,
    private readonly at: (p: number) => number,
  ) {}

  /** Takes in the extremes of `p` when it holds values. */
  widen(p: SlotCounts): void {
    if (p.totalCount === 0) return;
    if (p.maxValue > this.maxValue) this.maxValue = p.maxValue;
    if (p.minNonZeroValue < this.minNonZeroValue) this.minNonZeroValue = p.minNonZeroValue;
    if (p.lo < this.lo) this.lo = p.lo;
    if (p.hi > this.hi) this.hi = p.hi;
    if (!p.extremesKnown) this.extremesKnown = false;
  }

  getValueAtPercentile(p: number): number {
    return this.at(p);
  }
}
