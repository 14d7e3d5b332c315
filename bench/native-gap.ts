// What callgrind does not count (issue 18): per request, under bench/overhead.ts's load (server pinned to CPU 0,
// autocannon -c 50 on CPU 1), the server's COUNTS rather than its times: user and system CPU per thread, read-like
// and write-like syscalls (/proc/PID/io), context switches, page faults, and optionally each syscall's count (perf
// stat on the syscall tracepoints) and every GC with its allocation (--trace-gc-nvp). A fixed request count
// (`autocannon -a`), so both variants are measured on the same work.
//
//   npx tsx bench/native-gap.ts --framework fastify --variants bare,sysvitals,hook --requests 200000 --rounds 3
//       [--warmup 50000] [--syscalls] [--gc] [--node-flags="--flag ..."] [--from dist|source]
//       [--perf-record DIR] [--log DIR] [--idle SECONDS]
//
// Diagnosis only (bench/RESULTS.md, native-gap): prints a table; writes only the perf data and logs asked for.
// Variants are bench/overhead-server.ts's (`hook` and `sysvitals-nosample` for Fastify). Run `npm run build` first.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    framework: { type: 'string', default: 'fastify' },
    variants: { type: 'string', default: 'bare,sysvitals' },
    requests: { type: 'string', default: '200000' },
    warmup: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    syscalls: { type: 'boolean', default: false },
    gc: { type: 'boolean', default: false },
    /** perf record (cpu-clock samples) of the measured requests into <dir>/<variant>-<round>.data; with --perf-basic-prof. */
    'perf-record': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    from: { type: 'string', default: 'dist' },
    /** Writes the server's stdout during the measured requests (e.g. --trace-deopt's lines) to <dir>/<variant>-<round>.log. */
    log: { type: 'string' },
    /** After the measured requests: this many seconds without requests, the server's CPU ms per second. */
    idle: { type: 'string', default: '0' },
  },
});
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SERVER = here('./overhead-server.ts');
const AUTOCANNON = here('../node_modules/autocannon/autocannon.js');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const SYSCALLS = [
  'read',
  'write',
  'writev',
  'readv',
  'epoll_wait',
  'epoll_pwait',
  'epoll_ctl',
  'futex',
  'madvise',
  'mmap',
  'munmap',
  'mprotect',
  'openat',
  'close',
  'newfstatat',
  'statx',
  'ioctl',
  'getrusage',
  'clock_gettime',
  'sched_yield',
  'getpid',
  'accept4',
  'timerfd_settime',
];

interface Snapshot {
  /** Per thread: name, utime and stime (clock ticks), time on CPU (ns, schedstat). */
  threads: Map<number, { comm: string; utime: number; stime: number; ns: number }>;
  syscr: number;
  syscw: number;
  volCs: number;
  involCs: number;
  minflt: number;
}

