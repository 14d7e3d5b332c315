// The monitor's analytics: an anomaly detector per series fed with the 1-minute history points, the
// disk and memory trends fed with the samples, and the alert observations they give.

import { nodeV8 } from '../builtins.js';
import { MAX_KEY_NAME_LENGTH, wellFormed } from '../custom/well-formed.js';
import { invalidOption } from '../errors.js';
import { errorRateOf, type HistoryPoint, judgedOf } from '../history/point.js';
import { LatencyCounts } from '../latency/latency-counts.js';
import type { MetricsSnapshot } from '../types.js';
import { AnomalyDetector, DEFAULT_DETECTOR_PARAMS } from './anomaly-detector.js';
import { PartialMinutes } from './anomaly-partial-minute.js';
import { CountModel, TAIL_MARGIN } from './count-model.js';
import { LeakDetector } from './memory-leak.js';
import { forecast } from './predict.js';
import {
  type AnalyticsObservation,
  NOISE_MEMORY,
  type PredictRule,
  predictObservations,
  predictWindow,
  safeRead,
} from './predict-observations.js';
import { anomalyObservation, diskFullObservation, leakObservation } from './rule-observations.js';
import {
  type AnomalyRuleConfig,
  DEFAULT_ANOMALY_SERIES,
  type DiskFullRuleConfig,
  type MemoryLeakRuleConfig,
} from './rule-options.js';
import { decodeCountStates, decodeDetectorStates, encodeDetectorStates } from './saved-state.js';
import { SeriesBuffer } from './series-buffer.js';

export type { AnalyticsObservation, PredictRule };
export { predictWindow };

export interface AnalyticsConfig {
  readonly anomaly: AnomalyRuleConfig;
  readonly diskFull: DiskFullRuleConfig;
  readonly memoryLeak: MemoryLeakRuleConfig;
  readonly predict: readonly PredictRule[];
}

/** The anomaly scores of the last scored minute, by series. */
export interface AnomalyScores {
  /** Start of the minute scored (ISO), null before the first. */
  scored_at: string | null;
  /**
   * By series: the detector's score of the minute, or during an episode (the hold-off after an onset,
   * while the shift persists) the onset's score, so that an episode reads as one stretch. A series has no
   * key during its first day (its first ANOMALY_LEARNING_POINTS points: learning, not yet known; not 0).
   */
  scores: Record<string, number>;
  /**
   * By series still learning (not yet scored: its first ANOMALY_LEARNING_POINTS points): the minutes with a value
   * it still needs until its first score, that minute included (1,441 minus the minutes it has learned; a minute
   * without a value, such as latency_p95's without requests, does not count). A series leaves it as it enters
   * `scores`. As of now (a restored model counts at once), not only as of `scored_at`.
   */
  minutes_to_first_score: Record<string, number>;
}

/** How each default series is read from a history point (NaN: nothing to score this minute). */
const POINT_SERIES: Record<string, (p: HistoryPoint) => number> = {
  // null: every sample of the minute failed (nothing measured).
  cpu: (p) => (p.samples > 0 ? (p.cpu_avg_percent ?? Number.NaN) : Number.NaN),
  memory: (p) => (p.samples > 0 ? (p.memory_avg_percent ?? Number.NaN) : Number.NaN),
  event_loop_delay: (p) => (p.samples > 0 ? (p.event_loop_p99_ms ?? Number.NaN) : Number.NaN),
  request_rate: (p) => p.requests,
  // Failed requests, as every error rate counts them: 5xx and aborted requests whose client waited (a timeout
  // storm is an outage without a 5xx); a point of an earlier version has no aborted count (0).
  // Over the judged requests (count_judged): scanners' 404s do not wash an outage out (outside review 24, RT24-4).
  error_rate: (p) =>
    judgedOf(p) > 0
      ? (errorRateOf(judgedOf(p), p.errors_5xx, p.errors_aborted_failed ?? 0) ?? Number.NaN)
      : Number.NaN,
  latency_p95: (p) => (p.requests > 0 ? (p.latency_p95_ms ?? Number.NaN) : Number.NaN),
};

const MINUTE = 60_000;
/** Custom series beyond this many are not scored (bounded state). */
export const MAX_CUSTOM_SERIES = 100;

/**
 * Points a series' detector learns from before its score is reported: one day of 1-minute points, so
 * that it has seen the daily cycle once. Before that every new daily high is a record, and a normal
 * first day raised eight anomaly alerts (outside review); the series simply has no score yet.
 */
export const ANOMALY_LEARNING_POINTS = 1440;

