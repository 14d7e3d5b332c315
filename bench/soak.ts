// Does sysvitals hold up under sustained load without growing? Two questions, one script:
//  1. soak: the Express example (examples/express.ts) under maximum load for a long time (default 10 min),
//     RSS and heap sampled every 10 s in the server process; after warm-up, drift must stay within 5 %,
//     with the throughput held and zero failures (connection errors, unexpected statuses, admin API errors).
//  2. fold: ten million recordRequest calls over 10,000 distinct URLs keep the heap flat (route folding),
//     next to the same monitor with folding pushed out of the way (maxRoutes 10,000) as the baseline.
//
// `npx tsx bench/soak.ts [--duration 600] [--warmup 60] [--connections 50] [--interval 10]
//   [--fold-calls 10000000] [--fold-urls 10000] [--skip-soak] [--skip-fold] [--no-write]`
// Method (shared/BENCHMARKING.md): server pinned to CPU 0 and autocannon to CPU 1, loopback only. The server
// runs under `node --expose-gc`: each sample runs a full GC first, so heap figures are live data, not garbage.
// The same file is the server (`--serve`), the load generator (`--load`) and the fold run (`--fold`).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { machineLine, writeSection } from './lib/results.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.SOAK_DURATION ?? '600' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    interval: { type: 'string', default: '10' },
    'fold-calls': { type: 'string', default: '10000000' },
    'fold-urls': { type: 'string', default: '10000' },
    'skip-soak': { type: 'boolean', default: false },
    'skip-fold': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    // Internal modes (the script spawns itself).
    serve: { type: 'boolean', default: false },
    load: { type: 'string' },
    fold: { type: 'boolean', default: false },
  },
});

const SELF = fileURLToPath(import.meta.url);
const TOKEN = 'soak-admin-token';
const BASE_PATH = '/api/core/admin/system';
/** Growth allowed after warm-up. Shrinking is not a leak: RSS moves ±10 % as V8 resizes the young generation. */
const DRIFT_BUDGET = 0.05;
const pinned = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');

const duration = Number(flags.duration);
const warmup = Number(flags.warmup ?? Math.min(60, Math.round(duration / 4)));
const connections = Number(flags.connections);
const intervalS = Number(flags.interval);
const foldCalls = Number(flags['fold-calls']);
const foldUrls = Number(flags['fold-urls']);

