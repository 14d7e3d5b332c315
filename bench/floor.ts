// The floor of a request-timing middleware under load (issue 18): what does the least any request-timing monitor
// must do (a clock read at the start, the response's end learned, a second clock read, the duration added to a
// per-route count and sum: bench/lib/floor-middleware.ts) cost a server, against the bare framework, and what does
// sysvitals cost against that floor? If the floor itself reads ≥ 1.03× bare, issue 18's target (≤ 1.03× bare CPU per
// request under load) is beyond any timing middleware in this setting; if it reads ~1.00×, the gap is sysvitals' own.
// `npx tsx bench/floor.ts [--rounds 8] [--duration 10] [--warmup 10] [--connections 50]
//   [--frameworks express,fastify,koa] [--pairs bare:floor,bare:floor-dc,floor-dc:sysvitals] [--no-align]
//   [--source] [--no-write]`
// Method: the paired one of `overhead.ts --paired` (bench/lib/paired.ts): each pair A:B is two fresh servers served
// at the same time, both pinned to CPU 0 (sharing it), each loaded by its own autocannon -c N pinned to CPU 1, so the
// host's drift falls on both; the figure of a pair is B's CPU per request over A's in the same seconds (utime + stime
// from /proc). Variants: `bare`, `floor` (Express/Koa a 'finish' listener per response, Koa's middleware async around
// `await next()`; Fastify an onRequest and an onResponse hook), `floor-dc` (a stamp at the start and Node's
// 'http.server.response.finish' diagnostics channel, the shape of sysvitals' own path), `sysvitals` (dist/, as
// shipped). Floor/bare has no monitor; sysvitals/floor-dc isolates what sysvitals does beyond the floor.
// Each pair is settled before it is measured (RESULTS `koa-gap`: a fresh server's first ~20 s read far above its
// steady state): a warm-up of --warmup s (whose end closes the first set of connections: Node re-optimizes its HTTP
// code then), a second warm-up of 3 s, then --duration s measured. A pair with sysvitals is warmed until 3 s past the
// first minute boundary after its start (its first history flush, a one-off, falls in the warm-up), and is started
// when that boundary is 10–25 s away while pairs without it fill the rest of the minute (--no-align: no wait).
// Pairs run in a different order each round and swap sides (which server starts first) every other round. Per pair:
// mean of the per-round ratios with a 95 % t-interval (bench/lib/stats.ts), the median, added user and kernel µs,
// and the load average at each window. Writes section `floor` of bench/RESULTS.md after every round.

import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Started, startServer } from './lib/overhead-servers.js';
import { exited, type Loaded, loadTogether, pinned } from './lib/paired.js';
import { machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median, verdictBelow } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    frameworks: { type: 'string', default: 'express,fastify,koa' },
    pairs: { type: 'string', default: 'bare:floor,bare:floor-dc,floor-dc:sysvitals' },
    'no-align': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const rounds = Number(flags.rounds);
const duration = Number(flags.duration);
const warmup = Number(flags.warmup);
const connections = Number(flags.connections);
const frameworks = flags.frameworks.split(',').filter(Boolean);
const VARIANTS = new Set(['bare', 'floor', 'floor-dc', 'sysvitals']);
const pairs = flags.pairs.split(',').map((p) => p.split(':') as [string, string]);
for (const p of pairs)
  if (p.length !== 2 || !VARIANTS.has(p[0]) || !VARIANTS.has(p[1]) || p[0] === p[1]) {
    console.error(`bench/floor.ts: --pairs ${p.join(':')}: each pair is A:B of ${[...VARIANTS].join(', ')}`);
    process.exit(1);
  }
const from = flags.source ? 'source' : 'dist';
if (!flags.source && !existsSync(fileURLToPath(new URL('../dist/index.cjs', import.meta.url)))) {
  console.error('bench/floor.ts measures the build: run `npm run build` first (or pass --source)');
  process.exit(1);
}

interface Window {
  round: number;
  /** B's CPU per request over A's, in the same seconds. */
  ratio: number;
  rpsRatio: number;
  a: Loaded;
  b: Loaded;
  load: number[];
  at: string;
}
const results = new Map<string, Window[]>(); // key `framework A:B`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const toBoundary = () => 60_000 - (Date.now() % 60_000);

