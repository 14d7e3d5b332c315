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
// was; the resolution is a share of the series' own scale, so that the same series in seconds or in
// milliseconds scores the same, with an absolute floor only as far as the series has been reading 0.
// Every score uses only the past.

import type { StateSegment } from './detector-codec.js';
import { DEFAULT_DETECTOR_PARAMS, type DetectorParams } from './detector-params.js';
import {
  EPISODE,
  episodeAccepted,
  episodeRunning,
  LONG_HOLD,
  ONSET,
  ONSET_SCORE,
  stepEpisode,
} from './episode.js';
import { phasePeriod, phaseStateLayout, phaseStateSize, phaseUpdate } from './phase-model.js';
import { keepRangeRun, RANGE_RUN, RANGE_RUN_SLOTS, stepRangeRun } from './range-run.js';

export { DEFAULT_DETECTOR_PARAMS, type DetectorParams } from './detector-params.js';
export { LONG_HOLD, ONSET_SCORE, RETURN_SCORE } from './episode.js';

/** The highest score below a value outside the seen range (which scores 1). */
const MAX_RECORD_SCORE = 0.999;
/**
 * For the monitor, a value outside the seen range scores 1 only beyond it by more than this many of the
 * series' long mean absolute steps (about 1.13 noise sd for white noise): a routine new extreme does not page.
 */
const RANGE_NOISE = 3;
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
// Slots 10 to 13 and 27 are the monitor's episode's (episode.ts).
const DRIFT_MEAN = 14;
const DRIFT_VAR = 15;
/** The context model: the smoothed share of unseen contexts and its decayed record. */
const CTX_NOVEL = 16;
const CTX_RECORD = 17;
const RECORDS = 18;
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

/** Float64 slots after the phase model's: the decayed share of readings that were exactly 0, then the range run (range-run.ts). */
const TAIL_SLOTS = 1 + RANGE_RUN_SLOTS;
/** The tail slots of the layout before the range run (saved state v4): the zero share only. */
const TAIL_SLOTS_V4 = 1;

/** Float64 slots of one detector's state: the core model's, then the phase model's, then the zero share and the range run. */
export function detectorStateSize(params: DetectorParams = DEFAULT_DETECTOR_PARAMS): number {
  return coreStateSize(params) + phaseStateSize(params) + TAIL_SLOTS;
}

/**
 * A state of a previous layout in the current one, or null when it has another size: before the excursion
 * run (`detectorStateSize - 2` slots: no run in progress), or before the zero share too (`detectorStateSize
 * - 3`: the share is 0 when the saved range excludes 0, the series never read it, else 1, the absolute
 * floor as the previous detector had it, fading as the series reads non-zero).
 */
export function upgradeDetectorState(
  old: Float64Array,
  params: DetectorParams = DEFAULT_DETECTOR_PARAMS,
): Float64Array | null {
  const size = detectorStateSize(params);
  const v4 = size - TAIL_SLOTS + TAIL_SLOTS_V4;
  if (old.length !== v4 && old.length !== v4 - 1) return null;
  const state = new Float64Array(size);
  state.set(old);
  if (old.length === v4 - 1) {
    const lo = old[LO] as number;
    const hi = old[HI] as number;
    state[v4 - 1] = old[N] === 0 || (lo <= 0 && hi >= 0) ? 1 : 0;
  }
  return state;
}

/** Float64 slots of the detector's state as saved before the excursion run (saved state v4). */
export function detectorStateSizeV4(params: DetectorParams = DEFAULT_DETECTOR_PARAMS): number {
  return detectorStateSize(params) - TAIL_SLOTS + TAIL_SLOTS_V4;
}

/** How the state's slots are saved (detector-codec.ts): the context set's words 32-bit, the rest as the phase model says. */
export function detectorStateLayout(params: DetectorParams = DEFAULT_DETECTOR_PARAMS): StateSegment[] {
  const scalars = RECORDS + FEATURES + 1 + (params.contextBins > 0 ? params.contextLength : 0);
  const words = coreStateSize(params) - scalars;
  return [['f64', scalars], ['u32', words], ...phaseStateLayout(params), ['f64', TAIL_SLOTS]];
}

