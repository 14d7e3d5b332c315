// Realistic history points for tests and benchmarks: seeded latencies, host samples through BucketAggregator.

import { BucketAggregator } from '../../src/history/bucket-aggregator.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { createHistogram, type LatencySummary, recordMs, summarize } from '../../src/latency/histogram.js';
import type { MetricsSnapshot } from '../../src/types.js';

/** mulberry32: a small seeded PRNG so failures reproduce. */
export { rng } from '../helpers/random.js';

/** Log-normal latencies around `medianMs`, with a slow tail: what an HTTP service looks like. */
export function latencies(rand: () => number, n: number, medianMs = 20, sigma = 0.8): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = 1 - rand();
    const v = rand();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(Math.exp(Math.log(medianMs) + sigma * z));
  }
  return out;
}

export interface HostSample {
  cpu?: number;
  memory?: number;
  disk?: number;
  netIn?: number;
  netOut?: number;
  loopP99?: number;
  heap?: number;
  db?: number | null;
  redis?: number | null;
  ws?: number;
}

export function snapshot(h: HostSample): MetricsSnapshot {
  return {
    timestamp: new Date(0).toISOString(),
    cpu: { status: 'healthy', current_percent: h.cpu ?? 10 },
    memory: { status: 'healthy', used_percent: h.memory ?? 40 },
    disk: { status: 'healthy', max_used_percent: h.disk ?? 50 },
    network: { status: 'healthy', bytes_in_per_sec: h.netIn ?? 1000, bytes_out_per_sec: h.netOut ?? 2000 },
    process: { status: 'healthy', event_loop_delay_p99_ms: h.loopP99 ?? 12, heap_used_mb: h.heap ?? 80 },
    database: { status: 'healthy', response_time_ms: h.db === undefined ? 3 : h.db },
    redis: { status: 'healthy', response_time_ms: h.redis === undefined ? 1 : h.redis },
    websocket: { status: 'healthy', active_connections: h.ws ?? 0 },
  } as unknown as MetricsSnapshot;
}

export interface PointSpec {
  t: number;
  /** Request durations of the bucket, ms. */
  latencies?: number[];
  errors4xx?: number;
  errors5xx?: number;
  /** Host samples of the bucket (default: 12 identical default samples). */
  samples?: HostSample[];
}

export function makePoint(spec: PointSpec): HistoryPoint {
  const agg = new BucketAggregator();
  for (const s of spec.samples ?? Array.from({ length: 12 }, () => ({}))) agg.add(snapshot(s));
  const histogram = createHistogram();
  for (const ms of spec.latencies ?? []) recordMs(histogram, ms);
  return agg.close(spec.t, {
    requests: spec.latencies?.length ?? 0,
    count_4xx: spec.errors4xx ?? 0,
    count_5xx: spec.errors5xx ?? 0,
    histogram,
  });
}

/** The summary of one histogram built from all the raw values: the reference merged points must match. */
export function reference(values: number[]): LatencySummary {
  const h = createHistogram();
  for (const v of values) recordMs(h, v);
  return summarize(h);
}

/** A realistic minute: ~`rate` requests, some errors, host metrics drifting with the time of day. */
export function realisticPoint(rand: () => number, t: number, rate = 600): HistoryPoint {
  const n = Math.max(0, Math.round(rate * (0.7 + 0.6 * rand())));
  const day = Math.sin((t / 86_400_000) * 2 * Math.PI);
  const samples: HostSample[] = Array.from({ length: 12 }, () => ({
    cpu: 30 + 20 * day + 10 * rand(),
    memory: 55 + 5 * rand(),
    disk: 61.5,
    netIn: 50_000 + 20_000 * rand(),
    netOut: 120_000 + 40_000 * rand(),
    loopP99: 10 + 5 * rand(),
    heap: 120 + 30 * rand(),
    db: 2 + 3 * rand(),
    redis: 0.5 + rand(),
    ws: Math.floor(40 + 20 * rand()),
  }));
  return makePoint({
    t,
    latencies: latencies(rand, n),
    errors4xx: Math.floor(n * 0.02 * rand()),
    errors5xx: Math.floor(n * 0.005 * rand()),
    samples,
  });
}
