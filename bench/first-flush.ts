// The first history flush's event-loop stall (issue 18): an Express app with a monitor (MemoryStore) under a
// steady paced load; the monitor's clock puts its first minute boundary `--lead` ms after start
// (bench/first-flush-server.mjs). Over a window holding the first flush, [boundary − 2 s, boundary + 3 s), and a
// control window of the same length in the same process before it, [boundary − 8 s, boundary − 3 s) (the loop's
// own worst under the same load; the 5 s sample falls once in each), the server reads the CPU time of its longest
// loop turn (process.cpuUsage() between firings of a 1 ms timer: what the stall itself costs, whatever the
// machine's load) and the worst event-loop delay (monitorEventLoopDelay, 1 ms: wall time, descheduling included). Each round runs each build in a fresh process, one after the other, the
// order alternated by round; figures are means with 95 % t-intervals over rounds, and the builds' difference is
// paired by round.
//
//   npx tsx bench/first-flush.ts [--against <other build's dist>] [--from dist|source|<dir>] [--rounds 8]
//     [--lead 20000] [--rate 200] [--node-flag=--cpu-prof ...] [--no-write]
//
// The server runs on CPU 0, the load generator (bench/lib/paced-load.ts, evenly paced) on CPU 1.

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    from: { type: 'string', default: 'dist' },
    rounds: { type: 'string', default: '8' },
    lead: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '200' },
    // The control window, ms relative to the boundary (default [−8 s, −3 s)); e.g. --control-start=−11500
    // --control-end=−6000 with --lead 15000 hold the first sample (~5 s after start) and what it starts.
    'control-start': { type: 'string', default: '-8000' },
    'control-end': { type: 'string', default: '-3000' },
    'node-flag': { type: 'string', multiple: true, default: [] },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const LEAD = Number(values.lead);
const RATE = Number(values.rate);
const CONTROL_START = Number(values['control-start']);
const CONTROL_END = Number(values['control-end']);
const here = new URL('.', import.meta.url).pathname;

interface Variant {
  name: string;
  from: string;
  flush: number[];
  control: number[];
  /** CPU of the longest loop turn in each window (ms): the stall's own work, without the machine's descheduling. */
  flushCpu: number[];
  controlCpu: number[];
  /** The slowest request of the load generator's run (what the application's clients saw). */
  worstRequest: number[];
}
const variant = (name: string, from: string): Variant => ({
  name,
  from,
  flush: [],
  control: [],
  flushCpu: [],
  controlCpu: [],
  worstRequest: [],
});
const variants: Variant[] = [variant('this build', values.from)];
if (values.against) variants.push(variant('baseline', values.against));

const sleepUntil = (epochMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));

class Server {
  private readonly lines: Interface;
  private readonly waiting: Array<(line: string) => void> = [];
  constructor(readonly child: ChildProcess) {
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }
  next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async ask(cmd: string): Promise<string> {
    const answer = this.next();
    this.child.stdin!.write(`${cmd}\n`);
    return answer;
  }
}

