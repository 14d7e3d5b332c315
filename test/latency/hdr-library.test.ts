// src/latency/histogram.ts loads hdr-histogram-js's JavaScript modules only (issue 18): its build, encoding and
// decoding must be the library's own, checked against the library's index (the oracle: what sysvitals used before).

import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HISTOGRAM_CONFIG,
  hdrLibrary,
} from '../../src/latency/histogram.js';

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
  it('builds the same histogram as the index, and encodes it to the same string', () => {
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
    expect(encodeHistogram(ours)).toBe(hdr.encodeIntoCompressedBase64(theirs));
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
    expect(encodeHistogram(ours)).toBe(encoded);
    const bad = 'not a histogram';
    expect(() => hdr.decodeFromCompressedBase64(bad, 32, false)).toThrow();
    expect(() => decodeHistogram(bad)).toThrow();
  });
});
