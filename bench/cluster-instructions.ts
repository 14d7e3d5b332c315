// Cluster mode's cost counted in instructions (issue 13): the 2-worker node:cluster Express app of
// bench/cluster-server.ts (bench/cluster-instructions-server.mjs: bare, sysvitals in cluster mode, sysvitals
// per process), each cluster's primary and workers under valgrind (callgrind, --trace-children=yes, node
// --single-threaded), as bench/instructions.ts counts one server: CPU time on this shared 2-core machine moves
// ±20 % between rounds (bench/cluster.ts), a count does not move with the load.
// Each cluster is sent W warm-up requests over S keep-alive sockets at once (the primary hands connections to
// the workers round-robin, so both get traffic), its counts are dumped away, then phases of N requests are
// counted (every process dumped, summed) until the last two agree within the tolerance. The traffic pauses
// around each minute boundary (sysvitals' history flush, once a minute): the phase is dumped before the pause and
// the pause apart (the once-a-minute work, reported on its own), so a phase counts its requests alone. Idle
// timers (reports every interval, the aggregator's merge, samples) are counted in two idle windows at the end;
// the lower rate × each phase's counted wall time is subtracted, and reported as the fixed cost per second.
//   npx tsx bench/cluster-instructions.ts [--warmup 6000] [--requests 2000] [--max-phases 6] [--tolerance 0.02]
//     [--sockets 4] [--idle-ms 10000] [--pause-ms 8000] [--variants 0,1,2] [--native-rate R] [--dist dist] [--no-write]
// sysvitals from dist/ (`npm run build` first). --native-rate: the bare cluster's native requests per second for
// the fixed cost's share per request (default: measured, autocannon -c 20 for 5 s on the bare cluster, natively).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { meanInterval, verdictBelow } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    warmup: { type: 'string', default: '6000' },
    requests: { type: 'string', default: '2000' },
    'max-phases': { type: 'string', default: '6' },
    tolerance: { type: 'string', default: '0.02' },
    sockets: { type: 'string', default: '4' },
    'idle-ms': { type: 'string', default: '10000' },
    'pause-ms': { type: 'string', default: '8000' },
    variants: { type: 'string', default: '0,1,2' },
    'native-rate': { type: 'string' },
    dist: { type: 'string', default: 'dist' },
    'no-write': { type: 'boolean', default: false },
  },
});
const WARMUP = Number(values.warmup);
const N = Number(values.requests);
const MAX_PHASES = Math.max(2, Number(values['max-phases']));
const TOLERANCE = Number(values.tolerance);
const SOCKETS = Math.max(2, Number(values.sockets));
const IDLE_MS = Number(values['idle-ms']);
const DIST = resolve(values.dist);
const VARIANTS = values.variants.split(',') as Variant[];
const SERVER = join(import.meta.dirname, 'cluster-instructions-server.mjs');
const NODE_FLAGS = ['--single-threaded'];
const MINUTE_MS = 60_000;
const PAUSE_BEFORE_MS = 1000;
const PAUSE_AFTER_MS = Number(values['pause-ms']);
type Variant = '0' | '1' | '2';
const NAMES: Record<Variant, string> = { '0': 'bare', '1': 'cluster mode', '2': 'per process' };
const dir = mkdtempSync(join(tmpdir(), 'sysvitals-cluster-callgrind-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Cluster {
  variant: Variant;
  child: ChildProcess;
  port: number;
  /** The primary, then the two workers. */
  pids: number[];
  out: string;
  agents: Agent[];
  exited: Promise<string>;
  inFlight: number;
  pausing?: Promise<void>;
}

async function start(variant: Variant): Promise<Cluster> {
  const out = join(dir, `v${variant}`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--trace-children=yes',
      `--callgrind-out-file=${out}.%p`,
      process.execPath,
      ...NODE_FLAGS,
      SERVER,
      variant,
      DIST,
    ],
    {
      env: {
        ...process.env,
        SOCKET_DIR: join(dir, 'sock'),
        CLUSTER_NAME: `cgbench-${process.pid}-${variant}`,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<string>((r) => child.on('exit', () => r(stderr)));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then((err) => reject(new Error(`cluster ${variant} exited before listening: ${err}`)));
  });
  const { port, pids } = JSON.parse(line) as { port: number; pids: number[] };
  const agents = Array.from({ length: SOCKETS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  return { variant, child, port, pids: [child.pid as number, ...pids], out, agents, exited, inFlight: 0 };
}

function get(c: Cluster, agent: Agent, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: c.port, path, agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `count` GETs of /hello, split over the cluster's sockets, each socket's sequential, the sockets at once. */
async function drive(c: Cluster, count: number, segments?: Segments): Promise<void> {
  await Promise.all(
    c.agents.map(async (agent, i) => {
      for (let k = i; k < count; k += c.agents.length) {
        if (segments !== undefined && nearBoundary(Date.now())) await pause(c, segments);
        c.inFlight++;
        await get(c, agent, '/hello');
        c.inFlight--;
      }
    }),
  );
}

/** Within PAUSE_BEFORE_MS before a minute boundary or PAUSE_AFTER_MS after it. */
function nearBoundary(now: number): boolean {
  const next = Math.ceil(now / MINUTE_MS) * MINUTE_MS;
  return next - now < PAUSE_BEFORE_MS || now - (next - MINUTE_MS) < PAUSE_AFTER_MS;
}

/** The counted part of a phase: its segments' instructions per process and wall seconds (pauses left out). */
interface Segments {
  counts: number[];
  seconds: number;
  since: number;
  index: { next: number };
  /** Each boundary window's instructions (all processes) and length in seconds: traffic paused, not counted. */
  windows: Array<[number, number]>;
}

/**
 * Around a minute boundary (sysvitals' history flush, once a minute, and its work at callgrind's pace) the
 * traffic stops: once no request is in flight the segment so far is dumped and counted, the window up to
 * PAUSE_AFTER_MS past the boundary is dumped apart, and the phase goes on. All sockets wait on one pause.
 */
function pause(c: Cluster, s: Segments): Promise<void> {
  c.pausing ??= (async () => {
    while (c.inFlight > 0) await sleep(10);
    const counts = await dumpAll(c, s.index.next++);
    s.counts = s.counts.map((x, i) => x + (counts[i] as number));
    s.seconds += (performance.now() - s.since) / 1000;
    const w0 = performance.now();
    const now = Date.now();
    const next = Math.ceil(now / MINUTE_MS) * MINUTE_MS;
    // Before the boundary: to PAUSE_AFTER_MS past it; already past it: to PAUSE_AFTER_MS past that one.
    const until = next - now < PAUSE_BEFORE_MS ? next + PAUSE_AFTER_MS : next - MINUTE_MS + PAUSE_AFTER_MS;
    await sleep(Math.max(0, until - now));
    const window = sum(await dumpAll(c, s.index.next++));
    s.windows.push([window, (performance.now() - w0) / 1000]);
    s.since = performance.now();
    c.pausing = undefined;
  })();
  return c.pausing;
}

/** Which worker serves each socket, and its cluster role. */
async function roles(c: Cluster): Promise<string[]> {
  const seen: string[] = [];
  for (const agent of c.agents) {
    const r = JSON.parse(await get(c, agent, '/__role')) as { pid: number; role: string | null };
    seen.push(`${r.pid}${r.role === null ? '' : ` ${r.role}`}`);
  }
  return seen;
}

/** Dumps (and zeroes) every process of the cluster; the instructions of each since its last dump. */
async function dumpAll(c: Cluster, index: number): Promise<number[]> {
  return Promise.all(
    c.pids.map(async (pid) => {
      await new Promise<void>((resolve, reject) => {
        const p = spawn('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
        p.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`callgrind_control -d ${pid}: ${code}`)),
        );
      });
      const file = `${c.out}.${pid}.${index}`;
      for (let i = 0; i < 1200; i++) {
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
    }),
  );
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const spreadOf = (a: number, b: number): number => Math.abs(a - b) / ((a + b) / 2);

interface Measured {
  variant: Variant;
  /** Raw instructions per request of each phase, all processes summed. */
  raw: number[];
  /** The same with the idle rate × the phase's counted wall time subtracted. */
  phases: number[];
  /** Per process (primary, worker, worker) raw instructions per request of each phase. */
  perProcess: number[][];
  /** Each phase's counted wall time (s), its pauses left out. */
  wall: number[];
  /** The minute boundaries' windows in the phases: instructions (all processes) and seconds. */
  windows: Array<[number, number]>;
  /** Both idle windows: instructions per second, all processes; and per process in the lower one. */
  idleRates: number[];
  idlePerSecond: number;
  idlePerProcess: number[];
  /** A boundary window's instructions less the idle rate × its length: the once-a-minute work (mean). */
  minuteWork: number;
  pair: [number, number];
  perRequest: number;
  rawPerRequest: number;
  spread: number;
  converged: boolean;
  rolesBefore: string[];
  rolesAfter: string[];
}

async function measure(variant: Variant): Promise<Measured> {
  const name = NAMES[variant];
  const c = await start(variant);
  const log = (s: string): boolean => process.stderr.write(`${new Date().toISOString()} ${name}: ${s}\n`);
  log(`listening, pids ${c.pids.join(' ')}`);
  const w0 = performance.now();
  await drive(c, WARMUP);
  const rolesBefore = await roles(c);
  log(
    `warm-up done (${((performance.now() - w0) / 1000).toFixed(0)} s); sockets served by ${rolesBefore.join(', ')}`,
  );
  const index = { next: 1 };
  await dumpAll(c, index.next++);
  const m: Measured = {
    variant,
    raw: [],
    phases: [],
    perProcess: [],
    wall: [],
    windows: [],
    idleRates: [],
    idlePerSecond: 0,
    idlePerProcess: [],
    minuteWork: 0,
    pair: [0, 1],
    perRequest: 0,
    rawPerRequest: 0,
    spread: 1,
    converged: false,
    rolesBefore,
    rolesAfter: [],
  };
  while (m.raw.length < MAX_PHASES) {
    const s: Segments = {
      counts: c.pids.map(() => 0),
      seconds: 0,
      since: performance.now(),
      index,
      windows: [],
    };
    if (nearBoundary(Date.now())) await pause(c, s);
    s.counts = c.pids.map(() => 0);
    s.seconds = 0;
    s.since = performance.now();
    await drive(c, N, s);
    const last = await dumpAll(c, index.next++);
    const counts = s.counts.map((x, i) => x + (last[i] as number));
    const wall = s.seconds + (performance.now() - s.since) / 1000;
    m.windows.push(...s.windows);
    m.wall.push(wall);
    m.perProcess.push(counts.map((x) => x / N));
    m.raw.push(sum(counts) / N);
    log(
      `phase ${m.raw.length}: ${wall.toFixed(1)} s counted, ${s.windows.length} boundary pause(s), ${Math.round(m.raw.at(-1) as number)} instr/req raw`,
    );
    if (m.raw.length >= 2) {
      m.pair = [m.raw.length - 2, m.raw.length - 1];
      if (spreadOf(m.raw[m.pair[0]] as number, m.raw[m.pair[1]] as number) <= TOLERANCE) break;
    }
  }
  m.rolesAfter = await roles(c);
  // Two idle windows, the lower kept (the first can hold a GC that the end of the traffic set off, or the
  // history flush at a minute boundary).
  await dumpAll(c, index.next++);
  const windows: number[][] = [];
  for (let w = 0; w < 2; w++) {
    const t0 = performance.now();
    await sleep(IDLE_MS);
    const counts = await dumpAll(c, index.next++);
    const seconds = (performance.now() - t0) / 1000;
    windows.push(counts.map((x) => x / seconds));
  }
  m.idleRates = windows.map(sum);
  const low = (m.idleRates[0] as number) <= (m.idleRates[1] as number) ? 0 : 1;
  m.idlePerProcess = windows[low] as number[];
  m.idlePerSecond = m.idleRates[low] as number;
  m.phases = m.raw.map((r, i) => r - (m.idlePerSecond * (m.wall[i] as number)) / N);
  m.minuteWork =
    m.windows.length === 0
      ? Number.NaN
      : sum(m.windows.map(([x, sec]) => x - m.idlePerSecond * sec)) / m.windows.length;
  const [p, q] = m.pair;
  m.perRequest = ((m.phases[p] as number) + (m.phases[q] as number)) / 2;
  m.rawPerRequest = ((m.raw[p] as number) + (m.raw[q] as number)) / 2;
  m.spread = spreadOf(m.raw[p] as number, m.raw[q] as number);
  m.converged = m.spread <= TOLERANCE;
  for (const a of c.agents) a.destroy();
  c.child.stdin?.end();
  await Promise.race([c.exited, sleep(30_000)]);
  c.child.kill('SIGKILL');
  log(`done: ${Math.round(m.perRequest)} instr/req, idle ${Math.round(m.idlePerSecond)} instr/s`);
  return m;
}

/** The bare cluster's native requests per second at full load (autocannon -c 20, 5 s, after 3 s): an indication. */
async function nativeRate(): Promise<number> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (o: {
    url: string;
    connections: number;
    duration: number;
  }) => Promise<{ requests: { total: number } }>;
  const child = spawn(process.execPath, [...NODE_FLAGS, SERVER, '0', DIST], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
  const url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/hello`;
  await autocannon({ url, connections: 20, duration: 3 });
  const r = await autocannon({ url, connections: 20, duration: 5 });
  child.stdin?.end();
  return r.requests.total / 5;
}

const started = new Date().toISOString().slice(11, 16);
let results: Measured[];
try {
  results = await Promise.all(VARIANTS.map(measure));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const rate = values['native-rate'] === undefined ? await nativeRate() : Number(values['native-rate']);
const by = (v: Variant): Measured | undefined => results.find((r) => r.variant === v);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const marked = (_m: Measured, xs: number[]): string => xs.map(fmt).join(' · ');
const row = (m: Measured): string => {
  const [p, q] = m.pair;
  const proc = [0, 1, 2]
    .map((k) => fmt(((m.perProcess[p]?.[k] as number) + (m.perProcess[q]?.[k] as number)) / 2))
    .join(' · ');
  return `| ${NAMES[m.variant]} | ${marked(m, m.phases)} | **${fmt(m.perRequest)}** | ${pct(m.spread)} ${m.converged ? '(converged)' : '(NOT converged)'} | ${marked(m, m.raw)} | ${proc} | ${m.idleRates.map(fmt).join(' · ')} (${m.idlePerProcess.map(fmt).join(' · ')}) | ${fmt(m.minuteWork)} (${m.windows.length}) |`;
};
const bare = by('0');
const lines: string[] = [];
const ratioLine = (
  label: string,
  a: Measured | undefined,
  b: Measured | undefined,
  target?: number,
): void => {
  if (a === undefined || b === undefined) return;
  const ratio = a.perRequest / b.perRequest;
  const both = a.converged && b.converged;
  const verdict =
    target === undefined
      ? ''
      : `; ≤ ${target}×: ${!both ? 'no verdict (not converged)' : ratio <= target ? '**met**' : '**not met**'}`;
  lines.push(
    `- ${label}: ${fmt(a.perRequest - b.perRequest)} instructions per request, **${ratio.toFixed(3)}×** (raw, timers included: ${(a.rawPerRequest / b.rawPerRequest).toFixed(3)}×)${verdict}.`,
  );
};
// Every phase but the first (still compiling), as a mean with its 95 % t-interval: a phase of N holds one major GC
// more or less per worker (~100M instructions), so phases move by several percent; the ratio's bounds are the
// conservative quotients of the two intervals' ends.
const later = (m: Measured) => meanInterval(m.phases.slice(1));
const meanLine = (label: string, a: Measured | undefined, b: Measured | undefined, target?: number): void => {
  if (a === undefined || b === undefined || a.phases.length < 3 || b.phases.length < 3) return;
  const x = later(a);
  const y = later(b);
  const r = { mean: x.mean / y.mean, low: x.low / y.high, high: x.high / y.low };
  lines.push(
    `- ${label}, mean of phases 2–${a.phases.length} over 2–${b.phases.length}: ${fmt(x.mean)} (${fmt(x.low)}–${fmt(x.high)}) over ${fmt(y.mean)} (${fmt(y.low)}–${fmt(y.high)}): **${r.mean.toFixed(3)}× (${r.low.toFixed(3)}–${r.high.toFixed(3)})**${target === undefined ? '' : `; ≤ ${target}×: ${verdictBelow(r, target)}`}.`,
  );
};
ratioLine('Cluster mode / bare', by('1'), bare, 1.05);
meanLine('Cluster mode / bare', by('1'), bare, 1.05);
ratioLine('Per process (no cluster mode) / bare', by('2'), bare);
ratioLine('The aggregation alone: cluster mode / per process', by('1'), by('2'), 1.05);
meanLine('Per process / bare', by('2'), bare);
meanLine('The aggregation alone: cluster mode / per process', by('1'), by('2'), 1.05);
const fixed: string[] = [];
const fixedLine = (label: string, a: Measured | undefined, b: Measured | undefined): void => {
  if (a === undefined || b === undefined || bare === undefined) return;
  const f = a.idlePerSecond - b.idlePerSecond;
  const at = [100, 1000, rate].map(
    (r) =>
      `${fmt(r)} req/s: ${fmt(f)} / ${fmt(r)} = ${fmt(f / r)} per request (${pct(f / r / bare.perRequest)} of bare's ${fmt(bare.perRequest)})`,
  );
  fixed.push(
    `- ${label}: ${fmt(a.idlePerSecond)} − ${fmt(b.idlePerSecond)} = **${fmt(f)} instructions per second**; at ${at.join('; at ')}.`,
  );
};
fixedLine('Cluster mode over bare', by('1'), bare);
fixedLine('Per process over bare', by('2'), bare);
fixedLine('The aggregation (cluster mode over per process)', by('1'), by('2'));
const settled =
  by('1') && bare
    ? (by('1')!.perRequest + (by('1')!.idlePerSecond - bare.idlePerSecond) / rate) / bare.perRequest
    : NaN;
const command = `npx tsx bench/cluster-instructions.ts --warmup ${WARMUP} --requests ${N} --tolerance ${TOLERANCE} --max-phases ${MAX_PHASES} --sockets ${SOCKETS}`;
const text = `${machineLine()} ${started}–${new Date().toISOString().slice(11, 16)} UTC. \`${command}\`.

The 2-worker node:cluster Express app of \`bench/cluster-server.ts\` (\`bench/cluster-instructions-server.mjs\`: GET
/hello answering "ok"; sysvitals from \`dist/\` with its defaults but the logger, \`rateLimit: false\`, and, for
callgrind, \`sampleIntervalMs: 0\` as in \`bench/instructions.ts\` and \`cluster.aggregatorTimeoutMs\` an hour: see the server), each
variant's primary and both workers under \`valgrind --tool=callgrind --trace-children=yes\` with \`node
${NODE_FLAGS.join(' ')}\` (the workers get the flag through cluster's execArgv), the clusters side by side. Each is sent
${fmt(WARMUP)} warm-up requests over ${SOCKETS} keep-alive sockets at once (the primary hands them to the workers
round-robin), then phases of ${fmt(N)} until two in a row agree within ${pct(TOLERANCE)} (at most ${MAX_PHASES});
\`callgrind_control -d\` dumps and zeroes every process after the warm-up and each phase, and the count is the sum
over the primary and both workers. The traffic pauses from ${PAUSE_BEFORE_MS / 1000} s before each minute boundary to ${PAUSE_AFTER_MS / 1000} s after it
(sysvitals' history flush, once a minute, would otherwise be charged to one phase's requests at callgrind's pace):
the phase is dumped before the pause and the pause dumped apart, so a phase counts its requests alone; the pause's
count less the idle rate × its length is the once-a-minute work (last column, mean over the phases' boundaries).
Timers fire per wall second, ~50–100× more often per request under callgrind than natively: each cluster's idle
instructions per second (the lower of two ${IDLE_MS / 1000} s idle windows at the end, all processes) × each phase's counted wall time
are subtracted; that fixed cost is given on its own below, per request at native rates.

| cluster | instr/req per phase (timer-corrected) | last two | last two (raw) differ by | raw per phase | raw per process, last two (primary · worker · worker) | idle instr/s, two windows (per process, lower) | minute boundary, instr (windows) |
|---|---|---|---|---|---|---|---|
${results.map(row).join('\n')}

Sockets served by (worker pid, cluster role) after the warm-up and after the phases:
${results.map((m) => `${NAMES[m.variant]}: ${m.rolesBefore.join(', ')} → ${m.rolesAfter.join(', ')}`).join('; ')}.

Per request (timer-corrected, last two phases):
${lines.join('\n')}

The fixed cost per second (idle instructions per second, a cluster less another) is paid whatever the traffic;
per request it is that over the request rate. Native rates: 100 and 1,000 req/s, and the bare cluster's full-load
rate natively (autocannon -c 20, 5 s, on this shared machine now: ${fmt(rate)} req/s, an indication):
${fixed.join('\n')}

Cluster mode / bare at that full-load rate, fixed cost included: ${settled.toFixed(3)}×.
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection('cluster-instructions', text);
process.exit(0);
