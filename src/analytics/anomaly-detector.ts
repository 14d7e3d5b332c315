// A streaming anomaly detector for one series: a few features of each point (its deviation above
// and below a slow and a drift baseline, the jump from the previous point, the short mean's shift,
// the noise flattening or agitating), each compared with the decayed record of its own past values; a new
// record by the onset ratio is an anomaly's onset, reported once, then held off for a while. A value
// beyond the range ever seen scores 1. A context model (in the spirit of contextual detectors such as
// CAD OSE) catches a pattern that breaks without breaking any record: each value is put in one of a
// few bins of the seen range, the last few bins form a context, a bounded set remembers every context
// seen, and the recent share of unseen contexts, against its own decayed record, is one more way to an
// onset. A phase model (phase-model.ts) finds the series' period and scores values that are rare for
// their position in it: a daily cycle that skips a beat with values and steps all seen before. A change
// smaller than the series' resolution (a share of its scale) is no surprise, however quiet the series
// was. Every score uses only the past.

import type { StateSegment } from './detector-codec.js';
import {
  type PhaseParams,
  phasePeriod,
  phaseStateLayout,
  phaseStateSize,
  phaseUpdate,
} from './phase-model.js';

/** Tunables of the detector; ONE set is used for every series (see DEFAULT_DETECTOR_PARAMS). */
export interface DetectorParams extends PhaseParams {
  /** Smoothing of the slow baseline (mean and variance), per point. */
  readonly slowAlpha: number;
  /** Smoothing of the short mean and of the short mean absolute step, per point. */
  readonly shortAlpha: number;
  /** Smoothing of the long mean absolute step, per point. */
  readonly longAlpha: number;
  /** Per-point decay of each feature's record (how fast a past extreme is forgotten). */
  readonly recordDecay: number;
  /** Points learned before any score above 0 is given. */
  readonly warmup: number;
  /** A value this fraction of the seen range beyond the seen min or max scores 1 (0 disables). */
  readonly spatialTolerance: number;
  /** A feature this many times its decayed record is an onset (scores 0.99). */
  readonly onsetRatio: number;
  /** Points after an onset during which scores are capped below the onset (0 disables). */
  readonly holdOff: number;
  /** Smoothing of the drift baseline, much slower than the slow one (mean and variance), per point. */
  readonly driftAlpha: number;
  /** Bins of the seen range a value is put in, for the context model (0 disables it). */
  readonly contextBins: number;
  /** Values (their bins) per context; contextBins ** contextLength contexts can be remembered. */
  readonly contextLength: number;
  /** Smoothing of the share of unseen contexts, per point. */
  readonly contextAlpha: number;
  /** Per-point decay of the record of that share. */
  readonly contextDecay: number;
  /** The share this many times its record is an onset (scores 0.99). */
  readonly contextOnset: number;
  /** The record is taken as at least this share (a series that repeats itself exactly). */
  readonly contextFloor: number;
  /** Points before the share's record starts; it scores from twice this many points on. */
  readonly contextWarmup: number;
  /**
   * The series' resolution, relative to its scale (the largest magnitude seen): a change smaller than
   * this share of the scale is not a change (it floors the noise levels, the range the bins cut and
   * the spatial rule's margin), so that a series that never moved is not surprised by a rounding.
   */
  readonly resolution: number;
  /** The resolution's absolute floor, for a series whose scale is 0 (every value so far 0). */
  readonly resolutionFloor: number;
  /** Each feature's record is taken as at least this (in units of the floored noise level). */
  readonly recordFloor: number;
  /** 1: inside an episode, a value back near the baseline the onset left starts no new episode. */
  readonly returnGuard: number;
}

/** The one parameter set every series uses. */
export const DEFAULT_DETECTOR_PARAMS: DetectorParams = Object.freeze({
  slowAlpha: 0.01,
  shortAlpha: 0.05,
  longAlpha: 0.001,
  recordDecay: 0.9999,
  warmup: 150,
  spatialTolerance: 0.01,
  onsetRatio: 1.17,
  holdOff: 30,
  driftAlpha: 0.0003,
  contextBins: 10,
  contextLength: 3,
  contextAlpha: 0.03,
  contextDecay: 0.9995,
  contextOnset: 1.3,
  contextFloor: 0.05,
  contextWarmup: 300,
  resolution: 0.003,
  resolutionFloor: 0.05,
  recordFloor: 1,
  returnGuard: 1,
  phaseBlock: 8,
  phaseRing: 512,
  phaseAcfMin: 0.5,
  phaseBins: 64,
  phaseRare: 0.5,
  phaseLearn: 3,
});

