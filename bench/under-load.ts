// Where does sysvitals' CPU under load go that instruction counts do not show (issues 18, 13)?
// `npx tsx bench/under-load.ts [--framework express] [--variants bare,sysvitals] [--rounds 6] [--duration 10]
//   [--warmup 3] [--connections 50] [--trace-gc]`
// Each round serves every variant AT THE SAME TIME, all servers on CPU 0 (sharing it), each loaded by its own
// autocannon on CPU 1 (bench/lib/paired.ts), and reads over the same seconds, per server process, from /proc:
// utime and stime (user vs kernel), minor faults, voluntary and involuntary context switches (summed over every
// thread), the CPU of the main thread against the other threads (V8's GC helpers, libuv's pool), and with
// --trace-gc the scavenges and mark-compacts (count and pause ms) Node printed in that window.
// A variant is `name` or `name@ABLATE` (overhead-server.ts's variant, with SV_ABLATE=ABLATE in its environment:
// pieces of sysvitals switched off for diagnosis, read by bench/overhead-server.ts only).
// The ratios are each variant's over the first one's, per round, with 95 % t-intervals over rounds.

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannon, CLK_TCK, exited, pin, SERVER_CPU } from './lib/paired.js';
import { formatInterval, meanInterval } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    framework: { type: 'string', default: 'express' },
    variants: { type: 'string', default: 'bare,sysvitals' },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'trace-gc': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    /** A fixed request rate per server (autocannon -R) instead of full load: separates per-second from per-request. */
    rate: { type: 'string', default: '0' },
  },
});
const variants = flags.variants.split(',').filter(Boolean);
const SERVER = fileURLToPath(new URL('./overhead-server.ts', import.meta.url));

interface Counters {
  utime: number;
  stime: number;
  minflt: number;
  voluntary: number;
  involuntary: number;
  mainTicks: number;
  mainVoluntary: number;
  threads: number;
}

function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function counters(pid: number): Counters {
  const f = statFields(`/proc/${pid}/stat`);
  const c: Counters = {
    utime: Number(f[11]),
    stime: Number(f[12]),
    minflt: Number(f[7]),
    voluntary: 0,
    involuntary: 0,
    mainTicks: 0,
    mainVoluntary: 0,
    threads: Number(f[17]),
  };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const v = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const nv = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
      c.voluntary += v;
      c.involuntary += nv;
      if (Number(tid) === pid) {
        const t = statFields(`/proc/${pid}/task/${tid}/stat`);
        c.mainTicks = Number(t[11]) + Number(t[12]);
        c.mainVoluntary = v;
      }
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return c;
}

interface Gc {
  scavenges: number;
  scavengeMs: number;
  marks: number;
  markMs: number;
  heapMbAfter: number[];
}

function parseGc(lines: string[]): Gc {
  const g: Gc = { scavenges: 0, scavengeMs: 0, marks: 0, markMs: 0, heapMbAfter: [] };
  for (const line of lines) {
    // [pid:0x...]  1234 ms: Scavenge 10.2 (12.0) -> 9.8 (13.0) MB, 0.52 / 0.00 ms  (average mu = ...
    const m =
      /(Scavenge|Mark-Compact|Mark-sweep|Mark-Compact \(reduce\))[^,]*?->\s*([\d.]+)[^,]*MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/.exec(
        line,
      );
    if (!m) continue;
    const ms = Number(m[3]);
    if (m[1] === 'Scavenge') {
      g.scavenges++;
      g.scavengeMs += ms;
    } else {
      g.marks++;
      g.markMs += ms;
    }
    g.heapMbAfter.push(Number(m[2]));
  }
  return g;
}

interface Server {
  spec: string;
  child: ChildProcess;
  port: number;
  lines: string[];
}

function start(spec: string): Promise<Server> {
  const [variant, ablate = ''] = spec.split('@') as [string, string?];
  const nodeFlags = [
    ...(flags['trace-gc'] ? ['--trace-gc'] : []),
    ...flags['node-flags'].split(' ').filter(Boolean),
  ];
  const [cmd, args] = pin(SERVER_CPU, process.execPath, [
    ...nodeFlags,
    '--import',
    'tsx',
    SERVER,
    flags.framework,
    variant,
    'dist',
  ]);
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SV_ABLATE: ablate },
  });
  const lines: string[] = [];
  let rest = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        const ready = /^READY (\d+)/.exec(l);
        if (ready) resolve({ spec, child, port: Number(ready[1]), lines });
      }
    });
    child.once('exit', (code) => reject(new Error(`${spec} exited with ${code}`)));
  });
}

interface Row {
  spec: string;
  req: number;
  usPerReq: number;
  userUs: number;
  sysUs: number;
  mainUs: number;
  otherUs: number;
  minflt: number;
  vol: number;
  invol: number;
  mainVol: number;
  threads: number;
  /** CPU ms per second of wall time over the measured load. */
  msPerS: number;
  gc: Gc;
}

