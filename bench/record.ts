// What recording costs per call: RequestStats.record against prom-client's Histogram.observe with
// three labels and an array-counter floor, and what @timed adds to a sync method; plus the memory
// that 100 routes take. All measured in one run, pinned to one core when `taskset` exists.
//
//   npx tsx bench/record.ts [--calls 1000000] [--runs 5] [--no-write]
//
// Budgets (issue 3): RequestStats.record ≤ 150 ns median; @timed adds ≤ 300 ns to a sync method.

import os from 'node:os';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import client from 'prom-client';
import { CustomMetrics } from '../src/custom/registry.js';
import { FunctionTimings } from '../src/functions/function-stats.js';
import { setDefaultRecorder, timed } from '../src/functions/timing.js';
import { createHistogram } from '../src/latency/histogram.js';
import { RequestStats } from '../src/requests/requests.js';
import { pinToOneCore } from './lib/pin.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval } from './lib/stats.js';

pinToOneCore();

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CALLS = Number(values.calls);
const RUNS = Number(values.runs);
const BUDGET_RECORD_NS = 150;
const BUDGET_TIMED_NS = 300;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// Inputs: 20 route templates × 3 methods, 2% 404 and 1% 500, log-normal durations (median ~8 ms).
// Precomputed, so every variant sees the same calls and no variant pays for building them. Route
// strings come from a table, as the adapters pass the framework's route template (one string per
// route, not one per request).
const SIZE = 4096;
const METHODS = ['GET', 'POST', 'PUT'];
const ROUTES = Array.from({ length: 20 }, (_, i) => `/api/v1/resource${i}/:id`);
const methods: string[] = [];
const routes: string[] = [];
const statuses: number[] = [];
const durations = new Float64Array(SIZE);
const labels: Array<{ method: string; route: string; status_code: number }> = [];
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
for (let i = 0; i < SIZE; i++) {
  const method = METHODS[i % 3] as string;
  const route = ROUTES[Math.floor(random() * 20)] as string;
  const r = random();
  const status = r < 0.01 ? 500 : r < 0.03 ? 404 : 200;
  methods.push(method);
  routes.push(route);
  statuses.push(status);
  durations[i] = Math.exp(Math.log(8) + 0.8 * (random() + random() + random() - 1.5) * 2);
  labels.push({ method, route, status_code: status });
}

const stats = new RequestStats();
const registry = new client.Registry();
const promHistogram = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration.',
  labelNames: ['method', 'route', 'status_code'],
  registers: [registry],
});
const hdrHistogram = createHistogram();
const counters = new Float64Array(64);

function loopCounter(n: number) {
  for (let i = 0; i < n; i++) counters[i & 63]!++;
}
function loopRecord(n: number) {
  for (let i = 0; i < n; i++) {
    const k = i & (SIZE - 1);
    stats.record(methods[k] as string, routes[k] as string, statuses[k] as number, durations[k] as number);
  }
}
function loopProm(n: number) {
  for (let i = 0; i < n; i++) {
    const k = i & (SIZE - 1);
    promHistogram.observe(labels[k] as (typeof labels)[number], (durations[k] as number) / 1000);
  }
}
function loopHdr(n: number) {
  for (let i = 0; i < n; i++)
    hdrHistogram.recordValue(Math.round((durations[i & (SIZE - 1)] as number) * 1000));
}
function loopDateNow(n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Date.now();
  counters[0] = sum;
}

// @timed: the same trivial method, undecorated and decorated; the default recorder records into a
// FunctionTimings, as before any monitor exists.
setDefaultRecorder(new FunctionTimings());
class Plain {
  total = 0;
  add(x: number) {
    this.total += x;
    return this.total;
  }
}
class Timed {
  total = 0;
  @timed()
  add(x: number) {
    this.total += x;
    return this.total;
  }
}
const plain = new Plain();
const timedObject = new Timed();
function loopPlain(n: number) {
  for (let i = 0; i < n; i++) plain.add(i & 7);
}
function loopTimed(n: number) {
  for (let i = 0; i < n; i++) timedObject.add(i & 7);
}

