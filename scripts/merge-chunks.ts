// Merges the chunks every adapter entry loads into one file, dist/core.cjs (run by `npm run build` after tsup).
//
// tsup's CommonJS code splitting cuts the shared code into one chunk per set of entries that reach it, so an
// adapter entry required 14-19 files; each is a module resolution, a read and a compile (issue 18). The
// chunks that all three adapters load become functions in dist/core.cjs, each run once on first use, in the
// order the original requires ran them; every other file asks core.cjs for them instead of requiring them.

import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CHUNK = /require\('(\.\.?)\/(chunk-[A-Z0-9]+\.cjs)'\)/g;
const files = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cjs'));
const text = new Map(files.map((f) => [f, readFileSync(join('dist', f), 'utf8')]));

/** The chunks a file loads when it is required (static requires, transitively). */
function closure(file: string, seen = new Set<string>()): Set<string> {
  for (const [, , chunk] of (text.get(file) ?? '').matchAll(CHUNK)) {
    if (chunk && !seen.has(chunk)) {
      seen.add(chunk);
      closure(chunk, seen);
    }
  }
  return seen;
}
const [first, ...rest] = ['adapters/express.cjs', 'adapters/fastify.cjs', 'adapters/koa.cjs'].map((e) =>
  closure(e),
);
const merged = [...(first ?? [])].filter((c) => rest.every((s) => s.has(c))).sort();
if (merged.length < 2) throw new Error(`merge-chunks: nothing to merge (${merged.length} chunk)`);

const inCore = (code: string) =>
  code.replace(CHUNK, (all, _dir: string, chunk: string) =>
    merged.includes(chunk) ? `load('${chunk}')` : all,
  );
const body = merged
  .map(
    (c) =>
      `${JSON.stringify(c)}: function (exports, require, module, __filename, __dirname) {\n${inCore(text.get(c) ?? '')}\n}`,
  )
  .join(',\n');
writeFileSync(
  'dist/core.cjs',
  `'use strict';
// The chunks every adapter entry loads, merged by scripts/merge-chunks.ts: each runs once, on first use.
var defs = {
${body}
};
var done = {};
function load(name) {
  var m = done[name];
  if (m) return m.exports;
  m = done[name] = { exports: {} };
  defs[name].call(m.exports, m.exports, require, m, __filename, __dirname);
  return m.exports;
}
module.exports = load;
`,
);
for (const c of merged) rmSync(join('dist', c));
for (const [file, code] of text) {
  if (merged.includes(file)) continue;
  const out = code.replace(CHUNK, (all, dir: string, chunk: string) =>
    merged.includes(chunk) ? `require('${dir}/core.cjs')('${chunk}')` : all,
  );
  if (out !== code) writeFileSync(join('dist', file), out);
}
console.log(`dist/core.cjs: ${merged.length} chunks merged`);
