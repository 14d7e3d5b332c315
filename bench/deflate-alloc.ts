// What one deflate allocates (issue 18): pako's typed arrays per call, counted by wrapping its Buf8/Buf16/Buf32, for
// pako's defaults (what src/latency/deflate.ts called before: windowBits 15, memLevel 8) and for src/latency/deflate.ts
// now (sized to the input), on the same seeded inputs in one run: history points' V2 counts and cluster frames' JSON.
// `npx tsx bench/deflate-alloc.ts [--calls 200]`

import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { deflate, deflateRaw, inflate } from '../src/latency/deflate.js';
import { createHistogram, encodeHistogram } from '../src/latency/histogram.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200' } } });
const CALLS = Number(values.calls);
const require = createRequire(import.meta.url);
const utils = require('pako/lib/utils/common') as Record<string, unknown>;
const pako = require('pako/lib/deflate') as {
  deflate(d: Uint8Array): Uint8Array;
  deflateRaw(d: Uint8Array): Uint8Array;
};

let allocated = 0;
for (const name of ['Buf8', 'Buf16', 'Buf32'] as const) {
  const Base = utils[name] as new (...args: unknown[]) => ArrayBufferView;
  utils[name] = class extends (Base as new (...args: unknown[]) => Uint8Array) {
    constructor(...args: unknown[]) {
      super(...args);
      if (typeof args[0] === 'number') allocated += this.byteLength; // not a view (subarray) of an existing buffer
    }
  };
}

let seed = 1818;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

/** A history point's uncompressed V2 counts: `n` requests a minute, log-normal around `medianUs`. */
function pointInput(n: number, medianUs: number): Buffer {
  const h = createHistogram();
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    h.recordValue(Math.max(1, Math.round(medianUs * Math.exp(0.8 * z))));
  }
  const framed = Buffer.from(encodeHistogram(h), 'base64');
  return inflate(framed.subarray(8, 8 + framed.readInt32BE(4)));
}

/** A cluster frame's JSON of `routes` route rows (what frames.ts deflates above 512 bytes). */
function frameInput(routes: number): Buffer {
  const rows = Array.from({ length: routes }, (_, i) => ({
    method: 'GET',
    route: `/resource${i}/:id`,
    classes: [0, Math.floor(random() * 1000), 0, Math.floor(random() * 20), Math.floor(random() * 3)],
    latency: { slots: [300, 301, 420 + i], counts: [3, 9, 1], n: 13, sum: 52_000, max: 9_000, errors: 0 },
  }));
  return Buffer.from(JSON.stringify({ t: 'report', routes: rows }));
}

const cases: Array<[string, Buffer, 'zlib' | 'raw']> = [
  ['point, 10 req/min', pointInput(10, 2_000), 'zlib'],
  ['point, 1,000 req/min', pointInput(1_000, 2_000), 'zlib'],
  ['point, 100,000 req/min', pointInput(100_000, 2_000), 'zlib'],
  ['frame, 3 routes', frameInput(3), 'raw'],
  ['frame, 50 routes', frameInput(50), 'raw'],
  ['frame, 1,000 routes', frameInput(1_000), 'raw'],
];

function measure(fn: () => Uint8Array): { bytes: number; out: number; us: number } {
  for (let i = 0; i < 20; i++) fn(); // warm
  allocated = 0;
  let out = 0;
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    out = fn().length;
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return { bytes: allocated / CALLS, out, us: median(times) };
}

console.log(`Node ${process.version}, ${CALLS} calls per cell, ${new Date().toISOString()}`);
console.log(
  '| input | bytes in | pako defaults: allocated per call | out | µs | sized: allocated per call | out | µs |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, data, format] of cases) {
  const before = measure(() => (format === 'zlib' ? pako.deflate(data) : pako.deflateRaw(data)));
  const after = measure(() => (format === 'zlib' ? deflate(data) : deflateRaw(data)));
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  console.log(
    `| ${name} | ${data.length} | ${kb(before.bytes)} | ${before.out} | ${before.us.toFixed(1)} | ${kb(after.bytes)} | ${after.out} | ${after.us.toFixed(1)} |`,
  );
}
