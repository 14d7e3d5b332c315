// Instructions per request, bare framework against sysvitals, counted by valgrind (callgrind): a count
// that does not move with the machine's load, unlike CPU time on this shared 2-core machine.
// One framework per run; its two servers (bench/instructions-server.mjs, bare and sysvitals, sysvitals
// from dist/: `npm run build` first) run side by side under callgrind. Each is sent W warm-up requests
// over a real keep-alive socket from this process (not counted), its counts are dumped away, then phases
// of N requests are counted one by one until the count is settled: at least --min-phases phases (3), the
// last two agree within the tolerance (1 %), and no earlier clean phase is lower than them by more than it (V8 is
// still compiling after a few hundred requests: the first run of this bench, with 400, did not converge;
// with two phases allowed, a run "converged" on Fastify's warm-up tail and read 1.276×, issue 18; with
// phases of 200 Express requests, bare "settled" on two phases above an earlier one and read 0.927×).
// Equal phases (bench/lib/equal-phases.ts, 2026-12-07): the servers of a run wait for each other after each phase
// and stop together, once every one is settled on the same two phase indices (or at --phases K, or at
// --max-phases); all are quoted on those indices. Each server stopping on its own (3 %) let sysvitals stop after
// 3–4 phases while bare ran 5 with counts still falling: a bias in the ratio (RESULTS "barrier").
// A run that does not settle says so on stderr and in its RESULTS section, and
// gives no verdict. Phases holding a minute boundary (the flush, a timer) are neither compared nor quoted; the
// boundary's work is counted on its own after the phases.
// The warm-up (--warmup-boundary): `traffic` (default) sends W requests, goes on sending until a minute
// boundary has passed under traffic (the first history flush, whose zlib streams deoptimise Node's stream code
// on the request path and leave thousands of requests of recompiles behind: RESULTS instructions-jump), then
// sends W more; `idle` waits idle across the boundary instead (the old --boundary-warmup: RESULTS
// instructions-phases, it left Fastify and Koa in a dearer state under callgrind); `none`: W requests only.
// The warm-up's own instructions are reported (start-up cost, not quoted per request).
//   npx tsx bench/instructions.ts --framework express [--warmup 3000] [--requests 1000] [--min-phases 3]
//     [--max-phases 8] [--tolerance 0.01] [--phases K] [--dist dist] [--keep-dumps DIR] [--no-write] [--section NAME]
//     [--perf-prof] [--node-flag=F] [--warmup-boundary traffic|idle|none] [--connections C] [--floor]
//     [--fresh-connections K] [--turn-callgrind]
// Wall-paced work at the native rate: timers (node::Environment::RunTimers, inclusive) and, since stop 48, the window
// turn inside record() (RequestStats.turn: once per wall second of traffic, ~28 turns per 1,000 Koa requests under
// callgrind against < 1 per 10,000 natively; RESULTS perf-cuts, `instructions (stop 48)`). Both are charged at their
// cost under callgrind × their native count per request at one saturated core; the turn's frames are found in node's
// --perf-basic-prof map (on by default for it); --turn-callgrind leaves the turn at callgrind's pace (the old figure,
// also printed as a check).
// --floor also counts the timing floor (instructions-server.mjs variant `floor`: bench/floor.ts's `floor-dc`) in the
// same run, a third server, and gives sysvitals against it (the ratio bench/floor.ts measures in CPU time).
// --connections C sends over C concurrent keep-alive sockets (default 1: one request at a time), nearer to a
// server under load (bench/overhead.ts uses autocannon -c 50).
// --fresh-connections K sends K requests first, each on a new connection (closed after it), before the warm-up: a
// server under load sees connections come and go, and V8 records the hidden classes a socket passes through at its
// set-up in Node's shared EventEmitter code only once that code has its feedback (after ~8 calls): over one
// keep-alive socket alone, bare reached that point after its only set-up and sysvitals (whose start-up adds
// listeners) before it, leaving `_addListener` polymorphic in bare and megamorphic in sysvitals (RESULTS megamorphic).
// --extra V1,V2 counts more variants of instructions-server.mjs in the same run, under the same equal phases (e.g.
// `hookfloor`: the framework's own price for empty hooks, `hook`: one empty onRequest hook / middleware), each given
// against bare and sysvitals against it, with a 95 % interval over the per-phase ratios (common clean phases, the
// first left out as warm-up tail).
// --keep-dumps keeps every phase's dump and the minute-boundary window's for `callgrind_annotate
// --inclusive=yes`, and each server's output; --perf-prof names JIT frames (node's /tmp/perf-PID.map).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  atNativeTimerRate,
  type Inclusive,
  inclusiveOf,
  jitRanges,
  RUN_TIMERS,
  renameJit,
  saturatedPerRequest,
} from './lib/callgrind-dump.js';
import { drive, driveFresh } from './lib/drive.js';
import { type EqualPhaseRule, PhaseGate } from './lib/equal-phases.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { meanInterval, median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    framework: { type: 'string', default: 'express' },
    warmup: { type: 'string', default: '3000' },
    requests: { type: 'string', default: '1000' },
    'min-phases': { type: 'string', default: '3' },
    'max-phases': { type: 'string', default: '8' },
    tolerance: { type: 'string', default: '0.01' },
    phases: { type: 'string' },
    dist: { type: 'string', default: 'dist' },
    'keep-dumps': { type: 'string' },
    before: { type: 'string' },
    floor: { type: 'boolean', default: false },
    extra: { type: 'string', default: '' },
    'native-rounds': { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
    'perf-prof': { type: 'boolean', default: false },
    'node-flag': { type: 'string', multiple: true, default: [] },
    'boundary-warmup': { type: 'boolean', default: false },
    'warmup-boundary': { type: 'string', default: 'traffic' },
    section: { type: 'string' },
    only: { type: 'string' },
    connections: { type: 'string', default: '1' },
    'fresh-connections': { type: 'string', default: '0' },
    'gc-between-phases': { type: 'boolean', default: false },
    'clock-check': { type: 'boolean', default: false },
    'timers-only': { type: 'boolean', default: false },
    'timer-native-requests': { type: 'string', default: '20000' },
    'turn-callgrind': { type: 'boolean', default: false },
  },
});
const FRAMEWORK = values.framework;
if (!['express', 'fastify', 'koa'].includes(FRAMEWORK)) {
  throw new Error(`--framework must be one of express, fastify, koa (got ${FRAMEWORK})`);
}
const WARMUP = Number(values.warmup);
/** Concurrent keep-alive connections (--connections, default 1: sequential requests, as before). */
const CONNECTIONS = Math.max(1, Number(values.connections));
/** Requests sent first, each on a connection of its own (--fresh-connections, default 0). */
const FRESH = Math.max(0, Number(values['fresh-connections']));
const N = Number(values.requests);
/** A count is settled only after this many phases (at least 3) and with its last two clean phases agreeing. */
const MIN_PHASES = Math.max(3, Number(values['min-phases']));
const MAX_PHASES = Math.max(MIN_PHASES, Number(values['max-phases']));
/** How the warm-up meets the first minute boundary (the first history flush): see the header. */
const WARMUP_BOUNDARY = values['boundary-warmup'] ? 'idle' : (values['warmup-boundary'] as string);
if (!['traffic', 'idle', 'none'].includes(WARMUP_BOUNDARY)) {
  throw new Error(`--warmup-boundary must be traffic, idle or none (got ${WARMUP_BOUNDARY})`);
}
/** The RESULTS section written (not `instructions-<framework>`: those hold diagnoses of their own). */
const SECTION = values.section ?? `instructions-run-${FRAMEWORK}`;
const TOLERANCE = Number(values.tolerance);
/** --phases K: every server runs exactly K phases (settling judged at the end), instead of stopping once all settle. */
const FIXED_PHASES = values.phases === undefined ? undefined : Math.max(2, Number(values.phases));
/** The equal-phase rule (bench/lib/equal-phases.ts): all servers of the run stop together, quoted on the same phases. */
const RULE: EqualPhaseRule = {
  minPhases: MIN_PHASES,
  maxPhases: MAX_PHASES,
  tolerance: TOLERANCE,
  ...(FIXED_PHASES === undefined ? {} : { fixed: FIXED_PHASES }),
};
const DIST = resolve(values.dist);
/** More variants of instructions-server.mjs counted in the same run (--extra), each a server of its own. */
const EXTRAS = (values.extra as string).split(',').filter((v) => v !== '');
/** An earlier build (a copy of its dist/ inside the repository, so that it resolves its dependencies): a third server. */
const BEFORE = values.before === undefined ? undefined : resolve(values.before);
/** The builds whose frames are sysvitals' (the turn's, named by path). */
const BUILDS = BEFORE === undefined ? [DIST] : [DIST, BEFORE];
const KEEP = values['keep-dumps'] === undefined ? undefined : resolve(values['keep-dumps']);
const IDLE_MS = 5000;
const NATIVE_REQUESTS = 20_000;
const SERVER = fileURLToPath(new URL('./instructions-server.mjs', import.meta.url));
// V8 without background threads (compilation, marking), so the work done does not depend on scheduling.
// --perf-prof adds --perf-basic-prof so that JIT frames carry names in the dumps (diagnosis only).
// --node-flag passes more (e.g. --trace-deopt; the servers' output is kept with --keep-dumps).
/**
 * The window turn at the native rate (default; --turn-callgrind leaves it at callgrind's pace, as before 2026-12-07
 * stop 48). RequestStats.turn (src/requests/requests.ts) runs inside record() in the request that crosses a second of
 * the request clock: once per wall second under traffic, whatever the rate, so like a timer it is charged ~250× its
 * native share under callgrind (232–265 instructions per Koa request: RESULTS perf-cuts). Its frames are found by name
 * in node's --perf-basic-prof map (JIT code has no symbols), so the flag is on whenever the turn is corrected.
 */
