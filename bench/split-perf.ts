// Where a server's CPU goes at a steady rate, by symbol, for two servers served in the same seconds each on its own
// core (the `--split` setting of bench/overhead.ts): `perf record` of each over the same window, samples per 1,000
// requests by kind of code and by function, and what the second adds to the first (issue 18).
//
//   npx tsx bench/split-perf.ts [--framework fastify] [--rate 2000] [--seconds 15] [--pairs 2] [--top 30]
//     [--a bare] [--b sysvitals]
//
// --a / --b: `bare`, `sysvitals` (this build's dist/), or `sysvitals@DIR` (sysvitals from another build's directory,
// e.g. a copy of dist/ built from other code under .tmp/). Each pair starts both servers afresh under
// `node --perf-basic-prof` (JIT code named in /tmp/perf-<pid>.map), A on CPU 0 and B on CPU 1 in odd pairs, swapped
// in even ones; each gets its own evenly paced generator (bench/lib/paced-load.ts, 10 keep-alive connections) pinned
// to the other server's core, warm-up at the rate from 15 s before a minute boundary to 3 s past it (the monitor's
// first history flush falls there), then `perf record -F 1999` (cpu-clock) of each server over the same `--seconds`
// (at most 40: the window ends before the next boundary; a pair takes a minute). Samples are summed over pairs and divided by the 2xx answers (1 sample ≈ 0.5 ms of CPU, so
// one sample per 1,000 requests ≈ 0.5 µs a request). Needs perf (linux-perf) and taskset.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    framework: { type: 'string', default: 'fastify' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    pairs: { type: 'string', default: '2' },
    top: { type: 'string', default: '30' },
    a: { type: 'string', default: 'bare' },
    b: { type: 'string', default: 'sysvitals' },
  },
});
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SERVER = here('./overhead-server.ts');
const LOAD = here('./lib/paced-load.ts');
const FREQ = 1999;

function serverArgs(spec: string): [variant: string, from: string] {
  const at = spec.indexOf('@');
  return at < 0 ? [spec, 'dist'] : [spec.slice(0, at), spec.slice(at + 1)];
}

