// What does sysvitals cost a server, next to the bare framework and the peers users would pick instead?
// `npx tsx bench/overhead.ts [--rounds 7] [--duration 10] [--warmup 3] [--connections 50]
//   [--frameworks express,fastify,koa] [--variants sysvitals,fastify-metrics] [--source] [--paired] [--no-write]
//   [--split --against DIR]` (or OVERHEAD_ROUNDS, OVERHEAD_DURATION, OVERHEAD_WARMUP).
// --paired: each round serves bare and the variant AT THE SAME TIME, both servers on CPU 0 (sharing it), each
// loaded by its own autocannon (-c connections) on CPU 1: a change of the host's speed during the run (this VM's
// neighbours: ±20 % between runs seconds apart on 2026-12-03) falls on both at once, where the sequential
// rounds read it as a difference between variants. The ratio is of their CPU per request in the same seconds.
// --paired --settled: each round starts its two servers 25 s before a minute boundary, measures the window above
// (3 s after the start: what --paired alone reads), loads them on until 3 s past the boundary (the monitor's first
// history flush, its first samples, and the first close of a whole set of connections, after which V8 re-optimizes
// Node's HTTP code in both servers, all fall there), then measures a second window of --duration s on the same
// servers: the steady state. Both windows are reported, the settled one as its own table (issue 18: in the early
// window the sysvitals process was still compiling far more than bare, a start-up cost, not one per request).
// --split [--rate 3000 | 2000,5000] [--load-cpu cross|free] [--pacer even|autocannon] [--no-align]: each round
// serves bare and the variant in the same seconds, EACH ON ITS OWN CORE (bare on CPU 0 and the variant on CPU 1 in odd
// rounds, swapped in even ones, so a core's asymmetry cancels), each at the same fixed request rate well below
// saturation from its own evenly paced generator (bench/lib/paced-load.ts; autocannon -R sends each second's quota
// as one burst), the generator pinned to the OTHER server's core (`cross`: each core holds one server and one
// generator at the same rate, and a generator woken by its own server's answer never preempts that server). Neither
// server shares its core with the other server (the cold-cache cost of --paired, RESULTS `under-load-gap`), and the
// host's drift falls on both. CPU per request per server = utime + stime from /proc/<pid>/stat over the measured
// seconds / its 2xx answers (non-2xx and errors must be 0); the ratio per round, its median and 95 % t-interval over
// rounds, met only when the whole interval is at or under 1.03. Several rates (a sweep) also split the added cost
// into per request and per second (a per-second cost weighs more per request at low rates). Defaults under --split:
// -c 10 per generator, 20 s per rate, 5 s warm-up at the highest rate; fresh servers every round, started 15 s
// before a minute boundary and warmed until 3 s past it (the monitor's first history flush, a one-off ~200 ms,
// falls in the warm-up; one or two windows of up to 25 s then fit before the next boundary: a round takes a minute;
// --no-align for smoke runs); writes `overhead-split` (`overhead-split-<frameworks>` when --frameworks names fewer
// than all three, so that frameworks run at different rates keep their own sections).
// The method in full: bench/lib/split.ts.
// sysvitals is the built package (dist/, as users run it: `npm run build` first); --source measures src/ through tsx.
// Method (shared/BENCHMARKING.md): server pinned to CPU 0, autocannon to CPU 1, loopback, interleaved
// rounds (bare, sysvitals, peers; the order reversed every other round); each figure is the median over rounds of its ratio to the bare
// framework in the same round. Server CPU per request comes from /proc/PID/stat, RSS from /proc/PID/status.

import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Started, startServer as startPinnedServer } from './lib/overhead-servers.js';
import {
  type Cannon,
  CLK_TCK,
  autocannon as cannonAt,
  exited,
  type Loaded,
  loadTogether,
  pinned,
  procCpuTicks,
  procRssMb,
  SERVER_CPU,
} from './lib/paired.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import {
  alignRound,
  SPLIT_OPTIONS,
  type SplitTarget,
  type SplitWindow,
  splitConfig,
  splitCpus,
  splitMethod,
  splitReport,
  splitRound,
  windowLine,
} from './lib/split.js';
import { formatInterval, meanInterval, verdictBelow } from './lib/stats.js';