const TURN_NATIVE = !(values['turn-callgrind'] as boolean);
/** The turn's frames in the perf map: `JS:^turn <dist>/…` (any tier; SecondRing.turn nests inside, counted once). */
const TURN_NAME = /^(?:JS|LazyCompile|Function):[*^~+]?turn /;
const TURN_TOKEN = 'SYSVITALS_WINDOW_TURN';
const NODE_FLAGS = [
  '--single-threaded',
  ...(values['perf-prof'] || TURN_NATIVE ? ['--perf-basic-prof'] : []),
  ...(values['gc-between-phases'] ? ['--expose-gc'] : []),
  ...(values['node-flag'] ?? []),
];
/**
 * Two full GCs (the server's `fullgc`) before each phase, dumped away: each phase starts from the same heap. NOT a
 * fix as it stands (benchtimer, 2026-12-07): with --single-threaded the sweeping after them is done lazily, on the
 * phase's own allocations, and Fastify's bare phases read 681k, 551k, 442k instructions per request (72k without).
 */
const GC_BETWEEN = values['gc-between-phases'] as boolean;
/** Requests of the native run that counts timer firings per request (no callgrind). */
const TIMER_NATIVE_REQUESTS = Number(values['timer-native-requests']);
/** The history writer's resolution: it flushes the minute's point at each boundary, on a timer. */
const MINUTE_MS = 60_000;

interface Server {
  child: ChildProcess;
  port: number;
  lines: string[];
  exited: Promise<string>;
}

