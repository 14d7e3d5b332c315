// A cluster worker's report stream on an injected clock, for tests and bench/cluster-report.ts: a seeded load
// (routes, query fingerprints, custom metrics), its reports each interval or paced to a byte budget
// (ReportPacer, as the agent drives it), the frames as written to the socket and read back, and the raw
// counts recorded (the oracle).

import { encodeFrame, FrameReader } from '../../src/cluster/frames.js';
import { ReportPacer } from '../../src/cluster/pacing.js';
import { decodeReport, type Report, Reporter, type ReportWire } from '../../src/cluster/report.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { microsOf, slotOf } from '../../src/latency/latency-ring.js';
import { QueryStats } from '../../src/profiling/query-stats.js';
import { RequestStats } from '../../src/requests/requests.js';
import { prng } from './random.js';

export interface LoadMix {
  name: string;
  routes: number;
  /** Durations: uniform 0–20 ms (narrow) or log-normal around 20 ms (spread). */
  spread: boolean;
  custom: boolean;
  fingerprints: number;
}

export const WORST_CASE: LoadMix = {
  name: 'worst case: 20 routes + 10 query fingerprints + custom',
  routes: 20,
  spread: true,
  custom: true,
  fingerprints: 10,
};

/** What was recorded, counted apart from sysvitals: requests and latency slot counts per route, queries, orders. */
export interface RawCounts {
  requests: Map<string, number>;
  slots: Map<string, Map<number, number>>;
  queries: number;
  orders: number;
}

export interface Frame {
  /** Bytes as written to the socket. */
  bytes: number;
  /** When it was sent (ms since the run's start) and the span it covers (ms). */
  at: number;
  span: number;
  report: Report;
}

/** A seeded load on an injected clock and a worker's reporter over it. */
export function workerLoad(mix: LoadMix, seed = 17) {
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
  const raw: RawCounts = { requests: new Map(), slots: new Map(), queries: 0, orders: 0 };
  const { u, n } = prng(seed);
  let steps = 0;
  /** Records `count` events, then moves the clock by `ms`. */
  const step = (count: number, ms: number) => {
    for (let i = 0; i < count; i++) {
      const ms = mix.spread ? Math.exp(3 + n() * 0.8) : u() * 20;
      const route = `/r${Math.floor(u() * mix.routes)}`;
      requests.record('GET', route, 200, ms);
      raw.requests.set(route, (raw.requests.get(route) ?? 0) + 1);
      const slots = raw.slots.get(route) ?? new Map<number, number>();
      raw.slots.set(route, slots);
      const slot = slotOf(microsOf(ms));
      slots.set(slot, (slots.get(slot) ?? 0) + 1);
      if (mix.custom) {
        orders.inc({ kind: `k${Math.floor(u() * 5)}` });
        raw.orders++;
        seconds.observe({ kind: u() < 0.5 ? 'a' : 'b' }, ms / 1000);
      }
      if (mix.fingerprints > 0) {
        queries.record('postgresql', `SELECT ${Math.floor(u() * mix.fingerprints)}`, ms / 4, false, '/r0');
        raw.queries++;
      }
    }
    if (mix.custom) depth.set(steps);
    steps++;
    t.now += ms;
  };
  return { t, clock, reporter, raw, step, requests };
}

/**
 * Runs `seconds` of `rate` events/s in intervals of `intervalMs`, reporting as the agent does: each interval
 * when `bytesPerSecond` is 0, else when the pacer says so. Returns every frame sent, read back from its bytes.
 * `extra`: fields a frame carries beside its report (WorkerReports.frame: `ir`), given the clock's time.
 */
export function pacedRun(
  mix: LoadMix,
  rate: number,
  seconds: number,
  pacing: { bytesPerSecond: number; maxReportDelayMs: number; intervalMs?: number },
  extra?: (now: number) => Record<string, unknown>,
) {
  const intervalMs = pacing.intervalMs ?? 1000;
  const load = workerLoad(mix);
  const start = load.t.now;
  const pacer = new ReportPacer({ intervalMs, ...pacing }, load.clock.now);
  const frames: Frame[] = [];
  let read: unknown[] = [];
  const reader = new FrameReader((m) => read.push(m));
  const send = () => {
    const report: ReportWire = load.reporter.take();
    const span = pacer.span();
    const msg: Record<string, unknown> = { t: 'report', report, ...extra?.(load.t.now) };
    if (span > intervalMs * 1.5) msg.d = span;
    const frame = encodeFrame(msg);
    pacer.sent(frame.length);
    read = [];
    reader.push(frame);
    const back = read[0] as { report: ReportWire };
    frames.push({ bytes: frame.length, at: load.t.now - start, span, report: decodeReport(back.report) });
  };
  const perInterval = Math.round((rate * intervalMs) / 1000);
  for (let k = 0; k < Math.round((seconds * 1000) / intervalMs); k++) {
    load.step(perInterval, intervalMs);
    if (pacer.due()) send();
  }
  return { frames, raw: load.raw, flush: send };
}
