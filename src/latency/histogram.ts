// One histogram configuration for the whole library, so that histograms recorded anywhere
// (request windows, @timed functions, history points, other instances) can be merged exactly.

import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Values are recorded in microseconds: 1 µs resolution, 2 significant digits (≤ 1% error). */
const BUILD: hdr.BuildRequest = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000, // one hour; autoResize extends it if ever needed
  numberOfSignificantValueDigits: 2,
  useWebAssembly: false,
};

export function createHistogram(): Histogram {
  return hdr.build(BUILD);
}

/** Records a duration given in milliseconds; negative and non-finite values are ignored. */
export function recordMs(h: Histogram, ms: number): void {
  if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY) return;
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

export interface LatencySummary {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  avg_ms: number;
  max_ms: number;
}

const usToMs = (us: number) => Math.round(us) / 1000;

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0, avg_ms: 0, max_ms: 0 };
  return {
    count: h.totalCount,
    p50_ms: usToMs(h.getValueAtPercentile(50)),
    p95_ms: usToMs(h.getValueAtPercentile(95)),
    p99_ms: usToMs(h.getValueAtPercentile(99)),
    avg_ms: usToMs(h.mean),
    max_ms: usToMs(h.maxValue),
  };
}