// Custom metrics (issue 14): the same budget as RequestStats.record.
const customs = new CustomMetrics();
const jobs = customs.counter('jobs_total', { help: 'Jobs.' });
const jobsByQueue = customs.counter('jobs_by_queue_total', { help: 'Jobs.', labels: ['queue'] });
const QUEUES = ['email', 'sms', 'push', 'webhook'].map((queue) => ({ queue }));
const boundJobs = jobsByQueue.labels({ queue: 'email' });
const depth = customs.gauge('depth', { help: 'Depth.' });
const sizes = customs.histogram('size', { help: 'Sizes.' });
const sizesByQueue = customs.histogram('size_by_queue', { help: 'Sizes.', labels: ['queue'] });
const depthByQueue = customs.gauge('depth_by_queue', { help: 'Depth.', labels: ['queue'] });
const jobs3 = customs.counter('jobs3_total', { help: 'Jobs.', labels: ['queue', 'region', 'kind'] });
const QUEUES3 = ['email', 'sms', 'push', 'webhook'].map((queue, i) => ({
  queue,
  region: i & 1 ? 'eu' : 'us',
  kind: 'batch',
}));
function loopCounterInc(n: number) {
  for (let i = 0; i < n; i++) jobs.inc();
}
function loopCounterLabels(n: number) {
  for (let i = 0; i < n; i++) jobsByQueue.inc(QUEUES[i & 3] as { queue: string });
}
function loopCounterBound(n: number) {
  for (let i = 0; i < n; i++) boundJobs.inc();
}
function loopGaugeLabels(n: number) {
  for (let i = 0; i < n; i++) depthByQueue.set(QUEUES[i & 3] as { queue: string }, i & 1023);
}
function loopCounter3Labels(n: number) {
  for (let i = 0; i < n; i++) jobs3.inc(QUEUES3[i & 3] as (typeof QUEUES3)[number]);
}
function loopGaugeSet(n: number) {
  for (let i = 0; i < n; i++) depth.set(i & 1023);
}
function loopHistogram(n: number) {
  for (let i = 0; i < n; i++) sizes.observe(durations[i & (SIZE - 1)] as number);
}
function loopHistogramLabels(n: number) {
  for (let i = 0; i < n; i++)
    sizesByQueue.observe(QUEUES[i & 3] as { queue: string }, durations[i & (SIZE - 1)] as number);
}
// The histograms' recent values are drained at each snapshot in a monitor: do the same between runs.
const drainCustom = () => customs.snapshot(Date.now());

interface Variant {
  name: string;
  loop: (n: number) => void;
  /** CPU time per call (user + system of this process): what a call costs, even when the core is shared. */
  ns: number[];
  /** Wall time per call: inflated whenever another process gets the core. */
  wallNs: number[];
}
const variants: Variant[] = [
  { name: 'array counter increment (floor)', loop: loopCounter, ns: [], wallNs: [] },
  {
    name: 'Date.now() (what record avoids: it reads the coarse clock)',
    loop: loopDateNow,
    ns: [],
    wallNs: [],
  },
  { name: 'hdr-histogram-js recordValue (JS)', loop: loopHdr, ns: [], wallNs: [] },
  { name: 'prom-client Histogram.observe, 3 labels', loop: loopProm, ns: [], wallNs: [] },
  { name: 'sysvitals RequestStats.record', loop: loopRecord, ns: [], wallNs: [] },
  { name: 'plain sync method', loop: loopPlain, ns: [], wallNs: [] },
  { name: '@timed() sync method', loop: loopTimed, ns: [], wallNs: [] },
  { name: 'custom counter.inc()', loop: loopCounterInc, ns: [], wallNs: [] },
  { name: 'custom counter.inc({ queue }), 4 label sets', loop: loopCounterLabels, ns: [], wallNs: [] },
  { name: 'custom counter.labels({ queue }).inc() (bound)', loop: loopCounterBound, ns: [], wallNs: [] },
  {
    name: 'custom counter.inc({ queue, region, kind }), 3 labels',
    loop: loopCounter3Labels,
    ns: [],
    wallNs: [],
  },
  { name: 'custom gauge.set(v)', loop: loopGaugeSet, ns: [], wallNs: [] },
  { name: 'custom gauge.set({ queue }, v)', loop: loopGaugeLabels, ns: [], wallNs: [] },
  { name: 'custom histogram.observe(v)', loop: loopHistogram, ns: [], wallNs: [] },
  { name: 'custom histogram.observe({ queue }, v)', loop: loopHistogramLabels, ns: [], wallNs: [] },
];
const CUSTOM_VARIANTS = [
  'custom counter.inc()',
  'custom counter.inc({ queue }), 4 label sets',
  'custom counter.labels({ queue }).inc() (bound)',
  'custom counter.inc({ queue, region, kind }), 3 labels',
  'custom gauge.set(v)',
  'custom gauge.set({ queue }, v)',
  'custom histogram.observe(v)',
  'custom histogram.observe({ queue }, v)',
];

