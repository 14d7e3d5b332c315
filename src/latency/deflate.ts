// Deflate and inflate without node:zlib's streams (pako, pure JavaScript): the history's histograms and the
// cluster's frames. Building one node:zlib stream object (its deflateSync and inflateSync do) leaves Node's
// HTTP and stream functions with megamorphic inline caches for the rest of the process: ~840 instructions
// more on every request afterwards (bench/RESULTS.md, instructions-floor-gap and history-pako). pako writes
// other bytes than Node's zlib (a Chromium fork) for the same input; both inflate each other's.

import { createRequire } from 'node:module';

/** pako 1.x's lib/deflate.js, as used here. */
interface PakoDeflate {
  deflate(data: Uint8Array, options: DeflateOptions): Uint8Array;
  deflateRaw(data: Uint8Array, options: DeflateOptions): Uint8Array;
}
/** pako 1.x's Deflate options, those set here (sizedFor). */
interface DeflateOptions {
  windowBits: number;
  memLevel: number;
  chunkSize: number;
}
/** pako 1.x's ZStream (lib/zlib/zstream.js): the fields inflate reads and writes. */
interface ZStream {
  input: Uint8Array;
  next_in: number;
  avail_in: number;
  output: Uint8Array;
  next_out: number;
  avail_out: number;
  msg: string;
}
/** pako 1.x's lib/zlib/inflate.js (zlib's C API, ported). */
interface PakoInflate {
  inflateInit2(strm: ZStream, windowBits: number): number;
  inflate(strm: ZStream, flush: number): number;
  inflateEnd(strm: ZStream): number;
}

const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_BUF_ERROR = -5;
const Z_NO_FLUSH = 0;
const CHUNK = 64 * 1024;

/**
 * pako's modules, leaves first, so that requiring them one at a time (warmDeflateSteps) compiles one small file
 * per step (the largest, zlib/deflate and zlib/inflate, ~1 ms each).
 */
const PAKO_MODULES = [
  'utils/common',
  'zlib/adler32',
  'zlib/crc32',
  'zlib/messages',
  'zlib/zstream',
  'zlib/trees',
  'zlib/deflate',
  'utils/strings',
  'deflate',
  'zlib/inffast',
  'zlib/inftrees',
  'zlib/inflate',
];

let pakoRequire: NodeJS.Require | undefined;
/** require() of a pako module from this one (CJS build: __filename; ESM, vitest, tsx: import.meta.url). */
function loadPako(name: string): unknown {
  pakoRequire ??= createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  return pakoRequire(`pako/lib/${name}`);
}

let deflater: PakoDeflate | undefined;
let inflater: PakoInflate | undefined;
let ZStreamClass: (new () => ZStream) | undefined;

/** zlib's format (RFC 1950) at the default level, as zlib.deflateSync(data) writes it (other bytes, same data). */
export function deflate(data: Uint8Array): Buffer {
  deflater ??= loadPako('deflate') as PakoDeflate;
  return asBuffer(deflater.deflate(data, sizedFor(data.length)));
}

/** Raw deflate (RFC 1951) at the default level, as zlib.deflateRawSync(data) writes it (other bytes, same data). */
export function deflateRaw(data: Uint8Array): Buffer {
  deflater ??= loadPako('deflate') as PakoDeflate;
  return asBuffer(deflater.deflateRaw(data, sizedFor(data.length)));
}

// zlib's MIN_LOOKAHEAD (MAX_MATCH + MIN_MATCH + 1): a match reaches back at most the window's size less this.
const MIN_LOOKAHEAD = 262;

/**
 * The window, hash table and buffers sized to the input, not zlib's defaults (windowBits 15, memLevel 8), which pako
 * allocates on every call (~270 KB: window 64 KB, prev 64 KB, head 64 KB, pending 64 KB, output 16 KB) while a history
 * point's counts are a few hundred bytes to a few KB. The window still spans the whole input (every match the default
 * finds stays in reach) and the literal buffer holds every symbol (one block, as the default writes for up to 16 K
 * symbols), so the output is about as small. Any inflater reads it: a window smaller than 32 KB is allowed by the
 * format (RFC 1950's CINFO; raw streams carry none) and inflaters with the default 32 KB window accept it (zlib,
 * pako, hdr-histogram-js' decoder, which is one of those).
 */
function sizedFor(length: number): DeflateOptions {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(length + MIN_LOOKAHEAD))));
  const memLevel = Math.min(8, Math.max(1, Math.ceil(Math.log2(Math.max(1, length))) - 6));
  return { windowBits, memLevel, chunkSize: Math.min(16_384, length + (length >> 3) + 64) };
}

/** zlib.inflateSync: throws on a corrupt or truncated stream. */
export function inflate(data: Uint8Array, maxOutputLength = Number.MAX_SAFE_INTEGER): Buffer {
  return inflateWith(data, 15, maxOutputLength);
}

/**
 * zlib.inflateRawSync with its maxOutputLength: throws on a corrupt or truncated stream, and as soon as the
 * output would exceed maxOutputLength (a small frame that inflates to gigabytes is refused after that many bytes).
 */
export function inflateRaw(data: Uint8Array, maxOutputLength = Number.MAX_SAFE_INTEGER): Buffer {
  return inflateWith(data, -15, maxOutputLength);
}

function inflateWith(data: Uint8Array, windowBits: number, maxOutputLength: number): Buffer {
  inflater ??= loadPako('zlib/inflate') as PakoInflate;
  ZStreamClass ??= loadPako('zlib/zstream') as new () => ZStream;
  const strm = new ZStreamClass();
  if (inflater.inflateInit2(strm, windowBits) !== Z_OK) throw new Error('inflate: init failed');
  strm.input = data;
  strm.next_in = 0;
  strm.avail_in = data.length;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      // One byte past the bound, so that an output of exactly maxOutputLength is allowed and one more is not.
      const size = Math.min(CHUNK, maxOutputLength - total + 1);
      strm.output = Buffer.allocUnsafe(size);
      strm.next_out = 0;
      strm.avail_out = size;
      const status = inflater.inflate(strm, Z_NO_FLUSH);
      total += strm.next_out;
      if (total > maxOutputLength)
        throw new RangeError(`inflate: output over maxOutputLength (${maxOutputLength} bytes)`);
      if (strm.next_out > 0) chunks.push((strm.output as Buffer).subarray(0, strm.next_out));
      if (status === Z_STREAM_END) break;
      // All input read, room left, no end: a truncated stream (zlib's Z_BUF_ERROR once nothing moves).
      if (status === Z_BUF_ERROR || (status === Z_OK && strm.avail_in === 0 && strm.avail_out > 0))
        throw new Error('inflate: unexpected end of file');
      if (status !== Z_OK) throw new Error(`inflate: ${strm.msg || `error ${status}`}`);
    }
  } finally {
    inflater.inflateEnd(strm);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.length);
}

/**
 * What the first deflate and inflate would load and compile, as steps of about a millisecond each (one pako
 * module, then one round trip), to run one per loop turn before the monitor's first history flush
 * (src/monitor/history-writer.ts). Each step's failure is its own: what is not loaded then loads at the flush.
 */
export function warmDeflateSteps(): Array<() => void> {
  return [
    ...PAKO_MODULES.map((name) => () => {
      loadPako(name);
    }),
    () => {
      inflate(deflate(Buffer.from('sysvitals')));
    },
  ];
}