function pin(cpu: number, args: string[]): [string, string[]] {
  return pinned ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const fmt = (n: number, digits = 1) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
const pct = (ratio: number) => `${ratio >= 0 ? '+' : ''}${fmt(ratio * 100, 2)} %`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

// ---------------------------------------------------------------------------------------------------------
// Mode --serve: the Express example on 127.0.0.1, port 0; answers `sample` over IPC with memory after a GC.

interface ServerSample {
  heapUsed: number;
  /** Compiled code in the heap: it grows while V8 optimises more functions, then levels off. */
  codeSpace: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  requestsTotal: number;
  routes: number;
  alertHistory: number;
  listeners: number;
}

async function serve(): Promise<void> {
  process.env.SYSVITALS_ADMIN_TOKEN = TOKEN;
  delete process.env.REDIS_URL;
  const { start } = await import('../examples/express.js');
  const example = await start({ port: 0, host: '127.0.0.1' });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'sample') {
      gc?.();
      const m = process.memoryUsage();
      const monitor = example.monitor;
      const code = getHeapSpaceStatistics().find((space) => space.space_name === 'code_space');
      const sample: ServerSample = {
        heapUsed: m.heapUsed,
        codeSpace: code?.space_used_size ?? 0,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        requestsTotal: monitor.requests.total,
        routes: monitor.requests.routeCount,
        alertHistory: monitor.alertSystem.getAlertHistory(100_000).length,
        listeners: monitor.listenerCount('metrics') + monitor.listenerCount('alert'),
      };
      process.send?.({ type: 'sample', sample });
    } else if (message.type === 'stop') {
      void example.close().then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', port: Number(new URL(example.url).port) });
}

// ---------------------------------------------------------------------------------------------------------
// Mode --load <url>: autocannon at full speed, a fixed mix of the example's routes, every status checked.

/** What each request of the mix should get; anything else is a failure. */
const MIX: { kind: string; expect: number; path: (i: number) => string }[] = [
  ...Array.from({ length: 11 }, () => ({ kind: 'home', expect: 200, path: () => '/' })),
  ...Array.from({ length: 12 }, () => ({
    kind: 'users',
    expect: 200,
    // Distinct URLs, one route template: the adapter records `/users/:id`.
    path: (i: number) => `/users/${i % 100_000}`,
  })),
  { kind: 'fail (meant to fail)', expect: 500, path: () => '/fail' },
  { kind: 'missing (meant to 404)', expect: 404, path: (i: number) => `/missing/${i % 100_000}` },
];

interface LoadResult {
  requests: number;
  errors: number;
  timeouts: number;
  byKind: Record<string, { count: number; unexpected: number; statuses: Record<string, number> }>;
  latencyP99: number;
  seconds: number;
}

async function load(url: string, seconds: number): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (
    opts: object,
    cb: (err: Error | null, result: { errors: number; timeouts: number; latency: { p99: number } }) => void,
  ) => { on(event: 'tick', fn: (t: { counter: number }) => void): void };
  const byKind: LoadResult['byKind'] = {};
  for (const m of MIX) byKind[m.kind] ??= { count: 0, unexpected: 0, statuses: {} };
  let n = 0;
  const requests = MIX.map((m) => ({
    method: 'GET',
    setupRequest: (req: { path: string }) => {
      req.path = m.path(n++);
      return req;
    },
    onResponse: (status: number) => {
      const k = byKind[m.kind] as LoadResult['byKind'][string];
      k.count++;
      k.statuses[status] = (k.statuses[status] ?? 0) + 1;
      if (status !== m.expect) k.unexpected++;
    },
  }));
  const started = performance.now();
  const instance = autocannon({ url, connections, duration: seconds, requests }, (err, result) => {
    if (err) {
      process.stdout.write(`ERROR ${err.message}\n`);
      process.exit(1);
    }
    const total = Object.values(byKind).reduce((s, k) => s + k.count, 0);
    const out: LoadResult = {
      requests: total,
      errors: result.errors,
      timeouts: result.timeouts,
      byKind,
      latencyP99: result.latency.p99,
      seconds: (performance.now() - started) / 1000,
    };
    process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
  });
  instance.on('tick', (t) => process.stdout.write(`TICK ${Date.now()} ${t.counter}\n`));
}

// ---------------------------------------------------------------------------------------------------------
// Mode --fold: ten million recordRequest calls over 10,000 URLs; heap after a full GC at checkpoints.

interface FoldVariant {
  label: string;
  maxRoutes: number | undefined;
  calls: number;
  heapEmpty: number;
  heapAfterFirstPass: number;
  checkpoints: { calls: number; heap: number }[];
  heapEnd: number;
  routes: number;
  nsPerCall: number;
}

