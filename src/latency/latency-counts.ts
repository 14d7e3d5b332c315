// Latency histograms merged as counts: the encoded histograms of history points (src/latency/histogram.ts)
// read straight into one counts array, percentiles computed as hdr-histogram-js computes them.

import { deflate, inflate } from './deflate.js';
import { createHistogram, decodeHistogram, type Histogram } from './histogram.js';
import {
  encodeV2,
  readV2Counts,
  V2_COMPRESSED_COOKIE,
  V2_COMPRESSED_COOKIE_OUT,
  V2_COOKIE,
} from './v2-encoding.js';

// Why not hdr-histogram-js's decode + add: ~60 µs a point (a fresh 13 KB counts array each time).
// Reading the V2 encoding straight into one shared counts array costs ~25 µs compressed (nearly all
// of it inflate) and a few µs uncompressed. The index space is the same for every histogram built by
// src/latency/histogram.ts, so counts at equal indexes are counts of equal values.

interface JsHistogramInternals {
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  countsArrayLength: number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
}

let template: JsHistogramInternals | undefined;
/** A histogram of the shared config, for its layout methods; built on first use (see histogram.ts's lazy load). */
function layout(): JsHistogramInternals {
  template ??= createHistogram() as unknown as JsHistogramInternals;
  return template;
}
const ulp = (x: number) => 2 ** (Math.floor(Math.log2(x)) - 52);

/** Counts by HDR index, merged from encoded histograms; percentiles as hdr-histogram-js computes them. */
export class LatencyCounts {
  // Allocated on the first count (32 KB), so a merger that never decodes costs nothing.
  private counts = new Float64Array(0);
  private top = -1;
  total = 0;

  reset(): void {
    if (this.top >= 0) this.counts.fill(0, 0, this.top + 1);
    this.top = -1;
    this.total = 0;
  }

  /** Adds an encoded histogram; an empty or unreadable one adds nothing. */
  addEncoded(encoded: string): void {
    if (!encoded) return;
    try {
      this.decodeInto(encoded);
    } catch {
      // A corrupt member must not break a history query; it only loses its latencies.
    }
  }

  private bump(index: number, count: number): void {
    if (index >= this.counts.length) {
      const grown = new Float64Array(Math.max(index + 1, this.counts.length * 2, 4096));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[index]! += count;
    this.total += count;
    if (index > this.top) this.top = index;
  }

  private decodeInto(encoded: string): void {
    const buf = Buffer.from(encoded, 'base64');
    if (buf.length < 8) throw new Error('not V2');
    const cookie = buf.readInt32BE(0) & ~0xf0;
    let raw: Buffer;
    if (cookie === V2_COOKIE) raw = buf;
    // pako's inflate (src/latency/deflate.ts): reads what Node's zlib wrote (earlier versions' points) and what pako writes.
    else if (cookie === V2_COMPRESSED_COOKIE) raw = inflate(buf.subarray(8, 8 + buf.readInt32BE(4)));
    else throw new Error('not V2');
    if (raw.length < 40 || (raw.readInt32BE(0) & ~0xf0) !== V2_COOKIE) throw new Error('not V2');
    const payload = raw.readInt32BE(4);
    const digits = raw.readInt32BE(12);
    const lowest = raw.readUInt32BE(16) * 2 ** 32 + raw.readUInt32BE(20);
    if (digits !== layout().numberOfSignificantValueDigits || lowest !== layout().lowestDiscernibleValue) {
      this.addForeign(raw);
      return;
    }
    readV2Counts(raw, 40, Math.min(raw.length, 40 + payload), (index, n) => this.bump(index, n));
  }

  /** A histogram with another configuration: slow path through hdr-histogram-js, value by value. */
  private addForeign(raw: Buffer): void {
    const deflated = deflate(raw);
    const framed = Buffer.allocUnsafe(8 + deflated.length);
    framed.writeInt32BE(V2_COMPRESSED_COOKIE_OUT, 0);
    framed.writeInt32BE(deflated.length, 4);
    deflated.copy(framed, 8);
    const h = decodeHistogram(framed.toString('base64')) as unknown as JsHistogramInternals;
    for (let i = 0; i < h.countsArrayLength; i++) {
      const c = h.getCountAtIndex(i);
      if (c > 0) this.bump(layout().countsArrayIndex(h.valueFromIndex(i)), c);
    }
  }

  /** Values (ms, as summarize() rounds them) at the given ascending percentiles, in one pass. */
  percentilesMs(percentiles: readonly number[]): number[] {
    const out = percentiles.map(() => 0);
    if (this.total === 0) return out;
    const targets = percentiles.map((p) => {
      const fp = (Math.min(p, 100) / 100) * this.total;
      return Math.max(Math.ceil(fp - ulp(fp)), 1);
    });
    let k = 0;
    let seen = 0;
    for (let i = 0; i <= this.top && k < targets.length; i++) {
      seen += this.counts[i]!;
      while (k < targets.length && seen >= targets[k]!) {
        out[k++] = Math.round(layout().highestEquivalentValue(layout().valueFromIndex(i))) / 1000;
      }
    }
    return out;
  }

  /**
   * How many values lie above `ms`: the counts of the slots whose lowest value is above it (a value in the
   * slot that holds `ms` itself, within HDR's 1 %, is not counted).
   */
  countAboveMs(ms: number): number {
    if (this.total === 0 || !(ms >= 0)) return 0;
    const us = ms * 1000;
    let above = 0;
    for (let i = this.top; i >= 0; i--) {
      if (!(layout().valueFromIndex(i) > us)) break;
      above += this.counts[i]!;
    }
    return above;
  }

  toHistogram(): Histogram {
    const h = createHistogram();
    for (let i = 0; i <= this.top; i++) {
      const c = this.counts[i]!;
      if (c > 0) h.recordValueWithCount(layout().valueFromIndex(i), c);
    }
    return h;
  }

  /**
   * The counts in HDR's V2 encoding, base64, without building a histogram (building one value by
   * value and hdr-histogram-js's encoder cost ~1.5 ms for a busy half-hour). Compressed, it is byte
   * for byte what encodeHistogram(toHistogram()) gives (which hdr-histogram-js decodes to the same counts). Uncompressed (`compressed: false`) it is
   * ~25% larger for a merged half-hour but decodes ~10× faster (no inflate): rollups use it, since the
   * fleet view decodes hundreds of them per query.
   */
  encode(compressed = true): string {
    if (this.total === 0) return '';
    const highest =
      this.top < layout().countsArrayLength
        ? layout().highestTrackableValue
        : layout().highestEquivalentValue(layout().valueFromIndex(this.top));
    const counts = this.counts;
    return encodeV2(
      (i) => counts[i]!,
      this.top + 1,
      {
        numberOfSignificantValueDigits: layout().numberOfSignificantValueDigits,
        lowestDiscernibleValue: layout().lowestDiscernibleValue,
        highestTrackableValue: highest,
      },
      compressed,
    );
  }
}

/**
 * The hdr-histogram-js Histogram of a point's `histogram` field, in either encoding ('' gives an
 * empty histogram), for callers who want more than p50/p95/p99.
 */
export function histogramOf(encoded: string): Histogram {
  const counts = new LatencyCounts();
  counts.addEncoded(encoded);
  return counts.toHistogram();
}
