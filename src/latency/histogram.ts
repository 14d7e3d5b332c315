// One histogram configuration for the whole library, so that histograms recorded anywhere
// (request windows, @timed functions, history points, other instances) can be merged exactly.

import { createRequire } from 'node:module';
import type * as Hdr from 'hdr-histogram-js';
import { inflate, warmDeflateSteps } from './deflate.js';
import { encodeV2, readV2Counts, V2_COMPRESSED_COOKIE, V2_COOKIE } from './v2-encoding.js';

export type Histogram = Hdr.Histogram;

/** What sysvitals uses of hdr-histogram-js: JavaScript histograms, built, encoded and decoded (never WebAssembly). */
export interface HdrLibrary {
  build(request: Hdr.BuildRequest): Histogram;
  encodeIntoCompressedBase64(h: Histogram): string;
  decodeFromCompressedBase64(encoded: string, bitBucketSize: 32, useWebAssembly: false): Histogram;
  JsHistogram: typeof Hdr.JsHistogram;
}

let lib: HdrLibrary | undefined;
let toByteArray: ((s: string) => Uint8Array) | undefined;

/** hdr-histogram-js's BuildRequest defaults (HistogramBuilder.ts), which build() completes a request with. */
const BUILD_DEFAULTS = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 2,
  numberOfSignificantValueDigits: 3,
} as const;

type HistogramClass = new (lowest: number, highest: number, digits: number) => Histogram;

const DIST = 'hdr-histogram-js/dist/';
let hdrRequire: NodeJS.Require | undefined;
/** require() from this module: CJS build: __filename; ESM (and vitest/tsx): import.meta.url. A bare `require` would be esbuild's throwing shim in the ESM build. */
function loadHdr(id: string): unknown {
  hdrRequire ??= createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  return hdrRequire(id);
}

/**
 * The modules a histogram's build needs (JsHistogram.js, JsHistogramFactory.js and what they require), leaves
 * first, so that requiring them one at a time (warmHistogramSteps) compiles one small file per step; a name a
 * later version of the library lacks fails its step alone (the last steps load whatever is left).
 */
const CORE_MODULES = [
  'HistogramIterationValue',
  'JsHistogramIterator',
  'RecordedValuesIterator',
  'PercentileIterator',
  'formatters',
  'ulp',
  'Histogram',
  'JsHistogram',
  'packedarray/PackedArrayContext',
  'packedarray/PackedArray',
  'PackedHistogram',
  'TypedArrayHistogram',
  'Int8Histogram',
  'Int16Histogram',
  'Int32Histogram',
  'Float64Histogram',
  'JsHistogramFactory',
];

/**
 * hdr-histogram-js, loaded on first use: loading it costs ~20 ms that the request path never needs
 * (requests are recorded in plain count arrays; see latency-ring.ts), so importing sysvitals does not pay it.
 * Only its JavaScript modules are loaded, not its index: the index also loads its WebAssembly build, whose
 * loader (@assemblyscript/loader) assigns `Object.hasOwn` as it loads, and that store deoptimizes the host
 * application's optimized code that uses `Object` (Koa's createContext and handleRequest, measured: issue 18),
 * at the monitor's first history flush. build is the index's own for JavaScript histograms (HistogramBuilder's
 * build). Encoding and decoding are sysvitals' own (v2-encoding.ts, decodeV2: the library's V2 format, deflated
 * by pako, src/latency/deflate.ts), so the library's encoding module, which loads node:zlib and inflates with its streams,
 * is never loaded: one node:zlib stream built leaves Node's HTTP path megamorphic (issue 18).
 */
export function hdrLibrary(): HdrLibrary {
  if (!lib) {
    const { JsHistogram } = loadHdr(`${DIST}JsHistogram`) as typeof Hdr;
    const { constructorFromBucketSize } = loadHdr(`${DIST}JsHistogramFactory`) as {
      constructorFromBucketSize(bits: Hdr.BitBucketSize): HistogramClass;
    };
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
        const self = h as unknown as JsHistogramInternals;
        return encodeV2((i) => self.getCountAtIndex(i), self.countsArrayIndex(self.maxValue) + 1, self, true);
      },
      decodeFromCompressedBase64: (encoded, bitBucketSize) =>
        decodeV2(decompress(base64ToBytes(encoded.trim())), bitBucketSize, constructorFromBucketSize),
    };
  }
  return lib;
}

/** What encodeV2 reads of a JsHistogram (its own encoder reads the same). */
export interface JsHistogramInternals {
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  maxValue: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
}

/** The library's base64 decoder (its dependency base64-js, resolved from it): the same errors on a bad string. */
function base64ToBytes(s: string): Uint8Array {
  if (!toByteArray) {
    loadHdr(`${DIST}JsHistogram`);
    const base64 = createRequire((hdrRequire as NodeJS.Require).resolve('hdr-histogram-js'))('base64-js') as {
      toByteArray(s: string): Uint8Array;
    };
    toByteArray = base64.toByteArray;
  }
  return toByteArray(s);
}

/** JsHistogram.encoding.js's decompress, with pako's inflate (reads Node's zlib's output and pako's alike). */
function decompress(data: Uint8Array): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 8 || (view.getInt32(0) & ~0xf0) !== V2_COMPRESSED_COOKIE) {
    throw new Error('Encoding not supported, only V2 is supported');
  }
  return inflate(data.subarray(8, 8 + view.getUint32(4)));
}

/**
 * JsHistogram.encoding.js's doDecode (minBarForHighestTrackableValue 0): the header as its ByteBuffer reads it
 * (words unsigned, an int64 as high * 2^32 + low), the counts set index by index, then its tracking values.
 */
function decodeV2(
  data: Uint8Array,
  bitBucketSize: number,
  constructorFromBucketSize: (bits: Hdr.BitBucketSize) => HistogramClass,
): Histogram {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 40 || (view.getInt32(0) & ~0xf0) !== V2_COOKIE) {
    throw new Error('The buffer does not contain a Histogram (no valid V2 encoding cookie found)');
  }
  const int64 = (at: number) => view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
  const payload = view.getUint32(4);
  const digits = view.getUint32(12);
  const lowest = int64(16);
  const highest = Math.max(int64(24), 0);
  const h = new (constructorFromBucketSize(bitBucketSize as Hdr.BitBucketSize))(lowest, highest, digits);
  const self = h as unknown as {
    setCountAtIndex(index: number, count: number): void;
    establishInternalTackingValues(length: number): void;
  };
  const filled = readV2Counts(data, 40, 40 + payload, (index, n) => self.setCountAtIndex(index, n));
  self.establishInternalTackingValues(filled);
  return h;
}

/** True once hdr-histogram-js's modules that a history point needs are loaded. */
export function hdrLoaded(): boolean {
  return lib !== undefined;
}

/**
 * What the first history point with requests would load and compile, as steps of about a millisecond each
 * (one small module, or one call), to run one per loop turn before it (src/monitor/history-warm.ts): the
 * library's modules one by one, pako's (src/latency/deflate.ts), then a histogram built, encoded and read back once, so
 * that the flush finds them compiled. Each step's failure is its own: what is not loaded then loads at the flush.
 */
export function warmHistogramSteps(): Array<() => void> {
  const steps: Array<() => void> = CORE_MODULES.map((name) => () => {
    loadHdr(`${DIST}${name}`);
  });
  steps.push(
    () => hdrLibrary(),
    ...warmDeflateSteps(),
    () => {
      const h = createHistogram();
      recordMs(h, 1);
      summarize(h);
      encodeHistogram(h);
    },
  );
  return steps;
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