/** How the state was saved before the excursion run (saved state v4): the same with one tail slot. */
export function detectorStateLayoutV4(params: DetectorParams = DEFAULT_DETECTOR_PARAMS): StateSegment[] {
  return [...detectorStateLayout(params).slice(0, -1), ['f64', TAIL_SLOTS_V4]];
}

/** Maps a feature's ratio to its record to a score: the onset ratio scores ONSET_SCORE. */
export function ratioScore(ratio: number, onset: number): number {
  if (!(ratio > 0)) return 0;
  if (ratio <= onset) return (ONSET_SCORE * ratio) / onset;
  return Math.min(MAX_RECORD_SCORE, 1 - ((1 - ONSET_SCORE) * onset) / ratio);
}

/**
 * The smallest change that counts on a series whose values so far lie in lo..hi, `zeros` the decayed share
 * of its readings that were 0: a share of its scale, and the absolute floor as far as it reads 0 (a series
 * that has only read 0 has no scale of its own).
 */
function resolutionOf(p: DetectorParams, lo: number, hi: number, zeros: number): number {
  const scaled = p.resolution * Math.max(Math.abs(lo), Math.abs(hi));
  return scaled + zeros * Math.max(0, p.resolutionFloor - scaled);
}

/** One series' detector: `update(value)` returns the anomaly score of that value in [0, 1]. */
export class AnomalyDetector {
  readonly params: DetectorParams;
  /** The whole model (a Float64Array, so that it serialises exactly). */
  readonly state: Float64Array;
  /** Where the phase model's slice of the state starts (-1: disabled). */
  private readonly phaseAt: number;
  /** The slot of the decayed share of readings that were exactly 0. */
  private readonly zerosAt: number;
  /** The monitor's score of the last value (monitorScore). */
  private lastMonitorScore = 0;

  constructor(params: DetectorParams = DEFAULT_DETECTOR_PARAMS, state?: Float64Array) {
    this.params = params;
    this.phaseAt = phaseStateSize(params) > 0 ? coreStateSize(params) : -1;
    const size = detectorStateSize(params);
    this.zerosAt = size - TAIL_SLOTS;
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
   * The onset's score while its episode lasts, 0 otherwise. An episode lasts while the values stay on the
   * onset's side of the baseline the onset was measured against, at least half as far from it (a level
   * shift, not a blip): for the hold-off, or up to `episodeMax` points for a level shift (episode.ts).
   */
  get episodeScore(): number {
    return episodeRunning(this.state) ? (this.state[ONSET] as number) : 0;
  }

  /**
   * What the monitor reads for the last value: the episode's score while it lasts, else the detector's,
   * at most RETURN_SCORE for a return to the usual level in the hold-off after an episode (0 before any
   * value; not saved: the next value sets it).
   */
  get monitorScore(): number {
    return this.lastMonitorScore;
  }

  /** Whether the last episode ended by lasting `episodeMax` points (its level taken as the usual one), in the hold-off after. */
  get accepted(): boolean {
    return episodeAccepted(this.state);
  }

  /** The series' resolution as the values so far give it: the smallest change that counts. */
  get resolution(): number {
    const s = this.state;
    return s[N] === 0
      ? 0
      : resolutionOf(this.params, s[LO] as number, s[HI] as number, s[this.zerosAt] as number);
  }

