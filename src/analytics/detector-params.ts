// The anomaly detector's tunables and the one set every series uses (anomaly-detector.ts).

import type { PhaseParams } from './phase-model.js';

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
  /**
   * The resolution's absolute floor (in the series' unit), for a series that reads 0: weighed by the decayed
   * share of its readings that were exactly 0 (smoothed by driftAlpha), so a series that has only read 0
   * has all of it and a series that never reads 0 none (its resolution is then scale-free).
   */
  readonly resolutionFloor: number;
  /** Each feature's record is taken as at least this (in units of the floored noise level). */
  readonly recordFloor: number;
  /** 1: inside an episode, a value back near the baseline the onset left starts no new episode. */
  readonly returnGuard: number;
  /**
   * The monitor's episode lasts at most this many points while its shift persists (the NAB output is not
   * concerned): then the level is taken as the series' usual level and the episode ends.
   */
  readonly episodeMax: number;
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
  episodeMax: 360,
  phaseBlock: 8,
  phaseRing: 512,
  phaseAcfMin: 0.5,
  phaseBins: 64,
  phaseRare: 0.5,
  phaseLearn: 3,
});
