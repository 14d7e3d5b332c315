// Shared by bench/overhead.ts and bench/cluster.ts (their --paired modes): servers pinned to CPU 0 and load
// generators (autocannon as a child process) pinned to CPU 1, server CPU time from /proc, and a paired load:
// several servers loaded in the same seconds, each by its own autocannon, the CPU of each server's processes read
// over those seconds, so that a change of the host's speed during the run (this VM's neighbours: ±20 % between
// runs seconds apart on 2026-12-03) falls on all of them at once instead of reading as a difference between them.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

/** Clock ticks per second of /proc/PID/stat's utime and stime. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The CPU the servers run on, and the one their load generators run on. */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

/** Whether pin() pins: 2 cores or more and `taskset`. */
export const pinned = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');

/** `command args` run on `cpu` through taskset (which execs it: the child's pid is the command's). */
export function pin(cpu: number, command: string, args: string[]): [string, string[]] {
  return pinned ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/** utime + stime of a process, in clock ticks (CLK_TCK per second). */
export function procCpuTicks(pid: number): number {
  const [user, sys] = procCpuSplit(pid);
  return user + sys;
}

/** utime and stime of a process (user and kernel time, every thread), in clock ticks. */
export function procCpuSplit(pid: number): [user: number, sys: number] {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]), Number(fields[12])];
}

export function procRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** The part of autocannon's JSON result (`-j`) the benches read. */
export interface Cannon {
  requests: { average: number; total: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses with a 2xx status (autocannon's `2xx`; bench/lib/paced-load.ts writes it too). */
  '2xx'?: number;
  /** bench/lib/paced-load.ts only: the most requests that were due but waited for a free socket. */
  behind?: number;
}

/**
 * autocannon -c `connections` -d `seconds` on `url`, as a child process pinned to `cpu` (LOAD_CPU unless given;
 * null: not pinned); with `rate`, at most that many requests a second in all (`-R`: a burst at the start of each
 * second, see bench/lib/paced-load.ts).
 */
export function autocannon(
  url: string,
  seconds: number,
  connections: number,
  rate?: number,
  cpu: number | null = LOAD_CPU,
): Promise<Cannon> {
  const argv = [
    AUTOCANNON,
    '-c',
    String(connections),
    '-d',
    String(seconds),
    ...(rate ? ['-R', String(rate)] : []),
    '-j',
    '-n',
    url,
  ];
  const [cmd, args] = cpu === null ? [process.execPath, argv] : pin(cpu, process.execPath, argv);
  return jsonChild(cmd, args);
}

/** Runs `cmd args` and parses the JSON its stdout ends with. */
export function jsonChild<T = Cannon>(cmd: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`${args.join(' ').slice(-120)} exited with ${code}: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) =>
    child.exitCode === null && child.signalCode === null ? child.once('exit', () => r()) : r(),
  );
}

/** One server under paired load: where to send requests, and every process whose CPU counts as its own. */
export interface Target {
  url: string;
  pids: readonly number[];
}

export interface Loaded {
  cannon: Cannon;
  /** CPU of the target's processes over the load, in ticks. */
  ticks: number;
  /** That CPU per request served, in µs (NaN when none was served). */
  cpuUsPerReq: number;
  /** Its user-mode and kernel-mode parts (utime, stime), in µs per request (issues 18, 13: the split). */
  userUsPerReq: number;
  sysUsPerReq: number;
  /** Failed, timed-out and non-2xx responses. */
  errors: number;
}

/**
 * Loads every target at the same time, each by its own autocannon (-c `connections`, `seconds`) on LOAD_CPU, and
 * reads each target's CPU (the sum over its processes) from just before the generators start to just after the
 * last one ends: the same seconds of the host for all of them.
 */
export async function loadTogether(
  targets: readonly Target[],
  seconds: number,
  connections: number,
): Promise<Loaded[]> {
  const cpu = (t: Target): [number, number] =>
    t.pids.reduce<[number, number]>(
      (n, pid) => {
        const [user, sys] = procCpuSplit(pid);
        return [n[0] + user, n[1] + sys];
      },
      [0, 0],
    );
  const before = targets.map(cpu);
  const results = await Promise.all(targets.map((t) => autocannon(t.url, seconds, connections)));
  const after = targets.map(cpu);
  return targets.map((_, i) => {
    const cannon = results[i] as Cannon;
    const [userAfter, sysAfter] = after[i] as [number, number];
    const [userBefore, sysBefore] = before[i] as [number, number];
    const user = userAfter - userBefore;
    const sys = sysAfter - sysBefore;
    const served = cannon.requests.total;
    const perReq = (t: number) => (served > 0 ? (t * 1e6) / CLK_TCK / served : Number.NaN);
    return {
      cannon,
      ticks: user + sys,
      cpuUsPerReq: perReq(user + sys),
      userUsPerReq: perReq(user),
      sysUsPerReq: perReq(sys),
      errors: cannon.errors + cannon.timeouts + cannon.non2xx,
    };
  });
}
