// Writes the ES module entry of dist/ (run by `npm run build` last): dist/index.mjs, a small ES module that loads
// the CommonJS root entry with `require` and re-exports its names.
//
// Why (issue 18): when an ES module imports a CommonJS file, Node first parses that file's source with its
// cjs-module-lexer to find the named exports; for the root entry (dist/index.cjs) that made `import 'sysvitals'`
// cost about twice the CPU of `require('sysvitals')`. `createRequire(import.meta.url)` loads the file as `require`
// does, without the lexer, and the names are written here instead: read from the built module itself (its
// `Object.keys`, in a fresh process), so they cannot drift from it (the package test also compares the two).
// The wrapper hands out the very objects `require` returns: one copy of the code and of its state, no
// dual-package hazard; `default` is the whole `module.exports`, as Node gives it for a CommonJS file, so the
// namespace is the one Node built before, name for name.
//
// package.json points only Node's own `import` at the wrapper, under the `node-addons` condition, which Node
// sets (unless run with --no-addons) and bundlers and TypeScript do not: a bundler cannot follow
// `createRequire(import.meta.url)` (esbuild left `require('./index.cjs')` in its output, which then failed at
// run time), so bundlers, TypeScript and `node --no-addons` keep resolving the CommonJS files, as before. The
// types stay the CommonJS declarations for every importer: the wrapper's namespace is the one they describe.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The entries that get one, as paths in dist/ without the extension: the root only. The adapter entries are
 * small (3 names), and wrappers for them saved nothing in bench/install.ts (an ES module's import took 1.01-1.05x
 * the CPU it took without them, 15 rounds, and an idle monitor's RSS 1.03x, within the 0.94-1.10x that identical
 * files read in the next run: bench/RESULTS.md `install-esm`), so they would be files for nothing; Node's lexer
 * reads them as before.
 */
const ESM_ENTRIES = ['index'] as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Words a `const` binding cannot take (a CommonJS export of that name would need another form of export). */
const RESERVED = new Set(
  'await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
);

/** The ES module that re-exports `names` from the CommonJS file `cjsFile` (a sibling, e.g. `./index.cjs`). */
export function esmWrapper(cjsFile: string, names: readonly string[]): string {
  const bad = names.filter((n) => !IDENTIFIER.test(n) || RESERVED.has(n));
  if (bad.length > 0)
    throw new Error(`esm-entries: ${cjsFile} exports names a const cannot bind: ${bad.join(', ')}`);
  if (names.length === 0) throw new Error(`esm-entries: ${cjsFile} exports nothing`);
  return `// The ES module entry of ${cjsFile} (scripts/esm-entries.ts): the CommonJS build, loaded without Node's lexer.
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)(${JSON.stringify(cjsFile)});
export default cjs;
export const {
${names.map((n) => `  ${n},`).join('\n')}
} = cjs;
`;
}

/** The names the built CommonJS module exports, read in a fresh Node process (nothing of the build's own). */
function exportNames(file: string): string[] {
  const out = execFileSync(
    process.execPath,
    ['-e', 'console.log(JSON.stringify(Object.keys(require(process.argv[1]))))', file],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as string[];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const entry of ESM_ENTRIES) {
    const cjs = `./${basename(entry)}.cjs`;
    const names = exportNames(resolve(`dist/${entry}.cjs`));
    writeFileSync(`dist/${entry}.mjs`, esmWrapper(cjs, names));
    console.log(`dist/${entry}.mjs: ${names.length} names from ${cjs}`);
  }
}
