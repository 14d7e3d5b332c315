// One histogram configuration for the whole library, so that histograms recorded anywhere
// (request windows, @timed functions, history points, other instances) can be merged exactly.

import { createRequire } from 'node:module';
import type * as Hdr from 'hdr-histogram-js';

export type Histogram = Hdr.Histogram;

let lib: typeof Hdr | undefined;

/**
 * hdr-histogram-js, loaded on first use: loading it costs ~20 ms that the request path never needs
 * (requests are recorded in plain count arrays; see latency-ring.ts), so importing sysvitals does not pay it.
 */
export function hdrLibrary(): typeof Hdr {
  if (!lib) {
    // CJS build: __filename; ESM (and vitest/tsx): import.meta.url. A bare `require` would be esbuild's
    // throwing shim in the ESM build.
    const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    lib = load('hdr-histogram-js') as typeof Hdr;
  }
  return lib;
}

/** Values are recorded in microseconds: 1 µs resolution, 2 significant digits (≤ 1% error). */
export const HISTOGRAM_CONFIG = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000, // one hour; autoResize extends it if ever needed
  numberOfSignificantValueDigits: 2,
  useWebAssembly: false,
} as const satisfies Hdr.BuildRequest;
const BUILD: Hdr.BuildRequest = HISTOGRAM_CONFIG;

export function createHistogram(): Histogram {
  return hdrLibrary().build(BUILD);
}

/** Records a duration given in milliseconds; negative and non-finite values are ignored. */
export function recordMs(h: Histogram, ms: number): void {
  if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY) return;
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function encodeHistogram(h: Histogram): string {
  return hdrLibrary().encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdrLibrary().decodeFromCompressedBase64(encoded, 32, false);
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

/**
 * Percentiles, mean and max of a histogram. A percentile is its slot's highest equivalent value, which
 * can lie above every value recorded: it is capped at the max, so a figure is never outside [min, max].
 */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0, avg_ms: 0, max_ms: 0 };
  const max = h.maxValue;
  const at = (p: number) => usToMs(Math.min(h.getValueAtPercentile(p), max));
  return {
    count: h.totalCount,
    p50_ms: at(50),
    p95_ms: at(95),
    p99_ms: at(99),
    avg_ms: usToMs(Math.min(h.mean, max)),
    max_ms: usToMs(max),
  };
}
