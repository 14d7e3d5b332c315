// Instructions per RequestStats.record() call under callgrind (issue 18), for one or more source trees in one session:
// each tree's recorder bundled with esbuild into a harness (one route, varied durations, 20k warm-up calls, an injected
// clock that stays put), run under `valgrind --tool=callgrind node --single-threaded` for N1 and N2 calls; the
// difference of the two totals over N2 - N1 is the cost of one call (start-up and warm-up cancel), the harness's loop
// included. Rounds alternate the trees, so that a drift of the machine does not fall on one of them.
//   npx tsx bench/record-instructions.ts [--src src] [--src /tmp/old/src] [--n1 100000] [--n2 1100000] [--rounds 2]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    src: { type: 'string', multiple: true, default: ['src'] },
    n1: { type: 'string', default: '100000' },
    n2: { type: 'string', default: '1100000' },
    rounds: { type: 'string', default: '2' },
  },
});
const N1 = Number(values.n1);
const N2 = Number(values.n2);
const dir = mkdtempSync(join(tmpdir(), 'record-instructions-'));

function bundle(src: string, k: number): string {
  const entry = join(dir, `harness-${k}.ts`);
  writeFileSync(
    entry,
    `import { RequestStats } from ${JSON.stringify(join(resolve(src), 'requests/requests.js'))};
const n = Number(process.argv[2]);
const clock = { now: () => 0 };
const s = new RequestStats({ clock });
for (let i = 0; i < 20000; i++) s.record('GET', '/users/:id', 200, (i % 97) * 0.37 + 0.1);
for (let i = 0; i < n; i++) s.record('GET', '/users/:id', 200, (i % 97) * 0.37 + 0.1);
console.log(s.groups().requests?.total ?? '');
`,
  );
  const out = join(dir, `harness-${k}.cjs`);
  execFileSync('npx', [
    'esbuild',
    entry,
    '--bundle',
    '--platform=node',
    '--format=cjs',
    `--outfile=${out}`,
    '--log-level=error',
  ]);
  return out;
}

function instructions(harness: string, n: number): number {
  const out = join(dir, `cg-${n}-${Date.now()}.out`);
  execFileSync(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, 'node', '--single-threaded', harness, String(n)],
    { stdio: ['ignore', 'ignore', 'ignore'], timeout: 1_500_000 },
  );
  const line = readFileSync(out, 'utf8').match(/^(?:summary|totals): (\d+)/m);
  if (line === null) throw new Error(`no totals in ${out}`);
  return Number(line[1]);
}

const trees = (values.src as string[]).map((src, k) => ({
  src,
  harness: bundle(src, k),
  perCall: [] as number[],
}));
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const t of round % 2 === 1 ? trees : [...trees].reverse()) {
    const perCall = (instructions(t.harness, N2) - instructions(t.harness, N1)) / (N2 - N1);
    t.perCall.push(perCall);
    console.log(`round ${round} ${t.src}: ${perCall.toFixed(1)} instructions per record()`);
  }
}
for (const t of trees) {
  const mean = t.perCall.reduce((a, b) => a + b, 0) / t.perCall.length;
  console.log(`${t.src}: mean ${mean.toFixed(1)} (${t.perCall.map((v) => v.toFixed(1)).join(', ')})`);
}
