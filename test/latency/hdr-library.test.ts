// src/latency/histogram.ts loads hdr-histogram-js's JavaScript modules only (issue 18): its build must be the
// library's own, and its encoding and decoding the library's format, checked against the library's index (the
// oracle). The compressed bytes are pako's deflate, not Node's zlib's (issue 18: no node:zlib stream in the
// process), so the oracle is the decoding: the index reads our encoding to exactly the counts we encoded, and we
// read what the index wrote (Node's zlib: what sysvitals wrote before, points already stored) to its counts.

import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HISTOGRAM_CONFIG,
  hdrLibrary,
} from '../../src/latency/histogram.js';

/** Every count of a histogram, by index: equal arrays are equal histograms (same config, same counts). */
function countsOf(h: hdr.Histogram): number[] {
  const self = h as unknown as { countsArrayLength: number; getCountAtIndex(i: number): number };
  return Array.from({ length: self.countsArrayLength }, (_, i) => self.getCountAtIndex(i));
}

/** Deterministic values over six decades (µs), with repeats: a fixed seed, no Math.random. */
function values(): number[] {
  const out: number[] = [];
  let x = 12345;
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(1 + Math.floor((x / 2 ** 31) ** 3 * 5_000_000));
  }
  return out;
}

describe('hdrLibrary (JavaScript modules of hdr-histogram-js)', () => {
  it("builds the same histogram as the index, and encodes it to what the index's decoder reads to the same counts", () => {
    const ours = createHistogram();
    const theirs = hdr.build(HISTOGRAM_CONFIG);
    expect(ours.constructor).toBe(theirs.constructor);
    for (const v of values()) {
      ours.recordValue(v);
      theirs.recordValue(v);
    }
    expect(ours.autoResize).toBe(true);
    expect(ours.highestTrackableValue).toBe(theirs.highestTrackableValue);
    expect(ours.totalCount).toBe(5000);
    expect(countsOf(ours)).toEqual(countsOf(theirs));
    const back = hdr.decodeFromCompressedBase64(encodeHistogram(ours), 32, false);
    expect(back.totalCount).toBe(5000);
    expect(countsOf(back)).toEqual(
      countsOf(hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(theirs))),
    );
  });

  it("encodes seeded histograms of every shape to what the index's decoder reads to exactly their counts", () => {
    let x = 4242;
    const rnd = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x / 2 ** 31;
    };
    for (let k = 0; k < 60; k++) {
      const ours = createHistogram();
      const n = 1 + Math.floor(rnd() ** 2 * 20_000);
      const scale = 10 ** (rnd() * 7);
      // Up to ~10^10 µs: beyond the configured hour, so autoResize grows some of them.
      for (let i = 0; i < n; i++) ours.recordValue(Math.max(1, Math.round(-Math.log(rnd() + 1e-12) * scale)));
      const encoded = encodeHistogram(ours);
      const back = hdr.decodeFromCompressedBase64(encoded, 32, false);
      // The index's decoder sizes its counts by the encoded highest trackable value: compare the counts it holds
      // with ours index by index, and check that none is left beyond them.
      const mine = countsOf(ours);
      const theirs = countsOf(back);
      expect(theirs.slice(0, mine.length)).toEqual(mine.slice(0, theirs.length));
      expect(mine.slice(theirs.length).every((c) => c === 0)).toBe(true);
      expect(back.totalCount).toBe(n);
      // And sysvitals' decoder reads its own encoding as the index reads it.
      expect(countsOf(decodeHistogram(encoded))).toEqual(theirs);
    }
  });

  it("completes a partial request with the library's defaults, as its build does", () => {
    const request = { numberOfSignificantValueDigits: 3 as const, highestTrackableValue: 1_000_000 };
    const ours = hdrLibrary().build(request);
    const theirs = hdr.build(request);
    expect(ours.constructor).toBe(theirs.constructor);
    const figures = (h: hdr.Histogram) => [
      h.autoResize,
      h.numberOfSignificantValueDigits,
      h.highestTrackableValue,
    ];
    expect(figures(ours)).toEqual(figures(theirs));
  });

  it("decodes what the index encoded to the index's own decoding, and refuses what it refuses", () => {
    const h = hdr.build(HISTOGRAM_CONFIG);
    for (const v of values()) h.recordValue(v);
    const encoded = hdr.encodeIntoCompressedBase64(h);
    const ours = decodeHistogram(`  ${encoded}\n`);
    const theirs = hdr.decodeFromCompressedBase64(encoded, 32, false);
    expect(ours.constructor).toBe(theirs.constructor);
    expect(ours.totalCount).toBe(theirs.totalCount);
    for (const p of [0, 50, 90, 99, 99.9, 100])
      expect(ours.getValueAtPercentile(p)).toBe(theirs.getValueAtPercentile(p));
    expect(countsOf(ours)).toEqual(countsOf(theirs));
    expect(ours.highestTrackableValue).toBe(theirs.highestTrackableValue);
    expect(countsOf(hdr.decodeFromCompressedBase64(encodeHistogram(ours), 32, false))).toEqual(
      countsOf(theirs),
    );
    const bad = 'not a histogram';
    expect(() => hdr.decodeFromCompressedBase64(bad, 32, false)).toThrow();
    expect(() => decodeHistogram(bad)).toThrow();
    // A truncated deflate stream, refused by the index (Node's zlib) and by sysvitals (pako) alike.
    const raw = Buffer.from(encoded, 'base64');
    const cut = Buffer.concat([raw.subarray(0, 4), Buffer.alloc(4), raw.subarray(8, raw.length - 6)]);
    cut.writeUInt32BE(raw.length - 14, 4);
    expect(() => hdr.decodeFromCompressedBase64(cut.toString('base64'), 32, false)).toThrow();
    expect(() => decodeHistogram(cut.toString('base64'))).toThrow();
  });
});