  /**
   * Scores `value` against the past, then learns it. A non-finite value scores 0 and is skipped.
   * `returning`: the caller knows the value is a return from a shift the detector may not have seen (the
   * count models': count-model.ts), so no episode starts on it and the monitor reads at most RETURN_SCORE
   * for it; `longHold`: an episode of a level shift whose onset scored at least this lasts while its shift
   * does (up to `episodeMax` points), another the hold-off at most (the monitor passes its rule's warning).
   * The score returned (NAB's output) is the same whatever the two.
   */
  update(value: number, returning = false, longHold = LONG_HOLD): number {
    if (!Number.isFinite(value)) return 0;
    const s = this.state;
    const p = this.params;
    const n = s[N] as number;
    // Before the first value the share is that value's (a series that starts at 0 has no scale yet).
    if (n === 0) s[this.zerosAt] = value === 0 ? 1 : 0;
    const zeros = s[this.zerosAt] as number;
    // The range the value bins cut (this value included), each bin at least the series' resolution wide.
    const binLo = n === 0 ? value : Math.min(s[LO] as number, value);
    const seenHi = n === 0 ? value : Math.max(s[HI] as number, value);
    const binHi = binLo + Math.max(seenHi - binLo, p.contextBins * resolutionOf(p, binLo, seenHi, zeros));
    let contextScore = p.contextBins > 0 ? this.context(value, n, binLo, binHi) : 0;
    if (this.phaseAt >= 0) {
      const ratio = phaseUpdate(s, this.phaseAt, p, value, binLo, binHi, n, seenHi);
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
    const eps = resolutionOf(p, lo, hi, zeros);
    // No absolute term beside eps (it was + 1e-9: not scale-free), unless eps is 0 (no floor configured).
    const floor = Math.abs(mean) * 1e-6 + (eps > 0 ? eps : 1e-9);
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
    let monitor = 0;
    if (n >= p.warmup) {
      score = Math.max(ratioScore(ratio, p.onsetRatio), contextScore);
      // Beyond the range by its tolerance, and by at least the resolution (a range of 0, or one far
      // narrower than the series' scale, is not left by a rounding).
      const range = hi - lo;
      const tol = Math.max(range * p.spatialTolerance, eps);
      const recordScore = score;
      const outside = p.spatialTolerance > 0 && tol > 0 && (value > hi + tol || value < lo - tol);
      if (outside) score = 1;
      // The monitor's 1 (critical) needs the value out of the range by more than RANGE_NOISE of the series'
      // usual step: a routine point just past the last extreme (a new daily high of a noisy cycle, a ramp's
      // next high, a count one above its maximum) scores as its features do (outside review rtD). NAB's
      // output keeps the range rule's 1.
      // A ramp's second record in a row (the last value was the extreme) still scores 1.
      const beyond = value > hi ? value - hi : lo - value;
      const prev = s[PREV] as number;
      const again = value > hi ? prev >= hi : prev <= lo;
      // RANGE_RUN readings in a row beyond the range before them score 1 while they last (range-run.ts).
      let run = stepRangeRun(s, this.zerosAt + 1, { value, hi, lo, margin: Math.max(tol, longStep) });
      const held = Math.abs(run) >= RANGE_RUN;
      const raw = held ? 1 : outside && !again && beyond <= RANGE_NOISE * longStep ? recordScore : score;
      // Report an onset once: for holdOff points after it, scores stay below the onset (NAB's output).
      const hold = s[HOLD] as number;
      if (hold > 0) {
        s[HOLD] = hold - 1;
        score = Math.min(score, HELD_SCORE);
      } else if (score >= ONSET_SCORE) {
        s[HOLD] = p.holdOff;
      }
      const distance = Math.abs(value - mean) / sd;
      const wasAccepted = episodeAccepted(s);
      monitor = stepEpisode(s, p, {
        value,
        mean,
        raw,
        score: Math.min(score, raw),
        distance,
        returning,
        longHold,
      });
      // While the run holds the monitor reads 1 (an episode alone may last only the hold-off); a level taken
      // as the usual one (its episode accepted now, or episodeMax readings) ends the run.
      if ((episodeAccepted(s) && !wasAccepted) || Math.abs(run) > p.episodeMax) run = 0;
      else if (held && !returning) monitor = 1;
      keepRangeRun(s, this.zerosAt + 1, run);
    }
    this.lastMonitorScore = monitor;

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
    s[this.zerosAt] = zeros + da * ((value === 0 ? 1 : 0) - zeros);
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
