// Robust linear trend of a time series: the Theil–Sen slope (median of pairwise slopes) with Sen's
// rank-based confidence interval, so that one outlier or a noisy stretch does not make a trend.

/** A fitted trend; slope in value units per millisecond. */
export interface Trend {
  /** Median pairwise slope, units per ms. */
  readonly slope: number;
  /** Lower and upper ends of the ~90 % confidence interval of the slope (Sen's method). */
  readonly slopeLow: number;
  readonly slopeHigh: number;
  /** The fitted value at `at` (median of value − slope × t, evaluated at the last time). */
  readonly level: number;
  /** Time of the last point used, epoch ms. */
  readonly at: number;
  /** Points used (after thinning). */
  readonly points: number;
  /** Time between the first and the last point, ms. */
  readonly spanMs: number;
}

/** At most this many points go into the pairwise slopes (evenly thinned): 120 points = 7,140 pairs. */
export const MAX_TREND_POINTS = 120;

const Z90 = 1.645;

/** The pairwise slopes of the fit in progress: room for those of MAX_TREND_POINTS points. */
const SLOPES = new Float64Array((MAX_TREND_POINTS * (MAX_TREND_POINTS - 1)) / 2);

/** Options of `theilSen`. */
export interface TheilSenOptions {
  /**
   * How many independent observations the points stand for, when fewer than the points (each point a
   * trailing mean over windows that overlap its neighbours', say). Sen's interval is then taken at the
   * same quantiles of the pairwise slopes as for that many independent points. With fewer than 5 the
   * interval is unbounded (slopeLow −Infinity, slopeHigh +Infinity): Sen's lower rank (N − C) / 2 is
   * below 1 at 90 %, so no slope is an end. (It used to span every slope, which on overlapping means is
   * no interval at all: two days of history, one busier than the other, gave a growth of 30 "between 30
   * and 30".) Without the option, 40 hours of flat memory, fitted through hourly trailing-day means,
   * claimed a growth in over half the runs.
   */
  readonly independent?: number;
  /**
   * The normal quantile of the interval: 1.645 (the default) for the ~90 % interval, whose ends are each exceeded
   * 5 % of the time; 2.326 for a 98 % one, each end 1 %: a prediction raises on that stricter one (predict.ts).
   */
  readonly z?: number;
  /**
   * The lag-1 autocorrelation of the series' noise (`serialCorrelation`; 0, the default: independent points). Sen's
   * interval is widened by the variance inflation of the Mann–Kendall statistic it gives (`serialInflation`, n / n_eff:
   * Hamed and Rao 1998), its half-width in ranks z·√(inflation · Var S); with the points thinned to MAX_TREND_POINTS,
   * at the thinned spacing (ρ to the power of the step). Ignored with `independent`.
   */
  readonly rho?: number;
}

/**
 * Theil–Sen fit of `values` over `times` (ascending, epoch ms). Non-finite values are skipped.
 * Returns null with fewer than 3 usable points or no time span.
 */
export function theilSen(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  options: TheilSenOptions = {},
): Trend | null {
  return theilSenEach(times, values, [options])[0] ?? null;
}

/**
 * The Theil–Sen fits of the same points under several options (their intervals differ, the slope and level do
 * not): each `theilSen(times, values, options[i])`, with the pairwise slopes computed and selected once.
 */
export function theilSenEach(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  each: readonly TheilSenOptions[],
): Array<Trend | null> {
  const none = each.map(() => null);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const x = times[i] as number;
    const y = values[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      t.push(x);
      v.push(y);
    }
  }
  let n = t.length;
  const used = n;
  if (n < 3) return none;
  if (n > MAX_TREND_POINTS) {
    const tt: number[] = [];
    const vv: number[] = [];
    for (let k = 0; k < MAX_TREND_POINTS; k++) {
      const i = Math.round((k * (n - 1)) / (MAX_TREND_POINTS - 1));
      tt.push(t[i] as number);
      vv.push(v[i] as number);
    }
    t.splice(0, n, ...tt);
    v.splice(0, n, ...vv);
    n = MAX_TREND_POINTS;
  }
  const first = t[0] as number;
  const last = t[n - 1] as number;
  if (!(last > first)) return none;
  // One buffer for every fit (the fit is synchronous): a new 57 KB array per fit kept the collector busy.
  const slopes = SLOPES;
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dt = (t[j] as number) - (t[i] as number);
      if (dt > 0) slopes[m++] = ((v[j] as number) - (v[i] as number)) / dt;
    }
  }
  if (m === 0) return none;
  // Sen (1968): the interval's ends are order statistics of the slopes around the median.
  const step = (used - 1) / (n - 1);
  const ends = each.map((options) =>
    senRanks(options, n, m, options.rho ? serialInflation(n, options.rho ** step) : 1),
  );
  // Only the median and the interval's ends are read: selected in place (linear time), not sorted (7,140 slopes
  // sorted took ~1 ms, most of a predict rule's evaluation; the selected values are the sorted array's).
  const h = m >> 1;
  const ranks = m % 2 ? [h] : [h - 1, h];
  for (const [lo, hi] of ends) if (lo >= 0) ranks.push(lo, hi);
  const slopesOf = slopes.subarray(0, m);
  selectRanks(slopesOf, ranks);
  const slope = median(slopesOf);
  const residuals = v.map((y, i) => y - slope * ((t[i] as number) - last));
  residuals.sort((a, b) => a - b);
  const level = median(residuals);
  return ends.map(([lo, hi]) => ({
    slope,
    slopeLow: lo >= 0 ? (slopesOf[lo] as number) : Number.NEGATIVE_INFINITY,
    slopeHigh: lo >= 0 ? (slopesOf[hi] as number) : Number.POSITIVE_INFINITY,
    level,
    at: last,
    points: n,
    spanMs: last - first,
  }));
}

