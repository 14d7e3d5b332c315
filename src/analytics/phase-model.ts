// The phase model of the anomaly detector: finds the series' period (the autocorrelation of block means),
// then counts, for each position in the period (phase bin) and each bin of the seen range, how many past
// values fell there; a value in a (phase, value) cell that is still rare is unusual *for that time of the
// cycle*, and the recent share of such values, against its own decayed record, scores a skipped beat
// (a daily peak that does not come, a weekday that looks like a Sunday) whose values and steps were all
// seen before. It works on a slice of the detector's Float64Array state, so that it serialises with it.

import type { StateSegment } from './detector-codec.js';

/** What the phase model reads from the detector's parameters. */
export interface PhaseParams {
  /** Points per block mean (0 disables the model). */
  readonly phaseBlock: number;
  /** Block means kept for the autocorrelation (the longest period found is half of them). */
  readonly phaseRing: number;
  /** The autocorrelation a period needs at its lag. */
  readonly phaseAcfMin: number;
  /** Phase bins at most (a period is cut into one bin per block, at most this many). */
  readonly phaseBins: number;
  /** A cell is rare below this many periods' worth of points (its share of one period's phase bin). */
  readonly phaseRare: number;
  /** Periods counted before the share's record starts (it scores one period later). */
  readonly phaseLearn: number;
  /** Value bins of the seen range (shared with the context model). */
  readonly contextBins: number;
  /** Smoothing of the share of rare cells, per point (shared with the context model). */
  readonly contextAlpha: number;
  /** Per-point decay of the share's record (shared). */
  readonly contextDecay: number;
  /** The share this many times its record is an onset (shared). */
  readonly contextOnset: number;
  /** The record is taken as at least this share (shared). */
  readonly contextFloor: number;
}

/**
 * Points between two estimates of the period. Each series estimates at its own point of that cycle (from a
 * hash of a value), so that a hundred series do not all compute their autocorrelation in the same
 * minute (one estimate is a few hundred thousand multiplications).
 */
const ESTIMATE_EVERY = 512;
/** Block means needed before a period is estimated. */
const MIN_BLOCKS = 24;
/** The shortest lag whose peak reaches this share of the best one is the period (not a multiple of it). */
const HARMONIC = 0.9;
/** The current period is kept while its autocorrelation reaches this share of the best lag's. */
const STICKY = 0.8;
/** Counts per float64 slot (16 bits each: exact integers well inside 2^53). */
const PER_SLOT = 3;
const COUNT_MAX = 0xffff;

// Offsets into the model's slice.
const SUM = 0;
const CNT = 1;
const BLOCKS = 2;
const PERIOD = 3;
const SINCE = 4;
const SHARE = 5;
const RECORD = 6;
/** The position in the period, 0 to period - 1 (advanced each point, so that a refined period does not jump it). */
const POSITION = 7;
const SNAP = 8;
/** The point of the estimation cycle this series estimates at. */
const OFFSET = 9;
const RING = 10;

/** Float64 slots of the phase model (0 when disabled). */
export function phaseStateSize(p: PhaseParams): number {
  if (!(p.phaseBlock > 0) || !(p.contextBins > 0)) return 0;
  return RING + p.phaseRing + Math.ceil((p.phaseBins * p.contextBins) / PER_SLOT);
}

/** How the model's slots are saved: the scalars and the ring as float64, each slot of counts in 48 bits. */
export function phaseStateLayout(p: PhaseParams): StateSegment[] {
  if (phaseStateSize(p) === 0) return [];
  return [
    ['f64', RING + p.phaseRing],
    ['u48', Math.ceil((p.phaseBins * p.contextBins) / PER_SLOT)],
  ];
}

/** The period found, in points (0: none yet). */
export function phasePeriod(s: Float64Array, o: number): number {
  return s[o + PERIOD] as number;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** A point of the estimation cycle, 0 to ESTIMATE_EVERY - 1, from the bits of a number (scale-free: phaseUpdate). */
function spread(value: number): number {
  bits[0] = value;
  let h = Math.imul((words[0] as number) ^ 0x9e3779b9, 0x85ebca6b) ^ (words[1] as number);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % ESTIMATE_EVERY;
}

let scratch = new Float64Array(0);
let acf = new Float64Array(0);

/** The period in points from the ring's autocorrelation (0: none), keeping the current one while it holds. */
function estimate(s: Float64Array, o: number, p: PhaseParams): number {
  const ring = p.phaseRing;
  const blocks = s[o + BLOCKS] as number;
  const n = Math.min(blocks, ring);
  if (n < MIN_BLOCKS) return 0;
  if (scratch.length < n + 2) scratch = new Float64Array(ring + 2);
  const x = scratch;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const v = s[o + RING + ((blocks - n + i) % ring)] as number;
    x[i] = v;
    mean += v;
  }
  mean /= n;
  let v0 = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean;
    x[i] = d;
    v0 += d * d;
  }
  if (!(v0 > 0)) return 0;
  const maxLag = Math.floor(n / 2);
  const r = (lag: number): number => {
    let c = 0;
    for (let i = lag; i < n; i++) c += (x[i] as number) * (x[i - lag] as number);
    return (c / v0) * (n / (n - lag));
  };
  if (acf.length < maxLag + 2) acf = new Float64Array(Math.floor(ring / 2) + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) acf[lag] = r(lag);
  const peak = (lag: number) =>
    (acf[lag] as number) > (acf[lag - 1] as number) && (acf[lag] as number) >= (acf[lag + 1] as number);
  let best = 0;
  let bestR = p.phaseAcfMin;
  for (let lag = 2; lag <= maxLag; lag++)
    if (peak(lag) && (acf[lag] as number) > bestR) {
      bestR = acf[lag] as number;
      best = lag;
    }
  if (best === 0) return 0;
  let found = 0;
  const current = s[o + PERIOD] as number;
  const lag = Math.round(current / p.phaseBlock);
  if (lag >= 3 && lag < maxLag) {
    // The current period holds: refine it (the best of its lag and the two beside it).
    found = lag;
    if ((acf[lag - 1] as number) > (acf[found] as number)) found = lag - 1;
    if ((acf[lag + 1] as number) > (acf[found] as number)) found = lag + 1;
    if (!((acf[found] as number) >= STICKY * bestR && (acf[found] as number) > p.phaseAcfMin)) found = 0;
  }
  if (found === 0) {
    found = best;
    for (let l = 2; l < best; l++)
      if (peak(l) && (acf[l] as number) >= HARMONIC * bestR) {
        found = l;
        break;
      }
  }
  return found * p.phaseBlock;
}

