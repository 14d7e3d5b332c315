// HDR's V2 encoding (the histogram of every history point), written by sysvitals as hdr-histogram-js's
// JsHistogram.encoding.js writes it (encodeIntoByteBuffer, fillBufferFromCountsArray, doEncodeIntoCompressedBase64
// with the default compression), so that encoding a history point needs neither that module nor what it loads.
// The uncompressed V2 bytes are the library's; the compressed ones are pako's deflate of them (src/latency/deflate.ts: no
// node:zlib stream in the process, issue 18), which the library's decoder reads to the same counts.

import { deflate } from './deflate.js';

export const V2_COMPRESSED_COOKIE = 0x1c849304;
export const V2_COOKIE = 0x1c849303;
/** The cookies hdr-histogram-js writes (the 0x10 bit marks the LEB128 word size). */
export const V2_COMPRESSED_COOKIE_OUT = V2_COMPRESSED_COOKIE | 0x10;
export const V2_COOKIE_OUT = V2_COOKIE | 0x10;

/** What the header of a V2 encoding holds besides the counts. */
export interface V2Header {
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
}

/**
 * The counts at indexes [0, limit) in the V2 encoding (ZigZag LEB128 words, a run of zeros as its negated
 * length), base64: compressed (zlib format, default level, pako: src/latency/deflate.ts, behind the compressed cookie and the
 * deflated length, as hdr-histogram-js frames it) or not.
 */
export function encodeV2(
  countAt: (index: number) => number,
  limit: number,
  header: V2Header,
  compressed: boolean,
): string {
  const raw = Buffer.allocUnsafe(40 + limit * 9);
  let pos = 40;
  const put = (value: number) => {
    let v = value >= 0 ? value * 2 : -value * 2 - 1;
    while (v >= 128) {
      raw[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    raw[pos++] = v;
  };
  for (let i = 0; i < limit; ) {
    const c = countAt(i++);
    if (c < 0) throw new Error(`Cannot encode histogram containing negative counts (${c}) at index ${i}`);
    if (c !== 0) {
      put(c);
      continue;
    }
    let zeros = 1;
    while (i < limit && countAt(i) === 0) {
      zeros++;
      i++;
    }
    put(zeros > 1 ? -zeros : 0);
  }
  const int64 = (value: number, at: number) => {
    raw.writeUInt32BE(Math.floor(value / 2 ** 32) >>> 0, at);
    raw.writeUInt32BE(value >>> 0, at + 4);
  };
  raw.writeInt32BE(V2_COOKIE_OUT, 0);
  raw.writeInt32BE(pos - 40, 4);
  raw.writeInt32BE(1, 8);
  raw.writeInt32BE(header.numberOfSignificantValueDigits, 12);
  int64(header.lowestDiscernibleValue, 16);
  int64(header.highestTrackableValue, 24);
  int64(1, 32);
  if (!compressed) return raw.toString('base64', 0, pos);
  const deflated = deflate(raw.subarray(0, pos));
  const out = Buffer.allocUnsafe(8 + deflated.length);
  out.writeInt32BE(V2_COMPRESSED_COOKIE_OUT, 0);
  out.writeInt32BE(deflated.length, 4);
  deflated.copy(out, 8);
  return out.toString('base64');
}

/**
 * Calls `count(index, n)` for each non-zero count of the V2 payload raw[start, end) (ZigZag LEB128-64b9B words,
 * as ZigZagEncoding.decode in hdr-histogram-js reads them; a negative word skips that many zero counts); returns
 * the index after the last count (the length the counts fill).
 */
export function readV2Counts(
  raw: Uint8Array,
  start: number,
  end: number,
  count: (index: number, n: number) => void,
): number {
  let pos = start;
  let index = 0;
  while (pos < end) {
    let b = raw[pos++]!;
    let v = b & 0x7f;
    let scale = 128;
    for (let i = 1; i < 9 && b & 0x80; i++) {
      b = raw[pos++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
    }
    const n = v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    if (n < 0) index -= n;
    else {
      if (n > 0) count(index, n);
      index++;
    }
  }
  return index;
}