async function foldRun(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('--fold needs node --expose-gc');
  const heap = () => {
    gc();
    gc();
    // Typed arrays (the request counters and latency rings are) live outside the V8 heap: count them too.
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const { createMonitor } = await import('../src/monitor.js');
  const silent = { warn() {}, error() {} };
  // Built up front, so the URL strings themselves are not counted as growth.
  const urls = Array.from({ length: foldUrls }, (_, i) => `/users/${i}`);
  const statuses = [200, 200, 200, 200, 200, 200, 201, 304, 404, 500];

  // One throwaway monitor first, so that lazily compiled code and caches are in the empty baseline.
  const warm = createMonitor({ sampleIntervalMs: 0, logger: silent });
  for (let i = 0; i < foldUrls; i++) {
    warm.recordRequest({ method: 'GET', route: urls[i] as string, status: 200, durationMs: 1 });
  }
  await warm.close();

  const run = (label: string, maxRoutes: number | undefined, calls: number): FoldVariant => {
    const heapEmpty = heap();
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      ...(maxRoutes ? { maxRoutes } : {}),
    });
    for (let i = 0; i < foldUrls; i++) {
      monitor.recordRequest({
        method: 'GET',
        route: urls[i] as string,
        status: 200,
        durationMs: 1 + (i % 50),
      });
    }
    const heapAfterFirstPass = heap();
    const checkpoints: FoldVariant['checkpoints'] = [];
    const step = Math.max(1, Math.floor(calls / 10));
    let elapsed = 0;
    for (let done = 0; done < calls; ) {
      const until = Math.min(calls, done + step);
      const t0 = performance.now();
      for (let i = done; i < until; i++) {
        monitor.recordRequest({
          method: i % 17 === 0 ? 'POST' : 'GET',
          route: urls[i % foldUrls] as string,
          status: statuses[i % statuses.length] as number,
          durationMs: (i % 997) / 10,
        });
      }
      elapsed += performance.now() - t0;
      done = until;
      checkpoints.push({ calls: done, heap: heap() });
    }
    const result: FoldVariant = {
      label,
      maxRoutes,
      calls,
      heapEmpty,
      heapAfterFirstPass,
      checkpoints,
      heapEnd: (checkpoints.at(-1) as { heap: number }).heap,
      routes: monitor.requests.routeCount,
      nsPerCall: (elapsed * 1e6) / calls,
    };
    void monitor.close();
    return result;
  };

  const folded = run('default (maxRoutes 100: the rest folds into `other`)', undefined, foldCalls);
  // The baseline: every URL gets its own route entry. Growth there happens in the first pass; 10 % of the
  // calls are enough to show its steady state.
  const unfolded = run(
    'baseline: maxRoutes 10,000 (no folding)',
    10_000,
    Math.max(foldUrls, Math.floor(foldCalls / 10)),
  );
  process.stdout.write(`FOLD ${JSON.stringify([folded, unfolded])}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Orchestrator.

interface Sample {
  t: number;
  rssMb: number;
  /** V8 heap used plus ArrayBuffer memory (typed arrays), after a full GC. */
  heapMb: number;
  /** heapMb without compiled code: the data sysvitals and the app hold. */
  dataHeapMb: number;
  externalMb: number;
  rps: number;
  requestsTotal: number;
  routes: number;
  alertHistory: number;
  listeners: number;
  adminOk: boolean;
  adminMs: number;
}

function procRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, args] = pin(0, ['--expose-gc', '--import', 'tsx', SELF, '--serve']);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; port?: number }) => {
      if (m.type === 'ready') {
        child.off('message', onMessage);
        resolve({ child, port: m.port as number });
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`soak server exited with ${code} before it was ready`)));
  });
}

function sampleServer(child: ChildProcess): Promise<ServerSample> {
  return new Promise((resolve) => {
    const onMessage = (m: { type: string; sample?: ServerSample }) => {
      if (m.type === 'sample') {
        child.off('message', onMessage);
        resolve(m.sample as ServerSample);
      }
    };
    child.on('message', onMessage);
    child.send({ type: 'sample' });
  });
}

/** A dashboard-like client: one SSE stream open for the whole run, counting the events it gets. */
function openStream(url: string): { events: () => number; close: () => void } {
  const controller = new AbortController();
  let events = 0;
  void (async () => {
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: controller.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += decoder.decode(value, { stream: true });
        const frames = buffered.split('\n\n');
        buffered = frames.pop() ?? '';
        for (const f of frames) if (f.startsWith('event: metrics')) events++;
      }
    } catch {
      // Aborted at the end of the run.
    }
  })();
  return { events: () => events, close: () => controller.abort() };
}

async function adminPoll(base: string): Promise<{ ok: boolean; ms: number }> {
  const t0 = performance.now();
  try {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const [metrics, health] = await Promise.all([
      fetch(`${base}/metrics/`, { headers }),
      fetch(`${base}/health/`, { headers }),
    ]);
    await Promise.all([metrics.arrayBuffer(), health.arrayBuffer()]);
    // Health may be 503 (red) on a loaded machine: that is an answer, not a failure.
    return {
      ok: metrics.status === 200 && (health.status === 200 || health.status === 503),
      ms: performance.now() - t0,
    };
  } catch {
    return { ok: false, ms: performance.now() - t0 };
  }
}

interface SoakReport {
  samples: Sample[];
  load: LoadResult;
  streamEvents: number;
  stderrLines: string[];
  exitCode: number | null;
}

async function soak(): Promise<SoakReport> {
  const { child, port } = await startServer();
  const stderrLines: string[] = [];
  child.stderr?.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n'))
      if (line.trim() && stderrLines.length < 50) stderrLines.push(line);
  });
  const origin = `http://127.0.0.1:${port}`;
  const base = `${origin}${BASE_PATH}`;
  const stream = openStream(`${base}/stream/`);

  const [cmd, args] = pin(1, ['--import', 'tsx', SELF, '--load', origin, '--duration', String(duration)]);
  const loader = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const ticks: { at: number; count: number }[] = [];
  let result: LoadResult | undefined;
  let pending = '';
  loader.stdout.on('data', (c: Buffer) => {
    pending += c.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('TICK ')) {
        const [, at, count] = line.split(' ');
        ticks.push({ at: Number(at), count: Number(count) });
      } else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as LoadResult;
      else if (line.startsWith('ERROR ')) console.error(line);
    }
  });
  const loaderDone = new Promise<void>((resolve) => loader.once('exit', () => resolve()));

  const samples: Sample[] = [];
  const started = Date.now();
  let lastTick = 0;
  let finished = false;
  void loaderDone.then(() => {
    finished = true;
  });
  console.log(
    `soak: ${duration} s at full load (-c ${connections}), samples every ${intervalS} s, warm-up ${warmup} s; ` +
      `${pinned ? 'server on CPU 0, autocannon on CPU 1' : 'NOT pinned'}`,
  );
  console.log('    t s   req/s    RSS MB   heap MB   data MB   routes  admin ms');
  while (!finished) {
    await Promise.race([new Promise((r) => setTimeout(r, intervalS * 1000)), loaderDone]);
    if (finished) break;
    const t = (Date.now() - started) / 1000;
    const window = ticks.slice(lastTick);
    lastTick = ticks.length;
    const rps = window.length ? window.reduce((s, x) => s + x.count, 0) / window.length : 0;
    const [server, admin] = await Promise.all([sampleServer(child), adminPoll(base)]);
    const s: Sample = {
      t,
      rssMb: procRssMb(child.pid as number),
      heapMb: mb(server.heapUsed + server.arrayBuffers),
      dataHeapMb: mb(server.heapUsed + server.arrayBuffers - server.codeSpace),
      externalMb: mb(server.external),
      rps,
      requestsTotal: server.requestsTotal,
      routes: server.routes,
      alertHistory: server.alertHistory,
      listeners: server.listeners,
      adminOk: admin.ok,
      adminMs: admin.ms,
    };
    samples.push(s);
    console.log(
      `${fmt(t, 0).padStart(7)} ${fmt(rps, 0).padStart(7)} ${fmt(s.rssMb).padStart(9)} ${fmt(s.heapMb, 2).padStart(9)} ${fmt(s.dataHeapMb, 2).padStart(9)} ${String(s.routes).padStart(8)} ${fmt(admin.ms, 0).padStart(9)}${admin.ok ? '' : '  ADMIN FAILED'}`,
    );
  }
  stream.close();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.send({ type: 'stop' });
  const exitCode = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  if (exitCode === null) child.kill('SIGKILL');
  if (!result) throw new Error('the load generator gave no result');
  return { samples, load: result, streamEvents: stream.events(), stderrLines, exitCode };
}

