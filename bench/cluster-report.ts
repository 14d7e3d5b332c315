// The size of a worker's cluster report per interval (what it sends the aggregator each second), for
// request, custom-metric and database-query loads of growing rate and spread: the bytes of the frame as
// written to the socket (frames.ts: JSON, deflated above 512 B; what Peer.bytesOut counts), and of the
// JSON before deflate. Seeded and deterministic (bytes, not time), so one run is the figure. The issue's
// target is under 2048 bytes/s per worker. Also the CPU of one report at 10,000 events/s (take() and
// encodeFrame(), median of repeats: a time, so it depends on the machine's load, printed beside it).
// Then the same mixes at 1000 and 10,000 events/s with reports paced to the default byte budget
// (cluster.bytesPerSecond 2048, maxReportDelayMs 10,000: ReportPacer on an injected clock, as the agent drives
// it): bytes per second per worker over a simulated minute, frames sent, and the span they cover (freshness).
// Then the same with a hang storm (requests in flight by route beside the report, routes/: issue #13).
//
//   npx tsx bench/cluster-report.ts

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { deflateRawSync } from 'node:zlib';
import { unpackRuns } from '../src/cluster/counts-wire.js';
import { encodeFrame } from '../src/cluster/frames.js';
import { Reporter } from '../src/cluster/report.js';
import {
  READ_ROUTES,
  REPORTED_AFTER_MS,
  REPORTED_ROUTES,
  RoutesInFlightReporter,
} from '../src/cluster/routes-in-flight.js';
import { CustomMetrics } from '../src/custom/registry.js';
import { FunctionTimings } from '../src/functions/function-stats.js';
import { QueryStats } from '../src/profiling/query-stats.js';
import type { RouteInFlight } from '../src/requests/in-flight-routes.js';
import { RequestStats } from '../src/requests/requests.js';
import { pacedRun, WORST_CASE } from '../test/helpers/cluster-load.js';
import { prng } from '../test/helpers/random.js';
import { median } from './lib/stats.js';

interface Mix {
  name: string;
  routes: number;
  /** Durations: uniform 0–20 ms (narrow, bench/cluster.ts's app) or log-normal around 20 ms (spread). */
  spread: boolean;
  custom: boolean;
  fingerprints: number;
}

const MIXES: Mix[] = [
  { name: '1 route, 0–20 ms', routes: 1, spread: false, custom: false, fingerprints: 0 },
  { name: '1 route, log-normal', routes: 1, spread: true, custom: false, fingerprints: 0 },
  { name: '5 routes, log-normal', routes: 5, spread: true, custom: false, fingerprints: 0 },
  {
    name: '1 route + custom (counter ×5 label sets, histogram ×2, gauge)',
    routes: 1,
    spread: true,
    custom: true,
    fingerprints: 0,
  },
  { name: '1 route + 10 query fingerprints', routes: 1, spread: true, custom: false, fingerprints: 10 },
  { name: '20 routes, log-normal', routes: 20, spread: true, custom: false, fingerprints: 0 },
  { name: '1,000 routes, log-normal', routes: 1000, spread: true, custom: false, fingerprints: 0 },
  {
    name: 'worst case: 20 routes + 10 query fingerprints + custom',
    routes: 20,
    spread: true,
    custom: true,
    fingerprints: 10,
  },
];
const RATES = [10, 100, 1000, 10_000];

interface Measure {
  /** The largest frame (bytes written) and the largest JSON over 10 steady intervals. */
  frame: number;
  json: number;
  /** µs of CPU per report, medians over the steady intervals: take(), and encodeFrame() of it. */
  takeUs: number;
  frameUs: number;
  /** Estimate of the same frame with the slot counts entropy-coded (see adaptiveEstimate). */
  estimate: number;
}

/**
 * What an adaptive entropy coder of the slot counts could reach, as a reference for any denser
 * encoding: the rest of the report deflated, plus for the counts the ideal code length (bits, as an
 * arithmetic coder would approach) of each slot's count, modelled as geometric around a running mean of
 * the slots before it, every slot of the touched range included (zeros too), 16 bits per series.
 * An estimate under a simple model, not a bound.
 */
function adaptiveEstimate(message: unknown): number {
  let bits = 0;
  const rest = JSON.stringify(message, (key, v) => {
    if (key !== 'c' || typeof v !== 'string') return v;
    let mean = 1;
    const code = (c: number) => {
      const p = 1 / (1 + Math.max(0.05, mean));
      bits += -Math.log2(p) - c * Math.log2(1 - p);
      mean = 0.7 * mean + 0.3 * c;
    };
    for (const r of unpackRuns(v)) {
      if (r > 0) code(r);
      else for (let i = 0; i < -r; i++) code(0);
    }
    bits += 16;
    return 0;
  });
  return 5 + deflateRawSync(Buffer.from(rest)).length + Math.ceil(bits / 8);
}