/** The score of an onset: a feature `onsetRatio` times its record. */
export const ONSET_SCORE = 0.99;
/** The highest score below a value outside the seen range (which scores 1). */
const MAX_RECORD_SCORE = 0.999;
/** Scores during the hold-off after an onset stay at or below this. */
const HELD_SCORE = 0.98;

// Indices into the state array: scalars, then each feature's record.
const N = 0;
const MEAN = 1;
const VAR = 2;
const LO = 3;
const HI = 4;
const PREV = 5;
const SHORT = 6;
const LONG_STEP = 7;
const SHORT_STEP = 8;
const HOLD = 9;
const ONSET = 10;
/** At the onset: the baseline and the value's signed distance from it (the episode's reference). */
const ONSET_MEAN = 11;
const ONSET_DIST = 12;
/** Whether the last value still stood at least half the onset's distance from the onset's baseline. */
const PERSISTS = 13;
const DRIFT_MEAN = 14;
const DRIFT_VAR = 15;
/** The context model: the smoothed share of unseen contexts and its decayed record. */
const CTX_NOVEL = 16;
const CTX_RECORD = 17;
const RECORDS = 18;
/** Points left in the monitor's episode (its own count: a second onset inside a hold-off restarts it). */
const EPISODE = RECORDS + 9;
/**
 * Features: above/below the slow baseline, step, short mean above/below the slow baseline, noise
 * flattening, noise agitation, above/below the drift baseline.
 */
const FEATURES = 9;
/** Points learned before the records start (the baseline's first estimates are rough). */
const RECORD_START = 30;

/** Contexts the context model can tell apart (each is one bit of the set of seen contexts). */
function contextCount(p: DetectorParams): number {
  return p.contextBins > 0 ? p.contextBins ** p.contextLength : 0;
}

/** Float64 slots of the scalars, records, episode, last bins and seen-context bits (the phase model follows). */
function coreStateSize(params: DetectorParams): number {
  const bins = params.contextBins > 0 ? params.contextLength : 0;
  return RECORDS + FEATURES + 1 + bins + Math.ceil(contextCount(params) / 32);
}

/** Float64 slots of one detector's state: the core model's, then the phase model's. */
export function detectorStateSize(params: DetectorParams = DEFAULT_DETECTOR_PARAMS): number {
  return coreStateSize(params) + phaseStateSize(params);
}

/** How the state's slots are saved (detector-codec.ts): the context set's words 32-bit, the rest as the phase model says. */
export function detectorStateLayout(params: DetectorParams = DEFAULT_DETECTOR_PARAMS): StateSegment[] {
  const scalars = RECORDS + FEATURES + 1 + (params.contextBins > 0 ? params.contextLength : 0);
  const words = coreStateSize(params) - scalars;
  return [['f64', scalars], ['u32', words], ...phaseStateLayout(params)];
}

/** Maps a feature's ratio to its record to a score: the onset ratio scores ONSET_SCORE. */
export function ratioScore(ratio: number, onset: number): number {
  if (!(ratio > 0)) return 0;
  if (ratio <= onset) return (ONSET_SCORE * ratio) / onset;
  return Math.min(MAX_RECORD_SCORE, 1 - ((1 - ONSET_SCORE) * onset) / ratio);
}

/** The smallest change that counts on a series whose values so far lie in lo..hi (0: any change). */
function resolutionOf(p: DetectorParams, lo: number, hi: number): number {
  return Math.max(p.resolution * Math.max(Math.abs(lo), Math.abs(hi)), p.resolutionFloor);
}

/** One series' detector: `update(value)` returns the anomaly score of that value in [0, 1]. */
export class AnomalyDetector {
  readonly params: DetectorParams;
  /** The whole model (a Float64Array, so that it serialises exactly). */
  readonly state: Float64Array;
  /** Where the phase model's slice of the state starts (-1: disabled). */
  private readonly phaseAt: number;

  constructor(params: DetectorParams = DEFAULT_DETECTOR_PARAMS, state?: Float64Array) {
    this.params = params;
    this.phaseAt = phaseStateSize(params) > 0 ? coreStateSize(params) : -1;
    const size = detectorStateSize(params);
    this.state = state && state.length === size ? state : new Float64Array(size);
  }

  /** Points seen. */
  get count(): number {
    return this.state[N] as number;
  }