async function measure(framework: string, [a, b]: [string, string], round: number): Promise<Window> {
  // Every other round the other variant is started first (and is first in the load's target list).
  const order: [string, string] = round % 2 ? [a, b] : [b, a];
  const started = await Promise.allSettled(order.map((v) => startServer(framework, v, from)));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const bySide = round % 2 ? servers : [...servers].reverse();
    const targets = (bySide as Started[]).map(({ child, port }) => ({
      url: `http://127.0.0.1:${port}/users/42`,
      pids: [child.pid as number],
    }));
    let first = warmup;
    if (!flags['no-align'] && (a === 'sysvitals' || b === 'sysvitals'))
      first = Math.max(warmup, Math.ceil((toBoundary() + 3000) / 1000));
    await loadTogether(targets, first, connections);
    await loadTogether(targets, 3, connections);
    const [la, lb] = (await loadTogether(targets, duration, connections)) as [Loaded, Loaded];
    if (la.errors + lb.errors > 0)
      throw new Error(`failed or non-2xx responses: ${la.errors} / ${lb.errors}`);
    return {
      round,
      ratio: lb.cpuUsPerReq / la.cpuUsPerReq,
      rpsRatio: lb.cannon.requests.average / la.cannon.requests.average,
      a: la,
      b: lb,
      load: os.loadavg(),
      at: new Date().toISOString().slice(11, 19),
    };
  } finally {
    for (const { child } of servers) child.kill('SIGTERM');
    await Promise.all(servers.map(({ child }) => exited(child)));
  }
}

const startedAt = new Date().toISOString().slice(11, 16);
const command = `npx tsx bench/floor.ts --rounds ${rounds} --duration ${duration} --warmup ${warmup} --connections ${connections} --frameworks ${frameworks.join(',')} --pairs ${flags.pairs}${flags['no-align'] ? ' --no-align' : ''}${flags.source ? ' --source' : ''}`;
console.log(
  `${command}\n${pinned ? 'servers on CPU 0, autocannon on CPU 1' : 'NOT pinned (needs 2 cores and taskset)'}`,
);

function report(roundsDone: number): string {
  const ci = (xs: number[], d: number) => formatInterval(meanInterval(xs), d);
  const rows: string[] = [];
  const lines: string[] = [];
  const keys = frameworks.flatMap((f) => pairs.map((p) => `${f} ${p.join(':')}`));
  for (const key of keys) {
    const ws = results.get(key);
    if (!ws?.length) continue;
    const [framework, pair] = key.split(' ') as [string, string];
    const [a, b] = pair.split(':');
    const ratios = ws.map((w) => w.ratio);
    const loads = ws.map((w) => w.load[0] as number);
    rows.push(
      `| ${framework} | ${b} / ${a} | ${ws.length} | ${ci(ratios, 3)} | ${median(ratios).toFixed(3)} | ${verdictBelow(meanInterval(ratios), 1.03)} | ${ci(
        ws.map((w) => w.b.cpuUsPerReq - w.a.cpuUsPerReq),
        2,
      )} | ${ci(
        ws.map((w) => w.b.userUsPerReq - w.a.userUsPerReq),
        2,
      )} | ${ci(
        ws.map((w) => w.b.sysUsPerReq - w.a.sysUsPerReq),
        2,
      )} | ${ci(
        ws.map((w) => w.rpsRatio),
        3,
      )} | ${median(ws.map((w) => w.a.cpuUsPerReq)).toFixed(1)} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`,
    );
    for (const w of ws) lines.push(windowLine(key, w));
  }
  const allLoads = [...results.values()].flat().map((w) => w.load[0] as number);
  return [
    machineLine(),
    `${startedAt}–${new Date().toISOString().slice(11, 16)} UTC, ${roundsDone} of ${rounds} rounds; 1-minute load average at the end of each window ${allLoads.length ? `${Math.min(...allLoads).toFixed(1)}–${Math.max(...allLoads).toFixed(1)}` : 'n/a'} on ${os.cpus().length} cores (the per-window figure is in each line below).`,
    `\`${command}\`: GET /users/:id (JSON); each pair A:B is two fresh servers served at the same time, ${pinned ? 'both pinned to CPU 0 (sharing it), each loaded by its own autocannon' : 'not pinned, each loaded by its own autocannon'} -c ${connections}; warm-up ${warmup} s (a pair with sysvitals: until 3 s past the first minute boundary), a second warm-up of 3 s, then ${duration} s measured; sysvitals ${flags.source ? 'from src/' : 'from dist/'}. The floor (bench/lib/floor-middleware.ts): a clock read at the start, the end learned (\`floor\`: a 'finish' listener, Fastify onRequest + onResponse hooks; \`floor-dc\`: Node's finish channel, sysvitals' shape), a second clock read, count and sum added per route template in a Map.`,
    '',
    '| framework | ratio (CPU/request, same seconds) | rounds | mean (95 % CI) | median | ≤ 1.03 | added µs/req (95 % CI) | added user µs | added kernel µs | throughput ratio | A µs/req (median) | load (1 min) |',
    '|---|---|---:|---|---:|---|---|---|---|---|---:|---|',
    ...rows,
    '',
    '```',
    ...lines,
    '```',
    roundsDone < 7 || duration < 10
      ? '**Short run** (fewer than 7 rounds or under 10 s): a check that the benchmark works, not figures to quote.'
      : '',
  ].join('\n');
}

