// The cost of being installed: import time of each entry point (ESM and CJS) against an empty script in
// the same run, RSS added by an idle monitor, and the package's unpacked size. Needs `npm run build`.
//   npx tsx bench/install.ts [--rounds 15] [--no-write]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, verdictBelow } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, 'no-write': { type: 'boolean', default: false } },
});
const ROUNDS = Number(values.rounds);
const IMPORT_TARGET_MS = 30;
const RSS_TARGET_MB = 10;
const UNPACKED_TARGET_MB = 1.5;

if (!existsSync(`${root}/dist/index.js`)) {
  console.error('bench/install.ts measures the build: run `npm run build` first');
  process.exit(1);
}

/** Milliseconds a fresh process spends loading `what` (a require or an import), timed inside the process. */
function importMs(kind: 'cjs' | 'esm', what: string | null): number {
  const code =
    kind === 'cjs'
      ? `const t = process.hrtime.bigint(); ${what ? `require(${JSON.stringify(what)});` : ''} console.log(Number(process.hrtime.bigint() - t) / 1e6);`
      : `const t = process.hrtime.bigint(); ${what ? `await import(${JSON.stringify(what)});` : ''} console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const args = kind === 'cjs' ? ['-e', code] : ['--input-type=module', '-e', code];
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  return Number(out.trim());
}

/** RSS (MB) of a fresh process after `setup`, with a GC and a second's settling, minus the same without it. */
function rssMb(setup: string): number {
  const code = `${setup}
await new Promise((r) => setTimeout(r, 1000));
globalThis.gc();
console.log(process.memoryUsage.rss() / 1024 / 1024);
process.exit(0);`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  });
  return Number(out.trim());
}

const entries: Array<[label: string, cjs: string, esm: string]> = [
  ['sysvitals', './dist/index.cjs', './dist/index.js'],
  ['sysvitals/express', './dist/adapters/express.cjs', './dist/adapters/express.js'],
  ['sysvitals/fastify', './dist/adapters/fastify.cjs', './dist/adapters/fastify.js'],
  ['sysvitals/koa', './dist/adapters/koa.cjs', './dist/adapters/koa.js'],
];

// Interleaved rounds: every variant once per round, so drift on the machine hits all of them alike.
const samples = new Map<string, number[]>();
const add = (key: string, v: number) => samples.set(key, [...(samples.get(key) ?? []), v]);
for (let round = 0; round < ROUNDS; round++) {
  add('empty cjs', importMs('cjs', null));
  add('empty esm', importMs('esm', null));
  for (const [label, cjs, esm] of entries) {
    add(`${label} cjs`, importMs('cjs', cjs));
    add(`${label} esm`, importMs('esm', esm));
  }
  const base = rssMb('');
  const idle = rssMb(
    `const { createMonitor } = await import('./dist/adapters/express.js'); globalThis.m = createMonitor({ logger: { warn() {}, error() {} } });`,
  );
  add('idle monitor rss', idle - base);
}

const rows: string[] = ['| what | mean (95% CI) | target | verdict |', '|---|---|---|---|'];
for (const [label] of entries) {
  for (const kind of ['cjs', 'esm'] as const) {
    const i = meanInterval(samples.get(`${label} ${kind}`) ?? []);
    rows.push(
      `| import \`${label}\` (${kind.toUpperCase()}), ms | ${formatInterval(i)} | ≤ ${IMPORT_TARGET_MS} | ${verdictBelow(i, IMPORT_TARGET_MS)} |`,
    );
  }
}
const rss = meanInterval(samples.get('idle monitor rss') ?? []);
rows.push(
  `| RSS added by an idle Express monitor (after GC), MB | ${formatInterval(rss)} | ≤ ${RSS_TARGET_MB} | ${verdictBelow(rss, RSS_TARGET_MB)} |`,
);
const pack = JSON.parse(
  spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' }).stdout,
) as Array<{ size: number; unpackedSize: number; entryCount: number }>;
const unpacked = (pack[0]?.unpackedSize ?? 0) / 1e6;
rows.push(
  `| unpacked package (${pack[0]?.entryCount} files; packed ${((pack[0]?.size ?? 0) / 1e6).toFixed(2)} MB), MB | ${unpacked.toFixed(2)} | ≤ ${UNPACKED_TARGET_MB} | ${unpacked <= UNPACKED_TARGET_MB ? 'met' : 'not met'} |`,
);
const emptyCjs = meanInterval(samples.get('empty cjs') ?? []);
const emptyEsm = meanInterval(samples.get('empty esm') ?? []);

const text = `${machineLine()} ${ROUNDS} interleaved rounds, each variant in a fresh process.

${rows.join('\n')}

Import time is measured inside the process around the one \`require\`/\`import\`, so Node's own start-up is
not in it; the same clock around nothing reads ${formatInterval(emptyCjs, 2)} ms (CJS) and
${formatInterval(emptyEsm, 2)} ms (ESM). The frameworks themselves are not imported (they are peers).
RSS is the idle process with the monitor minus the same process without it, both after one GC.
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection('install', text);