async function runOnce(v: Variant): Promise<void> {
  const child = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      ...(values['node-flag'] as string[]),
      ...(v.from === 'source' ? ['--import', 'tsx'] : []),
      `${here}first-flush-server.mjs`,
      v.from,
      String(LEAD),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const server = new Server(child);
  const ready = (await server.next()).split(' ');
  if (ready[0] !== 'READY') throw new Error(`server: ${ready.join(' ')}`);
  const port = Number(ready[1]);
  const boundary = Number(ready[2]);
  const loadSeconds = Math.ceil((boundary + 4000 - Date.now()) / 1000);
  const load = spawn(
    'taskset',
    [
      '-c',
      '1',
      process.execPath,
      '--import',
      'tsx',
      `${here}lib/paced-load.ts`,
      `http://127.0.0.1:${port}/users/1`,
      String(loadSeconds),
      String(RATE),
      '10',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  load.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const loadDone = new Promise((resolve) => load.on('exit', resolve));
  await sleepUntil(boundary + CONTROL_START);
  await server.ask('RESET');
  await sleepUntil(boundary + CONTROL_END);
  const [, control, controlCpu] = (await server.ask('READ')).split(' ').map(Number) as [
    number,
    number,
    number,
  ];
  await sleepUntil(boundary - 2000);
  await server.ask('RESET');
  await sleepUntil(boundary + 3000);
  const [, flush, flushCpu] = (await server.ask('READ')).split(' ').map(Number) as [number, number, number];
  await loadDone;
  child.stdin!.write('EXIT\n');
  await new Promise((resolve) => child.on('exit', resolve));
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { latency?: { max?: number } };
  v.control.push(control);
  v.flush.push(flush);
  v.controlCpu.push(controlCpu);
  v.flushCpu.push(flushCpu);
  v.worstRequest.push(result.latency?.max ?? Number.NaN);
  console.log(
    `  ${v.name}: first-flush window ${flush.toFixed(1)} ms (turn CPU ${flushCpu.toFixed(1)}), control ${control.toFixed(1)} ms (turn CPU ${controlCpu.toFixed(1)}), slowest request ${(result.latency?.max ?? Number.NaN).toFixed(1)} ms`,
  );
}

const startLoad = loadLine();
for (let r = 0; r < ROUNDS; r++) {
  console.log(`round ${r + 1}/${ROUNDS}`);
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) await runOnce(v);
}

const ms = (xs: number[]) => formatInterval(meanInterval(xs), 1);
const minus = (a: number[], b: number[]) => a.map((x, i) => x - b[i]!);
const rows = variants.map(
  (v) =>
    `| ${v.name} | ${ms(v.flushCpu)} | ${median(v.flushCpu).toFixed(1)} | ${ms(v.controlCpu)} | ${ms(minus(v.flushCpu, v.controlCpu))} | ${ms(v.flush)} | ${ms(v.control)} | ${ms(v.worstRequest)} |`,
);
let paired = '';
if (variants.length === 2) {
  const [a, b] = variants as [Variant, Variant];
  const per = (xs: number[], ys: number[]) =>
    xs.map((x, i) => `${x.toFixed(1)}/${ys[i]!.toFixed(1)}`).join(', ');
  paired = `
Paired by round, this build against the baseline: CPU of the longest turn in the first-flush window, difference ${ms(minus(a.flushCpu, b.flushCpu))} ms, ratio ${formatInterval(meanInterval(a.flushCpu.map((x, i) => x / b.flushCpu[i]!)), 3)}×; its excess over the control window, difference ${ms(minus(minus(a.flushCpu, a.controlCpu), minus(b.flushCpu, b.controlCpu)))} ms; wall delay in the first-flush window, difference ${ms(minus(a.flush, b.flush))} ms. Per round (this, baseline), turn CPU: ${per(a.flushCpu, b.flushCpu)} ms; wall delay: ${per(a.flush, b.flush)} ms.
`;
}
const text = `${machineLine()}
Load average at the start: ${startLoad.replace('Load average during the run: ', '')}
\`npx tsx bench/first-flush.ts${values.against ? ` --against ${values.against}` : ''} --rounds ${ROUNDS} --lead ${LEAD} --rate ${RATE} --control-start=${CONTROL_START} --control-end=${CONTROL_END}\`: an Express app with a default monitor (MemoryStore) on CPU 0, ${RATE} req/s evenly paced over 10 connections from CPU 1; the monitor's clock puts its first minute boundary ${LEAD / 1000} s after start. Two windows of each process: [boundary − 2 s, boundary + 3 s) holds the first flush, the control window [boundary ${CONTROL_START < 0 ? '−' : '+'} ${Math.abs(CONTROL_START) / 1000} s, boundary ${CONTROL_END < 0 ? '−' : '+'} ${Math.abs(CONTROL_END) / 1000} s) the same load without it. In each: the main thread's CPU time in its longest loop turn (/proc/self/task/<pid>/schedstat between consecutive firings of a 1 ms timer: the stall's own work plus at most ~1 ms, not inflated when the machine's load deschedules the process) and the worst event-loop delay (monitorEventLoopDelay, 1 ms: wall time, which is). Each build in a fresh process per round, the order alternated.

| build | CPU of the longest loop turn, first-flush window, ms (mean, 95% CI) | median | the same, control window | flush − control, paired | worst event-loop delay, first-flush window (wall, ms) | worst delay, control window | slowest request of the run, ms |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${paired}
${loadLine()}`;
console.log(`\n${text}`);
if (!values['no-write']) writeSection('first-flush', text);
