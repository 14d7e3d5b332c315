// Writes the ESM entry points of dist/ as one-line re-exports of the CommonJS build (run by `npm run build`).
//
// The library is built once, as CommonJS, and every `import` entry of package.json's `exports` is a wrapper
// that re-exports its `require` entry, types included (`x.d.ts` re-exports `x.d.cts`): the ES module wrapper
// Node's documentation recommends for dual packages. `import` and `require` then share one copy of the code
// and of its state (no dual-package hazard), and the package ships that code once (issue 18: the same 0.5 MB
// chunk was shipped as ESM and as CJS, and its 147 KB of declarations twice).

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Conditions {
  import: { types: string; default: string };
  require: { types: string; default: string };
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, Conditions | string>;
  bin: Record<string, string>;
};
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue; // ./package.json
  const { import: esm, require: cjs } = target;
  writeFileSync(esm.default, `export * from './${basename(cjs.default)}';\n`);
  writeFileSync(esm.types, `export * from './${basename(cjs.types).replace(/\.d\.cts$/, '.cjs')}';\n`);
  console.log(`${subpath}: ${esm.default} and ${esm.types} re-export ${cjs.default}`);
}
// The bin: an ES module (the package is "type": "module") with the hashbang, running the CommonJS CLI.
for (const bin of Object.values(pkg.bin)) {
  writeFileSync(bin, `#!/usr/bin/env node\nimport './${basename(bin, '.js')}.cjs';\n`);
  chmodSync(bin, 0o755);
}
