// Cluster mode's cost: server CPU per request of a 2-worker node:cluster Express app with sysvitals
// aggregating (cluster: true) against the same cluster without sysvitals, in one run, interleaved
// rounds, with 95% intervals, beside the same app with sysvitals per process (no cluster mode: what the
// aggregation adds) and with one no-op middleware (what any Express middleware costs); the bytes per
// second each worker sends to the aggregator, at full load, at a fixed 200 req/s, and idle; and each
// idle cluster's CPU per second.
//
//   npx tsx bench/cluster.ts [rounds] [seconds] [--source] [--profile <dir>] [--ipc <rates>]
//
// It measures the built package (dist/, as users run it: `npm run build` first); --source measures src/
// through tsx. --profile <dir>: no rounds; one cluster-mode run of `seconds` at full load with
// `--cpu-prof` in both workers, the profiles written to <dir> (see bench/lib/profile-summary.ts).
// --ipc <rates>: no CPU comparison; the cluster-mode variant alone (default pacing, 2048 B/s), `rounds` runs of
// `seconds` at each request rate (comma-separated req/s; 0 idle, `full` autocannon -c 20): the bytes per second
// the worker that is not the aggregator wrote to its socket, with the cluster's CPU per request and the load.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, today, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median, verdictBelow } from './lib/stats.js';

// autocannon ships no types: the part used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
}) => Promise<{ requests: { total: number } }>;

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: 'boolean', default: false },
    profile: { type: 'string' },
    ipc: { type: 'string' },
  },
});
const ROUNDS = Number(positionals[0] ?? 6);
const SECONDS = Number(positionals[1] ?? 5);
const SERVER = join(import.meta.dirname, 'cluster-server.ts');
if (!flags.source && !existsSync(join(import.meta.dirname, '..', 'dist', 'adapters', 'express.cjs'))) {
  console.error('bench/cluster.ts measures the build: run `npm run build` first (or pass --source)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'sysvitals-bench-cluster-'));

interface Cluster {
  proc: ChildProcess;
  port: number;
  pids: number[];
}

function start(variant: '0' | '1' | '2' | '3', profileDir?: string): Promise<Cluster> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: {
      ...process.env,
      SYSVITALS: variant,
      SOURCE: flags.source ? '1' : '0',
      ...(profileDir ? { PROFILE_DIR: profileDir } : {}),
      SOCKET_DIR: join(dir, 'sock'),
      CLUSTER_NAME: `bench-${process.pid}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      const { port, pids } = JSON.parse(line);
      resolve({ proc, port, pids });
    });
  });
}

// utime + stime of the workers and the primary, in ms (clock ticks of 10 ms).
function cpuMs(c: Cluster): number {
  let ticks = 0;
  for (const pid of [...c.pids, c.proc.pid as number]) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

async function run(c: Cluster, seconds: number, rate?: number): Promise<{ requests: number; cpuMs: number }> {
  const before = cpuMs(c);
  const result = await autocannon({
    url: `http://127.0.0.1:${c.port}/hello`,
    connections: rate ? 4 : 20,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
  });
  return { requests: result.requests.total, cpuMs: cpuMs(c) - before };
}

function ipc(c: Cluster): Promise<Map<number, { role: string; bytes: number }>> {
  const get = () =>
    new Promise<{ pid: number; role: string; bytes: number }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: c.port, path: '/__ipc', agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve(JSON.parse(body)));
      })
        .on('error', reject)
        .end();
    });
  return (async () => {
    const seen = new Map<number, { role: string; bytes: number }>();
    for (let i = 0; i < 40 && seen.size < c.pids.length; i++) {
      const r = await get();
      seen.set(r.pid, r);
    }
    return seen;
  })();
}

// Bytes/s sent by the worker that is not the aggregator, over `seconds` of the given load.
async function ipcRate(c: Cluster, seconds: number, rate?: number): Promise<number> {
  const a = await ipc(c);
  const t0 = Date.now();
  if (rate === 0) await new Promise((r) => setTimeout(r, seconds * 1000));
  else await run(c, seconds, rate);
  const b = await ipc(c);
  const elapsed = (Date.now() - t0) / 1000;
  let rateOut = 0;
  for (const [pid, after] of b) {
    if (after.role !== 'worker') continue;
    rateOut = Math.max(rateOut, (after.bytes - (a.get(pid)?.bytes ?? 0)) / elapsed);
  }
  return rateOut;
}

