// What a prediction's raise needs beyond a significant slope when the level is within the series' own noise of
// where it reads now. A flat series just under its level (78 ± 2 under 80) crosses no level, but its slope, tested
// once a minute, is significant by chance now and then (at 98 %, each test 1 %: many tests a day), and with the
// level that close any significant slope forecasts a crossing within the horizon. Further from the level, the time
// to it is a second test (a chance slope must also be steep enough to reach the level in time); this close it is
// none, so the raise then needs the slope significant at a family-wise level: the 1 % split over the window's
// minutes (Bonferroni over up to 60 tests: each 1/6000, z 3.59).

import type { Trend } from './trend.js';

/** Normal quantile of the family-wise interval a raise needs when the level is within the noise band. */
export const Z_FAMILY = 3.59;

/**
 * The same when the regime starts at a change of slope toward the level (change-point.ts `regimeOf`): its start is
 * the best of the hinge positions searched (about 20 in a 30–60 point window), so the 1 % is split over those too
 * (Bonferroni over 60 tests × 20 positions: each 1/120,000, z 4.31). Sen's interval on the stretch after the hinge
 * takes its start as known: on a flat series that dipped by chance, the hinge at the dip's bottom, the stretch after
 * it rose at +0.17 a minute and its Z_FAMILY interval cleared 0 by 0.005 (mulberry32 seed 331270, 92 ± 2 under 95:
 * a false critical page at minute 38).
 */
export const Z_HINGE = 4.31;

/** Normal quantile of the noise band above (going up) the fitted level: a reading's one-sided 90 % prediction bound. */
const Z_BAND = 1.282;

/**
 * The trend with its level the mean of the middle half of the residuals rather than their median: a jitter that
 * alternates ±2 put the median on one side or the other at each reading (the level jumped by 4 a minute, a CPU
 * ramp's critical forecast came 4 minutes early); the middle half's mean sits on the line, and ignores outliers.
 * `noise` is the residuals' standard deviation about that line (n − 2 degrees of freedom).
 */
export function centred(
  trend: Trend | null,
  times: readonly number[],
  values: readonly number[],
): (Trend & { readonly noise: number }) | null {
  if (!trend) return null;
  const res = values.map((y, i) => y - trend.slope * ((times[i] as number) - trend.at)).sort((a, b) => a - b);
  const from = Math.floor(res.length / 4);
  const to = res.length - from;
  let sum = 0;
  for (let i = from; i < to; i++) sum += res[i] as number;
  const level = sum / (to - from);
  let ss = 0;
  for (const r of res) ss += (r - level) ** 2;
  return { ...trend, level, noise: Math.sqrt(ss / Math.max(1, res.length - 2)) };
}

/**
 * Whether `limit` lies within the noise band of the fitted level: within a reading's one-sided 90 % prediction bound
 * about the line now (the fitted level's own error counted, 1/n of the noise's variance), on the level's side.
 */
export function withinNoise(
  level: number,
  noise: number,
  points: number,
  limit: number,
  direction: 'up' | 'down',
): boolean {
  const band = Z_BAND * noise * Math.sqrt(1 + 1 / Math.max(1, points));
  return direction === 'up' ? level + band >= limit : level - band <= limit;
}

/**
 * Milliseconds for a slope noise alone could show to carry the level across `gap` (the limit minus the fitted level,
 * going up): the family-wise interval's half-width about the slope. 0 when the level is already past, or the
 * family-wise interval is unbounded (too few points); Infinity when that half-width is 0.
 */
export function chanceMs(trend: Trend, family: Trend | null, gap: number, direction: 'up' | 'down'): number {
  const toward = direction === 'up' ? gap : -gap;
  if (toward <= 0 || !family) return 0;
  const half = direction === 'up' ? trend.slope - family.slopeLow : family.slopeHigh - trend.slope;
  if (!Number.isFinite(half)) return 0;
  return half > 0 ? toward / half : Number.POSITIVE_INFINITY;
}