const rounds = Number(flags.rounds);
const duration = Number(flags.duration);
const warmup = Number(flags.warmup);
const connections = Number(flags.connections);
const all: Row[][] = [];
console.log(
  `under-load: ${flags.framework} ${variants.join(' | ')}; ${rounds} rounds × ${duration} s (+${warmup} s), -c ${connections}, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
);
for (let round = 1; round <= rounds; round++) {
  // Start order rotates by round: the first-started server is not always the same variant.
  const order = variants.map((_, i) => variants[(i + round) % variants.length] as string);
  const starting = order.map(start);
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of settled) if (r.status === 'fulfilled') r.value.child.kill('SIGTERM');
    throw (failed as PromiseRejectedResult).reason;
  }
  const servers = settled.map((r) => (r as PromiseFulfilledResult<Server>).value);
  try {
    const url = (s: Server) => `http://127.0.0.1:${s.port}/users/42`;
    if (warmup > 0)
      await Promise.all(
        servers.map((s) => autocannon(url(s), warmup, connections, Number(flags.rate) || undefined)),
      );
    const mark = servers.map((s) => s.lines.length);
    const before = servers.map((s) => counters(s.child.pid as number));
    const rate = Number(flags.rate) || undefined;
    const t0 = process.hrtime.bigint();
    const cannons = await Promise.all(servers.map((s) => autocannon(url(s), duration, connections, rate)));
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const after = servers.map((s) => counters(s.child.pid as number));
    const rows = servers.map((s, i): Row => {
      const b = before[i] as Counters;
      const a = after[i] as Counters;
      const req = (cannons[i] as { requests: { total: number } }).requests.total;
      const us = (ticks: number) => (ticks * 1e6) / CLK_TCK / req;
      const total = a.utime + a.stime - b.utime - b.stime;
      const main = a.mainTicks - b.mainTicks;
      return {
        spec: s.spec,
        req,
        usPerReq: us(total),
        userUs: us(a.utime - b.utime),
        sysUs: us(a.stime - b.stime),
        mainUs: us(main),
        otherUs: us(total - main),
        minflt: ((a.minflt - b.minflt) * 1000) / req,
        vol: ((a.voluntary - b.voluntary) * 1000) / req,
        invol: ((a.involuntary - b.involuntary) * 1000) / req,
        mainVol: ((a.mainVoluntary - b.mainVoluntary) * 1000) / req,
        threads: a.threads,
        msPerS: (total * 1000) / CLK_TCK / wall,
        gc: parseGc(s.lines.slice(mark[i], s.lines.length)),
      };
    });
    rows.sort((x, y) => variants.indexOf(x.spec) - variants.indexOf(y.spec));
    all.push(rows);
    for (const r of rows)
      console.log(
        `round ${round} ${r.spec.padEnd(28)} ${String(r.req).padStart(7)} req  ${r.usPerReq.toFixed(1)} µs/req (user ${r.userUs.toFixed(1)}, sys ${r.sysUs.toFixed(1)}; main ${r.mainUs.toFixed(1)}, other threads ${r.otherUs.toFixed(1)})  minflt ${r.minflt.toFixed(1)}/kreq  cs vol ${r.vol.toFixed(1)} (main ${r.mainVol.toFixed(1)}) invol ${r.invol.toFixed(1)}/kreq  threads ${r.threads}` +
          (flags['trace-gc']
            ? `  gc: ${((r.gc.scavenges * 10000) / r.req).toFixed(1)} scav ${((r.gc.scavengeMs * 1e3) / r.req).toFixed(2)} µs/req, ${((r.gc.marks * 10000) / r.req).toFixed(2)} mark ${((r.gc.markMs * 1e3) / r.req).toFixed(2)} µs/req per 10k; heap after ${Math.min(...r.gc.heapMbAfter).toFixed(1)}–${Math.max(...r.gc.heapMbAfter).toFixed(1)} MB`
            : ''),
      );
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => exited(s.child)));
  }
}

const pick: [string, (r: Row) => number][] = [
  ['CPU µs/req', (r) => r.usPerReq],
  ['user µs/req', (r) => r.userUs],
  ['sys µs/req', (r) => r.sysUs],
  ['main thread µs/req', (r) => r.mainUs],
  ['other threads µs/req', (r) => r.otherUs],
  ['minor faults /kreq', (r) => r.minflt],
  ['voluntary cs /kreq', (r) => r.vol],
  ['involuntary cs /kreq', (r) => r.invol],
  ['req/s', (r) => r.req / duration],
  ['CPU ms/s', (r) => r.msPerS],
];
if (flags['trace-gc'])
  pick.push(
    ['scavenges /10k req', (r) => (r.gc.scavenges * 10000) / r.req],
    ['scavenge µs/req', (r) => (r.gc.scavengeMs * 1e3) / r.req],
    ['mark-compacts /10k req', (r) => (r.gc.marks * 10000) / r.req],
    ['mark-compact µs/req', (r) => (r.gc.markMs * 1e3) / r.req],
  );
console.log(
  `\n| measure | ${variants.join(' | ')} | ${variants
    .slice(1)
    .map((v) => `${v} − ${variants[0]}`)
    .join(' | ')} |`,
);
console.log(
  `|---|${variants.map(() => '---:').join('|')}|${variants
    .slice(1)
    .map(() => '---')
    .join('|')}|`,
);
for (const [name, f] of pick) {
  const means = variants.map((_, i) => meanInterval(all.map((rows) => f(rows[i] as Row))).mean);
  const diffs = variants
    .slice(1)
    .map((_, j) =>
      formatInterval(meanInterval(all.map((rows) => f(rows[j + 1] as Row) - f(rows[0] as Row))), 2),
    );
  console.log(`| ${name} | ${means.map((m) => m.toFixed(2)).join(' | ')} | ${diffs.join(' | ')} |`);
}
const ratios = variants
  .slice(1)
  .map(
    (v, j) =>
      `${v}/${variants[0]} CPU per request ${formatInterval(meanInterval(all.map((rows) => (rows[j + 1] as Row).usPerReq / (rows[0] as Row).usPerReq)), 3)}`,
  );
console.log(
  `\n${ratios.join('; ')} (mean, 95 % t-interval over ${all.length} rounds); load after ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
);
