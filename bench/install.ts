// The cost of being installed, measured as a user gets the package: the packed tarball installed into a
// scratch project. Import time of each entry point (ESM and CJS; wall and CPU, each in a fresh process),
// the same after the framework is loaded (what an application adds), RSS added by an idle monitor, and
// the package's unpacked size. Needs `npm run build` (npm pack packs dist/ as it is).
//   npx tsx bench/install.ts [--rounds 15] [--baseline old.tgz] [--keep] [--no-write] [--section install]
// --baseline: a tarball of an earlier build (`npm pack` on that commit), installed beside this one and
// measured in the same rounds, alternating, so that the ratio new ÷ old comes with its own interval.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, verdictBelow } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    baseline: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    // The bench/RESULTS.md section written (`install` is the figure of record; another name keeps a comparison apart).
    section: { type: 'string', default: 'install' },
  },
});
const ROUNDS = Number(values.rounds);
/** RSS barely varies between processes (±0.1 MB) and each measure waits a second: every third round. */
const RSS_EVERY = 3;
const IMPORT_TARGET_MS = 30;
const RSS_TARGET_MB = 10;
const UNPACKED_TARGET_MB = 1.5;

if (!existsSync(`${root}/dist/index.cjs`)) {
  console.error('bench/install.ts measures the build: run `npm run build` first');
  process.exit(1);
}

// The tarball, installed with the frameworks (for the "after the framework" rows) into a scratch project.
const work = mkdtempSync(join(tmpdir(), 'sysvitals-install-'));
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>;
const pack = packed[0];
if (!pack) throw new Error('npm pack printed no tarball');

function install(name: string, tarball: string): string {
  const project = join(work, name);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--prefer-offline',
      tarball,
      'express@5',
      'fastify@5',
      'fastify-plugin@5',
      'koa@3',
    ],
    { cwd: project, stdio: 'ignore' },
  );
  return project;
}
const project = install('project', join(work, pack.filename));
const baseline = values.baseline ? install('baseline', resolve(values.baseline)) : null;

interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Milliseconds a fresh process spends loading `what` (a require or an import), wall and CPU, timed inside
 * the process around that one statement; `before` runs first, outside the timing (the framework).
 */
function importMs(cwd: string, kind: 'cjs' | 'esm', what: string | null, before = ''): Timing {
  const load = what
    ? kind === 'cjs'
      ? `require(${JSON.stringify(what)});`
      : `await import(${JSON.stringify(what)});`
    : '';
  const code = `${before}
const c = process.cpuUsage(); const t = process.hrtime.bigint();
${load}
const wall = Number(process.hrtime.bigint() - t) / 1e6; const u = process.cpuUsage(c);
console.log(JSON.stringify({ wall, cpu: (u.user + u.system) / 1000 }));`;
  const args = kind === 'cjs' ? ['-e', code] : ['--input-type=module', '-e', code];
  return JSON.parse(execFileSync(process.execPath, args, { cwd, encoding: 'utf8' })) as Timing;
}

/**
 * V8 pages in its optimising compiler (about 4 MB of RSS, most of it the node binary's own code) the first
 * time any function gets hot; in a process that loads little, that can happen during sysvitals' import
 * (node:path's normalizeString, hot from module resolution), in any application it has happened long before.
 * This hot loop makes it happen first, in both processes of the "warm" rows.
 */
const WARM =
  'let w = 0; const hot = (i) => (i * 31) ^ (w >>> 1); for (let i = 0; i < 3e6; i++) w = hot(i); globalThis.w = w;';

/** RSS (MB) of a fresh process after `setup`, with a GC and a second's settling. */
function rssMb(cwd: string, setup: string): number {
  const code = `${setup}
await new Promise((r) => setTimeout(r, 1000));
globalThis.gc();
console.log(process.memoryUsage.rss() / 1024 / 1024);
process.exit(0);`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    cwd,
    encoding: 'utf8',
  });
  return Number(out.trim());
}
const IMPORT_ONLY = "await import('sysvitals/express');";
const IDLE = `const { createMonitor } = await import('sysvitals/express'); globalThis.m = createMonitor({ logger: { warn() {}, error() {} } });`;

