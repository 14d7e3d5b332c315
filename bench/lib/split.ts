// Shared by bench/overhead.ts and bench/cluster.ts (their --split modes): bare and sysvitals served in the same
// seconds, EACH ON ITS OWN CORE, each loaded at the same fixed request rate well below saturation.
//
// Why (bench/RESULTS.md `under-load-gap`): --paired puts both servers on CPU 0, so each switch-in starts from caches
// and TLB the other server left, and sysvitals' few, scattered instructions lose most there (~5 µs a request on
// Express, not more instructions): a setting users do not run. Solo rounds (one server after the other) give each
// server a core but read the host's drift (±20 % within seconds on this VM) as a difference between the variants.
// Here:
// - Round r serves bare on CPU 0 and sysvitals on CPU 1 when r is odd, swapped when r is even, so that a core's own
//   speed (its neighbours on the host, its interrupts) cancels over pairs of rounds; neither server shares its core
//   with the other server, and the host's drift falls on both at once.
// - Each server gets the same fixed rate from its own generator, far below what one core serves, so each core is
//   mostly idle and the per-request figure is not one of a saturated, time-shared core. The generator is
//   bench/lib/paced-load.ts by default (`--pacer even`: requests spread over each second, sent every millisecond),
//   because autocannon's -R sends each second's quota as a burst at full concurrency and then waits (`--pacer
//   autocannon` keeps it, for comparison).
// - Where the generators run (`--load-cpu`): `cross` (default) pins each server's generator to the OTHER server's
//   core, so each core holds one server and one generator at the same rate: the foreign work on each server's core is
//   the same by construction, and the wake-up of a generator by its own server's answer never preempts that server
//   (sysvitals' recording runs after the answer is written: a generator woken on the server's own core would cut in
//   front of exactly that work, charging sysvitals a cold restart bare's shorter tail avoids). `free` leaves them to
//   the scheduler, which tends to move a woken generator next to the server that woke it (wake-affine) and places
//   them by each core's load, which depends on the servers' own CPU: the quantity measured would steer the noise.
// - CPU per request per server: utime + stime of its processes from /proc/<pid>/stat (clock ticks, CLK_TCK a
//   second) over the measured window, divided by the 2xx answers its generator counted; non-2xx and errors must be
//   0. With `--pacer even` the window opens when both generators start sending (they are spawned first, connect, and
//   wait for a common start time) and closes when both have exited.
// - The figure is the per-round ratio sysvitals / bare, with its median and the mean's 95 % t-interval over rounds;
//   a target is met only when the whole interval is at or under it. With several rates (`--rate 2000,5000`: a
//   per-second cost weighs more per request the fewer requests a second), each rate is measured in every round on
//   the same two servers (the rates' order reversed every other round) and reported on its own, and a line through
//   each server's CPU per second against its request rate splits the added cost into per request (slope) and per
//   second (intercept).
// - Rounds start 15 s before a minute boundary and warm up until 3 s past it (alignRound: the monitor's first history
//   flush, a one-off, falls in the warm-up). Windows that hold a minute boundary, miss the rate, or whose generator
//   fell more than 10 ms behind are flagged in the report.

import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { autocannon, type Cannon, CLK_TCK, jsonChild, pin, pinned, procCpuSplit } from './paired.js';
import { formatInterval, meanInterval, median, verdictBelow } from './stats.js';

const PACED = fileURLToPath(new URL('./paced-load.ts', import.meta.url));

export type Placement = 'cross' | 'free';
export type Pacer = 'even' | 'autocannon';

export interface SplitConfig {
  /** Requests a second per server, one window per rate per round. */
  rates: number[];
  seconds: number;
  warmup: number;
  connections: number;
  placement: Placement;
  pacer: Pacer;
  /** Rounds start LEAD_MS before a minute boundary and warm up past it (see alignRound). */
  align: boolean;
}

/** The parseArgs options of --split, shared by bench/overhead.ts and bench/cluster.ts. */
export const SPLIT_OPTIONS = {
  /** Bare and sysvitals served in the same seconds, each on its own core, each at the same fixed rate. */
  split: { type: 'boolean', default: false },
  /** --split: requests a second per server; several (comma-separated) for a sweep. */
  rate: { type: 'string', default: '3000' },
  /** --split: `cross` (each generator on the other server's core) or `free` (not pinned). */
  'load-cpu': { type: 'string', default: 'cross' },
  /** --split: `even` (bench/lib/paced-load.ts) or `autocannon` (-R, a burst each second). */
  pacer: { type: 'string', default: 'even' },
  /** --split: start each round when it comes, not 15 s before a minute boundary (smoke runs). */
  'no-align': { type: 'boolean', default: false },
} as const;

