// src/latency/deflate.ts (pako, no node:zlib stream in the monitor's process, issue 18) against node:zlib as oracle: what
// one writes the other reads back to the same bytes, both ways, raw and zlib-framed; a truncated or corrupt
// stream is refused as node:zlib refuses it; the output bound refuses a zip bomb as maxOutputLength does.

import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflate, deflateRaw, inflate, inflateRaw } from '../../src/latency/deflate.js';
import { rng } from '../helpers/random.js';

/** Seeded inputs of every shape: empty, runs, text-like, random bytes, ~0 to ~100 KB (past pako's 64 KB chunk). */
function inputs(): Buffer[] {
  const u = rng(1818);
  const out: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(65_536, 7), Buffer.alloc(65_537, 7)];
  for (let k = 0; k < 16; k++) {
    const n = Math.floor(u() ** 3 * 100_000);
    const b = Buffer.allocUnsafe(n);
    const alphabet = 1 + Math.floor(u() * 256);
    for (let i = 0; i < n; i++) b[i] = u() < 0.7 && i > 0 ? (b[i - 1] as number) : Math.floor(u() * alphabet);
    out.push(b);
  }
  return out;
}

describe('deflate and inflate without node:zlib streams', () => {
  it("node:zlib inflates pako's output to the input, and pako inflates node:zlib's, raw and zlib-framed", () => {
    for (const data of inputs()) {
      expect(zlib.inflateSync(deflate(data)).equals(data)).toBe(true);
      expect(zlib.inflateRawSync(deflateRaw(data)).equals(data)).toBe(true);
      expect(inflate(zlib.deflateSync(data)).equals(data)).toBe(true);
      expect(inflateRaw(zlib.deflateRawSync(data)).equals(data)).toBe(true);
      expect(inflate(deflate(data)).equals(data)).toBe(true);
    }
  });

  it('refuses a truncated or corrupt stream, as node:zlib does', () => {
    const data = inputs().reduce((a, b) => (b.length > a.length ? b : a));
    expect(data.length).toBeGreaterThan(100);
    const deflated = zlib.deflateSync(data);
    for (const cut of [1, 2, 5, Math.floor(deflated.length / 2)]) {
      const truncated = deflated.subarray(0, deflated.length - cut);
      expect(() => zlib.inflateSync(truncated)).toThrow();
      expect(() => inflate(truncated)).toThrow(/unexpected end of file/);
    }
    const corrupt = Buffer.from('not a deflate stream');
    expect(() => zlib.inflateSync(corrupt)).toThrow();
    expect(() => inflate(corrupt)).toThrow(/inflate/);
    expect(() => zlib.inflateRawSync(Buffer.from([0xff, 0xff, 0xff]))).toThrow();
    expect(() => inflateRaw(Buffer.from([0xff, 0xff, 0xff]))).toThrow(/inflate/);
  });

  it('bounds the output as maxOutputLength does: exactly the bound passes, one byte more and a zip bomb do not', () => {
    const exact = zlib.deflateRawSync(Buffer.alloc(100_000, 1));
    expect(inflateRaw(exact, 100_000).length).toBe(100_000);
    expect(() => zlib.inflateRawSync(exact, { maxOutputLength: 99_999 })).toThrow(RangeError);
    expect(() => inflateRaw(exact, 99_999)).toThrow(RangeError);
    // 64 MB of zeros deflate to ~64 KB: refused after the bound, not inflated whole.
    const bomb = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => inflateRaw(bomb, 1024 * 1024)).toThrow(/maxOutputLength/);
  });
});