if (flags.profile) {
  const profiled = await start('1', flags.profile);
  await new Promise((r) => setTimeout(r, 1500));
  const r = await run(profiled, SECONDS);
  console.log(
    `${r.requests} requests, ${((r.cpuMs * 1000) / r.requests).toFixed(1)} µs CPU each; profiles in ${flags.profile}`,
  );
  const exited = new Promise((resolve) => profiled.proc.once('exit', resolve));
  profiled.proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

if (flags.ipc) {
  const started = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const t0 = new Date().toISOString().slice(11, 16);
  const sv = await start('1');
  await new Promise((r) => setTimeout(r, 1500));
  await run(sv, 3);
  const rows: string[] = [];
  for (const spec of flags.ipc.split(',')) {
    const rate = spec === 'full' ? undefined : Number(spec);
    const bytes: number[] = [];
    const perReq: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const before = cpuMs(sv);
      const a = await ipc(sv);
      const tA = Date.now();
      let requests = 0;
      if (rate === 0) await new Promise((r) => setTimeout(r, SECONDS * 1000));
      else requests = (await run(sv, SECONDS, rate)).requests;
      const b = await ipc(sv);
      const elapsed = (Date.now() - tA) / 1000;
      for (const [pid, after] of b)
        if (after.role === 'worker') bytes.push((after.bytes - (a.get(pid)?.bytes ?? 0)) / elapsed);
      if (requests > 0) perReq.push(((cpuMs(sv) - before) * 1000) / requests);
      loads.push(loadavg()[0] as number);
      console.log(spec, i + 1, bytes[bytes.length - 1]?.toFixed(0), perReq[perReq.length - 1]?.toFixed(1));
    }
    const lo = Math.min(...bytes);
    const hi = Math.max(...bytes);
    rows.push(
      `| ${spec === 'full' ? 'full (autocannon -c 20)' : spec === '0' ? 'idle' : `${spec} req/s`} | ${median(bytes).toFixed(0)} | ${lo.toFixed(0)}–${hi.toFixed(0)} | ${perReq.length > 0 ? `${median(perReq).toFixed(1)} (${Math.min(...perReq).toFixed(1)}–${Math.max(...perReq).toFixed(1)})` : '–'} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`,
    );
  }
  writeSection(
    'cluster-ipc',
    [
      machineLine(),
      `Date: ${today()}, ${t0}–${new Date().toISOString().slice(11, 16)} UTC. Load average at the start: ${started}.`,
      `\`npx tsx bench/cluster.ts ${ROUNDS} ${SECONDS} --ipc ${flags.ipc}${flags.source ? ' --source' : ''}\`: 2 node:cluster workers (Express 5), cluster mode with the default pacing (\`bytesPerSecond\` 2048, \`maxReportDelayMs\` 10 s), one route (/hello), ${ROUNDS} runs of ${SECONDS} s per rate; bytes are what the worker that is not the aggregator wrote to its socket (frames as written, reads' answers included), per second of the run.`,
      '',
      '| load | IPC B/s per worker (median) | range over runs | cluster CPU µs/req (median, range) | load average (1 min) during the runs |',
      '|---|---|---|---|---|',
      ...rows,
      '',
      'CPU per request here is of the cluster-mode variant alone, on a shared 2-core machine at the load shown: noise, not a ratio to bare (see the cluster section for that).',
    ].join('\n'),
  );
  const exited = new Promise((resolve) => sv.proc.once('exit', resolve));
  sv.proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const bare = await start('0');
const sv = await start('1');
const single = await start('2');
const noop = await start('3');
const all = [bare, noop, single, sv];
try {
  await new Promise((r) => setTimeout(r, 1500));
  // Warm-up: JIT and first allocations, discarded (a 2 s warm-up left the first round an outlier).
  for (const c of all) await run(c, 5);
  const ratios: number[] = [];
  const aggRatios: number[] = [];
  const perProcessRatios: number[] = [];
  const noopRatios: number[] = [];
  const rows: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Each round runs every variant twice, forward then backward (A B C D D C B A), and a variant's figure is
    // its CPU over both runs per request over both: a drift of the machine within the round (on 2026-12-02 the
    // variant run first read ~6 % faster than the one run last, whichever it was) falls equally on every variant.
    // Alternating the order by round only cancelled it in the mean, and widened the interval.
    const order = i % 2 === 0 ? [...all, ...[...all].reverse()] : [...[...all].reverse(), ...all];
    const cpu = new Map<Cluster, number>();
    const reqs = new Map<Cluster, number>();
    for (const c of order) {
      const r = await run(c, SECONDS);
      cpu.set(c, (cpu.get(c) ?? 0) + r.cpuMs);
      reqs.set(c, (reqs.get(c) ?? 0) + r.requests);
    }
    const [bPer, nPer, pPer, sPer] = all.map(
      (c) => ((cpu.get(c) as number) * 1000) / (reqs.get(c) as number),
    ) as [number, number, number, number];
    ratios.push(sPer / bPer);
    aggRatios.push(sPer / pPer);
    perProcessRatios.push(pPer / bPer);
    noopRatios.push(nPer / bPer);
    rows.push(
      `| ${i + 1} | ${bPer.toFixed(1)} | ${nPer.toFixed(1)} | ${pPer.toFixed(1)} | ${sPer.toFixed(1)} | ${(sPer / bPer).toFixed(3)} | ${(sPer / pPer).toFixed(3)} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  const interval = meanInterval(ratios);
  const full = await ipcRate(sv, SECONDS);
  const paced = await ipcRate(sv, SECONDS, 200);
  const idle = await ipcRate(sv, 3, 0);
  // CPU of each idle cluster (its timers: samples, load watch, reports, ledger), ms per second.
  const idleBefore = all.map(cpuMs);
  await new Promise((r) => setTimeout(r, 10_000));
  const idleCpu = all.map((c, i) => (cpuMs(c) - (idleBefore[i] as number)) / 10);
  const md = [
    machineLine(),
    `Load average at the start: ${loadAtStart}. ${loadLine()}`,
    `Date: ${today()}. ${ROUNDS} rounds, each running every variant twice for ${SECONDS} s in mirrored order (A B C D D C B A), autocannon -c 20 on /hello, 2 node:cluster workers (Express 5),`,
    `sysvitals ${flags.source ? 'from src/ through tsx (--source)' : 'from the built dist/ (what ships)'}. CPU = utime + stime of the primary and both workers from /proc between the start and end of each round.`,
    '',
    '| round | bare CPU µs/req | no-op middleware µs/req | sysvitals per process µs/req | sysvitals cluster mode µs/req | cluster / bare | cluster / per process |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `CPU per request, sysvitals cluster mode / bare: **${formatInterval(interval, 3)}** (mean, 95% t-interval; median ${median(ratios).toFixed(3)}); target ≤ 1.05: ${verdictBelow(interval, 1.05)}.`,
    `The aggregation alone (cluster mode / the same sysvitals without cluster mode): **${formatInterval(meanInterval(aggRatios), 3)}**; target ≤ 1.05: ${verdictBelow(meanInterval(aggRatios), 1.05)}.`,
    `Sysvitals without cluster mode / bare: ${formatInterval(meanInterval(perProcessRatios), 3)}; one no-op Express middleware / bare (what any middleware costs): ${formatInterval(meanInterval(noopRatios), 3)}.`,
    `Idle CPU of each cluster (primary and 2 workers, 10 s, ms of CPU per second): bare ${idleCpu[0]?.toFixed(1)}, no-op middleware ${idleCpu[1]?.toFixed(1)}, sysvitals per process ${idleCpu[2]?.toFixed(1)}, cluster mode ${idleCpu[3]?.toFixed(1)}.`,
    '',
    '| load | IPC bytes/s sent by a worker to the aggregator |',
    '|---|---|',
    `| full load (autocannon -c 20) | ${full.toFixed(0)} |`,
    `| 200 req/s | ${paced.toFixed(0)} |`,
    `| idle | ${idle.toFixed(0)} |`,
    '',
    'Target: under 2048 bytes/s per worker at any request rate (deltas per 1 s interval, never per request).',
  ].join('\n');
  console.log(md);
  writeSection('cluster', md);
} finally {
  for (const c of all) c.proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