/** The --split configuration from the flags, or a clear error (and no run) when one is wrong. */
export function splitConfig(flags: {
  rate: string;
  'load-cpu': string;
  pacer: string;
  'no-align': boolean;
  duration: number;
  warmup: number;
  connections: number;
}): SplitConfig {
  const rates = flags.rate.split(',').map(Number);
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r <= 0))
    throw new Error(`--rate: positive integers, comma-separated (got ${JSON.stringify(flags.rate)})`);
  const placement = flags['load-cpu'];
  if (placement !== 'cross' && placement !== 'free')
    throw new Error(`--load-cpu: cross or free (got ${JSON.stringify(placement)})`);
  const pacer = flags.pacer;
  if (pacer !== 'even' && pacer !== 'autocannon')
    throw new Error(`--pacer: even or autocannon (got ${JSON.stringify(pacer)})`);
  for (const [name, v] of [
    ['duration', flags.duration],
    ['warmup', flags.warmup],
    ['connections', flags.connections],
  ] as const)
    if (!Number.isFinite(v) || v < (name === 'warmup' ? 0 : 1)) throw new Error(`--${name}: got ${v}`);
  if (!pinned) throw new Error('--split needs 2 cores and taskset: each server is pinned to its own core');
  return {
    rates,
    seconds: flags.duration,
    warmup: flags.warmup,
    connections: flags.connections,
    placement,
    pacer,
    align: !flags['no-align'],
  };
}

const MINUTE_MS = 60_000;
/** How long before a minute boundary a round's servers start. */
const LEAD_MS = 15_000;

/**
 * Waits until LEAD_MS before the next minute boundary at least that far away, and returns the boundary (epoch ms).
 * Why: the monitor flushes its history at every epoch-aligned minute (src/monitor/history-writer.ts), and its
 * first flush is a start-up cost (it loads the HDR codec: ~200 ms of CPU once, RESULTS `idle`) that a window would
 * read as ~3 µs a request at 3000 req/s for 20 s. Servers started 15 s before the boundary flush for the first time
 * during the warm-up (splitRound warms up until 3 s past it), and two windows of up to 25 s then end before the next
 * boundary: every window of a round of one or two rates holds no flush at all (the steady flush, 7–29 ms a minute
 * after the first, is left out; the report marks any window that holds a boundary). Without `align`, at once.
 */
export async function alignRound(cfg: SplitConfig): Promise<number | undefined> {
  if (!cfg.align) return undefined;
  const now = Date.now();
  let boundary = Math.ceil(now / MINUTE_MS) * MINUTE_MS;
  if (boundary - now < LEAD_MS) boundary += MINUTE_MS;
  await new Promise((r) => setTimeout(r, boundary - LEAD_MS - now));
  return boundary;
}

/** The cores of round `round` (from 1): bare on CPU 0 in odd rounds, on CPU 1 in even ones. */
export function splitCpus(round: number): { bare: number; other: number } {
  return round % 2 === 1 ? { bare: 0, other: 1 } : { bare: 1, other: 0 };
}

/** One server of a split window: where to send requests, its core, every process whose CPU is its own. */
export interface SplitTarget {
  url: string;
  cpu: number;
  pids: readonly number[];
}

/** One server's figures over one window. */
export interface Side {
  cannon: Cannon;
  /** 2xx answers, and failed, timed-out and non-2xx ones. */
  ok: number;
  failed: number;
  /** CPU of its processes over the window, in clock ticks (user, kernel, both). */
  userTicks: number;
  sysTicks: number;
  ticks: number;
  cpuUsPerReq: number;
  userUsPerReq: number;
  sysUsPerReq: number;
  /** CPU per wall second of the window, in ms. */
  cpuMsPerS: number;
  /** 2xx answers per paced second. */
  reqPerS: number;
}

export interface SplitWindow {
  rate: number;
  wallS: number;
  /** The core bare ran on (the variant ran on the other). */
  bareCpu: number;
  bare: Side;
  other: Side;
  /** other / bare CPU per request. */
  ratio: number;
  /** Whether an epoch-aligned minute boundary (a history flush of the monitor) fell inside the window. */
  minute: boolean;
}