const entries: Array<[entry: string, framework: string, cjsFramework: string]> = [
  ['sysvitals', '', ''],
  ['sysvitals/express', "await import('express');", "require('express');"],
  [
    'sysvitals/fastify',
    "await import('fastify'); await import('fastify-plugin');",
    "require('fastify'); require('fastify-plugin');",
  ],
  ['sysvitals/koa', "await import('koa');", "require('koa');"],
];

// Interleaved rounds: every variant once per round (this build, then the baseline's, alternating which goes
// first), so that drift on the machine hits all of them alike.
const samples = new Map<string, Timing[]>();
const add = (key: string, v: Timing) => samples.set(key, [...(samples.get(key) ?? []), v]);
const rss = new Map<string, number[]>();
const addRss = (key: string, v: number) => rss.set(key, [...(rss.get(key) ?? []), v]);
const builds: Array<[prefix: string, cwd: string]> = [['', project]];
if (baseline) builds.push(['old ', baseline]);
for (let round = 0; round < ROUNDS; round++) {
  add('empty cjs', importMs(project, 'cjs', null));
  add('empty esm', importMs(project, 'esm', null));
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  for (const [entry, esmFramework, cjsFramework] of entries) {
    for (const [prefix, cwd] of order) {
      add(`${prefix}${entry} cjs`, importMs(cwd, 'cjs', entry));
      add(`${prefix}${entry} esm`, importMs(cwd, 'esm', entry));
      if (esmFramework) {
        add(`${prefix}${entry} cjs after`, importMs(cwd, 'cjs', entry, cjsFramework));
        add(`${prefix}${entry} esm after`, importMs(cwd, 'esm', entry, esmFramework));
      }
    }
  }
  if (round % RSS_EVERY !== 0) continue;
  const base = rssMb(project, '');
  const warmBase = rssMb(project, WARM);
  for (const [prefix, cwd] of order) {
    addRss(`${prefix}idle`, rssMb(cwd, IDLE) - base);
    addRss(`${prefix}import`, rssMb(cwd, IMPORT_ONLY) - base);
    addRss(`${prefix}warm idle`, rssMb(cwd, `${WARM}\n${IDLE}`) - warmBase);
  }
}
if (!values.keep) rmSync(work, { recursive: true, force: true });

const of = (key: string, field: keyof Timing) => meanInterval((samples.get(key) ?? []).map((t) => t[field]));
const rows: string[] = [
  '| what | wall ms, mean (95% CI) | CPU ms, mean (95% CI) | target | verdict (wall) |',
  '|---|---|---|---|---|',
];
for (const [entry, framework] of entries) {
  for (const kind of ['cjs', 'esm'] as const) {
    const wall = of(`${entry} ${kind}`, 'wall');
    rows.push(
      `| import \`${entry}\` (${kind.toUpperCase()}) | ${formatInterval(wall)} | ${formatInterval(of(`${entry} ${kind}`, 'cpu'))} | ≤ ${IMPORT_TARGET_MS} | ${verdictBelow(wall, IMPORT_TARGET_MS)} |`,
    );
  }
  if (framework) {
    for (const kind of ['cjs', 'esm'] as const) {
      rows.push(
        `| … after the framework is loaded (${kind.toUpperCase()}) | ${formatInterval(of(`${entry} ${kind} after`, 'wall'))} | ${formatInterval(of(`${entry} ${kind} after`, 'cpu'))} | | |`,
      );
    }
  }
}
const rssOf = (key: string) => meanInterval(rss.get(key) ?? []);
const r = rssOf('idle');
rows.push(
  `| RSS added by an idle Express monitor (after GC), MB | ${formatInterval(r)} | | ≤ ${RSS_TARGET_MB} | ${verdictBelow(r, RSS_TARGET_MB)} |`,
);
rows.push(`| … of which the import alone, MB | ${formatInterval(rssOf('import'))} | | | |`);
const warm = rssOf('warm idle');
rows.push(
  `| … the same with V8's optimising compiler already paged in, in both processes, MB | ${formatInterval(warm)} | | ≤ ${RSS_TARGET_MB} | ${verdictBelow(warm, RSS_TARGET_MB)} |`,
);
const unpacked = pack.unpackedSize / 1e6;
rows.push(
  `| unpacked package (${pack.entryCount} files; packed ${(pack.size / 1e6).toFixed(2)} MB), MB | ${unpacked.toFixed(2)} | | ≤ ${UNPACKED_TARGET_MB} | ${unpacked <= UNPACKED_TARGET_MB ? 'met' : 'not met'} |`,
);