/** What the high-confidence raise reads of a regime's forecast (predict.ts RegimeForecast). */
export interface ChanceForecast {
  /** The regime's slope is significant toward the level at the family-wise level (Z_FAMILY). */
  readonly family: boolean;
  /** `chanceMs` of the regime at the level. */
  readonly chanceMs: number;
}

/**
 * The extra condition of a raise at `predictConfidence: 'high'` (on top of the 98 % slope and the time test): when a
 * slope noise alone could show would carry the level to the limit within the horizon (`chanceMs`), the time test
 * filters no chance slope, so the raise needs the slope significant at the family-wise level. It stops a flat series
 * 2–5 % under its level paging (0 of 140 seeded runs per case), at the cost of raising a noisy slow ramp later
 * (docs/predictive.md).
 */
export function beyondChance(f: ChanceForecast, horizonMs: number): boolean {
  return f.family || f.chanceMs > horizonMs;
}

/**
 * One-sided probability of a raise's slope test (the 98 % interval's end, Z_RAISE in predict.ts): 1 %. An envelope's
 * line (a cycle's peaks) is tested at it with Student's t on its turns (`lineSignificant`).
 */
export const RAISE_P = 0.01;

/**
 * Whether the line of slope `slope` through the turns (`times`, `values`) rises (going up; falls going down) beyond
 * what their scatter about it could show at the one-sided level `p`: Student's t with n − 2 degrees of freedom, the
 * scatter taken about the given (Theil–Sen) line, so never less than least squares'. A cycle's envelope has 3–8 turns
 * in a window, and Sen's rank interval of 3 points is their smallest to largest pairwise slope: "significant" whenever
 * the 3 peaks rise, 1 time in 6 by chance (a flat 78 ± 2 whose window read as a three-turn cycle paged: mulberry32 seed
 * 106, minute 150, outside review 42, RT42-8). Turns exactly on a line (a noise-free sawtooth) have no scatter: any
 * slope toward the level is significant.
 */
export function lineSignificant(
  times: readonly number[],
  values: readonly number[],
  slope: number,
  direction: 'up' | 'down',
  p = RAISE_P,
): boolean {
  const n = times.length;
  const toward = direction === 'up' ? slope : -slope;
  if (n < 3 || !(toward > 0)) return false;
  let mt = 0;
  let mr = 0;
  for (let i = 0; i < n; i++) {
    mt += (times[i] as number) / n;
    mr += ((values[i] as number) - slope * ((times[i] as number) - (times[0] as number))) / n;
  }
  let sxx = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    sxx += (t - mt) ** 2;
    ss += ((values[i] as number) - slope * (t - (times[0] as number)) - mr) ** 2;
  }
  if (!(sxx > 0)) return false;
  const se = Math.sqrt(ss / (n - 2) / sxx);
  if (!(se > 1e-12 * Math.abs(slope))) return true;
  return studentTail(toward / se, n - 2) < p;
}

/**
 * P(T > t) for Student's t with `df` (a whole number ≥ 1) degrees of freedom, t ≥ 0: the closed forms of Abramowitz
 * and Stegun 26.7.3–4 (θ = atan(t/√df); a finite sum in cos θ).
 */
export function studentTail(t: number, df: number): number {
  if (!(t > 0)) return 0.5;
  const theta = Math.atan(t / Math.sqrt(df));
  const c2 = Math.cos(theta) ** 2;
  const s = Math.sin(theta);
  let inside: number;
  if (df % 2 === 1) {
    let term = Math.cos(theta);
    let sum = df > 1 ? term : 0;
    for (let k = 3; k <= df - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      sum += term;
    }
    inside = (2 / Math.PI) * (theta + s * sum);
  } else {
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= df - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      sum += term;
    }
    inside = s * sum;
  }
  return Math.max(0, (1 - inside) / 2);
}
