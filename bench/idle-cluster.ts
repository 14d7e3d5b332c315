// What an idle 2-worker node:cluster with sysvitals in cluster mode costs per second (issue 13): every process of
// the cluster (primary and both workers; one worker aggregates), this build against a baseline build, paired.
//
//   npx tsx bench/idle-cluster.ts --baseline /tmp/main/dist [--rounds 4] [--duration 30] [--warmup 10] [--no-write]
//
// Each round starts both clusters in the same seconds (all pinned to CPU 0 with this script; children inherit the
// affinity), no request ever served, waits `--warmup` s (election, first reports), then reads the CPU time of every
// thread of the primary and both workers of each (/proc/<pid>/task/*/schedstat, ns) over `--duration` s. The figure is the per-round ratio this/baseline
// with a 95 % t-interval over rounds, and each build's ms of CPU per second. A window may hold a minute boundary
// (each monitor's first history flush): it falls on both clusters in the same seconds.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pinToOneCore } from './lib/pin.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median } from './lib/stats.js';

pinToOneCore();

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    build: { type: 'string', default: 'dist' },
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '10' },
    'no-write': { type: 'boolean', default: false },
  },
});
if (!values.baseline) throw new Error('--baseline <dist> is required');
const ROUNDS = Number(values.rounds);
const DURATION_S = Number(values.duration);
const WARMUP_S = Number(values.warmup);

const CHILD = `
const cluster = require('node:cluster');
const [dist, name, socketDir] = process.argv.slice(2);
if (cluster.isPrimary) {
  const pids = [];
  for (let i = 0; i < 2; i++) pids.push(cluster.fork().process.pid);
  process.stdout.write(JSON.stringify({ pids: [process.pid, ...pids] }) + '\\n');
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 3000).unref();
    cluster.on('exit', () => { if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0); });
  });
} else {
  const quiet = { warn() {}, error() {}, info() {}, debug() {} };
  const m = require(dist + '/index.cjs').createMonitor({ cluster: { name, socketDir }, logger: quiet });
  setInterval(() => {}, 2 ** 30); // keeps the worker alive; never fires in the run
  process.on('SIGTERM', () => { void m.close().finally(() => process.exit(0)); });
}
`;

/** CPU time of every thread of these processes, ms (schedstat's run time, ns: finer than stat's 10 ms ticks). */
function cpuMs(pids: readonly number[]): number {
  let ns = 0;
  for (const pid of pids) {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
  }
  return ns / 1e6;
}

const dir = mkdtempSync(join(os.tmpdir(), 'sysvitals-idle-cluster-'));
const childFile = join(dir, 'child.cjs');
writeFileSync(childFile, CHILD);

function start(dist: string, tag: string): Promise<{ child: ChildProcess; pids: number[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [childFile, dist, `idle-${tag}-${process.pid}`, join(dir, tag)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) done({ child, pids: (JSON.parse(line) as { pids: number[] }).pids });
    });
    child.on('error', fail);
  });
}
const stop = (c: ChildProcess) =>
  new Promise<void>((done) => {
    c.once('exit', () => done());
    c.kill('SIGTERM');
  });
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

const builds = [
  { name: 'this build', dist: resolve(values.build), cpu: [] as number[] },
  { name: 'baseline', dist: resolve(values.baseline), cpu: [] as number[] },
];
const loads: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 ? builds : [...builds].reverse();
  const started = await Promise.all(order.map((b, i) => start(b.dist, `r${round}b${i}`)));
  await sleep(WARMUP_S);
  loads.push(os.loadavg()[0] as number);
  const before = started.map((s) => cpuMs(s.pids));
  await sleep(DURATION_S);
  const after = started.map((s) => cpuMs(s.pids));
  loads.push(os.loadavg()[0] as number);
  order.forEach((b, i) => {
    b.cpu.push(((after[i] as number) - (before[i] as number)) / DURATION_S);
  });
  await Promise.all(started.map((s) => stop(s.child)));
  console.log(
    `round ${round}: ${builds.map((b) => `${b.name} ${b.cpu.at(-1)?.toFixed(2)} ms/s`).join('; ')}`,
  );
}
rmSync(dir, { recursive: true, force: true });

const [cur, base] = builds as [(typeof builds)[0], (typeof builds)[0]];
const ratio = meanInterval(cur.cpu.map((c, i) => c / (base.cpu[i] as number)));
const diff = meanInterval(cur.cpu.map((c, i) => c - (base.cpu[i] as number)));
const markdown = `${machineLine()}
${loadLine()} 1-min load over the rounds ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.
\`npx tsx bench/idle-cluster.ts ${process.argv.slice(2).join(' ')}\`: ${ROUNDS} rounds; each round a 2-worker node:cluster
with \`createMonitor({ cluster })\` in each worker (no request served) of this build and of the baseline, started in
the same seconds on CPU 0, ${WARMUP_S} s warm-up, then the CPU time of every thread of the primary and both workers\n(schedstat) over ${DURATION_S} s.

| build | ms of CPU per second, whole cluster (mean, 95 % interval) | median |
|---|---|---|
${builds.map((b) => `| ${b.name} | ${formatInterval(meanInterval(b.cpu), 2)} | ${median(b.cpu).toFixed(2)} |`).join('\n')}

Paired by round, this build over the baseline: ${formatInterval(ratio, 3)}×; difference ${formatInterval(diff, 2)} ms of CPU per second.
`;
console.log(markdown);
if (!values['no-write']) writeSection('idle-cluster', markdown);