/** new ÷ old per round (the two ran side by side in that round), with its interval. */
function ratio(newValues: readonly number[], oldValues: readonly number[]) {
  return meanInterval(newValues.map((v, i) => v / (oldValues[i] as number)));
}
let against = '';
if (baseline) {
  const lines = [
    '| what | this build, CPU ms | baseline, CPU ms | CPU ratio new ÷ old (95% CI) | wall ratio new ÷ old (95% CI) |',
    '|---|---|---|---|---|',
  ];
  for (const [entry, framework] of entries) {
    for (const suffix of ['cjs', 'esm', ...(framework ? ['cjs after', 'esm after'] : [])]) {
      const now = samples.get(`${entry} ${suffix}`) ?? [];
      const old = samples.get(`old ${entry} ${suffix}`) ?? [];
      const label = suffix
        .replace('after', 'after the framework')
        .replace('cjs', 'CJS')
        .replace('esm', 'ESM');
      lines.push(
        `| import \`${entry}\` (${label}) | ${formatInterval(meanInterval(now.map((t) => t.cpu)))} | ${formatInterval(meanInterval(old.map((t) => t.cpu)))} | ${formatInterval(
          ratio(
            now.map((t) => t.cpu),
            old.map((t) => t.cpu),
          ),
          2,
        )} | ${formatInterval(
          ratio(
            now.map((t) => t.wall),
            old.map((t) => t.wall),
          ),
          2,
        )} |`,
      );
    }
  }
  for (const [key, label] of [
    ['idle', 'RSS added by an idle Express monitor'],
    ['import', '… by the import alone'],
    ['warm idle', '… by an idle monitor, optimising compiler warm'],
  ] as const) {
    lines.push(
      `| ${label}, MB | ${formatInterval(rssOf(key))} | ${formatInterval(rssOf(`old ${key}`))} | ${formatInterval(ratio(rss.get(key) ?? [], rss.get(`old ${key}`) ?? []), 2)} | |`,
    );
  }
  against = `

Against the baseline \`${basename(values.baseline as string)}\`, installed beside it and measured in the same rounds
(the two alternate, each first in every other round); each ratio is the mean of the per-round ratios:

${lines.join('\n')}`;
}

const express = of('sysvitals/express cjs', 'wall');
const text = `${machineLine()} ${ROUNDS} interleaved rounds (RSS in every ${RSS_EVERY}rd), each variant in a fresh process, the packed tarball installed in a scratch project (\`npm pack\`, \`npm install <tarball>\`).

${rows.join('\n')}

Import time is measured inside the process around the one \`require\`/\`import\`, so Node's own start-up is
not in it; the same clocks around nothing read ${formatInterval(of('empty cjs', 'wall'), 2)} ms wall (CJS) and
${formatInterval(of('empty esm', 'wall'), 2)} ms (ESM). The frameworks are peers: the plain rows import sysvitals
alone (it then loads the Node built-ins a framework would have loaded, such as http and crypto); the "after the
framework" rows load the framework first, outside the timing, which is what an application adds. The ESM rows
include Node's first use of its ES module loader (and, for a build without the dist/*.mjs entries, its lexer over
the CommonJS entry), which an application that imported its framework has already paid: compare the rows after the
framework.
CPU is this process's user + system time over the same span: a loaded machine inflates wall time (waiting for a
core), much less CPU time. RSS is the idle process with the monitor minus the same process without it, both after
one GC, a second after the monitor was created (before its first sample, 5 s later). The "optimising compiler"
row runs the same hot loop first in both processes, so that V8's TurboFan (about 4 MB, mostly the node binary's own
pages) is in both: a process that loads little can tier its first function up during sysvitals' import, and
then the raw row counts TurboFan as sysvitals'.${against}
${loadLine()}`;
console.log(text);
console.log(
  `\ninstall: import sysvitals/express (CJS) ${formatInterval(express)} ms wall, ${formatInterval(of('sysvitals/express cjs', 'cpu'))} ms CPU; idle RSS ${formatInterval(r)} MB (${formatInterval(warm)} with the optimising compiler warm); unpacked ${unpacked.toFixed(2)} MB; ${loadLine()}`,
);
if (!values['no-write']) writeSection(values.section, text);
