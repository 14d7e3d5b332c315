// Seeded Poisson traffic of a web service, minute by minute (as outside review 14's probe drives the
// monitor): a daily cycle peaking at `base` requests a minute at 15:00 UTC and at a tenth of it at
// 03:00, lognormal latencies (median 40 ms, sigma 0.5), 0.2 % of requests failing with a 500; an
// incident changes a minute's rate, failure share or latencies. Each minute is either a list of requests
// (for recordRequest) or the history point the analytics score.

import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import type { HistoryPoint } from '../../src/history/point.js';
import {
  createHistogram,
  type Histogram,
  type JsHistogramInternals,
  recordMs,
} from '../../src/latency/histogram.js';
import { encodeV2 } from '../../src/latency/v2-encoding.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { anomalyAnalytics } from './anomaly-minutes.js';

export const MIN = 60_000;
/** Day 1, 00:00 UTC (the probe's start). */
export const DAY1 = Date.UTC(2026, 10, 1);

/** What a minute of the incident changes. */
export interface Incident {
  /** Multiplies the minute's expected requests (0: an outage). */
  rate?: number;
  /** The share of requests failing. */
  failing?: number;
  /** Multiplies every latency. */
  latency?: number;
}

/** One request of a minute. */
export interface Request {
  status: number;
  durationMs: number;
}

/** The histogram each point's requests are recorded in (reset per point). */
let hist: Histogram | undefined;

/** The probe's generator: a Park-Miller sequence, Poisson counts, Box-Muller normals. */
export class Traffic {
  private seed: number;

  /** `base`: the peak's expected requests a minute. */
  constructor(
    readonly base: number,
    seed = 12345,
  ) {
    this.seed = seed;
  }

  /** A generator that goes on from where this one is (the same minutes follow), this one untouched. */
  clone(): Traffic {
    return new Traffic(this.base, this.seed);
  }

  private rnd(): number {
    this.seed = (this.seed * 16807) % 2147483647;
    return this.seed / 2147483647;
  }

  private gauss(): number {
    return Math.sqrt(-2 * Math.log(this.rnd() || 1e-9)) * Math.cos(2 * Math.PI * this.rnd());
  }

  private poisson(l: number): number {
    if (l > 50) return Math.max(0, Math.round(l + Math.sqrt(l) * this.gauss()));
    const limit = Math.exp(-l);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.rnd();
    } while (p > limit);
    return k - 1;
  }

  /** The expected requests a minute at `t` (ms, UTC). */
  rate(t: number): number {
    const h = (t % (1440 * MIN)) / (60 * MIN);
    return this.base * (0.55 + 0.45 * Math.cos(((h - 15) / 24) * 2 * Math.PI));
  }

  /** The requests of the minute starting at `t`. */
  minute(t: number, incident: Incident = {}): Request[] {
    const n = this.poisson(this.rate(t) * (incident.rate ?? 1));
    const out: Request[] = [];
    for (let i = 0; i < n; i++) {
      const durationMs = Math.exp(Math.log(40) + 0.5 * this.gauss()) * (incident.latency ?? 1);
      out.push({ status: this.rnd() < (incident.failing ?? 0.002) ? 500 : 200, durationMs });
    }
    return out;
  }

  /**
   * The history point of the minute starting at `t` (only the request figures and the latency histogram,
   * encoded as the monitor's bucket points are: nothing sampled).
   */
  point(t: number, incident: Incident = {}): HistoryPoint {
    return pointOf(t, this.minute(t, incident));
  }
}

/**
 * The history point at `t` of `reqs` (only the request figures and the latency histogram, encoded as the monitor's
 * bucket points are: nothing sampled); `covered_seconds` when given.
 */