/** The analytics state of one monitor. */
export class Analytics {
  /** @internal */
  readonly config: AnalyticsConfig;
  private readonly detectors = new Map<string, AnomalyDetector>();
  private readonly custom = new Map<string, { sum: number; n: number }>();
  private scores: Pick<AnomalyScores, 'scored_at' | 'scores'> = { scored_at: null, scores: {} };
  /** The count evidence of the two count series and of latency_p95's requests over its usual p95 (count-model.ts). */
  private readonly counts = newCountModels();
  /** The minute's latency histogram, read for the requests over latency_p95's threshold. */
  private readonly latency = new LatencyCounts();
  /** request_rate's partial minutes, held until the minute is whole or left behind. */
  private readonly partial = new PartialMinutes();
  /** The series whose last episode was just accepted (its level taken as the usual one). */
  private readonly accepted = new Set<string>();
  private readonly disks = new Map<string, SeriesBuffer>();
  private readonly leaks = { heap: new LeakDetector(), rss: new LeakDetector() };
  private readonly predictBuffers = new Map<string, SeriesBuffer>();
  private lastPush = new Map<string, number>();
  /** Observations dropped since start: of a series past MAX_CUSTOM_SERIES, or named over MAX_KEY_NAME_LENGTH. @internal */
  dropped = 0;

  /**
   * Built by the monitor (read it as `monitor.analytics`); constructed by hand with no parsed config it throws
   * ERR_SYSVITALS_INVALID_OPTION naming what is missing. @internal
   */
  constructor(config: AnalyticsConfig) {
    const missing = ['anomaly', 'diskFull', 'memoryLeak', 'predict'].filter(
      (k) =>
        typeof config !== 'object' ||
        config === null ||
        (config as unknown as Record<string, unknown>)[k] == null,
    );
    if (missing.length > 0)
      throw invalidOption(
        `new Analytics() needs the monitor's parsed analytics config (missing: ${missing.join(', ')}); use \`monitor.analytics\`, which createMonitor builds.`,
      );
    this.config = config;
    const leak = {
      windowMs: config.memoryLeak.window,
      minGrowthPerHour: config.memoryLeak.minGrowthPerHour,
      segments: 4,
    };
    this.leaks = { heap: new LeakDetector(leak), rss: new LeakDetector(leak) };
    for (const name of DEFAULT_ANOMALY_SERIES) this.detectors.set(name, new AnomalyDetector());
  }

  /**
   * Adds a value of a custom or plugin series to the current minute (the mean is scored when the
   * minute closes). Observing a series opts it in; at most MAX_CUSTOM_SERIES are kept. Its first
   * ANOMALY_LEARNING_POINTS (1,440) minutes are learned, not scored: it has a score from its second day.
   */
  observe(series: string, value: number): void {
    if (typeof series !== 'string' || series === '' || !Number.isFinite(value)) return;
    let acc = this.custom.get(series);
    if (!acc) {
      // Series are filed well-formed (a lone surrogate as U+FFFD: the scrape's UTF-8 has one spelling for both).
      const filed = wellFormed(series);
      if (filed !== series) {
        this.observe(filed, value);
        return;
      }
      // Own keys only: a series named `constructor` or `toString` is a custom one (Object.prototype's are not).
      if (Object.hasOwn(POINT_SERIES, series)) return;
      const kept = this.custom.size < MAX_CUSTOM_SERIES && series.length <= MAX_KEY_NAME_LENGTH;
      if (!kept) return void this.dropped++; // dropped_observations.observed_series
      acc = { sum: 0, n: 0 };
      this.custom.set(series, acc);
      this.detectors.set(series, new AnomalyDetector());
    }
    acc.sum += value;
    acc.n++;
  }

  /** Whether a series was observed in the current minute (the minute closes with a point then). */
  hasObserved(): boolean {
    for (const acc of this.custom.values()) if (acc.n > 0) return true;
    return false;
  }