/** The ranks of Sen's interval among `m` slopes of `n` points ([-1, -1]: unbounded). */
function senRanks(options: TheilSenOptions, n: number, m: number, inflation = 1): [number, number] {
  let lo = -1;
  let hi = -1;
  const k = options.independent;
  const z = options.z ?? Z90;
  if (k !== undefined && k < n) {
    // Sen's ranks for k independent points, as quantiles of their k(k-1)/2 pairs, applied to ours.
    const pairs = (k * (k - 1)) / 2;
    const ck = k >= 2 ? z * Math.sqrt((k * (k - 1) * (2 * k + 5)) / 18) : Number.POSITIVE_INFINITY;
    const rank = Math.floor((pairs - ck) / 2);
    if (rank >= 1) {
      const qLo = rank / pairs;
      const qHi = Math.ceil((pairs + ck) / 2) / pairs;
      lo = Math.max(0, Math.floor(qLo * (m - 1)));
      hi = qHi >= 1 ? m - 1 : Math.min(m - 1, Math.ceil(qHi * (m - 1)));
    }
  } else {
    const c = z * Math.sqrt((inflation * (n * (n - 1) * (2 * n + 5))) / 18);
    lo = Math.max(0, Math.floor((m - c) / 2));
    hi = Math.min(m - 1, Math.ceil((m + c) / 2));
  }
  return [lo, hi];
}

/**
 * One-sided 99 % point of the noise's lag-1 autocorrelation estimated from n independent points (in standard
 * errors): a smaller estimate is taken for chance (Hamed and Rao count only significant lags). At 95 % a white-noise
 * ramp's interval was widened in 1 fit of 20, and one more of 60 noisy ramps (±4 on +0.25 %/min) was not raised.
 */
const Z_SERIAL = 2.326;

/**
 * The lag-1 autocorrelation of a series' noise, from its first differences (`values` a minute apart, or evenly
 * spaced): the differences of AR(1) noise φ have lag-1 autocorrelation (φ − 1)/2, and a straight trend only shifts
 * them by a constant, so a trend is not read as correlation (a bend, where their mean steps, is when the step is
 * large beside the noise: it widens a raise's interval). 0 unless significant: the estimate 1 + 2r has a standard error of about √(2/n) on white
 * noise (its differences are MA(1) with θ = −1: Var r ≈ 1/(2n)). At most 0.95. 0 with fewer than 10 points.
 */
export function serialCorrelation(values: readonly number[]): number {
  const n = values.length - 1;
  if (n < 9) return 0;
  let mean = 0;
  for (let i = 1; i <= n; i++) mean += (values[i] as number) - (values[i - 1] as number);
  mean /= n;
  let num = 0;
  let den = 0;
  let prev = 0;
  for (let i = 1; i <= n; i++) {
    const d = (values[i] as number) - (values[i - 1] as number) - mean;
    den += d * d;
    if (i > 1) num += prev * d;
    prev = d;
  }
  if (!(den > 0)) return 0;
  const rho = Math.min(0.95, 1 + (2 * num) / den);
  return rho > Z_SERIAL * Math.sqrt(2 / n) ? rho : 0;
}

/**
 * The variance inflation of the Mann–Kendall statistic over n points whose noise has lag-1 autocorrelation ρ, the
 * lag-k one taken as ρ^k (AR(1)): n/n_eff = 1 + 2/(n(n−1)(n−2)) Σₖ (n−k)(n−k−1)(n−k−2) ρ^k (Hamed and Rao 1998),
 * about (1 + ρ)/(1 − ρ) for many points, less for few. 1 for ρ ≤ 0 or fewer than 3 points.
 */