function runFold(): Promise<FoldVariant[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        SELF,
        '--fold',
        '--fold-calls',
        String(foldCalls),
        '--fold-urls',
        String(foldUrls),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('FOLD '));
      if (!line) reject(new Error(`fold run exited with ${code}: ${out.slice(0, 300)}`));
      else resolve(JSON.parse(line.slice(5)) as FoldVariant[]);
    });
  });
}

interface Analysis {
  steady: Sample[];
  rssDrift: number;
  heapDrift: number;
  dataDrift: number;
  dataBase: number;
  dataEnd: number;
  rssBase: number;
  rssEnd: number;
  heapBase: number;
  heapEnd: number;
  rpsMean: number;
  rpsMin: number;
  rpsFirst: number;
  rpsLast: number;
  failures: number;
  adminFailures: number;
}

function analyse(r: SoakReport): Analysis {
  const steady = r.samples.filter((s) => s.t >= warmup);
  // First and last third of the steady samples: RSS is noisy from one sample to the next.
  const edge = Math.max(1, Math.floor(steady.length / 3));
  const first = steady.slice(0, edge);
  const last = steady.slice(-edge);
  const rssBase = median(first.map((s) => s.rssMb));
  const rssEnd = median(last.map((s) => s.rssMb));
  const heapBase = median(first.map((s) => s.heapMb));
  const heapEnd = median(last.map((s) => s.heapMb));
  const dataBase = median(first.map((s) => s.dataHeapMb));
  const dataEnd = median(last.map((s) => s.dataHeapMb));
  const rps = steady.map((s) => s.rps);
  const unexpected = Object.values(r.load.byKind).reduce((sum, k) => sum + k.unexpected, 0);
  return {
    steady,
    rssDrift: (rssEnd - rssBase) / rssBase,
    heapDrift: (heapEnd - heapBase) / heapBase,
    dataDrift: (dataEnd - dataBase) / dataBase,
    dataBase,
    dataEnd,
    rssBase,
    rssEnd,
    heapBase,
    heapEnd,
    rpsMean: rps.reduce((a, b) => a + b, 0) / Math.max(1, rps.length),
    rpsMin: Math.min(...rps),
    rpsFirst: median(first.map((s) => s.rps)),
    rpsLast: median(last.map((s) => s.rps)),
    failures: unexpected + r.load.errors + r.load.timeouts,
    adminFailures: r.samples.filter((s) => !s.adminOk).length,
  };
}

