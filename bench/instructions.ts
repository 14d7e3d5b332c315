// Instructions per request, bare framework against sysvitals, counted by valgrind (callgrind): a count
// that does not move with the machine's load, unlike CPU time on this shared 2-core machine.
// Each server (bench/instructions-server.mjs, sysvitals from dist/: `npm run build` first) runs under
// callgrind and serves W warm-up requests then N (or 2N) measured ones over a real keep-alive socket from
// this process (not counted); instructions per request = (count with 2N - count with N) / N, so start-up,
// module loading and warm-up cancel. Every pair is run twice to show the count repeats.
//   npx tsx bench/instructions.ts [--warmup 400] [--requests 300] [--frameworks express,fastify,koa] [--no-write]

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    warmup: { type: 'string', default: '400' },
    requests: { type: 'string', default: '300' },
    frameworks: { type: 'string', default: 'express,fastify,koa' },
    'native-rounds': { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
  },
});
const WARMUP = Number(values.warmup);
const N = Number(values.requests);
const IDLE_MS = 5000;
const NATIVE_REQUESTS = 20_000;
const FRAMEWORKS = values.frameworks.split(',');
const SERVER = fileURLToPath(new URL('./instructions-server.mjs', import.meta.url));
// V8 without background threads (compilation, marking), so the work done does not depend on scheduling.
const NODE_FLAGS = ['--single-threaded'];
const URLS = ['/users/1', '/users/22', '/users/333', '/users/4444', '/users/55555'];

interface Server {
  child: ChildProcess;
  port: number;
  lines: string[];
  exited: Promise<string>;
}

async function start(cmd: string, args: string[]): Promise<Server> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<string>((resolve) => child.on('exit', () => resolve(stderr)));
  let buffered = '';
  let onLine: ((line: string) => void) | undefined;
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    buffered += d;
    let i = buffered.indexOf('\n');
    while (i >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.push(line);
      onLine?.(line);
      i = buffered.indexOf('\n');
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    onLine = (line) => {
      if (line.startsWith('READY ')) resolve(Number(line.slice(6)));
      else if (line.startsWith('UNAVAILABLE')) reject(new Error(line));
    };
    void exited.then((err) => reject(new Error(`server exited before READY: ${err.slice(-2000)}`)));
  });
  return { child, port, lines, exited };
}

/** `count` sequential GETs over one keep-alive connection; rejects on a status other than 200. */
async function drive(port: number, count: number, agent: Agent): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: URLS[i % URLS.length], agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asks callgrind in process `pid` to dump its counts (and zero them); returns the dump's instruction total. */
async function dump(pid: number, out: string, index: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const c = spawn('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`callgrind_control exited ${code}`))));
  });
  const file = `${out}.${index}`;
  for (let i = 0; i < 600; i++) {
    try {
      const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'));
      if (m) {
        rmSync(file, { force: true });
        return Number(m[1]);
      }
    } catch {
      // not written yet
    }
    await sleep(100);
  }
  throw new Error(`no dump ${file}`);
}

interface Measured {
  /** Instructions per request in the two measured phases, idle timers subtracted. */
  phases: [number, number];
  /** The same before subtracting the idle timers. */
  raw: [number, number];
  /** Instructions per wall second while idle (timers: the coarse clock's 50 ms refresh, Node's own). */
  idlePerSecond: number;
}

/**
 * One server under callgrind: WARMUP requests, dump (start-up and warm-up discarded), N requests, dump,
 * N requests, dump, then IDLE_MS idle and a dump to measure what timers cost per wall second. Under
 * callgrind a request takes tens of ms, so the coarse clock's 50 ms timer fires about once per request
 * where natively it fires once per thousands: its idle rate × each phase's wall time is subtracted.
 */
async function measure(framework: string, variant: string): Promise<Measured> {
  const out = join(tmpdir(), `sysvitals-callgrind-${process.pid}-${framework}-${variant}`);
  const server = await start('valgrind', [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    process.execPath,
    ...NODE_FLAGS,
    SERVER,
    framework,
    variant,
  ]);
  const pid = server.child.pid as number;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  await drive(server.port, WARMUP, agent);
  await dump(pid, out, 1);
  const raw: number[] = [];
  const wall: number[] = [];
  for (let phase = 0; phase < 2; phase++) {
    const t0 = performance.now();
    await drive(server.port, N, agent);
    wall.push((performance.now() - t0) / 1000);
    raw.push((await dump(pid, out, phase + 2)) / N);
  }
  const t0 = performance.now();
  await sleep(IDLE_MS);
  const idle = await dump(pid, out, 4);
  const idlePerSecond = idle / ((performance.now() - t0) / 1000);
  agent.destroy();
  server.child.stdin?.end();
  await server.exited;
  rmSync(out, { force: true });
  const phases = raw.map((r, i) => r - (idlePerSecond * (wall[i] as number)) / N) as [number, number];
  return { phases, raw: raw as [number, number], idlePerSecond };
}

