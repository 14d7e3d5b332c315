// A streaming anomaly detector for one series: multi-scale robust deviations from a slow baseline,
// ranked against the series' own history of deviations (a record scores near 1), plus a spatial
// rule for values outside the range seen so far. Every score uses only the past.

/** Tunables of the detector; ONE set is used for every series (see DEFAULT_DETECTOR_PARAMS). */
export interface DetectorParams {
  /** Smoothing of the slow baseline (mean and variance), per point. */
  readonly slowAlpha: number;
  /** Smoothing of the fast mean, per point (level shifts). */
  readonly fastAlpha: number;
  /** Points learned before any score above 0 is given. */
  readonly warmup: number;
  /** A value this fraction of the seen range beyond the seen min or max scores 1 (0 disables). */
  readonly spatialTolerance: number;
  /** Per-point decay of the histogram of past deviations (how fast the rank forgets). */
  readonly rankDecay: number;
  /** Points averaged into the deviation that is ranked. */
  readonly shortWindow: number;
  /** 0: rank the deviation; 1: likelihood z mapped by z/(z+zScale). */
  readonly output: number;
  readonly zScale: number;
  /** Per-point decay of the seen min and max towards the baseline (0: never forget). */
  readonly rangeDecay: number;
}

/** The one parameter set every series uses. */
export const DEFAULT_DETECTOR_PARAMS: DetectorParams = Object.freeze({
  slowAlpha: 0.01,
  fastAlpha: 0.2,
  warmup: 150,
  spatialTolerance: 0.03,
  rankDecay: 0.999,
  shortWindow: 1,
  output: 0,
  zScale: 5,
  rangeDecay: 0,
});

// Indices into the state array: scalars, then the ring of deviations, then the histogram.
const N = 0;
const MIN = 1;
const MAX = 2;
const MEAN = 3;
const VAR = 4;
const FAST = 5;
const RSUM = 6;
const RPOS = 7;
const LMEAN = 8;
const LVAR = 9;
const HTOTAL = 10;
const HTOP = 11;
const HWEIGHT = 12;
const SCALARS = 13;
/** Histogram bins of log2(1 + deviation) × 8: deviations up to 2^16 standard deviations. */
export const RANK_BINS = 128;

/** Standard normal upper tail Q(z) (Abramowitz–Stegun 7.1.26 on erfc). */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Bytes of state one detector keeps with these parameters. */
export function detectorStateSize(params: DetectorParams): number {
  return SCALARS + params.shortWindow + RANK_BINS;
}

/** One series' detector: `update(value)` returns the anomaly score of that value in [0, 1]. */
export class AnomalyDetector {
  readonly params: DetectorParams;
  /** The whole model: scalars, the ring of recent deviations, the histogram of past deviations. */
  readonly state: Float64Array;
  private readonly ringAt: number;
  private readonly histAt: number;

  constructor(params: DetectorParams = DEFAULT_DETECTOR_PARAMS, state?: Float64Array) {
    this.params = params;
    this.ringAt = SCALARS;
    this.histAt = SCALARS + params.shortWindow;
    const size = detectorStateSize(params);
    this.state = state && state.length === size ? state : new Float64Array(size);
  }

  /** Points seen. */
  get count(): number {
    return this.state[N] as number;
  }

  /** Scores `value` against the past, then learns it. A non-finite value scores 0 and is skipped. */
  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    const s = this.state;
    const p = this.params;
    const n = s[N] as number;
    if (n === 0) {
      s[MIN] = value;
      s[MAX] = value;
      s[MEAN] = value;
      s[FAST] = value;
    }
    const min = s[MIN] as number;
    const max = s[MAX] as number;
    const range = max - min;
    let spatial = false;
    if (n >= p.warmup && p.spatialTolerance > 0 && range > 0) {
      const tol = range * p.spatialTolerance;
      spatial = value > max + tol || value < min - tol;
    }

    // Deviations from the slow baseline, in slow standard deviations: the point and the fast mean.
    const mean = s[MEAN] as number;
    const variance = s[VAR] as number;
    const sd = Math.sqrt(variance) + 1e-6 * (Math.abs(mean) + 1e-3);
    const fast = (s[FAST] as number) + p.fastAlpha * (value - (s[FAST] as number));
    const dev = Math.max(Math.abs(value - mean), Math.abs(fast - mean)) / sd;

    // Learn: baseline, fast mean, range.
    const a = Math.max(p.slowAlpha, 1 / (n + 1));
    const diff = value - mean;
    s[MEAN] = mean + a * diff;
    s[VAR] = (1 - a) * (variance + a * diff * diff);
    s[FAST] = fast;
    if (value < min) s[MIN] = value;
    else if (p.rangeDecay > 0) s[MIN] = min + p.rangeDecay * ((s[MEAN] as number) - min);
    if (value > max) s[MAX] = value;
    else if (p.rangeDecay > 0) s[MAX] = max - p.rangeDecay * (max - (s[MEAN] as number));

    // The short mean of deviations.
    const w = p.shortWindow;
    const pos = s[RPOS] as number;
    const old = s[this.ringAt + pos] as number;
    s[this.ringAt + pos] = dev;
    s[RPOS] = (pos + 1) % w;
    const rsum = (s[RSUM] as number) - old + dev;
    s[RSUM] = rsum;
    const avg = rsum / Math.min(w, n + 1);

    let score = 0;
    if (p.output === 0) {
      // Rank against the decayed histogram of past short means: the share of the past at or above.
      // Decay is lazy: each new point weighs 1/decay more than the one before (rescaled when large).
      const bin = Math.min(RANK_BINS - 1, Math.floor(Math.log2(1 + avg) * 8));
      const at = this.histAt;
      const total = s[HTOTAL] as number;
      const top = s[HTOP] as number;
      let weight = s[HWEIGHT] as number;
      if (weight === 0) weight = 1;
      if (n >= p.warmup && total > 0) {
        let above = 0.5 * (s[at + bin] as number);
        for (let i = bin + 1; i <= top; i++) above += s[at + i] as number;
        score = 1 - (above + 0.5 * weight) / (total + weight);
      }
      weight /= p.rankDecay;
      s[at + bin] = (s[at + bin] as number) + weight;
      s[HTOTAL] = total + weight;
      if (bin > top) s[HTOP] = bin;
      if (weight > 1e200) {
        for (let i = 0; i < RANK_BINS; i++) s[at + i] = (s[at + i] as number) / weight;
        s[HTOTAL] = (s[HTOTAL] as number) / weight;
        weight = 1;
      }
      s[HWEIGHT] = weight;
    } else {
      const lmean = s[LMEAN] as number;
      const lvar = s[LVAR] as number;
      if (n >= p.warmup) {
        const zl = (avg - lmean) / (Math.sqrt(lvar) + 1e-4);
        score = zl > 0 ? zl / (zl + p.zScale) : 0;
      }
      const la = Math.max(0.002, 1 / (n + 1));
      const ldiff = avg - lmean;
      s[LMEAN] = lmean + la * ldiff;
      s[LVAR] = (1 - la) * (lvar + la * ldiff * ldiff);
    }
    if (spatial) score = 1;
    s[N] = n + 1;
    return score;
  }
}
