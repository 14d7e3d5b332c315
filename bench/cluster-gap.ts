// Where does cluster mode's extra CPU per request go (issue 13, section `cluster-gap` of bench/RESULTS.md)?
// `npx tsx bench/cluster-gap.ts [--variants 2,1] [--rounds 4] [--duration 8] [--warmup 5] [--connections 20]
//   [--trace-gc] [--alt-dist /tmp/x/dist]`
// Each round starts one 2-worker cluster of bench/cluster-server.ts per variant, every process of every cluster
// pinned to CPU 0 (sharing it), each loaded by its own autocannon on CPU 1 in the same seconds (bench/lib/paired.ts),
// and reads over those seconds, per process (primary, aggregator, the other worker) and per thread, the CPU from
// /proc/<pid>/task/<tid>/schedstat (ns) and stat (user/kernel split, ticks): the main thread against the others
// (V8's platform threads, created at start-up, and libuv's pool, created on first use), with --trace-gc the
// scavenges and mark-compacts each worker printed in that window.
// A variant is `V` (cluster-server.ts's SYSVITALS: 0 bare, 1 cluster mode, 2 per process), `V@ABLATE` (CL_ABLATE in
// its environment: pieces of cluster mode switched off, read by bench/cluster-server.ts, diagnosis only) and/or
// `V~alt` (sysvitals from --alt-dist instead of this worktree's dist/: a before/after in the same seconds), and a
// final `!`: GET /__ipc asked of the cluster before its warm-up (a second route; bench/cluster.ts asks it of its
// cluster-mode cluster only), or a final `?`: asked after the warm-up, right before the window (where
// bench/cluster.ts asks it). Without either, /__ipc is asked after the measured window only (the roles).
// Ratios are each variant's over the first one's, per round, with 95 % t-intervals over rounds.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannon, type Cannon, CLK_TCK, exited, pin, SERVER_CPU } from './lib/paired.js';
import { formatInterval, meanInterval } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    variants: { type: 'string', default: '2,1' },
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '20' },
    'trace-gc': { type: 'boolean', default: false },
    'alt-dist': { type: 'string', default: '' },
    'interval-ms': { type: 'string', default: '' },
    /** More node flags for the workers (e.g. `--trace-deopt`); with --dump, each cluster's output over the window. */
    'worker-flags': { type: 'string', default: '' },
    dump: { type: 'string', default: '' },
  },
});
const SERVER = fileURLToPath(new URL('./cluster-server.ts', import.meta.url));
const variants = flags.variants.split(',').filter(Boolean);
const dir = mkdtempSync(join(tmpdir(), 'cluster-gap-'));
let count = 0;

interface Cluster {
  spec: string;
  proc: ChildProcess;
  port: number;
  pids: number[];
  lines: string[];
  roles: Map<number, string>;
}