function cpuOf(pids: readonly number[]): [number, number] {
  let user = 0;
  let sys = 0;
  for (const pid of pids) {
    const [u, s] = procCpuSplit(pid);
    user += u;
    sys += s;
  }
  return [user, sys];
}

function generator(
  t: SplitTarget,
  other: SplitTarget,
  rate: number,
  seconds: number,
  cfg: SplitConfig,
  startAt: number,
): Promise<Cannon> {
  const cpu = cfg.placement === 'cross' ? other.cpu : null;
  if (cfg.pacer === 'autocannon') return autocannon(t.url, seconds, cfg.connections, rate, cpu);
  const argv = [
    '--import',
    'tsx',
    PACED,
    t.url,
    String(seconds),
    String(rate),
    String(cfg.connections),
    String(startAt),
  ];
  const [cmd, args] = cpu === null ? [process.execPath, argv] : pin(cpu, process.execPath, argv);
  return jsonChild(cmd, args);
}

function side(
  cannon: Cannon,
  before: [number, number],
  after: [number, number],
  seconds: number,
  wallS: number,
): Side {
  const ok = cannon['2xx'] ?? cannon.requests.total;
  const userTicks = after[0] - before[0];
  const sysTicks = after[1] - before[1];
  const perReq = (t: number) => (ok > 0 ? (t * 1e6) / CLK_TCK / ok : Number.NaN);
  return {
    cannon,
    ok,
    failed: cannon.errors + cannon.timeouts + cannon.non2xx,
    userTicks,
    sysTicks,
    ticks: userTicks + sysTicks,
    cpuUsPerReq: perReq(userTicks + sysTicks),
    userUsPerReq: perReq(userTicks),
    sysUsPerReq: perReq(sysTicks),
    cpuMsPerS: ((userTicks + sysTicks) * 1000) / CLK_TCK / wallS,
    reqPerS: ok / seconds,
  };
}

/** Loads bare and the variant at `rate` each for `seconds`, in the same seconds; each server's CPU over them. */
export async function loadSplit(
  bare: SplitTarget,
  other: SplitTarget,
  rate: number,
  seconds: number,
  cfg: SplitConfig,
): Promise<SplitWindow> {
  // The paced generators connect first and start sending at `startAt`; the window opens then.
  const startAt = Date.now() + (cfg.pacer === 'even' ? 1500 : 0);
  const runs = Promise.all([
    generator(bare, other, rate, seconds, cfg, startAt),
    generator(other, bare, rate, seconds, cfg, startAt),
  ]);
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const t0 = performance.now();
  const wall0 = Date.now();
  const before = [cpuOf(bare.pids), cpuOf(other.pids)] as const;
  const [cb, co] = await runs;
  const after = [cpuOf(bare.pids), cpuOf(other.pids)] as const;
  const wallS = (performance.now() - t0) / 1000;
  const b = side(cb, before[0], after[0], seconds, wallS);
  const o = side(co, before[1], after[1], seconds, wallS);
  const minute = Math.floor(Date.now() / MINUTE_MS) > Math.floor(wall0 / MINUTE_MS);
  return { rate, wallS, bareCpu: bare.cpu, bare: b, other: o, ratio: o.cpuUsPerReq / b.cpuUsPerReq, minute };
}

/** Hooks around each measured window (bench/cluster.ts reads the IPC bytes there). */
export interface SplitHooks {
  before?(rate: number): Promise<void>;
  after?(rate: number, w: SplitWindow): Promise<void>;
}

/**
 * One round on two started servers: a warm-up at the highest rate (with `boundary`, from alignRound, until 3 s past
 * it at least), then one window per rate (ascending in odd rounds, descending in even ones). Returns the windows in
 * the order of `cfg.rates`.
 */