function windowLine(key: string, w: Window): string {
  const [, pair] = key.split(' ') as [string, string];
  const [a, b] = pair.split(':');
  const one = (name: string | undefined, l: Loaded) =>
    `${name} ${l.cpuUsPerReq.toFixed(1)} µs/req (user ${l.userUsPerReq.toFixed(1)}, sys ${l.sysUsPerReq.toFixed(1)}) ${l.cannon.requests.average.toFixed(0)} req/s`;
  return `round ${w.round} ${w.at} ${key.padEnd(28)} ${one(a, w.a)}, ${one(b, w.b)}: ${w.ratio.toFixed(3)}  load ${w.load.map((l) => l.toFixed(2)).join(' ')}`;
}

/** How long the last pair without sysvitals took (start to stop), to plan the next minute boundary's pair. */
let plainPairMs = 30_000;

/**
 * Which pending pair to run next (waiting first when that is the plan): one with sysvitals when the next minute
 * boundary is 10–25 s away (its warm-up then holds the first history flush without waiting long); otherwise one
 * without, if it ends before that span closes (or the boundary is under 10 s away); else wait for the span.
 */
async function nextIndex(pending: { p: [string, string] }[]): Promise<number> {
  const withSv = (x: { p: [string, string] }) => x.p.includes('sysvitals');
  const sv = pending.findIndex(withSv);
  const plain = pending.findIndex((x) => !withSv(x));
  if (sv < 0) return 0;
  const t = toBoundary();
  if (t >= 10_000 && t <= 25_000) return sv;
  if (plain >= 0 && (t < 10_000 || t - plainPairMs >= 10_000)) return plain;
  await sleep(t > 25_000 ? t - 25_000 : t + 35_000);
  return sv;
}

for (let round = 1; round <= rounds; round++) {
  // This round's pairs, rotated by round so that no pair always runs first.
  const all = frameworks.flatMap((f) => pairs.map((p) => ({ f, p })));
  const pending = all.map((_, i) => all[(i + round - 1) % all.length] as { f: string; p: [string, string] });
  while (pending.length > 0) {
    const i = flags['no-align'] ? 0 : await nextIndex(pending);
    const [{ f, p }] = pending.splice(i, 1) as [{ f: string; p: [string, string] }];
    const key = `${f} ${p.join(':')}`;
    const began = Date.now();
    try {
      const w = await measure(f, p, round);
      if (!p.includes('sysvitals')) plainPairMs = Date.now() - began;
      results.set(key, [...(results.get(key) ?? []), w]);
      console.log(windowLine(key, w));
    } catch (err) {
      console.log(`round ${round} ${key}: failed: ${(err as Error).message}`);
    }
  }
  const text = report(round);
  if (!flags['no-write']) writeSection('floor', text);
  if (round === rounds || flags['no-write']) console.log(`\n${text}`);
}
process.exit(0);