async function start(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asks callgrind in process `pid` to dump its counts (and zero them); returns the dump's instruction total. */
async function dump(pid: number, out: string, index: number, keepAs?: string): Promise<number> {
  return (await dumpTimers(pid, out, index, keepAs)).total;
}

interface Counted extends Inclusive {
  /** The window turn's frames (RequestStats.turn, inclusive) and their calls; 0 without the turn correction. */
  turnInstructions: number;
  turnCalls: number;
}

/** The turn's JIT frames in the server's perf map (read at each dump: code compiled since is appended). */
function turnRanges(pid: number): ReturnType<typeof jitRanges> {
  try {
    const map = readFileSync(`/tmp/perf-${pid}.map`, 'utf8');
    // Any build the run counts: dist/ and a --before copy (stop 49: the before build's turn, in .tmp/…, was not
    // matched, so it stayed at callgrind's pace and that server read 250–600 instructions a request high).
    return jitRanges(map, (name) => TURN_NAME.test(name) && BUILDS.some((b) => name.includes(`${b}/`)));
  } catch {
    return [];
  }
}

/** The same, with the instructions under Node's timer callbacks (RunTimers, inclusive) and its calls. */
async function dumpTimers(pid: number, out: string, index: number, keepAs?: string): Promise<Counted> {
  await new Promise<void>((resolve, reject) => {
    const c = spawn('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`callgrind_control exited ${code}`))));
  });
  const file = `${out}.${index}`;
  for (let i = 0; i < 600; i++) {
    try {
      const text = readFileSync(file, 'utf8');
      const m = /^(?:summary|totals): (\d+)/m.exec(text);
      if (m) {
        if (keepAs !== undefined) renameSync(file, keepAs);
        else rmSync(file, { force: true });
        const turn = TURN_NATIVE
          ? inclusiveOf(renameJit(text, turnRanges(pid), TURN_TOKEN), TURN_TOKEN)
          : { instructions: 0, calls: 0 };
        return {
          ...inclusiveOf(text, RUN_TIMERS),
          total: Number(m[1]),
          turnInstructions: turn.instructions,
          turnCalls: turn.calls,
        };
      }
    } catch {
      // not written yet
    }
    await sleep(100);
  }
  throw new Error(`no dump ${file}`);
}

interface WarmupStep {
  label: string;
  requests: number;
  /** Instructions of the step (start-up included in the first). */
  instructions: number;
}

interface Measured {
  /** The warm-up's steps and their counts (not quoted per request). */
  warmup: WarmupStep[];
  /** Requests sent between phases, uncounted, so that no phase would hold a minute boundary. */
  skipped: number;
  /** At least MIN_PHASES phases and the last two clean ones within the tolerance (= converged). */
  settled: boolean;
  phaseCount: number;
  /** The lowest clean raw phase before the pair, when it is below the pair by more than the tolerance. */
  below: number | undefined;
  /** Instructions per request in each measured phase, idle timers subtracted. */
  phases: number[];
  /** Whether each phase's wall time held a minute boundary (sysvitals' history flush runs then, on a timer). */
  crossed: boolean[];
  /**
   * Instructions of a 5 s idle window holding a minute boundary after the phases (the minute had requests,
   * so the history point is written), less the idle timer rate × its length: the once-a-minute work.
   */
  minuteWork: number;
  /** The same before subtracting the idle timers. */
  raw: number[];
  /** Instructions per wall second while idle (timers: the coarse clock's 50 ms refresh, Node's own): the lower window. */
  idlePerSecond: number;
  /** Both idle windows' rates. */
  idleRates: number[];
  /** The mean of the last two phases' raw counts. */
  rawPerRequest: number;
  /**
   * The mean of the last two phases: the figure quoted (Koa's first phases after 3,000 warm-up requests are
   * still compiling). A major GC costs about 100M instructions under callgrind and comes every 1,000–3,000
   * requests, so one phase of 1,000 holds it or not: Express's phases move by up to 10 %.
   */
  perRequest: number;
  /** |last - previous| / their mean, of the raw counts. */
  spread: number;
  /** The same as settled (the older name, kept for the table code). */
  converged: boolean;
  /** Instructions under Node's timer callbacks (RunTimers, inclusive) in each phase, and its calls (firings). */
  timerInstructions: number[];
  timerFirings: number[];
  /** The window turn's instructions (RequestStats.turn, inclusive) in each phase, and its calls. */
  turnInstructions: number[];
  turnCalls: number[];
  /** Wall seconds of each phase. */
  wall: number[];
  /** The compared pair's indexes. */
  pair: [number, number];
}

const spreadOf = (a: number, b: number): number => Math.abs(a - b) / ((a + b) / 2);

/**
 * One server under callgrind: WARMUP requests, dump (start-up and warm-up discarded), then phases of N
 * requests, each dumped, until the last two agree within TOLERANCE (at most MAX_PHASES); then IDLE_MS idle
 * and a dump to measure what timers cost per wall second. Under callgrind a request takes a millisecond or
 * more, so a timer fires far more often per request than natively: its idle rate × each phase's wall time
 * is subtracted.
 */
async function measure(
  gate: PhaseGate,
  slot: number,
  variant: string,
  dist = DIST,
  name = variant,
): Promise<Measured> {
  const out = join(tmpdir(), `sysvitals-callgrind-${process.pid}-${FRAMEWORK}-${name}`);
  const server = await start('valgrind', [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    process.execPath,
    ...NODE_FLAGS,
    SERVER,
    FRAMEWORK,
    variant,
    dist,
  ]);
  const pid = server.child.pid as number;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let index = 1;
  // The warm-up's own counts, dumped and reported (start-up cost), never quoted per request.
  const warmup: WarmupStep[] = [];
  const warmStart = Date.now();
  await driveFresh(server.port, FRESH);
  await drive(server.port, WARMUP, agent, CONNECTIONS);
  /** Wall ms per request of the last warm-up step or phase: when the next phase is expected to end. */
  let msPerRequest = (Date.now() - warmStart) / WARMUP;
  process.stderr.write(
    `${name} warm-up done ${new Date().toISOString()} (${msPerRequest.toFixed(1)} ms per request)\n`,
  );
  warmup.push({
    label: 'start-up and warm-up',
    requests: WARMUP,
    instructions: await dump(pid, out, index++),
  });
  if (WARMUP_BOUNDARY === 'idle') {
    // The warm-up spans the first minute boundary: the first history flush compiles its path (~190M
    // instructions under callgrind) and leaves RequestStats.record to be deoptimized and recompiled a few
    // times over the next requests (--trace-deopt; natively too). That is start-up, not a request's cost:
    // idle to 2 s past the boundary (the minute had the warm-up's requests), then the warm-up again.
    // After it Fastify and Koa settled far higher under callgrind (Fastify 1.53×, V8's runtime
    // property-add path) with no such change natively (bench/RESULTS.md instructions-phases).
    await sleep(Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS + 2000 - Date.now());
    await drive(server.port, WARMUP, agent, CONNECTIONS);
    warmup.push({
      label: 'idle across a boundary, warm-up again',
      requests: WARMUP,
      instructions: await dump(pid, out, index++),
    });
  } else if (WARMUP_BOUNDARY === 'traffic') {
    // Requests go on until a minute boundary has passed since the warm-up began (the first history flush,
    // with requests in its minute, and the recompiles of Node's stream code after it: instructions-jump),
    // then the warm-up again, so that the phases measure the steady state and not that one-off churn.
    let sent = 0;
    while (Math.floor(Date.now() / MINUTE_MS) === Math.floor(warmStart / MINUTE_MS)) {
      await drive(server.port, 200, agent, CONNECTIONS);
      sent += 200;
    }
    await drive(server.port, 400, agent, CONNECTIONS); // the flush is a timer: it runs late under callgrind
    sent += 400;
    process.stderr.write(`${name} past the first boundary ${new Date().toISOString()}\n`);
    warmup.push({
      label: 'on until past the first minute boundary',
      requests: sent,
      instructions: await dump(pid, out, index++),
    });
    const t = Date.now();
    await drive(server.port, WARMUP, agent, CONNECTIONS);
    msPerRequest = (Date.now() - t) / WARMUP;
    warmup.push({
      label: 'warm-up after the boundary',
      requests: WARMUP,
      instructions: await dump(pid, out, index++),
    });
  }
  const raw: number[] = [];
  const timerInstructions: number[] = [];
  const timerFirings: number[] = [];
  const turnInstructions: number[] = [];
  const turnCalls: number[] = [];
  const wall: number[] = [];
  const phases: number[] = [];
  const crossed: boolean[] = [];
  // The two phases compared (and quoted): the last two without a minute boundary in them. A phase with one
  // also holds the history flush (a timer, once a minute), charged to its requests at callgrind's pace.
  let pair: [number, number] | undefined;
  let settled = false;
  let skipped = 0;
  for (;;) {
    // A phase that would hold a minute boundary (at this pace) waits for it under traffic instead, uncounted:
    // at load 15 a phase of 1,000 Fastify requests lasts ~15 s under callgrind, and one that holds the flush is
    // not compared (†). The requests sent meanwhile are dumped away.
    const expected = N * msPerRequest * 1.3 + 1000;
    if (expected < MINUTE_MS * 0.8 && Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS - Date.now() < expected) {
      const minute = Math.floor(Date.now() / MINUTE_MS);
      while (Math.floor(Date.now() / MINUTE_MS) === minute) {
        await drive(server.port, 50, agent, CONNECTIONS);
        skipped += 50;
      }
      await drive(server.port, 200, agent, CONNECTIONS); // the flush is a timer: it runs late under callgrind
      skipped += 200;
      await dump(pid, out, index++);
    }
    if (GC_BETWEEN) {
      // Two full collections, dumped away: each phase starts from the same (collected) heap, so a major GC
      // falls at the same point of every phase or in none, not in one phase of two by chance.
      const seen = server.lines.length;
      server.child.stdin?.write('fullgc\n');
      for (let i = 0; i < 6000 && !server.lines.slice(seen).includes('GCDONE'); i++) await sleep(10);
      await dump(pid, out, index++);
    }
    const t0 = performance.now();
    const startMs = Date.now();
    const start = new Date(startMs).toISOString();
    await drive(server.port, N, agent, CONNECTIONS);
    crossed.push(Math.floor(Date.now() / MINUTE_MS) !== Math.floor(startMs / MINUTE_MS));
    wall.push((performance.now() - t0) / 1000);
    msPerRequest = ((wall.at(-1) as number) * 1000) / N;
    const keepAs =
      KEEP === undefined ? undefined : join(KEEP, `${FRAMEWORK}-${name}.phase${raw.length + 1}.out`);
    const counted = await dumpTimers(pid, out, index++, keepAs);
    raw.push(counted.total / N);
    timerInstructions.push(counted.instructions);
    timerFirings.push(counted.calls);
    turnInstructions.push(counted.turnInstructions);
    turnCalls.push(counted.turnCalls);
    process.stderr.write(
      `${name} phase ${raw.length}: ${start} .. ${new Date().toISOString()} (${wall.at(-1)?.toFixed(1)} s) ${fmt(raw.at(-1) as number)} raw instr/req${crossed.at(-1) ? ' † minute boundary' : ''}; timers ${timerFirings.at(-1)} firings, ${fmt((timerInstructions.at(-1) as number) / N)} instr/req; turn ${turnCalls.at(-1)} calls, ${fmt((turnInstructions.at(-1) as number) / N)} instr/req\n`,
    );
    phases.push(0); // filled in below, once the idle rate is known
    // Equal phases: wait for every server of the run to count this phase, then all go on or all stop, and all are
    // quoted on the same pair of phase indices (the last two that no server's minute boundary fell in).
    const waitStart = performance.now();
    const decision = await gate.arrive(slot, { raw, crossed });
    pair = decision.pair;
    settled = decision.settled[slot] as boolean;
    if (decision.stop) break;
    // The wait's idle timers are not the next phase's: dumped away (only when it waited long enough to matter).
    if (performance.now() - waitStart > 200) await dump(pid, out, index++);
  }
  // Fewer than two phases without a boundary (phases near a minute long): the last two, as before.
  const [p, q] = pair ?? [raw.length - 2, raw.length - 1];
  // A window from just before the next minute boundary to 4 s after it: the history flush of the minute
  // the phases ran in (its point has requests), with idle timers around it.
  const boundary = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
  await sleep(Math.max(0, boundary - 1000 - Date.now()));
  await dump(pid, out, index++);
  const m0 = performance.now();
  await sleep(boundary + 4000 - Date.now());
  const minuteWindow = await dump(
    pid,
    out,
    index++,
    KEEP === undefined ? undefined : join(KEEP, `${FRAMEWORK}-${name}.minute.out`),
  );
  const minuteSeconds = (performance.now() - m0) / 1000;
  // Two idle windows, the lower rate kept: the first can hold one-off work that activity left behind
  // (a GC the memory reducer starts when allocation stops), which is not what timers cost per second.
  const idleRates: number[] = [];
  for (let w = 0; w < 2; w++) {
    const t0 = performance.now();
    await sleep(IDLE_MS);
    const idle = await dump(pid, out, index++);
    idleRates.push(idle / ((performance.now() - t0) / 1000));
  }
  const idlePerSecond = Math.min(...idleRates);
  agent.destroy();
  server.child.stdin?.end();
  await server.exited;
  rmSync(out, { force: true });
  if (KEEP !== undefined)
    writeFileSync(join(KEEP, `${FRAMEWORK}-${name}.stdout.txt`), server.lines.join('\n'));
  for (let i = 0; i < raw.length; i++)
    phases[i] = (raw[i] as number) - (idlePerSecond * (wall[i] as number)) / N;
  // Convergence is judged on the counts themselves (raw), before the timer correction.
  const spread = spreadOf(raw[p] as number, raw[q] as number);
  const rawPerRequest = ((raw[p] as number) + (raw[q] as number)) / 2;
  // A clean phase before the pair lower than it by more than the tolerance: the pair may sit on a step (a
  // recompile after a deopt) rather than on the floor. Told, not decided.
  const lowest = Math.min(...raw.filter((_, i) => i < p && !crossed[i]));
  if (!settled) {
    process.stderr.write(
      `\n*** ${name}: NOT SETTLED after ${raw.length} phases (last two clean phases differ by ${pct(spread)}, tolerance ${pct(TOLERANCE)}${raw.length < MIN_PHASES ? `, fewer than ${MIN_PHASES} phases` : ''}): no verdict ***\n\n`,
    );
  }
  return {
    warmup,
    skipped,
    settled,
    phaseCount: raw.length,
    below: lowest < rawPerRequest * (1 - TOLERANCE) ? lowest : undefined,
    phases,
    crossed,
    minuteWork: minuteWindow - idlePerSecond * minuteSeconds,
    raw,
    idlePerSecond,
    idleRates,
    perRequest: ((phases[p] as number) + (phases[q] as number)) / 2,
    rawPerRequest,
    spread,
    converged: settled,
    timerInstructions,
    timerFirings,
    turnInstructions,
    turnCalls,
    wall,
    pair: [p, q],
  };
}

/** Native CPU ns per request of the bare server (for the instructions-per-ns indication): median of rounds. */
async function nativeNsPerRequest(framework: string): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < Number(values['native-rounds']); r++) {
    const server = await start(process.execPath, [...NODE_FLAGS, SERVER, framework, 'bare', DIST]);
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    await drive(server.port, 2000, agent, CONNECTIONS);
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
    await drive(server.port, NATIVE_REQUESTS, agent, CONNECTIONS);
    const b = await cpu();
    agent.destroy();
    server.child.stdin?.end();
    await server.exited;
    rounds.push(((b - a) * 1000) / NATIVE_REQUESTS);
  }
  return median(rounds);
}