export async function splitRound(
  round: number,
  bare: SplitTarget,
  other: SplitTarget,
  cfg: SplitConfig,
  hooks: SplitHooks = {},
  boundary?: number,
): Promise<SplitWindow[]> {
  let warmup = cfg.warmup;
  if (boundary !== undefined) {
    if (Date.now() > boundary - 1000)
      console.warn(
        `round ${round}: the servers were ready only ${((Date.now() - boundary + LEAD_MS) / 1000).toFixed(1)} s after their start, past the minute boundary: their first history flush may fall in a window (marked)`,
      );
    // The paced generators start sending 1.5 s after they are spawned.
    const margin = cfg.pacer === 'even' ? 1500 : 0;
    warmup = Math.max(warmup, Math.ceil((boundary + 3000 - Date.now() - margin) / 1000));
  }
  if (warmup > 0) await loadSplit(bare, other, Math.max(...cfg.rates), warmup, cfg);
  const sorted = [...cfg.rates].sort((a, b) => a - b);
  const order = round % 2 === 1 ? sorted : sorted.reverse();
  const windows = new Map<number, SplitWindow>();
  for (const rate of order) {
    await hooks.before?.(rate);
    const w = await loadSplit(bare, other, rate, cfg.seconds, cfg);
    await hooks.after?.(rate, w);
    windows.set(rate, w);
  }
  return cfg.rates.map((r) => windows.get(r) as SplitWindow);
}

/** The console line of one window. */
export function windowLine(label: string, round: number, w: SplitWindow, other: string): string {
  const s = (x: Side) =>
    `${x.cpuUsPerReq.toFixed(1)} µs/req (user ${x.userUsPerReq.toFixed(1)}, sys ${x.sysUsPerReq.toFixed(1)}, ${x.ticks} ticks) ${x.reqPerS.toFixed(0)} req/s${x.failed ? ` FAILED ${x.failed}` : ''}${x.cannon.behind ? ` behind ${x.cannon.behind}` : ''}`;
  return `round ${round} ${label} @${w.rate}/s bare[CPU ${w.bareCpu}] ${s(w.bare)}, ${other}[CPU ${1 - w.bareCpu}] ${s(w.other)}: ${w.ratio.toFixed(3)}${w.minute ? ' (a minute boundary in the window)' : ''}`;
}

