// Writes the bin of dist/ (run by `npm run build`): an ES module with the hashbang that runs the CommonJS CLI;
// then checks the paths of the lazily loaded entries.
//
// The library is built once, as CommonJS, and `import` reaches the same code as `require`: one copy of the code
// and of its state (no dual-package hazard), shipped once (issue 18). An ES module importer gets
// dist/*.mjs (scripts/esm-entries.ts, run after this one), which `require`s the CommonJS entry and re-exports
// its names. One-line ES module wrappers (`export * from './x.cjs'`) were tried before and removed: they still
// ran Node's CommonJS lexer over the entry, and evaluating the extra module cost an `import 'sysvitals/express'`
// about 5 ms of CPU (bench/install.ts).

import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
// The bin: an ES module (the package is "type": "module") with the hashbang, running the CommonJS CLI.
for (const bin of Object.values(pkg.bin)) {
  writeFileSync(bin, `#!/usr/bin/env node\nimport './${basename(bin, '.js')}.cjs';\n`);
  chmodSync(bin, 0o755);
  console.log(`${bin} runs ${bin.replace(/\.js$/, '.cjs')}`);
}

// The lazily loaded entries (tsup.config.ts, lazyModules) are required as './lazy-*.cjs', relative to the chunk
// that holds the loader: that chunk must sit at dist/'s top level, beside them, or the require would fail only
// when a monitor first sets `cluster` or `channels`.
const files = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cjs'));
for (const file of files) {
  for (const [, target] of readFileSync(`dist/${file}`, 'utf8').matchAll(
    /require\(["']\.\/(lazy-[a-z-]+\.cjs)["']\)/g,
  )) {
    if (dirname(file) !== '.' || !existsSync(`dist/${target}`)) {
      throw new Error(`dist/${file} requires ./${target}, which is not beside it`);
    }
  }
}