interface NativeTimers {
  requests: number;
  seconds: number;
  /** RunTimers calls (libuv timer expiries that ran JavaScript timer callbacks) over the requests. */
  firings: number;
  /** The server's CPU seconds over the requests (process.cpuUsage). */
  cpuSeconds: number;
}

/** Native firings per request at one saturated core (see saturatedPerRequest). */
const saturatedFiringsPerRequest = (t: NativeTimers): number =>
  saturatedPerRequest(t.firings, t.seconds, t.cpuSeconds, t.requests);

/**
 * Timer firings per request natively: the same server (variant), the same requests (fresh connections, the warm-up,
 * then TIMER_NATIVE_REQUESTS counted), without callgrind. The server counts the calls of Node's processTimers (one
 * per node::Environment::RunTimers call: the unit the callgrind dumps count, their `calls=`) in process
 * (SYSVITALS_BENCH_COUNT_TIMERS, --expose-internals). A gdb breakpoint counted the same at first, but each hit
 * stops the server for a ptrace round trip: at load 50 that stretched 20,000 Express requests from 16 s to 329 s
 * and so multiplied the firings it counted.
 */
async function nativeTimerFirings(variant: string, dist = DIST): Promise<NativeTimers> {
  const server = await start(
    process.execPath,
    ['--expose-internals', '--no-warnings', ...NODE_FLAGS, SERVER, FRAMEWORK, variant, dist],
    { ...process.env, SYSVITALS_BENCH_COUNT_TIMERS: '1' },
  );
  const count = async (): Promise<number> => {
    const seen = server.lines.length;
    server.child.stdin?.write('timers\n');
    for (let i = 0; i < 2000; i++) {
      const line = server.lines.slice(seen).find((l) => l.startsWith('TIMERS '));
      if (line !== undefined) return Number(line.slice(7));
      await sleep(5);
    }
    throw new Error('no TIMERS line');
  };
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  await driveFresh(server.port, FRESH);
  await drive(server.port, WARMUP, agent, CONNECTIONS);
  const cpu = async (): Promise<number> => {
    const seen = server.lines.length;
    server.child.stdin?.write('cpu\n');
    for (let i = 0; i < 2000; i++) {
      const line = server.lines.slice(seen).find((l) => l.startsWith('CPU '));
      if (line !== undefined) return Number(line.slice(4)) / 1e6;
      await sleep(5);
    }
    throw new Error('no CPU line');
  };
  const c0 = await count();
  const u0 = await cpu();
  const t0 = performance.now();
  await drive(server.port, TIMER_NATIVE_REQUESTS, agent, CONNECTIONS);
  const seconds = (performance.now() - t0) / 1000;
  const u1 = await cpu();
  const c1 = await count();
  agent.destroy();
  server.child.stdin?.end();
  await server.exited;
  return { requests: TIMER_NATIVE_REQUESTS, seconds, firings: c1 - c0, cpuSeconds: u1 - u0 };
}