  /** The period the phase model found, in points (0: none yet, or the model is disabled). */
  get period(): number {
    return this.phaseAt >= 0 ? phasePeriod(this.state, this.phaseAt) : 0;
  }

  /** Points left in the hold-off after the last onset (0: none). */
  get holding(): number {
    return this.state[HOLD] as number;
  }

  /**
   * The onset's score while its episode lasts, 0 otherwise: what an alert rule reads. An episode
   * lasts through the hold-off while each value stays on the onset's side of the baseline the onset
   * was measured against, at least half as far from it (a level shift, not a blip).
   */
  get episodeScore(): number {
    return (this.state[EPISODE] as number) > 0 && this.state[PERSISTS] === 1
      ? (this.state[ONSET] as number)
      : 0;
  }

  /** Scores `value` against the past, then learns it. A non-finite value scores 0 and is skipped. */
  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    const s = this.state;
    const p = this.params;
    const n = s[N] as number;
    // The range the value bins cut (this value included), each bin at least the series' resolution wide.
    const binLo = n === 0 ? value : Math.min(s[LO] as number, value);
    const seenHi = n === 0 ? value : Math.max(s[HI] as number, value);
    const binHi = binLo + Math.max(seenHi - binLo, p.contextBins * resolutionOf(p, binLo, seenHi));
    let contextScore = p.contextBins > 0 ? this.context(value, n, binLo, binHi) : 0;
    if (this.phaseAt >= 0) {
      const ratio = phaseUpdate(s, this.phaseAt, p, value, binLo, binHi, n);
      contextScore = Math.max(contextScore, ratioScore(ratio, p.contextOnset));
    }
    if (n === 0) {
      s[MEAN] = value;
      s[LO] = value;
      s[HI] = value;
      s[PREV] = value;
      s[SHORT] = value;
      s[DRIFT_MEAN] = value;
    }
    const mean = s[MEAN] as number;
    const variance = s[VAR] as number;
    const lo = s[LO] as number;
    const hi = s[HI] as number;
    // The smallest change that counts: the series' resolution (a constant series does not divide by zero,
    // and a change far below its scale is not a surprise however quiet the series was).
    const eps = resolutionOf(p, lo, hi);
    const floor = Math.abs(mean) * 1e-6 + 1e-9 + eps;
    const sd = Math.sqrt(variance) + floor;
    const step = Math.abs(value - (s[PREV] as number));
    const short = (s[SHORT] as number) + p.shortAlpha * (value - (s[SHORT] as number));
    const rawLongStep = s[LONG_STEP] as number;
    const longStep = rawLongStep + floor;
    const shortStep = (s[SHORT_STEP] as number) + p.shortAlpha * (step - (s[SHORT_STEP] as number));

    const driftMean = s[DRIFT_MEAN] as number;
    const driftSd = Math.sqrt(s[DRIFT_VAR] as number) + floor;

    // The features, each compared with its decayed record, then the record learns it.
    let ratio = 0;
    for (let i = 0; i < FEATURES; i++) {
      let f: number;
      if (i === 0) f = Math.max(0, value - mean) / sd;
      else if (i === 1) f = Math.max(0, mean - value) / sd;
      else if (i === 2) f = step / longStep;
      else if (i === 3) f = Math.max(0, short - mean) / sd;
      else if (i === 4) f = Math.max(0, mean - short) / sd;
      // The noise flattening or agitating: the floor only in the denominator, so that a series with no
      // noise at all (a constant) has neither, instead of sitting at its record (ratio 1) every point.
      else if (i === 5) f = rawLongStep / (shortStep + floor);
      else if (i === 6) f = shortStep / longStep;
      else if (i === 7) f = Math.max(0, value - driftMean) / driftSd;
      else f = Math.max(0, driftMean - value) / driftSd;
      const record = s[RECORDS + i] as number;
      const against = Math.max(record, p.recordFloor);
      if (against > 0 && f / against > ratio) ratio = f / against;
      if (n >= RECORD_START) s[RECORDS + i] = Math.max(f, record * p.recordDecay);
    }

