// What an idle process with a default `createMonitor()` costs per second, and how often its timers wake the
// event loop (issue 18: per-second work reads as per-request CPU at low rates, three times over in a cluster).
//
//   npx tsx bench/idle.ts --baseline /tmp/main/dist [--rounds 6] [--duration 20] [--warmup 6] [--components] [--no-write]
//
// Each round starts every variant as its own child process in the same seconds (idle processes barely compete;
// the host's drift falls on all of them), all pinned to CPU 0, and measures over `--duration` seconds after
// `--warmup`: CPU = process.cpuUsage() (every thread) and wake-ups = the main thread's voluntary context switches
// (each one is the loop's epoll_wait sleeping and being woken: a timer, a signal, I/O), read by the child itself
// from /proc at the window's two ends (its own two timers' wake-ups fall outside the count: bare reads 0).
// Variants: `bare` (node and a ref'd timer that never fires), `this` (this worktree's dist/), `baseline` (the
// `--baseline` dist/, e.g. main built into a temp dir); with --components also one JS `setInterval` of 20 ms and
// one `monitorEventLoopDelay` of 20 ms and one of 50 ms resolution, alone, to price a JS timer's wake-up against a
// native one's.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '6' },
    components: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const DURATION_MS = Number(values.duration) * 1000;
const WARMUP_MS = Number(values.warmup) * 1000;

const CHILD = `
const { readFileSync } = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const [kind, dist, warmMs, measureMs, resolution] = process.argv.slice(2);
const wakes = () => {
  try {
    const s = readFileSync('/proc/self/task/' + process.pid + '/status', 'utf8');
    return Number(/voluntary_ctxt_switches:\\s+(\\d+)/.exec(s)[1]);
  } catch { return NaN; }
};
if (kind === 'monitor') require(dist + '/index.cjs').createMonitor();
else if (kind === 'js-timer') setInterval(() => {}, 20).unref();
else if (kind === 'eld') monitorEventLoopDelay({ resolution: Number(resolution) }).enable();
setInterval(() => {}, 2 ** 30); // keeps the process alive; never fires in the run
setTimeout(() => {
  const c0 = process.cpuUsage();
  const w0 = wakes();
  const t0 = process.hrtime.bigint();
  setTimeout(() => {
    const c = process.cpuUsage(c0);
    const w = wakes() - w0;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write('RESULT ' + JSON.stringify({ cpuMsPerS: (c.user + c.system) / 1000 / s, wakesPerS: w / s }) + '\\n');
    process.exit(0);
  }, Number(measureMs));
}, Number(warmMs));
`;

interface Variant {
  name: string;
  kind: 'bare' | 'monitor' | 'js-timer' | 'eld';
  dist: string;
  /** The `eld` variant's resolution, ms. */
  resolution?: number;
  cpu: number[];
  wakes: number[];
}

const dir = mkdtempSync(join(os.tmpdir(), 'sysvitals-idle-'));
const childFile = join(dir, 'child.cjs');
writeFileSync(childFile, CHILD);

const variants: Variant[] = [
  { name: 'bare', kind: 'bare', dist: '', cpu: [], wakes: [] },
  { name: 'this build', kind: 'monitor', dist: resolve(values.build), cpu: [], wakes: [] },
];
if (values.baseline) {
  variants.push({ name: 'baseline', kind: 'monitor', dist: resolve(values.baseline), cpu: [], wakes: [] });
}
if (values.components) {
  variants.push({ name: 'one JS setInterval, 20 ms', kind: 'js-timer', dist: '', cpu: [], wakes: [] });
  for (const resolution of [20, 50]) {
    variants.push({
      name: `one monitorEventLoopDelay, ${resolution} ms`,
      kind: 'eld',
      dist: '',
      resolution,
      cpu: [],
      wakes: [],
    });
  }
}

function run(v: Variant): Promise<{ cpuMsPerS: number; wakesPerS: number }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [childFile, v.kind, v.dist, String(WARMUP_MS), String(DURATION_MS), String(v.resolution ?? 20)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) fail(new Error(`${v.name}: exit ${code}, output ${out.slice(-500)}`));
      else done(JSON.parse(line.slice(7)));
    });
  });
}

const loadBefore = os.loadavg()[0]?.toFixed(2);
for (let round = 1; round <= ROUNDS; round++) {
  // All variants in the same seconds; the start order alternates by round.
  const order = round % 2 ? variants : [...variants].reverse();
  const results = await Promise.all(order.map((v) => run(v)));
  order.forEach((v, i) => {
    v.cpu.push(results[i]?.cpuMsPerS ?? Number.NaN);
    v.wakes.push(results[i]?.wakesPerS ?? Number.NaN);
  });
  console.log(
    `round ${round}: ${order.map((v) => `${v.name} ${v.cpu.at(-1)?.toFixed(3)} ms/s, ${v.wakes.at(-1)?.toFixed(1)} wakes/s`).join('; ')}`,
  );
}

const rows = variants.map(
  (v) =>
    `| ${v.name} | ${formatInterval(meanInterval(v.cpu), 3)} | ${median(v.cpu).toFixed(3)} | ${formatInterval(meanInterval(v.wakes), 1)} |`,
);
const base = variants.find((v) => v.name === 'baseline');
const cur = variants[1] as Variant;
const paired = base
  ? `\nPaired by round, this build over the baseline: CPU ${formatInterval(
      meanInterval(cur.cpu.map((c, i) => c / (base.cpu[i] as number))),
      3,
    )}×, wake-ups ${formatInterval(
      meanInterval(cur.wakes.map((w, i) => w / (base.wakes[i] as number))),
      3,
    )}×; difference ${formatInterval(
      meanInterval(cur.cpu.map((c, i) => c - (base.cpu[i] as number))),
      3,
    )} ms of CPU per second.\n`
  : '';
const markdown = `${machineLine()}
Load average at the start (1 min): ${loadBefore}. ${loadLine()}
\`npx tsx bench/idle.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`: ${ROUNDS} rounds, every variant a child process started in
the same seconds (all on CPU 0), a default \`createMonitor()\` (5 s sample cycle, load watch, event-loop-delay histogram,
coarse clock), nothing else; measured over ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s. CPU: process.cpuUsage() of the child;
wake-ups: the main thread's voluntary context switches (the loop's epoll_wait woken; the bare row is the measuring child's own).

| variant | CPU ms per second (mean, 95% CI) | median | wake-ups per second (mean, 95% CI) |
|---|---|---|---|
${rows.join('\n')}
${paired}`;
console.log(markdown);
if (!values['no-write']) writeSection('idle', markdown);
