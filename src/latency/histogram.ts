// One histogram configuration for the whole library, so that histograms recorded anywhere
// (request windows, @timed functions, history points, other instances) can be merged exactly.

import { createRequire } from 'node:module';
import type * as Hdr from 'hdr-histogram-js';

export type Histogram = Hdr.Histogram;

/** What sysvitals uses of hdr-histogram-js: JavaScript histograms, built, encoded and decoded (never WebAssembly). */
export interface HdrLibrary {
  build(request: Hdr.BuildRequest): Histogram;
  encodeIntoCompressedBase64(h: Histogram): string;
  decodeFromCompressedBase64(encoded: string, bitBucketSize: 32, useWebAssembly: false): Histogram;
  JsHistogram: typeof Hdr.JsHistogram;
}

let lib: HdrLibrary | undefined;

/** hdr-histogram-js's BuildRequest defaults (HistogramBuilder.ts), which build() completes a request with. */
const BUILD_DEFAULTS = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 2,
  numberOfSignificantValueDigits: 3,
} as const;

type HistogramClass = new (lowest: number, highest: number, digits: number) => Histogram;

/**
 * hdr-histogram-js, loaded on first use: loading it costs ~20 ms that the request path never needs
 * (requests are recorded in plain count arrays; see latency-ring.ts), so importing sysvitals does not pay it.
 * Only its JavaScript modules are loaded, not its index: the index also loads its WebAssembly build, whose
 * loader (@assemblyscript/loader) assigns `Object.hasOwn` as it loads, and that store deoptimizes the host
 * application's optimized code that uses `Object` (Koa's createContext and handleRequest, measured: issue 18),
 * at the monitor's first history flush. build, encode and decode are the index's own for JavaScript histograms
 * (HistogramBuilder's build, encoding.ts's decodeFromCompressedBase64 with useWebAssembly false).
 */
export function hdrLibrary(): HdrLibrary {
  if (!lib) {
    // CJS build: __filename; ESM (and vitest/tsx): import.meta.url. A bare `require` would be esbuild's
    // throwing shim in the ESM build.
    const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const dist = 'hdr-histogram-js/dist/';
    const { JsHistogram } = load(`${dist}JsHistogram`) as typeof Hdr;
    // Sets JsHistogram.decode and JsHistogram.prototype.encodeIntoCompressedBase64 (deflate: node:zlib).
    const encoding = load(`${dist}JsHistogram.encoding`) as { decompress(data: Uint8Array): Uint8Array };
    const { constructorFromBucketSize } = load(`${dist}JsHistogramFactory`) as {
      constructorFromBucketSize(bits: Hdr.BitBucketSize): HistogramClass;
    };
    // The library's own base64 decoder (its dependency, resolved from it): the same errors on a bad string.
    const base64 = createRequire(load.resolve('hdr-histogram-js'))('base64-js') as {
      toByteArray(s: string): Uint8Array;
    };
    const decode = (JsHistogram as unknown as { decode(d: Uint8Array, bits: number, min: number): Histogram })
      .decode;
    lib = {
      JsHistogram,
      build(request) {
        const p = { ...BUILD_DEFAULTS, ...request };
        const h = new (constructorFromBucketSize(p.bitBucketSize))(
          p.lowestDiscernibleValue,
          p.highestTrackableValue,
          p.numberOfSignificantValueDigits,
        );
        h.autoResize = p.autoResize;
        return h;
      },
      encodeIntoCompressedBase64: (h) => {
        if (!(h instanceof JsHistogram)) throw new Error('Unsupported Histogram implementation');
        return (h as unknown as { encodeIntoCompressedBase64(): string }).encodeIntoCompressedBase64();
      },
      decodeFromCompressedBase64: (encoded, bitBucketSize) =>
        decode(encoding.decompress(base64.toByteArray(encoded.trim())), bitBucketSize, 0),
    };
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