const VARIANTS: Record<string, string[]> = {
  express: ['bare', 'sysvitals', 'express-prom-bundle', 'express-status-monitor', 'swagger-stats'],
  fastify: ['bare', 'sysvitals', 'fastify-metrics'],
  koa: ['bare', 'sysvitals', 'prom-client'],
};
const PEER_LABEL: Record<string, string> = { 'prom-client': 'prom-client histogram middleware' };

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.OVERHEAD_ROUNDS ?? '7' },
    // Defaults depend on the mode (--split: 20 s, 5 s, -c 10).
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    frameworks: { type: 'string', default: Object.keys(VARIANTS).join(',') },
    /** Only these variants (bare is always measured: it is the baseline). */
    variants: { type: 'string', default: '' },
    source: { type: 'boolean', default: false },
    /** Bare and the variant served at the same time, both on CPU 0, each by its own autocannon on CPU 1. */
    paired: { type: 'boolean', default: false },
    /**
     * --paired only: each round also measures a second window on the same two servers once they are settled (past
     * their first minute boundary, its history flush and a whole connection cycle): see SETTLE_LEAD_MS.
     */
    settled: { type: 'boolean', default: false },
    ...SPLIT_OPTIONS,
    /** --split only: the baseline is sysvitals from this directory (another build's dist/), not the bare framework. */
    against: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const rounds = Number(flags.rounds);