function soakSection(r: SoakReport, a: Analysis): string[] {
  const verdict = (drift: number) => (drift <= DRIFT_BUDGET ? 'met' : 'NOT met');
  const kinds = Object.entries(r.load.byKind)
    .map(
      ([kind, k]) =>
        `| ${kind} | ${k.count.toLocaleString('en-US')} | ${Object.entries(k.statuses)
          .map(([s, c]) => `${s}: ${c.toLocaleString('en-US')}`)
          .join(', ')} | ${k.unexpected} |`,
    )
    .join('\n');
  const every = Math.max(1, Math.round(r.samples.length / 12));
  const timeline = r.samples
    .filter((_, i) => i % every === 0 || i === r.samples.length - 1)
    .map(
      (s) =>
        `| ${fmt(s.t, 0)} | ${fmt(s.rps, 0)} | ${fmt(s.rssMb)} | ${fmt(s.heapMb, 2)} | ${fmt(s.dataHeapMb, 2)} | ${s.routes} | ${s.alertHistory} | ${fmt(s.adminMs, 0)} |`,
    )
    .join('\n');
  return [
    `Express example (\`examples/express.ts\`: MemoryStore, the monitor sampling every 5 s, an admin token) under autocannon -c ${connections} for ${duration} s,`,
    `${pinned ? 'server pinned to CPU 0 and autocannon to CPU 1' : 'not pinned'}; a dashboard-like SSE client connected throughout and the admin API`,
    `polled (metrics/ + health/) every ${intervalS} s. Heap (V8 heap used plus ArrayBuffer memory, where typed arrays live) is measured after a full GC in the`,
    'server process; RSS from /proc/PID/status.',
    `Drift compares the median of the last third of the samples with the median of the first third after a ${warmup} s warm-up.`,
    '',
    '| measure | after warm-up | end | drift | budget: growth ≤ 5 % |',
    '|---|---|---|---|---|',
    `| RSS (MB) | ${fmt(a.rssBase)} | ${fmt(a.rssEnd)} | ${pct(a.rssDrift)} | ${verdict(a.rssDrift)} |`,
    `| heap + ArrayBuffers after GC (MB) | ${fmt(a.heapBase, 2)} | ${fmt(a.heapEnd, 2)} | ${pct(a.heapDrift)} | ${verdict(a.heapDrift)} |`,
    `| of which data, i.e. without compiled code (MB) | ${fmt(a.dataBase, 2)} | ${fmt(a.dataEnd, 2)} | ${pct(a.dataDrift)} | ${verdict(a.dataDrift)} |`,
    `| requests/s | ${fmt(a.rpsFirst, 0)} | ${fmt(a.rpsLast, 0)} | ${pct(a.rpsLast / a.rpsFirst - 1)} | (held: mean ${fmt(a.rpsMean, 0)}, lowest ${intervalS} s window ${fmt(a.rpsMin, 0)}) |`,
    '',
    `Requests: ${r.load.requests.toLocaleString('en-US')} in ${fmt(r.load.seconds, 0)} s (p99 ${r.load.latencyP99} ms). **Failures: ${a.failures}** ` +
      `(connection errors ${r.load.errors}, timeouts ${r.load.timeouts}, unexpected statuses ${a.failures - r.load.errors - r.load.timeouts}); ` +
      `admin polls failed: ${a.adminFailures} of ${r.samples.length}; SSE metrics events received: ${r.streamEvents}; ` +
      `server exit after close(): ${r.exitCode === 0 ? 'clean (0)' : String(r.exitCode)}.`,
    '',
    '| route | requests | statuses | unexpected |',
    '|---|---|---|---|',
    kinds,
    '',
    '| t (s) | req/s | RSS MB | heap MB | data heap MB | routes | alert history | admin poll ms |',
    '|---|---|---|---|---|---|---|---|',
    timeline,
  ];
}