function start(spec: string, cpu: number): Promise<{ child: ChildProcess; port: number }> {
  const [variant, from] = serverArgs(spec);
  const child = spawn(
    'taskset',
    [
      '-c',
      String(cpu),
      process.execPath,
      '--perf-basic-prof',
      '--import',
      'tsx',
      SERVER,
      values.framework,
      variant,
      from,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = /READY (\d+)/.exec(out);
      if (ready) resolve({ child, port: Number(ready[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${spec}: exited with ${code} before READY`)));
  });
}

function load(port: number, cpu: number, seconds: number, startAt: number): Promise<number> {
  const child = spawn(
    'taskset',
    [
      '-c',
      String(cpu),
      process.execPath,
      '--import',
      'tsx',
      LOAD,
      `http://127.0.0.1:${port}/users/42`,
      String(seconds),
      values.rate,
      '10',
      String(startAt),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve) => child.once('exit', () => resolve(Number(JSON.parse(out)['2xx']))));
}

function record(pid: number, seconds: number, file: string): Promise<void> {
  const child = spawn(
    'perf',
    ['record', '-F', String(FREQ), '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)],
    {
      stdio: 'ignore',
    },
  );
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A JIT frame's location in sysvitals' build (dist/ or a copy under .tmp/) or source, not a dependency's. */
const SYSVITALS_FRAME = / \/[^ ]*\/(dist|\.tmp\/[^/ ]+|src)\/[^ ]*\.c?[jt]s:\d+:\d+$/;

/** Samples by `dso symbol` (JIT thread ids and addresses folded), from one perf.data. */
function symbols(file: string): Map<string, number> {
  const out = execFileSync(
    'perf',
    ['report', '-i', file, '-g', 'none', '--no-children', '--sort', 'dso,sym', '-n', '--stdio', '-q'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const counts = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const raw = (m[2] as string)
      .trim()
      .replace(/\s+/g, ' ')
      .replace(/\[JIT\] tid \d+/, '[JIT]')
      .replace(/0x[0-9a-f]+/g, 'ADDR');
    // sysvitals' functions by name, whichever build (path, line) they came from: two builds compare.
    const name = raw.includes('node_modules') ? raw : raw.replace(SYSVITALS_FRAME, ' (sysvitals)');
    counts.set(name, (counts.get(name) ?? 0) + Number(m[1]));
  }
  return counts;
}

/** The kind of code a symbol is: what the categories below sum. */
function kind(name: string): string {
  if (name.endsWith(' (sysvitals)')) return 'sysvitals JS';
  if (name.startsWith('[JIT]')) {
    if (name.includes(' node:')) return 'Node JS (lib)';
    if (name.includes('node_modules')) return 'framework JS';
    return 'other JIT (regexp, stubs)';
  }
  if (name.startsWith('[kernel')) return 'kernel';
  if (name.startsWith('node ')) {
    if (/compiler|Compile|Maglev|Turbofan|Baseline(?!OutOfLine)/.test(name)) return 'node: V8 compilers';
    if (/Scaveng|Heap|Mark|Sweep|Evacuat|GC|Allocat/.test(name)) return 'node: GC and allocation';
    if (/Builtins_\w*IC/.test(name)) return 'node: V8 IC builtins';
    if (name.includes('Builtins_')) return 'node: other V8 builtins';
    if (name.includes('llhttp')) return 'node: llhttp';
    return 'node: V8 runtime and Node C++';
  }
  return 'libc and others';
}

const pairs = Number(values.pairs);
const seconds = Math.min(40, Number(values.seconds));
const totals = { a: new Map<string, number>(), b: new Map<string, number>() };
const answered = { a: 0, b: 0 };
for (let p = 1; p <= pairs; p++) {
  const cpuA = p % 2 === 1 ? 0 : 1;
  const cpuB = 1 - cpuA;
  // As overhead.ts --split: started 15 s before a minute boundary and warmed until 3 s past it, so that the
  // monitor's first history flush (a one-off start-up cost: the HDR codec loaded, ~200 ms) is not in the window.
  const boundary = (Math.floor((Date.now() + 15_000) / 60_000) + 1) * 60_000;
  await new Promise((r) => setTimeout(r, boundary - 15_000 - Date.now()));
  const [a, b] = await Promise.all([start(values.a, cpuA), start(values.b, cpuB)]);
  try {
    const warm = Date.now() + 500;
    const warmSeconds = Math.ceil((boundary + 3_000 - warm) / 1000);
    await Promise.all([load(a.port, cpuB, warmSeconds, warm), load(b.port, cpuA, warmSeconds, warm)]);
    const startAt = Date.now() + 1000;
    const loads = Promise.all([
      load(a.port, cpuB, seconds + 2, startAt),
      load(b.port, cpuA, seconds + 2, startAt),
    ]);
    await new Promise((r) => setTimeout(r, startAt - Date.now() + 1000));
    const files = [`/tmp/split-perf-a-${p}.data`, `/tmp/split-perf-b-${p}.data`];
    await Promise.all([
      record(a.child.pid as number, seconds, files[0] as string),
      record(b.child.pid as number, seconds, files[1] as string),
    ]);
    await loads;
    // The requests answered within the recorded seconds: the rate's (the generators ran a second on each side).
    const served = Number(values.rate) * seconds;
    for (const [side, file] of [
      ['a', files[0]],
      ['b', files[1]],
    ] as const) {
      for (const [name, n] of symbols(file as string))
        totals[side].set(name, (totals[side].get(name) ?? 0) + n);
      answered[side] += served;
    }
    console.log(`pair ${p}: A (${values.a}) on CPU ${cpuA}, B (${values.b}) on CPU ${cpuB}`);
  } finally {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
  }
}

const per = (side: 'a' | 'b', n: number) => (n * 1000) / answered[side];
const sum = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);
console.log(
  `\n${values.framework} at ${values.rate} req/s, ${pairs} pair(s) of ${seconds} s: samples per 1,000 requests (1 ≈ ${(1e6 / FREQ / 1000).toFixed(2)} µs a request)`,
);
console.log(
  `all: A ${per('a', sum(totals.a)).toFixed(1)}, B ${per('b', sum(totals.b)).toFixed(1)}, B − A ${(per('b', sum(totals.b)) - per('a', sum(totals.a))).toFixed(1)}`,
);
const byKind = (m: Map<string, number>) => {
  const k = new Map<string, number>();
  for (const [name, n] of m) k.set(kind(name), (k.get(kind(name)) ?? 0) + n);
  return k;
};
const ka = byKind(totals.a);
const kb = byKind(totals.b);
console.log('\n| kind | A | B | B − A |\n|---|---:|---:|---:|');
for (const k of [...new Set([...ka.keys(), ...kb.keys()])].sort()) {
  const x = per('a', ka.get(k) ?? 0);
  const y = per('b', kb.get(k) ?? 0);
  console.log(`| ${k} | ${x.toFixed(2)} | ${y.toFixed(2)} | ${(y - x).toFixed(2)} |`);
}
const names = [...new Set([...totals.a.keys(), ...totals.b.keys()])];
const diff = (n: string) => per('b', totals.b.get(n) ?? 0) - per('a', totals.a.get(n) ?? 0);
names.sort((x, y) => diff(y) - diff(x));
const row = (n: string) =>
  `| ${n.slice(0, 110).replace(/\|/g, '\\|')} | ${per('a', totals.a.get(n) ?? 0).toFixed(2)} | ${per('b', totals.b.get(n) ?? 0).toFixed(2)} | ${diff(n).toFixed(2)} |`;
console.log(`\nMost added by B (top ${values.top}):\n\n| function | A | B | B − A |\n|---|---:|---:|---:|`);
for (const n of names.slice(0, Number(values.top))) console.log(row(n));
console.log('\nMost removed by B (top 10):\n\n| function | A | B | B − A |\n|---|---:|---:|---:|');
for (const n of names.slice(-10).reverse()) console.log(row(n));