/**
 * Learns `value` (the detector's point `n`, `lo`..`hi` the bins' range with it, `seenHi` the range's top) into the model at slot `o`
 * of `s`, and returns its score: the share of rare (phase, value) cells against its record, 0 while the
 * period is unknown or still being learned.
 */
export function phaseUpdate(
  s: Float64Array,
  o: number,
  p: PhaseParams,
  value: number,
  lo: number,
  hi: number,
  n: number,
  seenHi = hi,
): number {
  const block = p.phaseBlock;
  s[o + SUM] = (s[o + SUM] as number) + value;
  s[o + CNT] = (s[o + CNT] as number) + 1;
  if (s[o + CNT] === block) {
    const blocks = s[o + BLOCKS] as number;
    s[o + RING + (blocks % p.phaseRing)] = (s[o + SUM] as number) / block;
    s[o + BLOCKS] = blocks + 1;
    s[o + SUM] = 0;
    s[o + CNT] = 0;
  }
  const counts = o + RING + p.phaseRing;
  // The offset comes from the first value that differs from the first one (a series constant so far has no
  // period to find), so that series that all start at 0 still estimate at different points. Scale-free: from
  // the two values' relative difference, quantised (`seenHi`: the range's top, not widened to the bins' least
  // width); the same series in s, ms and us estimated at different points, found different periods and
  // scored up to 0.53 apart (outside review 27, RT27-6). A series that reads 0 (it has an absolute floor
  // anyway) from the value's bits.
  if (n === 0) s[o + OFFSET] = -1;
  else if (s[o + OFFSET] === -1 && lo < seenHi) {
    const q =
      lo * seenHi > 0 ? Math.floor(((seenHi - lo) / (Math.abs(seenHi) + Math.abs(lo))) * 2 ** 30) : value;
    s[o + OFFSET] = spread(q);
  }
  const offset = s[o + OFFSET] as number;
  if (offset >= 0 && (n + 1 + offset) % ESTIMATE_EVERY === 0) {
    const period = estimate(s, o, p);
    const current = s[o + PERIOD] as number;
    if (period > 0 && current > 0 && Math.abs(period - current) <= block) {
      s[o + PERIOD] = period; // a refinement of the same period: what was counted still holds
    } else if (period !== current) {
      // A new period (or none): what was counted for the old one is void.
      s[o + PERIOD] = period;
      s[o + SINCE] = 0;
      s[o + SHARE] = 0;
      s[o + RECORD] = 0;
      s[o + SNAP] = 0;
      s.fill(0, counts, counts + Math.ceil((p.phaseBins * p.contextBins) / PER_SLOT));
    }
  }
  const period = s[o + PERIOD] as number;
  if (period === 0) return 0;
  const position = ((s[o + POSITION] as number) + 1) % period;
  s[o + POSITION] = position;
  const phases = Math.max(1, Math.min(p.phaseBins, Math.floor(period / block)));
  const phase = Math.floor((position * phases) / period);
  const bins = p.contextBins;
  const range = hi - lo;
  const bin = range > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((bins * (value - lo)) / range))) : 0;
  const cell = phase * bins + bin;
  const slot = counts + Math.floor(cell / PER_SLOT);
  const unit = 2 ** (16 * (cell % PER_SLOT));
  const word = s[slot] as number;
  const count = Math.floor(word / unit) % (COUNT_MAX + 1);
  if (count < COUNT_MAX) s[slot] = word + unit;
  const limit = (p.phaseRare * period) / phases;
  const rare = count < limit;
  const since = (s[o + SINCE] as number) + 1;
  s[o + SINCE] = since;
  if (since < period) return 0;
  const share = (s[o + SHARE] as number) + p.contextAlpha * ((rare ? 1 : 0) - (s[o + SHARE] as number));
  s[o + SHARE] = share;
  if (since < p.phaseLearn * period) return 0;
  // The share is compared with its record as it stood at the last block's end: a rise over a few
  // points (a skipped beat) reads against the quiet before it, not against its own first points.
  const snap = since % block === 0 ? (s[o + RECORD] as number) : (s[o + SNAP] as number) * p.contextDecay;
  s[o + RECORD] = Math.max(share, (s[o + RECORD] as number) * p.contextDecay);
  s[o + SNAP] = snap;
  if (since < (p.phaseLearn + 1) * period) return 0;
  return share / Math.max(snap, p.contextFloor);
}