  /**
   * Scores a closed 1-minute point: returns the scores (also kept for the snapshot). A series is in them from its
   * 1,441st point (ANOMALY_LEARNING_POINTS: its first day is learned, not scored), so during a monitor's first day
   * this returns `{}`: not an error, and not 0.
   */
  scorePoint(point: HistoryPoint): Record<string, number> {
    // No prototype: a custom series may be named `__proto__` (an assignment to it would be dropped).
    const out: Record<string, number> = Object.create(null);
    this.accepted.clear();
    const score = (name: string, det: AnomalyDetector, v: number, count?: CountModel, countScore = 0) => {
      det.update(v, count?.returning, this.config.anomaly.warning);
      const value = round(Math.max(det.monitorScore, countScore));
      if (det.accepted || count?.accepted) this.accepted.add(name);
      if (det.count > ANOMALY_LEARNING_POINTS) out[name] = value;
    };
    for (const [name, read] of Object.entries(POINT_SERIES)) {
      const v = read(point);
      const det = this.detectors.get(name);
      if (!det || !Number.isFinite(v)) continue;
      if (name === 'latency_p95') {
        const tail = this.tailScore(point);
        score(name, det, v, tail === undefined ? undefined : this.counts.latency_p95, tail);
        continue;
      }
      // The count series' exact evidence, read before the detector learns the minute (its resolution).
      if (name === 'request_rate') {
        // A partial minute (after a restart: covered_seconds) is scored once whole, scaled to its covered time.
        const count = this.counts.request_rate;
        for (const n of this.partial.take(point))
          score(name, det, n, count, count.update(n, n, det.resolution / 100));
        continue;
      }
      const failed = (point.errors_5xx ?? 0) + (point.errors_aborted_failed ?? 0);
      const count = name === 'error_rate' ? this.counts.error_rate : undefined;
      score(name, det, v, count, count?.update(failed, judgedOf(point), det.resolution / 100));
    }
    for (const [name, acc] of this.custom) {
      if (acc.n === 0) continue;
      const det = this.detectors.get(name);
      if (det) score(name, det, acc.sum / acc.n);
      acc.sum = 0;
      acc.n = 0;
    }
    this.scores = { scored_at: new Date(point.t).toISOString(), scores: out };
    return out;
  }

  /**
   * The tail model's score of the minute (count-model.ts): its requests over the usual p95 among those its
   * histogram holds; undefined for a point without a histogram (written by hand, or by an old version).
   */
  private tailScore(point: HistoryPoint): number | undefined {
    const lat = this.latency;
    lat.reset();
    lat.addEncoded(point.histogram);
    if (lat.total === 0) return undefined;
    const tail = this.counts.latency_p95;
    const p95 = lat.percentilesMs([95])[0] as number;
    const threshold = tail.threshold || p95;
    const over = lat.countAboveMs(threshold * (1 + TAIL_MARGIN));
    return tail.update(over, lat.total, 0, p95, lat.countAboveMs(threshold));
  }

  /**
   * The last minute's scores (a series has none during its first day: see scorePoint), and the minutes each series
   * still learning needs until its first score.
   */
  getScores(): AnomalyScores {
    // No prototype: a custom series may be named `__proto__` (as in scorePoint).
    const left: Record<string, number> = Object.create(null);
    for (const [name, det] of this.detectors)
      if (det.count <= ANOMALY_LEARNING_POINTS) left[name] = ANOMALY_LEARNING_POINTS + 1 - det.count;
    return {
      scored_at: this.scores.scored_at,
      scores: { ...this.scores.scores },
      minutes_to_first_score: { ...left },
    };
  }

  /** Feeds the trends (one point a minute per series, whatever the sample rate). */
  sample(s: MetricsSnapshot, now: number): void {
    const disk = s.disk;
    if (this.config.diskFull.enabled && disk && disk.status !== 'unknown' && Array.isArray(disk.partitions)) {
      const mounts = new Set<string>();
      for (const p of disk.partitions) {
        mounts.add(p.mount);
        let b = this.disks.get(p.mount);
        if (!b) {
          b = new SeriesBuffer(this.config.diskFull.window, 1024);
          this.disks.set(p.mount, b);
        }
        this.push(`disk:${p.mount}`, b, now, p.used_percent);
      }
      for (const m of this.disks.keys()) if (!mounts.has(m)) this.disks.delete(m);
    }
    const proc = s.process;
    if (this.config.memoryLeak.enabled && proc && proc.status !== 'unknown') {
      if (this.due('leak', now)) {
        this.leaks.heap.push(now, proc.heap_used_mb);
        this.leaks.rss.push(now, proc.rss_mb);
      }
    }
    for (const rule of this.config.predict) {
      for (const [key, value] of safeRead(rule, s)) {
        const id = `${rule.rule}\u0000${key}`;
        let b = this.predictBuffers.get(id);
        if (!b) {
          b = new SeriesBuffer(predictWindow(rule.horizonMs), 1024, NOISE_MEMORY);
          this.predictBuffers.set(id, b);
        }
        this.push(`predict:${id}`, b, now, value);
      }
    }
  }

  /** The alert observations of the analytics rules, as of `now`. @internal */
  observations(s: MetricsSnapshot): AnalyticsObservation[] {
    const out: AnalyticsObservation[] = [];
    this.anomalyObservations(out);
    this.diskObservations(out);
    this.leakObservations(out, s);
    predictObservations(this.config.predict, this.predictBuffers, out);
    return out;
  }

