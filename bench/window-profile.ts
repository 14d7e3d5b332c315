// Where a variant's extra CPU per request goes, function by function, in the loaded window only (issue 18).
// `npx tsx bench/window-profile.ts [--framework fastify] [--variant sysvitals] [--pairs 4] [--duration 10]
//   [--warmup 4] [--top 30] [--keep DIR]`
// Each pair serves bare and the variant AT THE SAME TIME (overhead.ts --paired: both on CPU 0, each loaded by its
// own `autocannon -c 50` on CPU 1), and profiles each server's main thread (V8's sampling profiler, 250 µs) from
// the end of the warm-up to the end of the load: no start-up, no warm-up (bench/overhead-server.ts, PROFILE_DIR).
// It prints, per pair, the busy samples per 1,000 requests of each (their ratio is the main thread's CPU per
// request ratio), then the functions whose samples per 1,000 requests differ most, with each pair's difference:
// a cost that shows in every pair is the variant's; one that swings in sign is noise (or, like nextTick in a bare
// server, a start-up accident: bench/RESULTS.md nexttick). One sample per 1,000 requests is 0.25 µs per request.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannon, exited, loadTogether, pin, SERVER_CPU } from './lib/paired.js';
import { formatInterval, meanInterval } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    framework: { type: 'string', default: 'fastify' },
    variant: { type: 'string', default: 'sysvitals' },
    pairs: { type: 'string', default: '4' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '4' },
    top: { type: 'string', default: '30' },
    keep: { type: 'string' },
  },
});
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SERVER = here('./overhead-server.ts');
const SAMPLE_US = 250;

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
/** Samples by function (name, file, line), idle left out. */
function samplesByFunction(file: string): Map<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] };
  const name = new Map<number, string>();
  for (const n of p.nodes) {
    const f = n.callFrame;
    name.set(n.id, `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`);
  }
  const counts = new Map<string, number>();
  for (const id of p.samples) {
    const key = name.get(id) as string;
    if (key.startsWith('(idle)')) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function start(variant: string, dir: string): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, args] = pin(SERVER_CPU, process.execPath, [
    '--import',
    'tsx',
    SERVER,
    flags.framework,
    variant,
    'dist',
  ]);
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PROFILE_DIR: dir },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = /READY (\d+)/.exec(out);
      if (ready) resolve({ child, port: Number(ready[1]) });
      if (/UNAVAILABLE/.test(out)) reject(new Error(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`${variant}: exited with ${code} before READY`)));
  });
}

const signal = (child: ChildProcess, sig: NodeJS.Signals) => child.kill(sig);
const waitFor = (child: ChildProcess, text: string) =>
  new Promise<void>((resolve) => {
    const on = (c: Buffer) => {
      if (c.toString().includes(text)) {
        child.stdout?.off('data', on);
        resolve();
      }
    };
    child.stdout?.on('data', on);
  });

const variants = ['bare', flags.variant];
const diffs = new Map<string, number[]>();
const ratios: number[] = [];
const pairs = Number(flags.pairs);
for (let pair = 0; pair < pairs; pair++) {
  const dir = flags.keep
    ? join(flags.keep, `pair-${pair + 1}`)
    : mkdtempSync(join(tmpdir(), 'window-profile-'));
  if (flags.keep) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const servers = await Promise.all(variants.map((v) => start(v, dir)));
  try {
    await Promise.all(
      servers.map((s) => autocannon(`http://127.0.0.1:${s.port}/users/42`, Number(flags.warmup), 50)),
    );
    for (const s of servers) signal(s.child, 'SIGUSR2');
    const served = (
      await loadTogether(
        servers.map((s) => ({ url: `http://127.0.0.1:${s.port}/users/42`, pids: [s.child.pid as number] })),
        Number(flags.duration),
        50,
      )
    ).map((r) => r.cannon.requests.total);
    const written = servers.map((s) => waitFor(s.child, 'PROFILED'));
    for (const s of servers) signal(s.child, 'SIGHUP');
    await Promise.all(written);
    const per1k = servers.map((s, i) => {
      const file = readdirSync(dir).find((f) => f.startsWith(`${variants[i]}-${s.child.pid}.`)) as string;
      const counts = samplesByFunction(join(dir, file));
      const perK = new Map<string, number>();
      for (const [k, v] of counts) perK.set(k, (v / (served[i] as number)) * 1000);
      return perK;
    });
    const [a, b] = per1k as [Map<string, number>, Map<string, number>];
    const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
    ratios.push(sum(b) / sum(a));
    console.log(
      `pair ${pair + 1}: bare ${sum(a).toFixed(1)}, ${flags.variant} ${sum(b).toFixed(1)} busy samples per 1,000 requests (${((sum(a) * SAMPLE_US) / 1000).toFixed(1)} / ${((sum(b) * SAMPLE_US) / 1000).toFixed(1)} µs per request): ${(sum(b) / sum(a)).toFixed(3)}; requests ${served.join(' / ')}`,
    );
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const list = diffs.get(key) ?? [];
      while (list.length < pair) list.push(0);
      list.push((b.get(key) ?? 0) - (a.get(key) ?? 0));
      diffs.set(key, list);
    }
  } finally {
    for (const s of servers) signal(s.child, 'SIGTERM');
    await Promise.all(servers.map((s) => exited(s.child)));
    if (!flags.keep) rmSync(dir, { recursive: true, force: true });
  }
}
for (const list of diffs.values()) while (list.length < pairs) list.push(0);
console.log(
  `\n${flags.framework}: ${flags.variant} over bare, main thread's busy samples per request: ${formatInterval(meanInterval(ratios), 3)} (95 % t-interval over ${pairs} pairs)`,
);
const rows = [...diffs.entries()].map(([k, v]) => [k, v.reduce((x, y) => x + y, 0) / v.length, v] as const);
rows.sort((x, y) => y[1] - x[1]);
const show = (r: (typeof rows)[number]) =>
  console.log(
    `${r[1] >= 0 ? '+' : ''}${r[1].toFixed(2).padStart(6)}  [${r[2].map((d) => d.toFixed(2).padStart(6)).join(' ')}]  ${r[0]}`,
  );
console.log('\nmean difference in samples per 1,000 requests [each pair], most added first:');
for (const r of rows.slice(0, Number(flags.top))) show(r);
console.log('…most removed:');
for (const r of rows.slice(-8)) show(r);
