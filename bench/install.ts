// The cost of being installed, measured as a user gets the package: the packed tarball installed into a
// scratch project. Import time of each entry point (ESM and CJS; wall and CPU, each in a fresh process),
// the same after the framework is loaded (what an application adds), RSS added by an idle monitor, and
// the package's unpacked size. Needs `npm run build` (npm pack packs dist/ as it is).
//   npx tsx bench/install.ts [--rounds 15] [--keep] [--no-write]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, verdictBelow } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    keep: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const IMPORT_TARGET_MS = 30;
const RSS_TARGET_MB = 10;
const UNPACKED_TARGET_MB = 1.5;

if (!existsSync(`${root}/dist/index.js`)) {
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
const project = join(work, 'project');
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
    join(work, pack.filename),
    'express@5',
    'fastify@5',
    'fastify-plugin@5',
    'koa@3',
  ],
  { cwd: project, stdio: 'ignore' },
);

interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Milliseconds a fresh process spends loading `what` (a require or an import), wall and CPU, timed inside
 * the process around that one statement; `before` runs first, outside the timing (the framework).
 */
function importMs(kind: 'cjs' | 'esm', what: string | null, before = ''): Timing {
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
  return JSON.parse(execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' })) as Timing;
}

/** RSS (MB) of a fresh process after `setup`, with a GC and a second's settling. */
function rssMb(setup: string): number {
  const code = `${setup}
await new Promise((r) => setTimeout(r, 1000));
globalThis.gc();
console.log(process.memoryUsage.rss() / 1024 / 1024);
process.exit(0);`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    cwd: project,
    encoding: 'utf8',
  });
  return Number(out.trim());
}

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

// Interleaved rounds: every variant once per round, so drift on the machine hits all of them alike.
const samples = new Map<string, Timing[]>();
const add = (key: string, v: Timing) => samples.set(key, [...(samples.get(key) ?? []), v]);
const rss: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  add('empty cjs', importMs('cjs', null));
  add('empty esm', importMs('esm', null));
  for (const [entry, esmFramework, cjsFramework] of entries) {
    add(`${entry} cjs`, importMs('cjs', entry));
    add(`${entry} esm`, importMs('esm', entry));
    if (esmFramework) {
      add(`${entry} cjs after`, importMs('cjs', entry, cjsFramework));
      add(`${entry} esm after`, importMs('esm', entry, esmFramework));
    }
  }
  const base = rssMb('');
  const idle = rssMb(
    `const { createMonitor } = await import('sysvitals/express'); globalThis.m = createMonitor({ logger: { warn() {}, error() {} } });`,
  );
  rss.push(idle - base);
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
const r = meanInterval(rss);
rows.push(
  `| RSS added by an idle Express monitor (after GC), MB | ${formatInterval(r)} | | ≤ ${RSS_TARGET_MB} | ${verdictBelow(r, RSS_TARGET_MB)} |`,
);
const unpacked = pack.unpackedSize / 1e6;
rows.push(
  `| unpacked package (${pack.entryCount} files; packed ${(pack.size / 1e6).toFixed(2)} MB), MB | ${unpacked.toFixed(2)} | | ≤ ${UNPACKED_TARGET_MB} | ${unpacked <= UNPACKED_TARGET_MB ? 'met' : 'not met'} |`,
);

const express = of('sysvitals/express cjs', 'wall');
const text = `${machineLine()} ${ROUNDS} interleaved rounds, each variant in a fresh process, the packed tarball installed in a scratch project (\`npm pack\`, \`npm install <tarball>\`).

${rows.join('\n')}

Import time is measured inside the process around the one \`require\`/\`import\`, so Node's own start-up is
not in it; the same clocks around nothing read ${formatInterval(of('empty cjs', 'wall'), 2)} ms wall (CJS) and
${formatInterval(of('empty esm', 'wall'), 2)} ms (ESM). The frameworks are peers: the plain rows import sysvitals
alone (it then loads the Node built-ins a framework would have loaded, such as http and crypto); the "after the
framework" rows load the framework first, outside the timing, which is what an application adds.
CPU is this process's user + system time over the same span: a loaded machine inflates wall time (waiting for a
core), much less CPU time. RSS is the idle process with the monitor minus the same process without it, both after one GC.
${loadLine()}`;
console.log(text);
console.log(
  `\ninstall: import sysvitals/express (CJS) ${formatInterval(express)} ms wall, ${formatInterval(of('sysvitals/express cjs', 'cpu'))} ms CPU; idle RSS ${formatInterval(r)} MB; unpacked ${unpacked.toFixed(2)} MB; ${loadLine()}`,
);
if (!values['no-write']) writeSection('install', text);