export function serialInflation(n: number, rho: number): number {
  if (!(rho > 0) || n < 3) return 1;
  let sum = 0;
  let rk = 1;
  for (let k = 1; k < n - 2; k++) {
    rk *= rho;
    sum += (n - k) * (n - k - 1) * (n - k - 2) * rk;
  }
  return 1 + (2 * sum) / (n * (n - 1) * (n - 2));
}

/**
 * Reorders `a` in place so that each of `ranks` (0-based, in any order) holds the value a numeric sort would put
 * there, every value before it no greater and every one after no smaller (introselect: a three-way partition, so
 * the many equal slopes of a staircase cost nothing; a range that does not shrink fast enough is sorted).
 */
export function selectRanks(a: Float64Array, ranks: readonly number[]): void {
  const wanted = [...new Set(ranks)].filter((r) => r >= 0 && r < a.length).sort((x, y) => x - y);
  const within = (from: number, to: number, rLo: number, rHi: number, budget: number): void => {
    // ranks wanted[rLo..rHi] all lie in a[from..to]
    let lo = from;
    let hi = to;
    while (rLo <= rHi) {
      if (hi - lo < 16 || budget <= 0) {
        a.subarray(lo, hi + 1).sort();
        return;
      }
      budget--;
      const x = a[lo] as number;
      const y = a[(lo + hi) >> 1] as number;
      const z = a[hi] as number;
      const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
      let lt = lo;
      let gt = hi;
      let i = lo;
      while (i <= gt) {
        const e = a[i] as number;
        if (e < pivot) {
          a[i++] = a[lt] as number;
          a[lt++] = e;
        } else if (e > pivot) {
          a[i] = a[gt] as number;
          a[gt--] = e;
        } else i++;
      }
      // a[lo..lt-1] < pivot, a[lt..gt] === pivot, a[gt+1..hi] > pivot
      let left = rLo;
      while (left <= rHi && (wanted[left] as number) < lt) left++;
      let right = left;
      while (right <= rHi && (wanted[right] as number) <= gt) right++;
      // wanted[rLo..left-1] below the pivot's run, wanted[right..rHi] above it
      if (left - rLo <= rHi - right + 1) {
        if (left > rLo) within(lo, lt - 1, rLo, left - 1, budget);
        lo = gt + 1;
        rLo = right;
      } else {
        if (right <= rHi) within(gt + 1, hi, right, rHi, budget);
        hi = lt - 1;
        rHi = left - 1;
      }
    }
  };
  if (wanted.length > 0)
    within(0, a.length - 1, 0, wanted.length - 1, 2 * Math.ceil(Math.log2(a.length + 1)) + 8);
}

/** Median of a sorted array (or one whose middle ranks `selectRanks` placed). */
export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  return n % 2 ? (sorted[h] as number) : ((sorted[h - 1] as number) + (sorted[h] as number)) / 2;
}

/**
 * Milliseconds from the trend's last point until its fitted line reaches `limit` going `up` (from
 * below) or `down` (from above); Infinity when the slope does not lead there. A line already past the
 * limit gives 0 only while the slope keeps it there or carries it further (slope ≥ 0 going up); past
 * the limit and heading back it is recovering, and never "reaches" the limit: Infinity. (Before,
 * any line past the limit gave 0, and a CPU above 80 % and falling was "predicted to reach 80 in 0 min".)
 */
export function timeToReach(
  trend: Trend,
  limit: number,
  direction: 'up' | 'down' = 'up',
  slope = trend.slope,
): number {
  const gap = limit - trend.level;
  if (direction === 'up') {
    if (gap <= 0) return slope >= 0 ? 0 : Number.POSITIVE_INFINITY;
    return slope > 0 ? gap / slope : Number.POSITIVE_INFINITY;
  }
  if (gap >= 0) return slope <= 0 ? 0 : Number.POSITIVE_INFINITY;
  return slope < 0 ? gap / slope : Number.POSITIVE_INFINITY;
}

/** True when the slope's confidence interval lies wholly on one side of zero. */
export function isSignificant(trend: Trend): boolean {
  return trend.slopeLow > 0 || trend.slopeHigh < 0;
}

/** True when the slope's confidence interval lies wholly on the side of `direction` (up: above zero). */
export function isSignificantToward(trend: Trend, direction: 'up' | 'down'): boolean {
  return direction === 'up' ? trend.slopeLow > 0 : trend.slopeHigh < 0;
}