function foldSection(variants: FoldVariant[]): string[] {
  const [folded, unfolded] = variants as [FoldVariant, FoldVariant];
  const growth = (v: FoldVariant) => v.heapEnd - v.heapAfterFirstPass;
  const rows = variants.map(
    (v) =>
      `| ${v.label} | ${v.calls.toLocaleString('en-US')} | ${v.routes.toLocaleString('en-US')} | ${fmt(mb(v.heapAfterFirstPass - v.heapEmpty), 2)} | ${fmt(mb(v.heapEnd - v.heapEmpty), 2)} | ${fmt(mb(growth(v)), 3)} | ${fmt(v.nsPerCall, 0)} |`,
  );
  const flat = Math.abs(growth(folded)) <= 0.05 * (folded.heapAfterFirstPass - folded.heapEmpty) + 256 * 1024;
  return [
    `${foldUrls.toLocaleString('en-US')} distinct URLs passed as routes to \`recordRequest\` (as a raw-URL integration would), statuses mixed; V8 heap plus ArrayBuffer memory after a full GC`,
    'in a fresh process, before the monitor, after one pass over every URL, and every 10 % of the calls.',
    '',
    '| variant | calls | routes tracked | monitor heap after first pass (MB) | at the end (MB) | growth after first pass (MB) | ns per call |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Heap at checkpoints (default variant, MB over the empty process): ${folded.checkpoints.map((c) => fmt(mb(c.heap - folded.heapEmpty), 2)).join(', ')}.`,
    `Flat: **${flat ? 'yes' : 'NO'}** (growth after the first pass ${fmt(mb(growth(folded)), 3)} MB over ${folded.calls.toLocaleString('en-US')} calls). ` +
      `Ratio of the monitor's heap at the end, folded to unfolded baseline: ${fmt((folded.heapEnd - folded.heapEmpty) / (unfolded.heapEnd - unfolded.heapEmpty), 3)}.`,
  ];
}

async function main(): Promise<void> {
  const lines: string[] = [
    machineLine(),
    `Command: \`npx tsx bench/soak.ts${duration !== 600 ? ` --duration ${duration}` : ''}\`.`,
    '',
  ];
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  let ok = true;
  if (!flags['skip-soak']) {
    const report = await soak();
    const a = analyse(report);
    const section = soakSection(report, a);
    console.log(`\n${section.join('\n')}\n`);
    lines.push('### Under load', '', ...section, '');
    ok &&=
      a.failures === 0 && a.adminFailures === 0 && a.rssDrift <= DRIFT_BUDGET && a.heapDrift <= DRIFT_BUDGET;
  }
  if (!flags['skip-fold']) {
    const variants = await runFold();
    const section = foldSection(variants);
    console.log(`\n${section.join('\n')}\n`);
    lines.push('### Route folding', '', ...section, '');
  }
  const loadAfter = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  lines.push(`Load average before/after: ${loadBefore} / ${loadAfter} on ${availableParallelism()} cores.`);
  if (duration < 600 && !flags['skip-soak']) {
    lines.push(
      `**Short run** (${duration} s, not the default 10 minutes, on a shared machine): a check that the benchmark works; take the 10-minute figures on a quiet machine.`,
    );
  }
  if (!flags['no-write'])
    writeSection('soak', lines.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n'));
  if (!ok) process.exitCode = 1;
}

if (flags.serve) await serve();
else if (flags.load) await load(flags.load, duration);
else if (flags.fold) await foldRun();
else await main();