    let score = 0;
    if (n >= p.warmup) {
      score = Math.max(ratioScore(ratio, p.onsetRatio), contextScore);
      // Beyond the range by its tolerance, and by at least the resolution (a range of 0, or one far
      // narrower than the series' scale, is not left by a rounding).
      const range = hi - lo;
      const tol = Math.max(range * p.spatialTolerance, eps);
      if (p.spatialTolerance > 0 && tol > 0 && (value > hi + tol || value < lo - tol)) score = 1;
      const raw = score;
      // Report an onset once: for holdOff points after it, scores stay below the onset (NAB's output).
      const hold = s[HOLD] as number;
      if (hold > 0) {
        s[HOLD] = hold - 1;
        score = Math.min(score, HELD_SCORE);
      } else if (score >= ONSET_SCORE) {
        s[HOLD] = p.holdOff;
      }
      // The monitor's episode: while the series stays on the onset's side of the baseline at least
      // half as far, it keeps the onset's score. A second onset inside it (the first one over, or a
      // stronger one) starts a new episode, so that a real incident minutes after a noise onset is
      // carried through the alert's pending time instead of being capped with the held output.
      // A value back within half the onset's distance of the baseline the onset left is a return to the
      // usual level: its jump and the noise it stirs are the blip's, and it starts no episode.
      const left = s[EPISODE] as number;
      let start = left <= 0 && raw >= ONSET_SCORE;
      if (left > 0) {
        s[EPISODE] = left - 1;
        const dist = s[ONSET_DIST] as number;
        const d = value - (s[ONSET_MEAN] as number);
        if (s[PERSISTS] === 1 && !(dist > 0 ? d >= dist / 2 : d <= dist / 2)) s[PERSISTS] = 0;
        const back = p.returnGuard > 0 && Math.abs(d) < Math.abs(dist) / 2;
        start = raw >= ONSET_SCORE && !back && (s[PERSISTS] === 0 || raw > (s[ONSET] as number));
      }
      if (start) {
        s[EPISODE] = p.holdOff;
        s[ONSET] = raw;
        s[ONSET_MEAN] = mean;
        s[ONSET_DIST] = value - mean;
        s[PERSISTS] = 1;
      }
    }

    // Learn: baseline, short means, range.
    const a = Math.max(p.slowAlpha, 1 / (n + 1));
    const diff = value - mean;
    s[MEAN] = mean + a * diff;
    const da = Math.max(p.driftAlpha, 1 / (n + 1));
    const dd = value - (s[DRIFT_MEAN] as number);
    s[DRIFT_MEAN] = (s[DRIFT_MEAN] as number) + da * dd;
    s[DRIFT_VAR] = (1 - da) * ((s[DRIFT_VAR] as number) + da * dd * dd);
    s[VAR] = (1 - a) * (variance + a * diff * diff);
    const la = Math.max(p.longAlpha, 1 / (n + 1));
    s[LONG_STEP] = (s[LONG_STEP] as number) + la * (step - (s[LONG_STEP] as number));
    s[SHORT_STEP] = shortStep;
    s[SHORT] = short;
    s[PREV] = value;
    if (value < lo) s[LO] = value;
    if (value > hi) s[HI] = value;
    s[N] = n + 1;
    return score;
  }

  /**
   * The context model: bins `value` in the seen range (this value included), looks its context (its
   * bin and the previous contextLength - 1 bins) up in the set of seen contexts and adds it, and
   * scores the smoothed share of unseen contexts against its decayed record.
   */
  private context(value: number, n: number, lo: number, hi: number): number {
    const s = this.state;
    const p = this.params;
    const bins = p.contextBins;
    const len = p.contextLength;
    const range = hi - lo;
    const bin = range > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((bins * (value - lo)) / range))) : 0;
    // The last bins, oldest first, then the set's bits (32 per slot).
    const ring = EPISODE + 1;
    for (let i = 0; i < len - 1; i++) s[ring + i] = s[ring + i + 1] as number;
    s[ring + len - 1] = bin;
    if (n + 1 < len) return 0;
    let code = 0;
    for (let i = 0; i < len; i++) code = code * bins + (s[ring + i] as number);
    const slot = ring + len + (code >>> 5);
    const bit = 1 << (code & 31);
    const word = s[slot] as number;
    const seen = (word & bit) !== 0;
    if (!seen) s[slot] = (word | bit) >>> 0;
    const novel = (s[CTX_NOVEL] as number) + p.contextAlpha * ((seen ? 0 : 1) - (s[CTX_NOVEL] as number));
    s[CTX_NOVEL] = novel;
    if (n + 1 < p.contextWarmup) return 0;
    const record = s[CTX_RECORD] as number;
    s[CTX_RECORD] = Math.max(novel, record * p.contextDecay);
    if (n + 1 < 2 * p.contextWarmup) return 0;
    return ratioScore(novel / Math.max(record, p.contextFloor), p.contextOnset);
  }
}