const duration = Number(flags.duration ?? process.env.OVERHEAD_DURATION ?? (flags.split ? 20 : 10));
const warmup = Number(flags.warmup ?? process.env.OVERHEAD_WARMUP ?? (flags.split ? 5 : 3));
const connections = Number(flags.connections ?? (flags.split ? 10 : 50));
if (flags.against !== undefined && !flags.split) {
  console.error('bench/overhead.ts: --against compares two builds under --split only');
  process.exit(1);
}
if (flags.against !== undefined && !existsSync(`${flags.against}/adapters/fastify.cjs`)) {
  console.error(`bench/overhead.ts: --against ${flags.against}: not a build (no adapters/fastify.cjs there)`);
  process.exit(1);
}
if (flags.settled && !flags.paired) {
  console.error('bench/overhead.ts: --settled adds a window to --paired rounds; pass --paired too');
  process.exit(1);
}
if (flags.split && flags.paired) {
  console.error('bench/overhead.ts: --split and --paired are two modes; pass one');
  process.exit(1);
}
let splitCfg: ReturnType<typeof splitConfig> | undefined;
try {
  splitCfg = flags.split ? splitConfig({ ...flags, duration, warmup, connections }) : undefined;
} catch (err) {
  console.error(`bench/overhead.ts: ${(err as Error).message}`);
  process.exit(1);
}
const frameworks = flags.frameworks.split(',').filter((f) => f in VARIANTS);
const only = new Set(flags.variants.split(',').filter(Boolean));
if (only.size > 0) {
  // A variant named in --variants that the list lacks (the diagnosis-only `hook`, `sysvitals-nosample` of
  // overhead-server.ts) is measured too, after the listed ones.
  for (const f of Object.keys(VARIANTS))
    VARIANTS[f] = [
      ...(VARIANTS[f] as string[]).filter((v) => v === 'bare' || only.has(v)),
      ...[...only].filter((v) => !(VARIANTS[f] as string[]).includes(v)),
    ];
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
if (!flags.source && !existsSync(here('../dist/index.cjs'))) {
  console.error('bench/overhead.ts measures the build: run `npm run build` first (or pass --source)');
  process.exit(1);
}

interface Run {
  rps: number;
  /** User and kernel parts of cpuUsPerReq (--paired only; NaN otherwise). */
  userUs: number;
  sysUs: number;
  p99: number;
  cpuUsPerReq: number;
  rssMb: number;
  errors: number;
}

/** A server of bench/overhead-server.ts pinned to `cpu`, from the build or source (`from`; --source). */
function startServer(
  framework: string,
  variant: string,
  cpu = SERVER_CPU,
  from: string = flags.source ? 'source' : 'dist',
): Promise<Started> {
  return startPinnedServer(framework, variant, from, cpu);
}

function autocannon(url: string, seconds: number): Promise<Cannon> {
  return cannonAt(url, seconds, connections);
}

async function measure(framework: string, variant: string): Promise<Run> {
  const { child, port } = await startServer(framework, variant);
  const pid = child.pid as number;
  try {
    const url = `http://127.0.0.1:${port}/users/42`;
    if (warmup > 0) await autocannon(url, warmup);
    const before = procCpuTicks(pid);
    const result = await autocannon(url, duration);
    const after = procCpuTicks(pid);
    const rssMb = procRssMb(pid);
    const served = result.requests.total;
    return {
      rps: result.requests.average,
      p99: result.latency.p99,
      cpuUsPerReq: served > 0 ? ((after - before) * 1e6) / CLK_TCK / served : Number.NaN,
      rssMb,
      userUs: Number.NaN,
      sysUs: Number.NaN,
      errors: result.errors + result.timeouts + result.non2xx,
    };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

/** --settled: how long before a minute boundary a round's servers start (the early window ends well before it). */
const SETTLE_LEAD_MS = 25_000;

/** The runs of a loaded window of two servers (loadTogether's figures and each server's RSS). */
function pairRuns(servers: { child: ChildProcess }[], loaded: Loaded[]): [Run, Run] {
  return servers.map(({ child }, i): Run => {
    const { cannon, cpuUsPerReq, userUsPerReq, sysUsPerReq, errors } = loaded[i] as Loaded;
    return {
      rps: cannon.requests.average,
      userUs: userUsPerReq,
      sysUs: sysUsPerReq,
      p99: cannon.latency.p99,
      cpuUsPerReq,
      rssMb: procRssMb(child.pid as number),
      errors,
    };
  }) as [Run, Run];
}

/**
 * Bare and `variant` at the same time on CPU 0 (--paired): the same seconds of the host for both. With --settled,
 * also a second window on the same servers once settled (`settled`); without, `settled` is undefined.
 */
async function measurePair(
  framework: string,
  variant: string,
): Promise<{ early: [bare: Run, other: Run]; settled?: [bare: Run, other: Run] }> {
  let boundary: number | undefined;
  if (flags.settled) {
    const now = Date.now();
    boundary = Math.ceil(now / 60_000) * 60_000;
    if (boundary - now < SETTLE_LEAD_MS) boundary += 60_000;
    await new Promise((r) => setTimeout(r, (boundary as number) - SETTLE_LEAD_MS - now));
  }
  // allSettled, not all: a peer that is not installed rejects while its bare partner is already up, and that
  // partner must be stopped too (with Promise.all it was left running, idle, until the machine's next restart).
  const started = await Promise.allSettled([startServer(framework, 'bare'), startServer(framework, variant)]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  try {
    if (failed) throw failed.reason;
    const targets = servers.map(({ child, port }) => ({
      url: `http://127.0.0.1:${port}/users/42`,
      pids: [child.pid as number],
    }));
    if (warmup > 0) await loadTogether(targets, warmup, connections);
    const early = pairRuns(servers, await loadTogether(targets, duration, connections));
    if (boundary === undefined) return { early };
    // On until 3 s past the boundary (at least 5 s: a new set of connections, closed at its end), then measured.
    const until = Math.max(5, Math.ceil((boundary + 3000 - Date.now()) / 1000));
    if (Date.now() > boundary - 1000)
      console.log(
        `${framework}/${variant}: the early window ended ${((Date.now() - boundary) / 1000).toFixed(1)} s past the minute boundary: the settled window still follows the flush`,
      );
    await loadTogether(targets, until, connections);
    const settled = pairRuns(servers, await loadTogether(targets, duration, connections));
    return { early, settled };
  } finally {
    for (const { child } of servers) child.kill('SIGTERM');
    await Promise.all(servers.map(({ child }) => exited(child)));
  }
}

/**
 * --split: bare and `variant` started afresh, each pinned to its own core (swapped every other round), loaded at the
 * same fixed rates in the same seconds (bench/lib/split.ts); one window per rate.
 */
async function measureSplit(framework: string, variant: string, round: number): Promise<SplitWindow[]> {
  const cpus = splitCpus(round);
  const cfg = splitCfg as NonNullable<typeof splitCfg>;
  const boundary = await alignRound(cfg);
  const started = await Promise.allSettled([
    // --against: the baseline slot serves sysvitals from the other build (what `bare` reads below is that build).
    flags.against !== undefined
      ? startServer(framework, 'sysvitals', cpus.bare, flags.against)
      : startServer(framework, 'bare', cpus.bare),
    startServer(framework, variant, cpus.other),
  ]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  try {
    if (failed) throw failed.reason;
    const target = (i: number, cpu: number): SplitTarget => {
      const { child, port } = servers[i] as { child: ChildProcess; port: number };
      return { url: `http://127.0.0.1:${port}/users/42`, cpu, pids: [child.pid as number] };
    };
    const bare = target(0, cpus.bare);
    const other = target(1, cpus.other);
    return await splitRound(round, bare, other, cfg, {}, boundary);
  } finally {
    for (const { child } of servers) child.kill('SIGTERM');
    await Promise.all(servers.map(({ child }) => exited(child)));
  }
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

// ---- run ----
const runs = new Map<string, Run[]>(); // key framework/variant, one entry per round
const bareOf = new Map<string, Run[]>();
/** --paired: each variant's own bare runs, served in the same seconds as its runs (same index). */
const pairedBare = new Map<string, Run[]>();
/** --paired --settled: the settled window's runs, bare and the variant, by framework/variant (one pair per round). */
const settledPairs = new Map<string, [bare: Run, other: Run][]>();
const unavailable = new Map<string, string>();
const splitRounds = new Map<string, SplitWindow[][]>(); // --split: key framework/variant, one entry per round
const startedAt = new Date().toISOString().slice(11, 16);
console.log(
  splitCfg
    ? `overhead --split: ${rounds} rounds × ${splitCfg.rates.length} rate(s) (${splitCfg.rates.join(', ')} req/s per server) × ${duration}s (+${warmup}s warm-up), ${splitCfg.pacer} pacer -c ${connections}, generators ${splitCfg.placement === 'cross' ? "on the other server's core" : 'not pinned'}`
    : `overhead: ${rounds} rounds × ${duration}s (+${warmup}s warm-up), -c ${connections}, ${pinned ? 'server on CPU 0, autocannon on CPU 1' : 'NOT pinned (needs 2 cores and taskset)'}`,
);
for (let round = 1; round <= rounds; round++) {
  for (const framework of frameworks) {
    // The order alternates by round (bare first, then bare last): a fresh server measured right after
    // another one read cheaper or dearer by its place alone (RESULTS cluster, overhead 2026-12-03), and
    // with bare always first that bias fell on every ratio.
    const variants = VARIANTS[framework] as string[];
    if (splitCfg) {
      for (const variant of variants.filter((v) => v !== 'bare')) {
        const key = `${framework}/${variant}`;
        if (unavailable.has(key)) continue;
        try {
          const windows = await measureSplit(framework, variant, round);
          splitRounds.set(key, [...(splitRounds.get(key) ?? []), windows]);
          for (const w of windows) console.log(windowLine(key.padEnd(20), round, w, variant));
        } catch (err) {
          const e = err as Error & { unavailable?: boolean };
          if (e.unavailable) unavailable.set(key, e.message);
          console.log(`round ${round} ${key}: ${e.unavailable ? 'unavailable' : 'failed'}: ${e.message}`);
        }
      }
      continue;
    }
    if (flags.paired) {
      for (const variant of variants.filter((v) => v !== 'bare')) {
        const key = `${framework}/${variant}`;
        if (unavailable.has(key)) continue;
        try {
          const { early, settled } = await measurePair(framework, variant);
          const [bare, run] = early;
          for (const [k, r] of [
            [`${framework}/bare`, bare],
            [key, run],
          ] as const)
            runs.set(k, [...(runs.get(k) ?? []), r]);
          pairedBare.set(key, [...(pairedBare.get(key) ?? []), bare]);
          const line = (label: string, [b, r]: [Run, Run]) =>
            `round ${round} ${label.padEnd(30)} bare ${b.cpuUsPerReq.toFixed(1)} µs/req (user ${b.userUs.toFixed(1)}, sys ${b.sysUs.toFixed(1)}) ${b.rps.toFixed(0)} req/s, ${variant} ${r.cpuUsPerReq.toFixed(1)} µs/req (user ${r.userUs.toFixed(1)}, sys ${r.sysUs.toFixed(1)}) ${r.rps.toFixed(0)} req/s: ${(r.cpuUsPerReq / b.cpuUsPerReq).toFixed(3)}`;
          console.log(line(settled ? `${key} early` : key, early));
          if (settled) {
            settledPairs.set(key, [...(settledPairs.get(key) ?? []), settled]);
            console.log(line(`${key} settled`, settled));
          }
        } catch (err) {
          const e = err as Error & { unavailable?: boolean };
          if (e.unavailable) unavailable.set(key, e.message);
          console.log(`round ${round} ${key}: ${e.unavailable ? 'unavailable' : 'failed'}: ${e.message}`);
        }
      }
      continue;
    }
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      const key = `${framework}/${variant}`;
      if (unavailable.has(key)) continue;
      try {
        const run = await measure(framework, variant);
        const list = runs.get(key) ?? [];
        list.push(run);
        runs.set(key, list);
        if (variant === 'bare') bareOf.set(framework, runs.get(key) as Run[]);
        console.log(
          `round ${round} ${key.padEnd(30)} ${run.rps.toFixed(0).padStart(7)} req/s  p99 ${run.p99.toFixed(1)} ms  ${run.cpuUsPerReq.toFixed(0)} µs/req  ${run.rssMb.toFixed(0)} MB${run.errors ? `  errors ${run.errors}` : ''}`,
        );
      } catch (err) {
        const e = err as Error & { unavailable?: boolean };
        if (e.unavailable) unavailable.set(key, e.message);
        console.log(`round ${round} ${key}: ${e.unavailable ? 'unavailable' : 'failed'}: ${e.message}`);
      }
    }
  }
}

if (splitCfg) {
  const md = [
    machineLine(),
    `${startedAt}–${new Date().toISOString().slice(11, 16)} UTC. ${loadLine()}`,
    `\`npx tsx bench/overhead.ts --split --rate ${splitCfg.rates.join(',')} --rounds ${rounds} --duration ${duration} --warmup ${warmup} --connections ${connections} --frameworks ${frameworks.join(',')}${only.size ? ` --variants ${[...only].join(',')}` : ''}${splitCfg.placement !== 'cross' ? ` --load-cpu ${splitCfg.placement}` : ''}${splitCfg.pacer !== 'even' ? ` --pacer ${splitCfg.pacer}` : ''}${splitCfg.align ? '' : ' --no-align'}${flags.source ? ' --source' : ''}${flags.against !== undefined ? ` --against ${flags.against}` : ''}\`:`,
    splitMethod(splitCfg, 'GET /users/:id (JSON), one server process each, fresh every round'),
    `sysvitals ${flags.source ? 'from src/ (--source)' : 'from the build (dist/), as an application runs it'}; every server under \`node --import tsx\`.`,
    ...(flags.against !== undefined
      ? [
          `**--against ${flags.against}**: the baseline ("bare" below) is sysvitals from that build, not the bare framework: the ratios are this build / that build.`,
        ]
      : []),
    '',
  ];
  const verdicts: string[] = [];
  for (const [key, list] of splitRounds) {
    const variant = key.slice(key.indexOf('/') + 1);
    const report = splitReport(list, splitCfg, variant, 1.03);
    md.push(`### ${key}`, '', ...report.markdown);
    verdicts.push(...report.verdicts.map((v) => `${key}: ${v}`));
  }
  md.push(...[...unavailable].map(([key, reason]) => `Not measured: ${key}: ${reason}`));
  if (rounds < 8 || duration < 15)
    md.push(
      '**Short run** (fewer than 8 rounds or under 15 s): a check that the benchmark works, not figures to quote.',
    );
  const text = md.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n');
  console.log(`\n${verdicts.join('\n')}\n`);
  // A run of some frameworks (each at its own --rate) writes a section of its own: `overhead-split-express`, ….
  const all = frameworks.length === Object.keys(VARIANTS).length;
  if (!flags['no-write'])
    writeSection(all ? 'overhead-split' : `overhead-split-${frameworks.join('-')}`, text);
  else console.log(text);
  process.exit(0);
}

interface Row {
  framework: string;
  variant: string;
  rps: number;
  rpsRatio: number;
  p99: number;
  p99Ratio: number;
  cpu: number;
  cpuRatio: number;
  rss: number;
  rssRatio: number;
  errors: number;
  /** 95% t-intervals of the per-round ratios. */
  rpsCi: { mean: number; low: number; high: number };
  cpuCi: { mean: number; low: number; high: number };
  /** --paired: the variant's user and kernel µs per request minus bare's in the same seconds, 95% t-intervals. */
  userDiff: { mean: number; low: number; high: number };
  sysDiff: { mean: number; low: number; high: number };
}
const rows: Row[] = [];
for (const framework of frameworks) {
  for (const variant of VARIANTS[framework] as string[]) {
    const list = runs.get(`${framework}/${variant}`);
    if (!list?.length) continue;
    const bare =
      (flags.paired && variant !== 'bare' ? pairedBare.get(`${framework}/${variant}`) : undefined) ??
      bareOf.get(framework) ??
      list;
    const ratios = (pick: (r: Run) => number) =>
      list.map((r, i) => (bare[i] ? pick(r) / pick(bare[i] as Run) : Number.NaN)).filter(Number.isFinite);
    const ratio = (pick: (r: Run) => number) => median(ratios(pick));
    const diffs = (pick: (r: Run) => number) =>
      list.map((r, i) => (bare[i] ? pick(r) - pick(bare[i] as Run) : Number.NaN)).filter(Number.isFinite);
    rows.push({
      framework,
      variant,
      rps: median(list.map((r) => r.rps)),
      rpsRatio: ratio((r) => r.rps),
      p99: median(list.map((r) => r.p99)),
      p99Ratio: ratio((r) => r.p99),
      cpu: median(list.map((r) => r.cpuUsPerReq)),
      cpuRatio: ratio((r) => r.cpuUsPerReq),
      rss: median(list.map((r) => r.rssMb)),
      rssRatio: ratio((r) => r.rssMb),
      errors: list.reduce((n, r) => n + r.errors, 0),
      rpsCi: meanInterval(ratios((r) => r.rps)),
      cpuCi: meanInterval(ratios((r) => r.cpuUsPerReq)),
      userDiff: meanInterval(diffs((r) => r.userUs)),
      sysDiff: meanInterval(diffs((r) => r.sysUs)),
    });
  }
}

const fmt = (n: number, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : 'n/a';
const header =
  '| framework | variant | req/s | ratio to bare | p99 ms | ratio | server CPU µs/req | ratio | RSS MB | ratio |\n' +
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
const table = [
  header,
  ...rows.map(
    (r) =>
      `| ${r.framework} | ${PEER_LABEL[r.variant] ?? r.variant} | ${fmt(r.rps)} | ${fmt(r.rpsRatio, 3)} | ${fmt(r.p99, 1)} | ${fmt(r.p99Ratio, 2)} | ${fmt(r.cpu)} | ${fmt(r.cpuRatio, 3)} | ${fmt(r.rss)} | ${fmt(r.rssRatio, 2)} |`,
  ),
].join('\n');
// The targets (issue 18), judged on the intervals: met only when the whole interval is on the right side.
const targets = [
  '| framework | variant | throughput ratio, mean (95% CI) | ≥ 0.97 | CPU/request ratio, mean (95% CI) | ≤ 1.03 |',
  '|---|---|---|---|---|---|',
  ...rows
    .filter((r) => r.variant !== 'bare')
    .map((r) => {
      const above = r.rpsCi.low >= 0.97 ? 'met' : r.rpsCi.high < 0.97 ? 'not met' : 'not shown';
      return `| ${r.framework} | ${PEER_LABEL[r.variant] ?? r.variant} | ${formatInterval(r.rpsCi, 3)} | ${above} | ${formatInterval(r.cpuCi, 3)} | ${verdictBelow(r.cpuCi, 1.03)} |`;
    }),
].join('\n');
// Where the added CPU goes (--paired, issues 18 and 13): user mode against the kernel (faults, syscalls).
const split = flags.paired
  ? [
      '| framework | variant | added user µs/req, mean (95% CI) | added kernel µs/req, mean (95% CI) |',
      '|---|---|---|---|',
      ...rows
        .filter((r) => r.variant !== 'bare' && Number.isFinite(r.userDiff.mean))
        .map(
          (r) =>
            `| ${r.framework} | ${PEER_LABEL[r.variant] ?? r.variant} | ${formatInterval(r.userDiff, 2)} | ${formatInterval(r.sysDiff, 2)} |`,
        ),
    ].join('\n')
  : '';
// --settled: the second window of each round (the same servers past their first minute boundary), and how it
// compares with the early window of the same round (early / settled ratio, per round).
const settledTable =
  settledPairs.size === 0
    ? ''
    : [
        '| framework | variant | settled window: CPU/request ratio, mean (95% CI) | ≤ 1.03 | added user µs/req | added kernel µs/req | early window of the same rounds: ratio | early / settled |',
        '|---|---|---|---|---|---|---|---|',
        ...[...settledPairs].map(([key, pairs]) => {
          const [framework, variant] = key.split('/') as [string, string];
          const ratio = (p: [Run, Run]) => p[1].cpuUsPerReq / p[0].cpuUsPerReq;
          const settledRatios = pairs.map(ratio);
          const earlyRuns = runs.get(key) ?? [];
          const earlyBare = pairedBare.get(key) ?? [];
          const earlyRatios = earlyRuns.map((r, i) => r.cpuUsPerReq / (earlyBare[i] as Run).cpuUsPerReq);
          const ci = meanInterval(settledRatios);
          return `| ${framework} | ${PEER_LABEL[variant] ?? variant} | ${formatInterval(ci, 3)} | ${verdictBelow(ci, 1.03)} | ${formatInterval(meanInterval(pairs.map((p) => p[1].userUs - p[0].userUs)), 2)} | ${formatInterval(meanInterval(pairs.map((p) => p[1].sysUs - p[0].sysUs)), 2)} | ${formatInterval(meanInterval(earlyRatios), 3)} | ${formatInterval(meanInterval(earlyRatios.map((e, i) => e / (settledRatios[i] as number))), 3)} |`;
        }),
      ].join('\n');
console.log(
  `\n${table}\n\n${targets}\n${split ? `\n${split}\n` : ''}${settledTable ? `\n${settledTable}\n` : ''}`,
);
for (const [key, reason] of unavailable) console.log(`not measured: ${key}: ${reason}`);
const failures = rows.filter((r) => r.errors > 0);
for (const r of failures)
  console.log(`warning: ${r.framework}/${r.variant} had ${r.errors} failed or non-2xx responses`);

if (!flags['no-write']) {
  const section = [
    machineLine(),
    `\`npx tsx bench/overhead.ts${flags.paired ? ' --paired' : ''}${flags.settled ? ' --settled' : ''}\`: GET /users/:id (JSON), autocannon -c ${connections}, ${rounds} ${flags.paired ? 'rounds' : 'interleaved rounds'} of ${duration} s after a ${warmup} s warm-up,`,
    flags.paired
      ? `bare and each variant served at the same time, both servers ${pinned ? 'pinned to CPU 0 (sharing it), each loaded by its own autocannon pinned to CPU 1' : 'not pinned'};`
      : `${pinned ? 'server pinned to CPU 0 and autocannon to CPU 1' : 'not pinned'};`,
    `every server runs under \`node --import tsx\`, sysvitals ${flags.source ? 'from src/ (--source)' : 'from the build (dist/), as an application runs it'}.`,
    'Ratios are the median of per-round ratios to the bare framework of the same round; absolute figures are medians.',
    '',
    table,
    '',
    'The targets, judged on the 95% t-interval of the per-round ratios (met only when the whole interval is on the right side):',
    '',
    targets,
    '',
    ...(split ? ['utime and stime over the same seconds, the variant minus bare:', '', split, ''] : []),
    ...(settledTable
      ? [
          `--settled: each round's servers started ${SETTLE_LEAD_MS / 1000} s before a minute boundary; the tables above are their early window (as --paired alone); this one is a second window of ${duration} s on the same servers from 3 s past the boundary (past their first history flush and a whole connection cycle):`,
          '',
          settledTable,
          '',
        ]
      : []),
    ...[...unavailable].map(([key, reason]) => `Not measured: ${key}: ${reason}`),
    rounds < 7 || duration < 10
      ? '**Short run** (fewer than 7 rounds or under 10 s): a check that the benchmark works, not figures to quote.'
      : '',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  writeSection('overhead', section);
}