function snapshot(pid: number): Snapshot {
  const threads = new Map<number, { comm: string; utime: number; stime: number; ns: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      threads.set(Number(tid), { comm, utime: Number(f[11]), stime: Number(f[12]), ns });
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const num = (re: RegExp, text: string) => Number(re.exec(text)?.[1] ?? Number.NaN);
  return {
    threads,
    syscr: num(/syscr:\s+(\d+)/, io),
    syscw: num(/syscw:\s+(\d+)/, io),
    volCs: num(/^voluntary_ctxt_switches:\s+(\d+)/m, status),
    involCs: num(/nonvoluntary_ctxt_switches:\s+(\d+)/, status),
    minflt: Number(f[7]),
  };
}

async function startServer(
  variant: string,
): Promise<{ child: ChildProcess; port: number; out: () => string }> {
  const nodeFlags = flags['node-flags'].split(' ').filter(Boolean);
  if (flags.gc) nodeFlags.push('--trace-gc', '--trace-gc-nvp');
  if (flags['perf-record']) nodeFlags.push('--perf-basic-prof');
  const args = ['-c', '0', process.execPath, ...nodeFlags, '--import', 'tsx', SERVER];
  const child = spawn('taskset', [...args, flags.framework, variant, flags.from], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const ready = /READY (\d+)/.exec(out);
      if (ready) {
        clearInterval(timer);
        resolve(Number(ready[1]));
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${code} before READY: ${out.slice(0, 300)}`));
    });
  });
  return { child, port, out: () => out };
}

function cannon(url: string, amount: number): Promise<{ total: number; bad: number }> {
  const args = ['-c', '1', process.execPath, AUTOCANNON, '-c', flags.connections, '-a', String(amount)];
  const child = spawn('taskset', [...args, '-j', '-n', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      try {
        const r = JSON.parse(out) as { requests: { total: number }; errors: number; non2xx: number };
        resolve({ total: r.requests.total, bad: r.errors + r.non2xx });
      } catch {
        reject(new Error(`autocannon exited with ${code}: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** perf stat on the syscall tracepoints of `pid` (all its threads) until stopped; returns counts by name. */
function perfSyscalls(pid: number): () => Promise<Map<string, number>> {
  const events = ['raw_syscalls:sys_enter', ...SYSCALLS.map((s) => `syscalls:sys_enter_${s}`)];
  const child = spawn('perf', ['stat', '-x', ',', '-e', events.join(','), '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return () =>
    new Promise((resolve) => {
      child.once('exit', () => {
        const counts = new Map<string, number>();
        for (const line of err.split('\n')) {
          const [count, , event] = line.split(',');
          if (event === undefined) continue;
          const name = event.replace(/^raw_syscalls:sys_enter$/, 'ALL').replace(/^syscalls:sys_enter_/, '');
          counts.set(name, Number(count));
        }
        resolve(counts);
      });
      child.kill('SIGINT');
    });
}

/** The GCs in --trace-gc-nvp lines: count by kind, bytes allocated, promoted and copied, pause ms. */
function gcOf(text: string) {
  const r = { scavenge: 0, markCompact: 0, other: 0, allocated: 0, promoted: 0, copied: 0, pause: 0 };
  for (const line of text.split('\n')) {
    const kind = /\bgc=(\w+)/.exec(line)?.[1];
    if (kind === undefined) continue;
    if (kind === 's') r.scavenge++;
    else if (kind === 'ms' || kind === 'mc') r.markCompact++;
    else r.other++;
    r.allocated += Number(/\ballocated=(\d+)/.exec(line)?.[1] ?? 0);
    r.promoted += Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? 0);
    r.copied += Number(/\bnew_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
    r.pause += Number(/\bpause=([\d.]+)/.exec(line)?.[1] ?? 0);
  }
  return r;
}

/**
 * perf record of `pid`'s CPU time (software cpu-clock: this VM has no hardware counters) until stopped; another event
 * with NATIVE_GAP_PERF_EVENT (e.g. `-e page-faults -c 1 -g`).
 */
function perfRecord(pid: number, file: string): () => Promise<void> {
  const event = (process.env.NATIVE_GAP_PERF_EVENT ?? '-e cpu-clock -F 4000').split(' ');
  const child = spawn('perf', ['record', ...event, '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return () =>
    new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
}

async function measure(variant: string, round: number): Promise<Record<string, number | string>> {
  const { child, port, out } = await startServer(variant);
  const pid = child.pid as number; // taskset execs node: the same process
  try {
    const url = `http://127.0.0.1:${port}/users/42`;
    await cannon(url, Number(flags.warmup));
    const gcBefore = out().length;
    const stopPerf = flags.syscalls ? perfSyscalls(pid) : undefined;
    const stopRecord = flags['perf-record']
      ? perfRecord(pid, `${flags['perf-record']}/${variant}-${round}.data`)
      : undefined;
    if (stopPerf || stopRecord) await new Promise((r) => setTimeout(r, 300)); // perf attached
    const a = snapshot(pid);
    const { total, bad } = await cannon(url, Number(flags.requests));
    const b = snapshot(pid);
    const counts = stopPerf ? await stopPerf() : undefined;
    if (stopRecord) await stopRecord();
    if (flags.log) writeFileSync(`${flags.log}/${variant}-${round}.log`, out().slice(gcBefore));
    const per = (x: number) => x / total;
    const row: Record<string, number | string> = { variant, requests: total, bad };
    let utime = 0;
    let stime = 0;
    let ns = 0;
    const byName = new Map<string, number>();
    for (const [tid, t] of b.threads) {
      const t0 = a.threads.get(tid) ?? { utime: 0, stime: 0, ns: 0 };
      utime += t.utime - t0.utime;
      stime += t.stime - t0.stime;
      ns += t.ns - t0.ns;
      const name = tid === pid ? 'main' : t.comm.replace(/\s+/g, '_');
      byName.set(name, (byName.get(name) ?? 0) + t.ns - t0.ns);
    }
    row['cpu_us'] = per(ns / 1000);
    row['user_us'] = per(((utime * 1e6) / CLK_TCK) as number);
    row['sys_us'] = per((stime * 1e6) / CLK_TCK);
    for (const [name, n] of byName) if (n > 0) row[`thread:${name}_us`] = per(n / 1000);
    row['syscr'] = per(b.syscr - a.syscr);
    row['syscw'] = per(b.syscw - a.syscw);
    row['cs_vol'] = per(b.volCs - a.volCs);
    row['cs_invol'] = per(b.involCs - a.involCs);
    row['minflt'] = per(b.minflt - a.minflt);
    if (counts) {
      let listed = 0;
      for (const [name, n] of counts) {
        row[`sc:${name}`] = per(n);
        if (name !== 'ALL') listed += n;
      }
      row['sc:other'] = per((counts.get('ALL') ?? 0) - listed);
    }
    if (flags.gc) {
      const gc = gcOf(out().slice(gcBefore));
      row['gc:scavenges_per_100k'] = (gc.scavenge * 1e5) / total;
      row['gc:mark_compacts_per_100k'] = (gc.markCompact * 1e5) / total;
      row['gc:allocated_B'] = per(gc.allocated);
      row['gc:promoted_B'] = per(gc.promoted);
      row['gc:survived_B'] = per(gc.copied);
      row['gc:pause_us'] = per(gc.pause * 1000);
    }
    const idle = Number(flags.idle);
    if (idle > 0) {
      await new Promise((r) => setTimeout(r, 1000));
      const c = snapshot(pid);
      await new Promise((r) => setTimeout(r, idle * 1000));
      const d = snapshot(pid);
      let n = 0;
      for (const [tid, t] of d.threads) n += t.ns - (c.threads.get(tid)?.ns ?? 0);
      row['idle_cpu_ms_per_s'] = n / 1e6 / idle;
    }
    return row;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
  }
}

const variants = flags.variants.split(',');
const rows: Record<string, number | string>[] = [];
for (let round = 0; round < Number(flags.rounds); round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const row = await measure(v, round + 1);
    row['round'] = round + 1;
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter(
  (k) => !['variant', 'round'].includes(k),
);
const fmt = (x: number | string | undefined) =>
  typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3)) : String(x ?? '-');
console.log(`| per request | ${variants.map((v) => `${v} (rounds)`).join(' | ')} |`);
console.log(`|---|${variants.map(() => '---').join('|')}|`);
for (const k of keys) {
  const cells = variants.map((v) =>
    rows
      .filter((r) => r['variant'] === v)
      .map((r) => fmt(r[k]))
      .join(' · '),
  );
  console.log(`| ${k} | ${cells.join(' | ')} |`);
}