  /** The detectors' state, to survive a restart (JSON; detector-codec.ts says the form). */
  exportState(): string {
    const states: Array<[string, Float64Array]> = [];
    for (const [name, det] of this.detectors) if (det.count > 0) states.push([name, det.state]);
    return encodeDetectorStates(
      states,
      Object.entries(this.counts).map(([name, c]) => [name, c.state]),
    );
  }

  /** Restores what exportState wrote; anything unreadable is ignored (the detectors start fresh). */
  importState(json: string): number {
    let restored = 0;
    for (const [saved, state] of decodeDetectorStates(json)) {
      // Saved before names were filed well-formed: its series is its well-formed name's now (observe()).
      const name = wellFormed(saved);
      if (!Object.hasOwn(POINT_SERIES, name)) {
        if (this.custom.size >= MAX_CUSTOM_SERIES) continue;
        this.custom.set(name, { sum: 0, n: 0 });
      }
      this.detectors.set(name, new AnomalyDetector(DEFAULT_DETECTOR_PARAMS, state));
      restored++;
    }
    // The count models (a state saved before them has none: they start fresh).
    const p = DEFAULT_DETECTOR_PARAMS;
    for (const [name, state] of decodeCountStates(json)) {
      if (name === 'request_rate' || name === 'error_rate' || name === 'latency_p95')
        this.counts[name] = new CountModel(this.counts[name].kind, p.episodeMax, p.holdOff, state);
    }
    return restored;
  }

  private push(id: string, b: SeriesBuffer, now: number, value: number): void {
    if (this.due(id, now)) b.push(now, value);
  }

  /** One trend point a minute per series. */
  private due(id: string, now: number): boolean {
    const last = this.lastPush.get(id);
    if (last !== undefined && now - last < MINUTE && now >= last) return false;
    this.lastPush.set(id, now);
    return true;
  }

  private anomalyObservations(out: AnalyticsObservation[]): void {
    const r = this.config.anomaly;
    if (!r.enabled) return;
    // An onset is reported once by the detector, then held off: the scores keep the onset's for the
    // episode, so that the pending time can pass and the alert clears when the episode ends.
    for (const [series, score] of Object.entries(this.scores.scores)) {
      if (r.series && !r.series.includes(series)) continue;
      out.push(anomalyObservation(r, series, score, this.accepted.has(series) ? EPISODE_HOURS : undefined));
    }
  }

  private diskObservations(out: AnalyticsObservation[]): void {
    const r = this.config.diskFull;
    if (!r.enabled) return;
    for (const [mount, b] of this.disks) {
      const f = forecast(b, 100, 'up', { minPoints: 10, minSpanMs: Math.min(r.window / 2, 3_600_000) });
      if (!f) continue;
      const eta = f.trusted ? f.etaMs : Number.POSITIVE_INFINITY;
      // "% used" is the last reading: a sawtooth's envelope (its peaks) is not what the disk holds now.
      out.push(diskFullObservation(r, mount, eta, b.last(), f.perHour));
    }
  }

  private leakObservations(out: AnalyticsObservation[], s: MetricsSnapshot): void {
    const r = this.config.memoryLeak;
    if (!r.enabled) return;
    const limits = {
      heap: nodeV8().getHeapStatistics().heap_size_limit / 1024 ** 2,
      rss:
        typeof s.memory?.limit_gb === 'number'
          ? s.memory.limit_gb * 1024
          : typeof s.memory?.total_gb === 'number' && s.memory.total_gb > 0
            ? s.memory.total_gb * 1024
            : Number.POSITIVE_INFINITY,
    };
    for (const kind of ['heap', 'rss'] as const) {
      // Hysteresis: raised at the full growth threshold, held while the floor grows at half of it.
      const leak = this.leaks[kind].check(limits[kind]);
      const held = leak ?? this.leaks[kind].check(limits[kind], 0.5);
      const label =
        kind === 'heap' ? 'heap' : typeof s.memory?.limit_gb === 'number' ? 'RSS (container limit)' : 'RSS';
      out.push(leakObservation(r, kind, label, leak, held));
    }
  }
}

/** The episode's longest hold, in hours of 1-minute points (the clearing notice names it). */
const EPISODE_HOURS = DEFAULT_DETECTOR_PARAMS.episodeMax / 60;

/** The count models of request_rate (a drop) and error_rate (a rise). */
function newCountModels(): Record<'request_rate' | 'error_rate' | 'latency_p95', CountModel> {
  const p = DEFAULT_DETECTOR_PARAMS;
  return {
    request_rate: new CountModel('drop', p.episodeMax, p.holdOff),
    error_rate: new CountModel('rise', p.episodeMax, p.holdOff),
    latency_p95: new CountModel('tail', p.episodeMax, p.holdOff),
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