export function pointOf(t: number, reqs: readonly Request[], coveredSeconds?: number): HistoryPoint {
  hist ??= createHistogram();
  hist.reset();
  for (const r of reqs) recordMs(hist, r.durationMs);
  // A typed array sorts numbers without a comparator call per comparison (the same order: finite durations).
  const sorted = Float64Array.from(reqs, (r) => r.durationMs).sort();
  const p95 = sorted.length > 0 ? (sorted[Math.ceil(0.95 * sorted.length) - 1] as number) : null;
  return {
    t,
    timestamp: new Date(t).toISOString(),
    samples: 0,
    cpu_avg_percent: null,
    cpu_max_percent: null,
    memory_avg_percent: null,
    memory_max_percent: null,
    disk_max_percent: null,
    network_bytes_in_per_sec: null,
    network_bytes_out_per_sec: null,
    event_loop_p99_ms: null,
    heap_used_mb: null,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests: reqs.length,
    errors_4xx: 0,
    errors_5xx: reqs.filter((r) => r.status >= 500).length,
    latency_p50_ms: null,
    latency_p95_ms: p95,
    latency_p99_ms: null,
    latency_avg_ms: null,
    latency_max_ms: null,
    histogram: reqs.length > 0 ? uncompressed(hist) : '',
    ...(coveredSeconds === undefined ? {} : { covered_seconds: coveredSeconds }),
  } as unknown as HistoryPoint;
}

/**
 * The histogram's counts in the V2 encoding, uncompressed: the bytes encodeHistogram deflates (as the history's
 * rollups store them, LatencyCounts.encode(false)), which the analytics read to the same counts. pako's deflate here
 * and its inflate in the analytics were most of a simulated minute's CPU (a deflate state of ~300 KB built and
 * zeroed per call), and neither is what these tests check: the monitor's own compressed points are read through
 * the monitor in anomaly-low-traffic's last tests, and the encoding's own tests are test/latency's.
 */
function uncompressed(h: Histogram): string {
  const c = h as unknown as JsHistogramInternals;
  return encodeV2((i) => c.getCountAtIndex(i), c.countsArrayIndex(c.maxValue) + 1, c, false);
}

/** A week (or `minutes`) of normal traffic learned by the analytics, and the generator where it stopped. */
export interface Learned {
  /** The analytics' saved state (exportState). */
  readonly state: string;
  /** The generator after the learned minutes (clone it per scenario). */
  readonly traffic: Traffic;
  /** The start of the first minute not learned. */
  readonly t: number;
}

const learnedWeeks = new Map<string, Learned>();

/**
 * The analytics learn `minutes` of normal traffic at `base` from DAY1 00:00. Computed once per fork and
 * (base, minutes, seed): a Learned is only read (its state is a string, its traffic cloned per scenario), and a
 * week of scorePoint was most of an anomaly test's CPU (anomaly-error-return learned 11 weeks, 7 of them distinct).
 */
export function learn(base: number, minutes = 7 * 1440, seed = 12345): Learned {
  const key = `${base}/${minutes}/${seed}`;
  const known = learnedWeeks.get(key);
  if (known) return known;
  const a = anomalyAnalytics();
  const traffic = new Traffic(base, seed);
  let t = DAY1;
  for (let m = 0; m < minutes; m++, t += MIN) a.scorePoint(traffic.point(t));
  const learned: Learned = { state: a.exportState(), traffic, t };
  learnedWeeks.set(key, learned);
  return learned;
}

/** One anomaly alert event, at the minute (from the start of the run) whose point was just scored. */
export interface Event {
  minute: number;
  type: AlertEvent['type'];
  series: string;
  message: string;
}

/**
 * Runs `minutes` minutes after the learned ones through the analytics and the default anomaly rule
 * (warning 0.995, critical 1, clear 0.9, pending 3 minutes) on an injected clock; `incident(minute)`
 * says what each minute's incident changes. Returns the anomaly alert events.
 */
export function runAfter(learned: Learned, minutes: number, incident: (minute: number) => Incident): Event[] {
  const a = anomalyAnalytics();
  a.importState(learned.state);
  const traffic = learned.traffic.clone();
  let t = learned.t;
  const events: Event[] = [];
  let minute = 0;
  const alerts = new AlertSystem({
    clock: { now: () => t },
    rules: { anomaly: { enabled: true } },
    onAlert: (e) => {
      if (e.alert.rule === 'anomaly')
        events.push({ minute, type: e.type, series: e.alert.component, message: e.alert.message });
    },
    logger: { warn: () => {}, error: () => {} },
  });
  alerts.addObservationSource((s) => a.observations(s) as never);
  for (; minute < minutes; minute++) {
    a.scorePoint(traffic.point(t, incident(minute)));
    t += MIN;
    alerts.checkThresholds({} as MetricsSnapshot);
  }
  return events;
}