/** Timer work at the native firing rate (see atNativeTimerRate): the cost of one firing pooled over the clean phases. */
interface Adjusted {
  perFiring: number;
  /** Timers and the window turn at the native rate, per phase, and the last two's mean (the figure quoted). */
  phases: number[];
  perRequest: number;
  /** Timers alone at the native rate (the turn at callgrind's pace: the bench before stop 48), for the check. */
  timerPhases: number[];
  timerPerRequest: number;
  /** One turn's instructions, pooled over the clean phases; turns per wall second under callgrind (same phases). */
  perTurn: number;
  turnsPerSecond: number;
  /** Turns per request natively: turns per wall second × the server's native CPU seconds per request. */
  nativeTurns: number;
}

/**
 * Timer work at the native firing rate (see atNativeTimerRate): the cost of one firing pooled over the clean phases.
 * The window turn likewise (unless --turn-callgrind): it runs once per wall second of traffic (the request clock's
 * seconds), so its calls per wall second under callgrind × the native CPU seconds per request (one saturated core,
 * as the timers) is its native count per request, each at the pooled cost of one turn under callgrind.
 */
function timerAdjusted(m: Measured, native: NativeTimers): Adjusted {
  const clean = m.raw.flatMap((_, i) => (m.crossed[i] ? [] : [i]));
  const sum = (xs: number[]): number => clean.reduce((a, i) => a + (xs[i] as number), 0);
  const calls = sum(m.timerFirings);
  const perFiring = calls > 0 ? sum(m.timerInstructions) / calls : 0;
  const nativePerRequest = saturatedFiringsPerRequest(native);
  const timerPhases = m.raw.map((r, i) =>
    atNativeTimerRate(r, N, m.timerInstructions[i] as number, perFiring, nativePerRequest),
  );
  const turns = sum(m.turnCalls);
  const perTurn = turns > 0 ? sum(m.turnInstructions) / turns : 0;
  const seconds = sum(m.wall);
  const turnsPerSecond = seconds > 0 ? turns / seconds : 0;
  const nativeTurns = saturatedPerRequest(turnsPerSecond, 1, native.cpuSeconds, native.requests);
  const phases = timerPhases.map((t, i) =>
    atNativeTimerRate(t, N, m.turnInstructions[i] as number, perTurn, nativeTurns),
  );
  const [p, q] = m.pair;
  const lastTwo = (xs: number[]): number => ((xs[p] as number) + (xs[q] as number)) / 2;
  return {
    perFiring,
    phases,
    perRequest: lastTwo(phases),
    timerPhases,
    timerPerRequest: lastTwo(timerPhases),
    perTurn,
    turnsPerSecond,
    nativeTurns,
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
/** Phases, those holding a minute boundary marked † (not compared nor quoted). */
const marked = (m: Measured, xs: number[]): string =>
  xs.map((x, i) => `${fmt(x)}${m.crossed[i] ? '†' : ''}`).join(' · ');
if (KEEP !== undefined) mkdirSync(KEEP, { recursive: true });
// --only bare|sysvitals: one server, its phases printed, nothing compared (diagnosis: one callgrind process).
if (values.only !== undefined) {
  const m = await measure(new PhaseGate(1, RULE), 0, values.only);
  console.log(
    `| ${FRAMEWORK} ${values.only} | ${marked(m, m.phases)} | raw ${marked(m, m.raw)} | idle ${m.idleRates.map(fmt).join(' · ')} | minute ${fmt(m.minuteWork)} |`,
  );
  console.log(loadLine());
  process.exit(0);
}
// Two servers at once (bare and sysvitals), one per core: counts do not depend on load.
// Timer firings per request natively (no callgrind, one server at a time), for each server counted: first, so that a
// failure of the count shows before the long callgrind runs.
const nativeTimers = new Map<string, NativeTimers>();
for (const [name, variant, dist] of [
  ['bare', 'bare', DIST],
  ['sysvitals', 'sysvitals', DIST],
  ...(BEFORE === undefined ? [] : [['sysvitals before', 'sysvitals', BEFORE]]),
  ...(values.floor ? [['floor', 'floor', DIST]] : []),
  ...(values['clock-check'] ? [['dateclock', 'dateclock', DIST]] : []),
  ...EXTRAS.map((v) => [v, v, DIST]),
] as [string, string, string][]) {
  const t = await nativeTimerFirings(variant, dist);
  nativeTimers.set(name, t);
  process.stderr.write(
    `${name} native: ${t.firings} timer firings over ${fmt(t.requests)} requests in ${t.seconds.toFixed(1)} s, ${t.cpuSeconds.toFixed(2)} s CPU: ${saturatedFiringsPerRequest(t).toFixed(5)} per request at one saturated core\n`,
  );
}
if (values['timers-only']) process.exit(0);
// Equal phases: every server counted waits for the others after each phase; all stop together, on the same pair.
const gate = new PhaseGate(
  2 +
    (BEFORE === undefined ? 0 : 1) +
    (values.floor ? 1 : 0) +
    (values['clock-check'] ? 1 : 0) +
    EXTRAS.length,
  RULE,
);
let slots = 0;
const [[bare, sv, before, floor, dateclock], extras] = await Promise.all([
  Promise.all([
    measure(gate, slots++, 'bare'),
    measure(gate, slots++, 'sysvitals'),
    BEFORE === undefined ? undefined : measure(gate, slots++, 'sysvitals', BEFORE, 'sysvitals-before'),
    values.floor ? measure(gate, slots++, 'floor') : undefined,
    values['clock-check'] ? measure(gate, slots++, 'dateclock') : undefined,
  ]),
  Promise.all(EXTRAS.map((v) => measure(gate, slots++, v))),
]);
const ns = await nativeNsPerRequest(FRAMEWORK);
const perNs = bare.perRequest / ns;
const added = sv.perRequest - bare.perRequest;
const addedRaw = sv.rawPerRequest - bare.rawPerRequest;
const addedNs = added / perNs;
const ratio = sv.perRequest / bare.perRequest;
const converged =
  bare.converged &&
  sv.converged &&
  (before === undefined || before.converged) &&
  (floor === undefined || floor.converged) &&
  extras.every((m) => m.converged);
const verdict = (ok: boolean): string => (!converged ? 'no verdict (NOT SETTLED)' : ok ? 'met' : 'not met');
const status = (m: Measured): string =>
  m.settled
    ? `settled after ${m.phaseCount} phases, last two ${pct(m.spread)} apart`
    : `**NOT SETTLED** after ${m.phaseCount} phases, last two ${pct(m.spread)} apart`;
const row = (name: string, m: Measured): string =>
  `| ${name} | ${marked(m, m.phases)} | ${fmt(m.perRequest)} | ${status(m)} | ${marked(m, m.raw)} | ${fmt(m.rawPerRequest)} | ${m.idleRates.map(fmt).join(' · ')} | ${fmt(m.minuteWork)} |`;
const warmRow = (name: string, m: Measured): string =>
  `| ${name} | ${m.warmup.map((w) => `${w.label}: ${fmt(w.requests)} requests, ${fmt(w.instructions / 1e6)}M (${fmt(w.instructions / w.requests)} per request)`).join('; ')}${m.skipped > 0 ? `; between phases, uncounted, so that a phase does not hold a minute boundary: ${fmt(m.skipped)} requests` : ''} |`;
const named: [string, Measured][] = [
  ['bare', bare],
  ['sysvitals', sv],
  ...(before === undefined ? [] : [['sysvitals before', before] as [string, Measured]]),
  ...(floor === undefined ? [] : [['floor', floor] as [string, Measured]]),
  ...(dateclock === undefined ? [] : [['dateclock', dateclock] as [string, Measured]]),
  ...EXTRAS.map((v, i) => [v, extras[i]] as [string, Measured]),
];
const adjusted = new Map(named.map(([n, m]) => [n, timerAdjusted(m, nativeTimers.get(n) as NativeTimers)]));
const adj = (n: string): number => (adjusted.get(n) as Adjusted).perRequest;
/** Timers alone at the native rate (the turn left at callgrind's pace): the check against the turn correction. */
const adjTimers = (n: string): number => (adjusted.get(n) as Adjusted).timerPerRequest;
const timerRow = ([name, m]: [string, Measured]): string => {
  const t = nativeTimers.get(name) as NativeTimers;
  const a = adjusted.get(name) as Adjusted;
  return `| ${name} | ${m.timerFirings.map((f, i) => `${f}${m.crossed[i] ? '†' : ''}`).join(' · ')} | ${marked(
    m,
    m.timerInstructions.map((x) => x / N),
  )} | ${fmt(a.perFiring)} | ${saturatedFiringsPerRequest(t).toFixed(5)} (${t.firings} over ${fmt(t.requests)} requests in ${t.seconds.toFixed(1)} s, ${((t.cpuSeconds * 1e6) / t.requests).toFixed(0)} µs CPU each) | ${fmt(m.rawPerRequest)} | **${fmt(a.timerPerRequest)}** | ${marked(m, a.timerPhases)} |`;
};
const adjRatio = adj('sysvitals') / adj('bare');
const timersRatio = adjTimers('sysvitals') / adjTimers('bare');
const turnRow = ([name, m]: [string, Measured]): string => {
  const a = adjusted.get(name) as Adjusted;
  return `| ${name} | ${m.turnCalls.map((c, i) => `${c}${m.crossed[i] ? '†' : ''}`).join(' · ')} | ${marked(
    m,
    m.turnInstructions.map((x) => x / N),
  )} | ${fmt(a.perTurn)} | ${a.turnsPerSecond.toFixed(2)} | ${a.nativeTurns.toFixed(6)} | ${fmt(a.timerPerRequest)} | **${fmt(a.perRequest)}** | ${marked(m, a.phases)} |`;
};
const turnText = (): string =>
  TURN_NATIVE
    ? `**The window turn at the native rate** (stop 48). \`RequestStats.turn\` (the request windows' turn: the seconds
ring, the sub-window, every 15 s the error horizon) runs inside \`record()\` in the request that crosses a second of the
request clock: once per wall second of traffic, so under callgrind (a phase lasts tens of seconds) it is charged to
requests ~250× its native share, like the timers. Its frames are named from node's \`--perf-basic-prof\` map (on for
this), any tier, counted inclusive (\`SecondRing.turn\` inside it once); one turn's cost is pooled over the clean phases
and charged at its calls per wall second under callgrind × the server's native CPU seconds per request (the timer
count's native run: one saturated core, as the timers). The column "timers and turn" is the timers' column − the
phase's turn instructions ÷ ${fmt(N)} + that native share; it is the figure quoted above and below.

| server | turn calls per phase | turn instr/req per phase (callgrind) | instr per turn | turns per wall s | native turns per request | timers only at native rate (last two) | timers and turn at native rate (last two) | timers and turn at native rate per phase |
|---|---|---|---:|---:|---:|---:|---:|---|
${named.map(turnRow).join('\n')}

Check, the turn left at callgrind's pace (the bench before stop 48, \`--turn-callgrind\`): sysvitals ${fmt(adjTimers('sysvitals') - adjTimers('bare'))} over bare, ${timersRatio.toFixed(3)}× bare; per phase ${phaseRatio('sysvitals', 'bare', 'timerPhases')}.
`
    : "The window turn inside `record()` is left at callgrind's pace (`--turn-callgrind`).\n";
/** Phases no server's minute boundary fell in, the first left out (V8's warm-up tail): the per-phase ratios' CI. */
const ciPhases = bare.raw.flatMap((_, i) => (i > 0 && named.every(([, m]) => !m.crossed[i]) ? [i] : []));
/** a ÷ b phase for phase (at the native timer rate), mean and 95 % t-interval over ciPhases. */
const phaseRatio = (a: string, b: string, which: 'phases' | 'timerPhases' = 'phases'): string => {
  const pa = (adjusted.get(a) as Adjusted)[which];
  const pb = (adjusted.get(b) as Adjusted)[which];
  const r = meanInterval(ciPhases.map((i) => (pa[i] as number) / (pb[i] as number)));
  return `${r.mean.toFixed(4)}× (95 % CI ${r.low.toFixed(4)}–${r.high.toFixed(4)}, ${ciPhases.length} phases)`;
};
const extraText = EXTRAS.map(
  (v) =>
    `\n**${v}** (at the native timer rate): ${fmt(adj(v) - adj('bare'))} over bare, ${(adj(v) / adj('bare')).toFixed(3)}× bare, per phase ${phaseRatio(v, 'bare')}; **sysvitals ${fmt(adj('sysvitals') - adj(v))} over ${v}, ${(adj('sysvitals') / adj(v)).toFixed(3)}×**, per phase ${phaseRatio('sysvitals', v)}; ${named.find(([n]) => n === v)?.[1].settled ? 'settled' : 'NOT SETTLED'}.`,
).join('');
const rawRatio = sv.rawPerRequest / bare.rawPerRequest;
const notes = named
  .map(([name, m]) =>
    m.below === undefined
      ? ''
      : `\nNote: ${name}'s pair sits above an earlier clean phase (${fmt(m.below)} raw): it may be a step (a recompile after a deopt), not the floor.`,
  )
  .join('');
const minuteAdded = sv.minuteWork - bare.minuteWork;
const saturated = 1e9 / ns;
const command = `npx tsx bench/instructions.ts --framework ${FRAMEWORK} --warmup ${WARMUP} --requests ${N} --min-phases ${MIN_PHASES} --max-phases ${MAX_PHASES} --tolerance ${TOLERANCE}${FIXED_PHASES === undefined ? '' : ` --phases ${FIXED_PHASES}`} --warmup-boundary ${WARMUP_BOUNDARY}${CONNECTIONS > 1 ? ` --connections ${CONNECTIONS}` : ''}${FRESH > 0 ? ` --fresh-connections ${FRESH}` : ''}${BEFORE === undefined ? '' : ` --before ${values.before}`}${values.floor ? ' --floor' : ''}${EXTRAS.length > 0 ? ` --extra ${EXTRAS.join(',')}` : ''}`;
const warmupText =
  WARMUP_BOUNDARY === 'traffic'
    ? `, then requests went on until a minute boundary had passed (the first history flush with requests in its minute, and the recompiles of Node's stream code after it: instructions-jump), then ${fmt(WARMUP)} more`
    : WARMUP_BOUNDARY === 'idle'
      ? ', left idle until 2 s past the next minute boundary (the first history flush, and the recompiles of the request path after it, are start-up) and sent the warm-up again'
      : '';
const text = `${
  converged
    ? ''
    : `**NOT SETTLED — no verdict.** ${named
        .filter(([, m]) => !(m as Measured).settled)
        .map(([n, m]) => `${n as string}: ${status(m as Measured)}`)
        .join('; ')} (tolerance ${pct(TOLERANCE)}). The ratio below is not a figure of record.

`
}${machineLine()} \`${command}\`.

Both servers (\`bench/instructions-server.mjs\`: \`GET /users/:id\` answering JSON, sysvitals from \`dist/\`, its
sample timer off) run side by side under \`valgrind --tool=callgrind\` with \`node ${NODE_FLAGS.join(' ')}\`. Each is
sent ${FRESH > 0 ? `${fmt(FRESH)} requests each on a new connection, then ` : ''}${fmt(WARMUP)} warm-up requests${warmupText}, then phases of ${fmt(N)} measured ones, ${
  FIXED_PHASES === undefined
    ? `until every server is settled on the same two phases: at
least ${MIN_PHASES} phases, the last two without a minute boundary in any server within ${pct(TOLERANCE)} of each other and no earlier one lower than them by more (at most ${MAX_PHASES} phases;
a server that does not settle gives no verdict`
    : `${FIXED_PHASES} phases for every server (settled if the last two without a minute boundary in any server are within ${pct(TOLERANCE)} and no earlier one lower by more; a server that does not settle gives no verdict`
}; a phase that would hold a minute boundary at the pace of the one before waits for it
under uncounted traffic). **Equal phases:** the servers wait for each other after each phase and stop together, so every
one ran ${bare.phaseCount} phases and is quoted on phases ${bare.pair[0] + 1} and ${bare.pair[1] + 1}, ${CONNECTIONS > 1 ? `over ${CONNECTIONS} concurrent keep-alive sockets` : 'sequentially over one keep-alive socket'} from the bench process (not counted).
\`callgrind_control -d\` dumps and zeroes the counts after each warm-up step and after each phase. The count is
everything the server process executes per request: the framework, Node's HTTP parser and socket writes,
sysvitals, and the garbage collection of what a request allocates. Timers fire per wall second, far more
often per request under callgrind than natively: each server's idle instructions per second (the lower of two
${IDLE_MS / 1000} s idle dumps at the end) × each phase's wall time are subtracted. Settling is judged on the raw
counts; raw figures are in the table too, and the added cost is also given from them (an upper bound: they
include sysvitals' timers at callgrind's pace). Phases marked † held a minute boundary: sysvitals' history
writer flushes the minute's point then (a timer, once a minute whatever the traffic), and under callgrind a
phase lasts seconds, so that work was charged to one phase's requests at ~50× its native share; such phases
are not compared or quoted (the last two phases without one are). The once-a-minute work is counted on its
own: a ${IDLE_MS / 1000} s window from 1 s before the next boundary after the phases (that minute had requests), less the
idle rate × its length (last column; the bare server is the control).

| ${FRAMEWORK} | instr/req per phase | instr/req (last two) | settled? | raw instr/req per phase | raw (last two) | idle instr/s (two windows) | minute boundary (instr) |
|---|---|---|---|---|---|---|---|
${row('bare', bare)}
${row('sysvitals', sv)}${before === undefined ? '' : `\n${row(`sysvitals before (\`${values.before}\`)`, before)}`}${floor === undefined ? '' : `\n${row('floor (`floor-dc`)', floor)}`}${EXTRAS.map((v, i) => `\n${row(v, extras[i] as Measured)}`).join('')}

| warm-up (not quoted) | steps |
|---|---|
${warmRow('bare', bare)}
${warmRow('sysvitals', sv)}${before === undefined ? '' : `\n${warmRow('sysvitals before', before)}`}${floor === undefined ? '' : `\n${warmRow('floor', floor)}`}${dateclock === undefined ? '' : `\n${warmRow('dateclock', dateclock)}`}
${notes}

**Timers at the native rate.** Each phase's dump gives the instructions under \`node::Environment::RunTimers\` (libuv's
timer callback: processTimers, listOnTimeout and every JavaScript timer callback under them, inclusive) and its calls
(firings). The cost of one firing is pooled over the clean phases; the native firings are counted in the same
server natively (its processTimers wrapped in a counter), per wall second under traffic, and charged per request at
one saturated core (× the server's native CPU seconds per request: timers fire per wall second, so on this loaded
machine, or at a low request rate, a request carries more of them) (no callgrind: ${FRESH > 0 ? `${fmt(FRESH)} fresh connections, ` : ''}the warm-up, then ${fmt(TIMER_NATIVE_REQUESTS)} requests counted,
one server at a time). The column "at native timer rate" (timers alone; the turn below) is raw − the phase's timer instructions ÷ ${fmt(N)} + the cost
per firing × the native firings per request. The raw figure stays the figure measured; this one is labelled.
${GC_BETWEEN ? `Each phase began after two full GCs (\`--expose-gc\`, the server's \`fullgc\`), dumped away.\n` : ''}
| server | firings per phase (callgrind) | timer instr/req per phase | instr per firing | native firings per request | raw instr/req (last two) | at native timer rate (last two) | at native timer rate per phase |
|---|---|---|---:|---|---:|---:|---|
${named.map(timerRow).join('\n')}

${turnText()}
**At the native timer rate: sysvitals ${fmt(adj('sysvitals') - adj('bare'))} over bare, ${adjRatio.toFixed(3)}× bare** (≤ 1.03×: ${verdict(adjRatio <= 1.03)}); raw ${rawRatio.toFixed(3)}× (≤ 1.03×: ${verdict(rawRatio <= 1.03)}).${
  floor === undefined
    ? ''
    : ` The floor ${(adj('floor') / adj('bare')).toFixed(3)}× bare at the native timer rate; sysvitals ${(adj('sysvitals') / adj('floor')).toFixed(3)}× the floor.`
}
Per phase, sysvitals ÷ bare ${phaseRatio('sysvitals', 'bare')}.${extraText}${
  dateclock === undefined
    ? ''
    : `\nCheck, a server without the coarse clock's timer (\`dateclock\`: the monitor's \`clock\` option { now: Date.now }): raw ${fmt(dateclock.rawPerRequest)}, timers ${fmt(dateclock.timerInstructions.filter((_, i) => !dateclock.crossed[i]).reduce((a, b) => a + b, 0) / (N * dateclock.crossed.filter((c) => !c).length))} instr/req under callgrind against sysvitals' ${fmt(sv.timerInstructions.filter((_, i) => !sv.crossed[i]).reduce((a, b) => a + b, 0) / (N * sv.crossed.filter((c) => !c).length))}; at the native timer rate ${fmt(adj('dateclock'))} against sysvitals' ${fmt(adj('sysvitals'))} (${fmt(adj('sysvitals') - adj('dateclock'))}: the coarse clock's reads against Date.now()'s, and its timer at the native rate); raw − sysvitals' raw ${fmt(dateclock.rawPerRequest - sv.rawPerRequest)}; ${dateclock.settled ? 'settled' : 'NOT SETTLED'}.`
}
**Added by sysvitals: ${fmt(added)} instructions per request, ${ratio.toFixed(3)}× bare** (≤ 1.03×: ${verdict(ratio <= 1.03)});
from the raw counts (timers included) ${fmt(addedRaw)}, ${(sv.rawPerRequest / bare.rawPerRequest).toFixed(3)}× bare.${
  before === undefined
    ? ''
    : `\nThe earlier build in the same run: ${fmt(before.perRequest - bare.perRequest)} added, ${(before.perRequest / bare.perRequest).toFixed(3)}× bare (raw ${fmt(before.rawPerRequest - bare.rawPerRequest)}, ${(before.rawPerRequest / bare.rawPerRequest).toFixed(3)}×); ${before.converged ? 'settled' : 'NOT SETTLED'}.`
}${
  floor === undefined
    ? ''
    : `\nThe timing floor in the same run: ${fmt(floor.perRequest - bare.perRequest)} over bare, ${(floor.perRequest / bare.perRequest).toFixed(3)}× bare; **sysvitals ${fmt(sv.perRequest - floor.perRequest)} over the floor, ${(sv.perRequest / floor.perRequest).toFixed(3)}× the floor**${before === undefined ? '' : ` (the earlier build ${fmt(before.perRequest - floor.perRequest)}, ${(before.perRequest / floor.perRequest).toFixed(3)}×)`}; ${floor.converged ? 'settled' : 'NOT SETTLED'}.`
}
At the bare server's native rate (${fmt(ns)} ns per request, ${perNs.toFixed(2)} instructions per ns: median of
${values['native-rounds']} native runs of ${fmt(NATIVE_REQUESTS)} requests after 2,000 warm-up, CPU time from
\`process.cpuUsage()\`) that is about ${fmt(addedNs)} ns per request (≤ 1 µs: ${verdict(addedNs <= 1000)}); an indication
only, as the rate on this shared machine moves with its load.
The minute boundary adds ${fmt(minuteAdded)} instructions once a minute (sysvitals less bare), about
${fmt(minuteAdded / perNs / 1e6)} ms of CPU a minute natively: per request ${fmt(minuteAdded / (60 * saturated))} instructions at one
core's full load of this bare server (${fmt(saturated)} requests/s), ${fmt(minuteAdded / 6000)} at 100 requests/s.
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection(SECTION, text);
if (!converged) {
  process.stderr.write(`\n*** ${FRAMEWORK}: NOT SETTLED: no verdict (see the table above) ***\n`);
  process.exitCode = 2;
}