/** Least-squares line y = a + b·x. */
function lineFit(xs: readonly number[], ys: readonly number[]): { a: number; b: number } {
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    sxx += ((xs[i] as number) - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : Number.NaN;
  return { a: my - b * mx, b };
}

/**
 * The markdown of a split run: per rate, a table of rounds and the verdict line against `target`; with several
 * rates, the per-request / per-second split. `rounds[i]` holds round i+1's windows in the order of `cfg.rates`.
 */
export function splitReport(
  rounds: readonly (readonly SplitWindow[])[],
  cfg: SplitConfig,
  other: string,
  target: number,
): { markdown: string[]; verdicts: string[] } {
  const markdown: string[] = [];
  const verdicts: string[] = [];
  cfg.rates.forEach((rate, k) => {
    const ws = rounds.map((r) => r[k]).filter((w): w is SplitWindow => w !== undefined);
    const ratios = ws.map((w) => w.ratio).filter(Number.isFinite);
    const ci = meanInterval(ratios);
    const added = meanInterval(ws.map((w) => w.other.cpuUsPerReq - w.bare.cpuUsPerReq));
    const addedUser = meanInterval(ws.map((w) => w.other.userUsPerReq - w.bare.userUsPerReq));
    const addedSys = meanInterval(ws.map((w) => w.other.sysUsPerReq - w.bare.sysUsPerReq));
    const byCore = (cpu: number) => {
      const r = ws.filter((w) => w.bareCpu === cpu).map((w) => w.ratio);
      return r.length > 0 ? `${median(r).toFixed(3)} (${r.length})` : 'n/a';
    };
    const failed = ws.reduce((n, w) => n + w.bare.failed + w.other.failed, 0);
    // The paced generator's backlog: more than 10 ms of requests waiting means a burst, not a smooth rate.
    const behind = (w: SplitWindow) => Math.max(w.bare.cannon.behind ?? 0, w.other.cannon.behind ?? 0);
    const bursty = ws.filter((w) => behind(w) > rate / 100);
    const short = ws.filter(
      (w) => w.bare.ok < 0.97 * rate * cfg.seconds || w.other.ok < 0.97 * rate * cfg.seconds,
    ).length;
    markdown.push(
      `At ${rate} req/s per server:`,
      '',
      `| round | bare on | bare CPU µs/req | bare ticks | bare req/s | ${other} CPU µs/req | ${other} ticks | ${other} req/s | ratio | max behind | minute boundary |`,
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...ws.map(
        (w, i) =>
          `| ${i + 1} | CPU ${w.bareCpu} | ${w.bare.cpuUsPerReq.toFixed(1)} | ${w.bare.ticks} | ${w.bare.reqPerS.toFixed(0)} | ${w.other.cpuUsPerReq.toFixed(1)} | ${w.other.ticks} | ${w.other.reqPerS.toFixed(0)} | ${w.ratio.toFixed(3)} | ${Math.max(w.bare.cannon.behind ?? 0, w.other.cannon.behind ?? 0)} | ${w.minute ? 'yes' : ''} |`,
      ),
      '',
    );
    const verdict =
      `${other} / bare CPU per request at ${rate} req/s: median ${median(ratios).toFixed(3)}, mean **${formatInterval(ci, 3)}** ` +
      `(95 % t-interval over ${ratios.length} rounds); target ≤ ${target}: **${ratios.length < 2 ? 'not judged (one round)' : verdictBelow(ci, target)}**. ` +
      `Added µs per request ${formatInterval(added, 2)} (user ${formatInterval(addedUser, 2)}, kernel ${formatInterval(addedSys, 2)}) ` +
      `on bare's median ${median(ws.map((w) => w.bare.cpuUsPerReq)).toFixed(1)} µs. ` +
      `By core (what the swap cancels): ratio median ${byCore(0)} with bare on CPU 0, ${byCore(1)} with bare on CPU 1.` +
      (failed > 0 ? ` **${failed} failed or non-2xx answers.**` : '') +
      (short > 0
        ? ` **The rate was not reached in ${short} window(s)** (fewer than 97 % of the requests due).`
        : '') +
      (bursty.length > 0
        ? ` **A generator fell more than 10 ms behind in ${bursty.length} window(s)** (up to ${Math.max(...bursty.map(behind))} requests waiting for a free socket: the server or its generator fell behind the rate, and the load came in bursts there).`
        : '') +
      (ws.some((w) => w.minute)
        ? ` ${ws.filter((w) => w.minute).length} window(s) held a minute boundary (a history flush of the monitor).`
        : '');
    markdown.push(verdict, '');
    verdicts.push(verdict);
  });
  if (cfg.rates.length >= 2) {
    // Per round and server: CPU ms per second against req/s over the rates; slope = µs per request, intercept = ms/s.
    const slopes: number[] = [];
    const intercepts: number[] = [];
    for (const ws of rounds) {
      const line = (pick: (w: SplitWindow) => Side) =>
        lineFit(
          ws.map((w) => pick(w).reqPerS),
          ws.map((w) => pick(w).cpuMsPerS),
        );
      const b = line((w) => w.bare);
      const o = line((w) => w.other);
      slopes.push(o.b / b.b);
      intercepts.push(o.a - b.a);
    }
    const s = meanInterval(slopes.filter(Number.isFinite));
    const line =
      `Over the rates (${cfg.rates.join(', ')} req/s), a line through each server's CPU per second against its ` +
      `request rate, per round: ${other} / bare per-request slope ${formatInterval(s, 3)} (target ≤ ${target}: ` +
      `${slopes.length < 2 ? 'not judged (one round)' : verdictBelow(s, target)}); added per-second CPU (intercept) ${formatInterval(meanInterval(intercepts), 2)} ms/s.`;
    markdown.push(line, '');
    verdicts.push(line);
  }
  return { markdown, verdicts };
}

/** The method paragraph of a split section (shared wording). */
export function splitMethod(cfg: SplitConfig, servers: string): string {
  return [
    `${servers}: bare and sysvitals served in the same seconds, each on its own core (bare on CPU 0 and sysvitals on CPU 1 in odd rounds, swapped in even ones),`,
    `each loaded at the same fixed rate (${cfg.rates.join(', ')} req/s) by ${cfg.pacer === 'even' ? `bench/lib/paced-load.ts (evenly paced, ${cfg.connections} keep-alive connections)` : `autocannon -R (-c ${cfg.connections}; a burst each second)`}`,
    `${cfg.placement === 'cross' ? "pinned to the other server's core" : 'not pinned'}, warmed ${cfg.align ? `at the highest rate from 15 s before a minute boundary until at least ${cfg.warmup} s and 3 s past it (the monitor's first history flush, a start-up cost, falls there)` : `${cfg.warmup} s at the highest rate (--no-align: a window may hold the monitor's first history flush, marked)`}, then measured over ${cfg.seconds} s per rate.`,
    `CPU = utime + stime from /proc/<pid>/stat of each server's processes over the same seconds, per 2xx answer; the ratio is per round (bench/lib/split.ts).`,
  ].join('\n');
}