console.log(
  `record bench: ${CALLS.toLocaleString('en')} calls × ${RUNS} runs, Node ${process.version}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), load ${os.loadavg()[0]?.toFixed(2)}, ` +
    `pinned: ${process.env.SYSVITALS_BENCH_PINNED === '1' ? 'CPU 0' : 'no'}`,
);
for (const v of variants) v.loop(Math.min(CALLS, 200_000)); // warm-up, discarded
// Interleaved by run, so that a noisy moment hits every variant rather than one.
for (let run = 0; run < RUNS; run++) {
  for (const v of variants) {
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    v.loop(CALLS);
    const wall = Number(process.hrtime.bigint() - t);
    const used = process.cpuUsage(cpu);
    v.ns.push(((used.user + used.system) * 1000) / CALLS);
    v.wallNs.push(wall / CALLS);
    drainCustom();
  }
}

const ns = Object.fromEntries(variants.map((v) => [v.name, median(v.ns)]));
const prom = ns['prom-client Histogram.observe, 3 labels'] as number;
const recordNs = ns['sysvitals RequestStats.record'] as number;
const hdrNs = ns['hdr-histogram-js recordValue (JS)'] as number;
const timedAdded = (ns['@timed() sync method'] as number) - (ns['plain sync method'] as number);
const customWorst = Math.max(...CUSTOM_VARIANTS.map((name) => ns[name] as number));
const worstName = CUSTOM_VARIANTS.find((name) => ns[name] === customWorst) as string;
const worstCi = meanInterval(variants.find((v) => v.name === worstName)?.ns ?? []);