/** Sizes of the largest report over 10 steady intervals (after 2 warm-up ones), and their CPU. */
function measure(mix: Mix, perInterval: number): Measure {
  const t = { now: 1_000_000 };
  const clock = { now: () => t.now };
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  const custom = new CustomMetrics();
  const orders = custom.counter('orders_total', { labels: ['kind'] });
  const seconds = custom.histogram('order_seconds', { labels: ['kind'] });
  const depth = custom.gauge('queue_depth');
  const queries = new QueryStats({ clock });
  const reporter = new Reporter({
    requests,
    functions: new FunctionTimings({ clock }),
    custom,
    clock,
    queries,
  });
  const { u, n } = prng(17);
  let frame = 0;
  let json = 0;
  let estimate = 0;
  const takes: number[] = [];
  const frames: number[] = [];
  for (let k = 0; k < 12; k++) {
    for (let i = 0; i < perInterval; i++) {
      const ms = mix.spread ? Math.exp(3 + n() * 0.8) : u() * 20;
      requests.record('GET', `/r${Math.floor(u() * mix.routes)}`, 200, ms);
      if (mix.custom) {
        orders.inc({ kind: `k${Math.floor(u() * 5)}` });
        seconds.observe({ kind: u() < 0.5 ? 'a' : 'b' }, ms / 1000);
      }
      if (mix.fingerprints > 0)
        queries.record('postgresql', `SELECT ${Math.floor(u() * mix.fingerprints)}`, ms / 4, false, '/r0');
    }
    if (mix.custom) depth.set(k);
    t.now += 1000;
    const t0 = performance.now();
    const report = reporter.take();
    const t1 = performance.now();
    const message = { t: 'report', report };
    const bytes = encodeFrame(message).length;
    if (k < 2) continue;
    takes.push((t1 - t0) * 1000);
    // The same frame encoded 20 times (stringify + deflate: deterministic work), the median of them.
    const each: number[] = [];
    for (let i = 0; i < 20; i++) {
      const f0 = performance.now();
      encodeFrame(message);
      each.push((performance.now() - f0) * 1000);
    }
    frames.push(median(each));
    frame = Math.max(frame, bytes);
    json = Math.max(json, JSON.stringify(message).length);
    estimate = Math.max(estimate, adaptiveEstimate(message));
  }
  return { frame, json, takeUs: median(takes), frameUs: median(frames), estimate };
}

const load = loadavg()
  .map((v) => v.toFixed(2))
  .join(' ');
const lines = [
  `| mix | ${RATES.map((r) => `${r}/s`).join(' | ')} |`,
  `|---|${RATES.map(() => '---').join('|')}|`,
];
const cpu = [
  '| mix | take() µs | encodeFrame() µs | total µs | frame B | adaptive-coder estimate B |',
  '|---|---|---|---|---|---|',
];
for (const mix of MIXES) {
  const row = RATES.map((r) => measure(mix, r));
  lines.push(`| ${mix.name} | ${row.map((m) => `${m.frame} (${m.json})`).join(' | ')} |`);
  const top = row[row.length - 1] as Measure;
  cpu.push(
    `| ${mix.name} | ${top.takeUs.toFixed(0)} | ${top.frameUs.toFixed(0)} | ${(top.takeUs + top.frameUs).toFixed(0)} | ${top.frame} | ${top.estimate} |`,
  );
}
console.log(
  'Bytes of one report (1 s interval) as written to the socket (the deflated frame), the largest of 10 steady intervals; JSON before deflate in parentheses:\n',
);
console.log(lines.join('\n'));
console.log(
  `\nCPU of one report at 10,000 events/s (medians; load average ${load}), and the frame against an estimate of entropy-coded counts:\n`,
);
console.log(cpu.join('\n'));

const PACED_RATES = [1000, 10_000];
const paced = [
  `| mix | ${PACED_RATES.map((r) => `${r}/s unpaced B/s | ${r}/s paced B/s | frames/min | span s (mean, max)`).join(' | ')} |`,
  `|---|${PACED_RATES.map(() => '---|---|---|---').join('|')}|`,
];
for (const mix of MIXES) {
  const cells: string[] = [];
  for (const rate of PACED_RATES) {
    const free = pacedRun(mix, rate, 60, { bytesPerSecond: 0, maxReportDelayMs: 10_000 });
    const run = pacedRun(mix, rate, 60, { bytesPerSecond: 2048, maxReportDelayMs: 10_000 });
    const perSecond = (frames: typeof run.frames) => Math.round(frames.reduce((a, f) => a + f.bytes, 0) / 60);
    const spans = run.frames.map((f) => f.span / 1000);
    const mean = spans.reduce((a, b) => a + b, 0) / spans.length;
    cells.push(
      `${perSecond(free.frames)} | **${perSecond(run.frames)}** | ${run.frames.length} | ${mean.toFixed(1)}, ${Math.max(...spans)}`,
    );
  }
  paced.push(`| ${mix.name} | ${cells.join(' | ')} |`);
}
console.log(
  '\nBytes per second per worker over a simulated minute (60 intervals of 1 s), unpaced and paced to 2048 B/s (maxReportDelayMs 10 s); frames sent in the minute and the span each covers:\n',
);
console.log(paced.join('\n'));