/** Native CPU ns per request of the bare server (for the instructions-per-ns indication): median of rounds. */
async function nativeNsPerRequest(framework: string): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < Number(values['native-rounds']); r++) {
    const server = await start(process.execPath, [...NODE_FLAGS, SERVER, framework, 'bare']);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await drive(server.port, 2000, agent);
    const cpu = async (): Promise<number> => {
      const seen = server.lines.length;
      server.child.stdin?.write('cpu\n');
      while (!server.lines.slice(seen).some((l) => l.startsWith('CPU '))) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return Number(
        server.lines
          .slice(seen)
          .find((l) => l.startsWith('CPU '))
          ?.slice(4),
      );
    };
    const a = await cpu();
    await drive(server.port, NATIVE_REQUESTS, agent);
    const b = await cpu();
    agent.destroy();
    server.child.stdin?.end();
    await server.exited;
    rounds.push(((b - a) * 1000) / NATIVE_REQUESTS);
  }
  return median(rounds);
}

const rows = [
  '| framework | bare instr/req (phase 1 · phase 2) | sysvitals instr/req (phase 1 · phase 2) | added instr/req | ratio to bare | ≈ added ns | ≤ 1 µs | ≤ 1.03× |',
  '|---|---|---|---|---|---|---|---|',
];
const rawRows = [
  '| framework | variant | raw instr/req (phase 1 · phase 2) | idle instr per wall second (timers) |',
  '|---|---|---|---|',
];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const avg = (m: Measured): number => (m.phases[0] + m.phases[1]) / 2;
// Every server at once: counts do not depend on load, and a server under callgrind takes minutes.
const measured = await Promise.all(
  FRAMEWORKS.map(async (framework) => {
    const [bare, sv] = await Promise.all([measure(framework, 'bare'), measure(framework, 'sysvitals')]);
    return { framework, bare, sv };
  }),
);
const rates: string[] = [];
for (const { framework, bare, sv } of measured) {
  const ns = await nativeNsPerRequest(framework);
  const b = avg(bare);
  const s = avg(sv);
  const perNs = b / ns;
  const addedNs = (s - b) / perNs;
  rates.push(`${framework} ${fmt(ns)} ns/req natively, ${perNs.toFixed(2)} instr/ns`);
  rows.push(
    `| ${framework} | ${fmt(bare.phases[0])} · ${fmt(bare.phases[1])} | ${fmt(sv.phases[0])} · ${fmt(sv.phases[1])} | ${fmt(s - b)} | ${(s / b).toFixed(3)} | ${fmt(addedNs)} | ${addedNs <= 1000 ? 'met' : 'not met'} | ${s / b <= 1.03 ? 'met' : 'not met'} |`,
  );
  for (const [variant, m] of [
    ['bare', bare],
    ['sysvitals', sv],
  ] as const) {
    rawRows.push(
      `| ${framework} | ${variant} | ${fmt(m.raw[0])} · ${fmt(m.raw[1])} | ${fmt(m.idlePerSecond)} |`,
    );
  }
  console.log(rows.at(-1), rates.at(-1));
}

const text = `${machineLine()} \`npx tsx bench/instructions.ts --warmup ${WARMUP} --requests ${N}\`.

Each server (\`bench/instructions-server.mjs\`: \`GET /users/:id\` answering JSON, sysvitals from \`dist/\`, its
sample timer off) runs under \`valgrind --tool=callgrind\` with \`node ${NODE_FLAGS.join(' ')}\` and is sent
${fmt(WARMUP)} warm-up requests, then two phases of ${fmt(N)} measured ones, sequentially over one keep-alive socket
from the bench process (not counted). \`callgrind_control -d\` dumps and zeroes the counts after the warm-up and
after each phase, so start-up, loading and warm-up are left out, and the two phases show whether the count repeats.
The count is everything the server process executes per request: the framework, Node's HTTP parser and
socket writes, sysvitals, and the garbage collection of what a request allocates. Under callgrind a request
takes tens of ms of wall time, so timers fire far more often per request than natively (the coarse clock's
50 ms refresh about once per request, against once per thousands at native speed): each server's idle
instructions per wall second (a ${IDLE_MS / 1000} s idle dump at the end) × each phase's wall time are subtracted.

${rows.join('\n')}

Before the timer correction:

${rawRows.join('\n')}

Instructions to time, an indication only: each bare server was also run natively (${values['native-rounds']} runs of
${fmt(NATIVE_REQUESTS)} requests after 2,000 warm-up, the server's CPU time from \`process.cpuUsage()\`, median): ${rates.join('; ')}.
"≈ added ns" divides the added instructions by that rate; on this loaded machine the rate is low (a
loaded core retires fewer instructions per ns), so the ns are on the high side of a quiet machine's.
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection('instructions', text);
