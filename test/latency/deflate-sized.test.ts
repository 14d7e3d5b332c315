// The deflate window and hash sized to the input (src/latency/deflate.ts sizedFor, issue 18: ~270 KB allocated per call
// before): history points encoded now decode with hdr-histogram-js' own decoder (node:zlib's inflate behind it) to the
// counts recorded, and points written before (pako at zlib's defaults, or hdr-histogram-js' own encoder: node:zlib)
// still read to the same counts.

import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { deflate, deflateRaw, inflateRaw } from '../../src/latency/deflate.js';
import { createHistogram, encodeHistogram, HISTOGRAM_CONFIG } from '../../src/latency/histogram.js';
import { histogramOf, LatencyCounts } from '../../src/latency/latency-counts.js';
import { normal, rng } from '../helpers/random.js';

const pako = createRequire(import.meta.url)('pako/lib/deflate') as { deflate(d: Uint8Array): Uint8Array };

/** Seeded histograms, built with hdr-histogram-js itself: from one value to 100k, narrow to wide. */
function seeded(): hdr.JsHistogram[] {
  const u = rng(1818);
  return [1, 7, 60, 1_000, 20_000, 100_000].map((n, k) => {
    const h = hdr.build(HISTOGRAM_CONFIG) as hdr.JsHistogram;
    const median = 200 * 4 ** k;
    for (let i = 0; i < n; i++)
      h.recordValue(Math.max(1, Math.round(median * Math.exp((0.3 + k * 0.3) * normal(u)))));
    return h;
  });
}

function countsOf(h: hdr.Histogram): number[] {
  const j = h as hdr.JsHistogram;
  return Array.from({ length: j.countsArrayLength }, (_, i) => j.getCountAtIndex(i));
}

/** The zlib stream inside an encoded V2 histogram (after the cookie and the deflated length). */
function zlibStream(encoded: string): Buffer {
  const framed = Buffer.from(encoded, 'base64');
  return framed.subarray(8, 8 + framed.readInt32BE(4));
}

/** A V2 histogram framed around `deflated`, as hdr-histogram-js frames it. */
function framed(deflated: Uint8Array): string {
  const out = Buffer.alloc(8 + deflated.length);
  out.writeInt32BE(0x1c849304 | 0x10, 0);
  out.writeInt32BE(deflated.length, 4);
  out.set(deflated, 8);
  return out.toString('base64');
}

describe('deflate sized to the input', () => {
  it("writes history points that hdr-histogram-js' own decoder reads to the counts recorded", () => {
    for (const h of seeded()) {
      const ours = createHistogram();
      ours.add(h);
      for (const encoded of [encodeHistogram(ours), LatencyCounts.prototype.encode.call(countsFrom(h))]) {
        // A window under zlib's 32 KB (CINFO < 7): the change is in these bytes, and the decoders still read them.
        expect(zlibStream(encoded)[0]! >> 4).toBeLessThan(7);
        const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
        expect(decoded.totalCount).toBe(h.totalCount);
        expect(countsOf(decoded)).toEqual(countsOf(h));
      }
    }
  });

  it('reads points written before: pako at the defaults, and hdr-histogram-js with node:zlib', () => {
    for (const h of seeded()) {
      const raw = zlib.inflateSync(zlibStream(hdr.encodeIntoCompressedBase64(h)));
      for (const older of [hdr.encodeIntoCompressedBase64(h), framed(pako.deflate(raw))]) {
        expect(zlibStream(older)[0]! >> 4).toBe(7); // a 32 KB window
        expect(countsOf(histogramOf(older))).toEqual(countsOf(h));
      }
    }
  });

  it('inflates as zlib does for every size across the window steps, raw and zlib-framed', () => {
    const u = rng(77);
    for (const n of [0, 1, 249, 250, 251, 506, 762, 1_786, 3_834, 7_930, 16_122, 32_506, 32_507, 70_000]) {
      const data = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++)
        data[i] = u() < 0.6 && i > 300 ? (data[i - 300] as number) : Math.floor(u() * 40);
      expect(zlib.inflateSync(deflate(data)).equals(data)).toBe(true);
      expect(zlib.inflateRawSync(deflateRaw(data)).equals(data)).toBe(true);
      expect(inflateRaw(deflateRaw(data)).equals(data)).toBe(true);
      // As small as the defaults' output, within a few bytes (the window spans the whole input).
      expect(deflate(data).length).toBeLessThanOrEqual(pako.deflate(data).length + 8);
    }
  });
});

/** A LatencyCounts holding `h`'s counts (what a history rollup encodes). */
function countsFrom(h: hdr.JsHistogram): LatencyCounts {
  const c = new LatencyCounts();
  c.addEncoded(hdr.encodeIntoCompressedBase64(h));
  return c;
}