// Requests in flight by route beside the report (routes/ in the cluster, issue #13): a hang storm, HANG_PER_S new
// requests hanging every second on `routes` routes (none ends), so that the routes in flight change every interval:
// the most they cost. Periodic frames carry those in flight for REPORTED_AFTER_MS (at most REPORTED_ROUTES routes),
// the answer to a routes/ read's sync every request in flight (at most READ_ROUTES routes).
const HANG_PER_S = 5;
function hangStorm(routes: number) {
  let start: number | undefined;
  let now = 0;
  const reporter = new RoutesInFlightReporter({
    tickets: {
      routesInFlight: (minMs = 0) => {
        const out = new Map<string, RouteInFlight>();
        const from = start ?? now;
        const hung = Math.floor((now - from) / 1000) * HANG_PER_S;
        for (let j = 0; j < hung; j++) {
          const at = from + Math.floor(j / HANG_PER_S) * 1000;
          if (now - at < minMs) continue;
          const route = `/api/v1/resource-${j % routes}/:id`;
          const row = out.get(route);
          if (row === undefined)
            out.set(route, { method: 'GET', route, count: 1, oldestMs: now - at, oldestAt: at });
          else row.count++;
        }
        return out;
      },
    },
  });
  return {
    reporter,
    /** The frame's fields beside its report at `t` (WorkerReports.frame). */
    extra: (t: number) => {
      start ??= t;
      now = t;
      const ir = reporter.take(false);
      return ir === undefined ? {} : { ir };
    },
  };
}
const storms = [
  `| mix, rate | routes hung | unpaced B/s (no storm) | paced B/s (no storm) | frames/min | span s (mean, max) | periodic \`ir\` B (JSON, last) | read answer B (frame) |`,
  '|---|---|---|---|---|---|---|---|',
];
for (const [mix, rate] of [
  [MIXES[0] as Mix, 1000],
  [WORST_CASE, 10_000],
] as const) {
  const plain = pacedRun(mix, rate, 60, { bytesPerSecond: 0, maxReportDelayMs: 10_000 });
  const plainPaced = pacedRun(mix, rate, 60, { bytesPerSecond: 2048, maxReportDelayMs: 10_000 });
  const perSecond = (frames: typeof plain.frames) => Math.round(frames.reduce((a, f) => a + f.bytes, 0) / 60);
  for (const routes of [1, 10, 100]) {
    const free = hangStorm(routes);
    const unpaced = pacedRun(mix, rate, 60, { bytesPerSecond: 0, maxReportDelayMs: 10_000 }, free.extra);
    const storm = hangStorm(routes);
    const run = pacedRun(mix, rate, 60, { bytesPerSecond: 2048, maxReportDelayMs: 10_000 }, storm.extra);
    const spans = run.frames.map((f) => f.span / 1000);
    const mean = spans.reduce((a, b) => a + b, 0) / spans.length;
    // The last periodic list (every route hung, those past REPORTED_AFTER_MS), then a read's: every request.
    free.reporter.reset();
    const periodic = JSON.stringify(free.reporter.take(false)).length;
    free.reporter.reset();
    const read = encodeFrame({
      t: 'report',
      report: { r: [], f: [] },
      sync: 1,
      ir: free.reporter.take(true),
    });
    storms.push(
      `| ${mix.name}, ${rate}/s | ${routes} | ${perSecond(unpaced.frames)} (${perSecond(plain.frames)}) | **${perSecond(run.frames)}** (${perSecond(plainPaced.frames)}) | ${run.frames.length} | ${mean.toFixed(1)}, ${Math.max(...spans)} | ${periodic} | ${read.length} |`,
    );
  }
}
console.log(
  `\nA hang storm beside the report (${HANG_PER_S} new requests hanging every second over 60 s, none ending): each frame's routes in flight for ${REPORTED_AFTER_MS} ms (at most ${REPORTED_ROUTES} routes, the rest counted), bytes per second per worker unpaced and paced to 2048 B/s, against the same load without the storm; the periodic list's JSON at the end, and the frame answering a routes/ read (every request in flight, at most ${READ_ROUTES} routes):\n`,
);
console.log(storms.join('\n'));