function start(spec: string): Promise<Cluster> {
  const m = /^(\d)(?:@([\w+]+))?(~alt)?[!?]?$/.exec(spec);
  if (!m) throw new Error(`bad variant ${spec}`);
  const [, variant, ablate = '', alt] = m;
  const [cmd, args] = pin(SERVER_CPU, process.execPath, ['--import', 'tsx', SERVER]);
  const proc = spawn(cmd, args, {
    env: {
      ...process.env,
      SYSVITALS: variant,
      CL_ABLATE: ablate,
      ...(alt ? { SV_DIST: flags['alt-dist'] } : {}),
      WORKER_FLAGS: `${flags['trace-gc'] ? '--trace-gc ' : ''}${flags['worker-flags']}`,
      ...(flags['interval-ms'] ? { CLUSTER_INTERVAL_MS: flags['interval-ms'] } : {}),
      SOCKET_DIR: join(dir, 'sock'),
      CLUSTER_NAME: `gap-${process.pid}-${count++}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let rest = '';
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        if (l.startsWith('{"port"')) {
          const { port, pids } = JSON.parse(l);
          resolve({ spec, proc, port, pids, lines, roles: new Map() });
        }
      }
    });
    proc.once('exit', (code) => reject(new Error(`${spec} exited with ${code}`)));
  });
}

function get(port: number): Promise<{ pid: number; role: string | null }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/__ipc', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(JSON.parse(body)));
    })
      .on('error', reject)
      .end();
  });
}

async function roles(c: Cluster): Promise<void> {
  for (let i = 0; i < 40 && c.roles.size < 2; i++) {
    const r = await get(c.port);
    c.roles.set(r.pid, r.role ?? 'w');
  }
}

/** Per thread (by rank of tid within its process): runtime ns, user ticks, kernel ticks. */
type Threads = Map<number, { ns: number; user: number; sys: number }>;
function threads(pid: number): Threads {
  const out: Threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { ns, user: Number(f[11]), sys: Number(f[12]) });
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return out;
}

function gcCounts(lines: string[], pid: number) {
  const g = { scavenges: 0, scavengeMs: 0, marks: 0, markMs: 0 };
  for (const line of lines) {
    if (!line.startsWith(`[${pid}:`)) continue;
    const m =
      /(Scavenge|Mark-Compact|Mark-sweep)[^,]*MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/.exec(line);
    if (!m) continue;
    if (m[1] === 'Scavenge') {
      g.scavenges++;
      g.scavengeMs += Number(m[2]);
    } else {
      g.marks++;
      g.markMs += Number(m[2]);
    }
  }
  return g;
}

/** One variant's round: per request µs by process role and thread class. */
interface Row {
  spec: string;
  rps: number;
  total: number;
  user: number;
  sys: number;
  parts: Record<string, number>;
  gc: Record<string, ReturnType<typeof gcCounts>>;
}

const ROUNDS = Number(flags.rounds);
const SECONDS = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const C = Number(flags.connections);
const all: Row[][] = [];
console.log(
  `cluster-gap: ${variants.join(' | ')}; ${ROUNDS} rounds × ${SECONDS} s (+${WARMUP} s), -c ${C}; ${new Date().toISOString()}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
);
for (let round = 0; round < ROUNDS; round++) {
  const order = variants.map((_, i) => variants[(i + round) % variants.length] as string);
  const clusters = await Promise.all(order.map(start));
  try {
    await new Promise((r) => setTimeout(r, 1500));
    // `V!`: /__ipc asked before the warm-up (a second route, as bench/cluster.ts asks its cluster-mode cluster).
    await Promise.all(clusters.filter((c) => c.spec.endsWith('!')).map(roles));
    const url = (c: Cluster) => `http://127.0.0.1:${c.port}/hello`;
    if (WARMUP > 0) await Promise.all(clusters.map((c) => autocannon(url(c), WARMUP, C)));
    for (const c of clusters) c.lines.push('=== warm-up end');
    // `V?`: /__ipc asked after the warm-up, right before the window (where bench/cluster.ts asks it).
    await Promise.all(clusters.filter((c) => c.spec.endsWith('?')).map(roles));
    const procs = (c: Cluster) => [c.proc.pid as number, ...c.pids];
    for (const c of clusters) c.lines.push('=== window start');
    const mark = clusters.map((c) => c.lines.length);
    const before = clusters.map((c) => procs(c).map(threads));
    const cannons: Cannon[] = await Promise.all(clusters.map((c) => autocannon(url(c), SECONDS, C)));
    const after = clusters.map((c) => procs(c).map(threads));
    for (const c of clusters) c.lines.push('=== window end');
    await Promise.all(clusters.map(roles)); // which worker is the aggregator (for the labels), after the window
    const rows = clusters.map((c, i): Row => {
      const served = (cannons[i] as Cannon).requests.total;
      const parts: Record<string, number> = {};
      let user = 0;
      let sys = 0;
      let total = 0;
      procs(c).forEach((pid, p) => {
        const role = p === 0 ? 'primary' : c.roles.get(pid) === 'aggregator' ? 'agg' : 'wrk';
        const b = (before[i] as Threads[])[p] as Threads;
        const a = (after[i] as Threads[])[p] as Threads;
        const tids = [...a.keys()].sort((x, y) => x - y);
        for (const tid of tids) {
          const x = a.get(tid)!;
          const y = b.get(tid) ?? { ns: 0, user: 0, sys: 0 };
          // The main thread; V8's platform threads (the 5 created at start-up right after it); the rest (libuv's
          // pool and the inspector's thread).
          const rank = tids.indexOf(tid);
          const cls = tid === pid ? 'main' : rank <= 5 ? 'v8' : 'other';
          const key = `${role}.${cls}`;
          const us = (x.ns - y.ns) / 1000 / served;
          parts[key] = (parts[key] ?? 0) + us;
          if (role !== 'primary') parts[`workers.${cls}`] = (parts[`workers.${cls}`] ?? 0) + us;
          total += us;
          user += x.user - y.user;
          sys += x.sys - y.sys;
        }
      });
      const tick = (t: number) => (t * 1e6) / CLK_TCK / served;
      const lines = c.lines.slice(mark[i]);
      if (flags.dump) writeFileSync(join(flags.dump, `r${round + 1}-${c.spec}.log`), c.lines.join('\n'));
      const gc: Row['gc'] = {};
      for (const pid of c.pids) gc[c.roles.get(pid) === 'aggregator' ? 'agg' : 'wrk'] = gcCounts(lines, pid);
      return { spec: c.spec, rps: served / SECONDS, total, user: tick(user), sys: tick(sys), parts, gc };
    });
    rows.sort((x, y) => variants.indexOf(x.spec) - variants.indexOf(y.spec));
    all.push(rows);
    for (const r of rows) {
      const parts = Object.entries(r.parts)
        .sort()
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ');
      const gc = Object.entries(r.gc)
        .map(
          ([k, g]) =>
            `${k} sc ${g.scavenges}/${g.scavengeMs.toFixed(0)}ms mc ${g.marks}/${g.markMs.toFixed(0)}ms`,
        )
        .join('; ');
      console.log(
        `r${round + 1} ${r.spec.padEnd(14)} ${r.rps.toFixed(0)} req/s  ${r.total.toFixed(1)} µs/req (user ${r.user.toFixed(1)}, sys ${r.sys.toFixed(1)}) | ${parts}${flags['trace-gc'] ? ` | ${gc}` : ''}`,
      );
    }
  } finally {
    for (const c of clusters) c.proc.kill('SIGTERM');
    await Promise.all(clusters.map((c) => exited(c.proc)));
  }
}
const base = variants[0] as string;
console.log(`\nover ${base}, per round (mean, 95 % t-interval over ${ROUNDS} rounds):`);
for (const v of variants.slice(1)) {
  const pick = (rows: Row[], s: string) => rows.find((r) => r.spec === s) as Row;
  const ratio = meanInterval(all.map((rows) => pick(rows, v).total / pick(rows, base).total));
  const diff = (f: (r: Row) => number) =>
    formatInterval(meanInterval(all.map((rows) => f(pick(rows, v)) - f(pick(rows, base)))), 2);
  const keys = [...new Set(all.flatMap((rows) => Object.keys(pick(rows, v).parts)))].sort();
  console.log(
    `${v}: CPU/req ${formatInterval(ratio, 3)}×; +µs/req total ${diff((r) => r.total)}, user ${diff((r) => r.user)}, sys ${diff((r) => r.sys)}`,
  );
  for (const k of keys) console.log(`  ${k}: ${diff((r) => r.parts[k] ?? 0)}`);
}
console.log(`load at the end ${readFileSync('/proc/loadavg', 'utf8').trim()}; ${new Date().toISOString()}`);