// Heap for 100 routes: every route busy in every sub-window of the window (the steady state).
const keep: unknown[] = [];
function measureRoutes(): {
  heapBytes: number;
  typedBytes: number;
  promBytes: number;
  groupsMs: number;
  bucketMs: number;
} {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const clock = { t: 1_700_000_000_000, now: () => clock.t };
  // prom-client first, kept alive, so that garbage from the reads below does not skew its figure.
  const beforeProm = used();
  const reg = new client.Registry();
  const h = new client.Histogram({
    name: 'x_seconds',
    help: 'x',
    labelNames: ['method', 'route', 'status_code'],
    registers: [reg],
  });
  for (let r = 0; r < 100; r++) {
    h.observe({ method: 'GET', route: `/route/${r}`, status_code: 200 }, 0.01);
    h.observe({ method: 'GET', route: `/route/${r}`, status_code: 500 }, 0.01);
  }
  const promBytes = used() - beforeProm;
  const before = used();
  const s = new RequestStats({ clock });
  for (let second = 0; second < 60; second++) {
    clock.t += 1000;
    for (let r = 0; r < 100; r++) {
      for (let j = 0; j < 20; j++)
        s.record('GET', `/route/${r}`, j === 0 ? 500 : 200, durations[(r * 20 + j) % SIZE] as number);
    }
  }
  const heapBytes = used() - before;
  const typedBytes = s.bytes;
  // The reads: groups() every sample (5 s), takeBucket() every minute.
  const reads: number[] = [];
  const takes: number[] = [];
  for (let i = 0; i < 15; i++) {
    let t = process.hrtime.bigint();
    s.groups();
    reads.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    s.takeBucket();
    takes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  keep.push(reg, s);
  return { heapBytes, typedBytes, promBytes, groupsMs: median(reads), bucketMs: median(takes) };
}
const memory = measureRoutes();

const rows = variants.map((v) => {
  const m = ns[v.name] as number;
  return `| ${v.name} | ${m.toFixed(1)} | ${median(v.wallNs).toFixed(1)} | ${(m / prom).toFixed(3)} |`;
});
const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const section = [
  `${machineLine()} ${process.env.SYSVITALS_BENCH_PINNED === '1' ? 'Pinned to CPU 0' : 'Not pinned'}. ${loadLine()}`,
  '',
  `\`npx tsx bench/record.ts\`: ${CALLS.toLocaleString('en')} calls per run, median of ${RUNS} interleaved runs. ` +
    'Inputs: 20 route templates × 3 methods, 3% errors, log-normal durations, precomputed ' +
    '(prom-client gets prebuilt label objects, which favours it). CPU time (user + system of the pinned ' +
    'process) is the figure judged: wall time also counts the moments another process had the core.',
  '',
  '| variant | CPU ns per call (median) | wall ns per call (median) | ratio to prom-client observe (CPU) |',
  '|---|---|---|---|',
  ...rows,
  '',
  `- RequestStats.record: **${recordNs.toFixed(1)} ns** (budget ≤ ${BUDGET_RECORD_NS} ns: ${verdict(recordNs <= BUDGET_RECORD_NS)}), ` +
    `${(prom / recordNs).toFixed(1)}× faster than prom-client's observe with 3 labels in the same run.`,
  `- @timed() adds **${timedAdded.toFixed(1)} ns** per call to a sync method (budget ≤ ${BUDGET_TIMED_NS} ns: ` +
    `${verdict(timedAdded <= BUDGET_TIMED_NS)}); the two performance.now() reads that time the call are most of it.`,
  `- Custom metrics: the slowest recording call above (${worstName}) costs **${customWorst.toFixed(1)} ns** (mean over the runs ${formatInterval(worstCi)}, 95 % interval; budget ≤ ${BUDGET_RECORD_NS} ns: ` +
    `${verdict(customWorst <= BUDGET_RECORD_NS)}); a labelled call looks its label set up one Map level per label (no key string built), a bound one does not look it up at all; a histogram counts the value's HDR slot (integer math) and moves the counts into hdr-histogram-js at each snapshot.`,
  `- Memory for 100 routes busy in every sub-window: ${kb(memory.heapBytes)} of heap + array buffers ` +
    `(${kb(memory.typedBytes)} in typed arrays: per route 60 one-second counters and 4 latency histograms ` +
    `of 13 KB, 32-bit counts from first use); prom-client's histogram with the same 100 routes × ` +
    `2 statuses: ${kb(memory.promBytes)}. Reading them: groups() ${memory.groupsMs.toFixed(2)} ms, ` +
    `takeBucket() ${memory.bucketMs.toFixed(2)} ms (wall, median of 15).`,
  `- Machine load: hdr-histogram-js recordValue took ${hdrNs.toFixed(0)} ns here against 93 ns in ` +
    `shared/BENCHMARKING.md (quiet machine): this run's time per call was ${(hdrNs / 93).toFixed(2)}× the quiet ` +
    "machine's; judge the budgets on a run where that factor is near 1.",
].join('\n');

console.log(`\n## record\n\n${section}\n`);

console.log(
  `\nrecord: RequestStats.record ${recordNs.toFixed(1)} ns; custom metrics slowest ${customWorst.toFixed(1)} ns (${worstName}, ${formatInterval(worstCi)}), budget ≤ ${BUDGET_RECORD_NS} ns: ${verdict(customWorst <= BUDGET_RECORD_NS)}; hdr recordValue ${hdrNs.toFixed(1)} ns (93 ns quiet); ${loadLine()}`,
);
if (!values['no-write']) writeSection('record', section);

// The adapters' whole per-request path (issue 18): sysvitals' middleware/hooks on stand-ins against a
// no-op middleware on the same stand-ins, interleaved, 20 rounds; added ns per request with a 95% interval.
{
  const { expressPath, fastifyPath, koaPath } = await import('./lib/adapter-path.js');
  const { formatInterval, meanInterval, verdictBelow } = await import('./lib/stats.js');
  const N = Math.max(20_000, Math.round(CALLS / 10));
  const rows = ['| adapter path | added ns/request, mean (95% CI) | ≤ 1,000 ns |', '|---|---|---|'];
  for (const make of [expressPath, () => fastifyPath(), () => fastifyPath(true), koaPath]) {
    const path = make();
    await path.loop(N);
    await path.baseline(N);
    const added: number[] = [];
    for (let round = 0; round < 20; round++) {
      const cpu = (fn: () => void | Promise<void>) => async () => {
        const start = process.cpuUsage();
        await fn();
        const used = process.cpuUsage(start);
        return ((used.user + used.system) * 1000) / N;
      };
      const a = await cpu(() => path.baseline(N))();
      const b = await cpu(() => path.loop(N))();
      added.push(b - a);
    }
    await path.close();
    const i = meanInterval(added);
    rows.push(`| ${path.name} | ${formatInterval(i, 0)} | ${verdictBelow(i, 1000)} |`);
    console.log(rows.at(-1));
  }
  const pathSection = `${machineLine()} ${N.toLocaleString('en')} requests per variant per round, 20 interleaved rounds, CPU time.

${rows.join('\n')}

Stand-ins: a plain request object and an EventEmitter response; each request runs the middleware (or
every hook Fastify would call), then the response's 'close' event, then removes the listener; the
baseline runs a no-op middleware (or empty hooks) on the same objects. ${loadLine()}`;
  if (!values['no-write']) writeSection('adapter-path', pathSection);
}
