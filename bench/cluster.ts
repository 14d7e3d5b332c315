// Cluster mode's cost: server CPU per request of a 2-worker node:cluster Express app with sysvitals
// aggregating (cluster: true) against the same cluster without sysvitals, in one run, interleaved
// rounds, with 95% intervals; and the bytes per second each worker sends to the aggregator, at
// full load, at a fixed 200 req/s, and idle. `npx tsx bench/cluster.ts [rounds] [seconds]`

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadLine, machineLine, today, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, verdictBelow } from './lib/stats.js';

// autocannon ships no types: the part used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
}) => Promise<{ requests: { total: number } }>;

const ROUNDS = Number(process.argv[2] ?? 6);
const SECONDS = Number(process.argv[3] ?? 5);
const SERVER = join(import.meta.dirname, 'cluster-server.ts');
const dir = mkdtempSync(join(tmpdir(), 'sysvitals-bench-cluster-'));

interface Cluster {
  proc: ChildProcess;
  port: number;
  pids: number[];
}

function start(variant: '0' | '1' | '2'): Promise<Cluster> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: {
      ...process.env,
      SYSVITALS: variant,
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

const bare = await start('0');
const sv = await start('1');
const single = await start('2');
try {
  await new Promise((r) => setTimeout(r, 1500));
  await run(bare, 2);
  await run(sv, 2);
  await run(single, 2);
  const ratios: number[] = [];
  const aggRatios: number[] = [];
  const rows: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const b = await run(bare, SECONDS);
    const s = await run(sv, SECONDS);
    const p = await run(single, SECONDS);
    const bPer = (b.cpuMs * 1000) / b.requests;
    const sPer = (s.cpuMs * 1000) / s.requests;
    const pPer = (p.cpuMs * 1000) / p.requests;
    ratios.push(sPer / bPer);
    aggRatios.push(sPer / pPer);
    rows.push(
      `| ${i + 1} | ${bPer.toFixed(1)} | ${pPer.toFixed(1)} | ${sPer.toFixed(1)} | ${(sPer / bPer).toFixed(3)} | ${(sPer / pPer).toFixed(3)} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  const interval = meanInterval(ratios);
  const full = await ipcRate(sv, SECONDS);
  const paced = await ipcRate(sv, SECONDS, 200);
  const idle = await ipcRate(sv, 3, 0);
  const md = [
    machineLine(),
    loadLine(),
    `Date: ${today()}. ${ROUNDS} interleaved rounds of ${SECONDS} s, autocannon -c 20 on /hello, 2 node:cluster workers (Express 5),`,
    'CPU = utime + stime of the primary and both workers from /proc between the start and end of each round.',
    '',
    '| round | bare CPU µs/req | sysvitals per process µs/req | sysvitals cluster mode µs/req | cluster / bare | cluster / per process |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `CPU per request, sysvitals cluster mode / bare: **${formatInterval(interval, 3)}** (mean, 95% t-interval); target ≤ 1.05: ${verdictBelow(interval, 1.05)}.`,
    `The aggregation alone (cluster mode / the same sysvitals without cluster mode): **${formatInterval(meanInterval(aggRatios), 3)}**; target ≤ 1.05: ${verdictBelow(meanInterval(aggRatios), 1.05)}.`,
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
  bare.proc.kill('SIGTERM');
  sv.proc.kill('SIGTERM');
  single.proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
