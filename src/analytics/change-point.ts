// Where a series' slope last changed: the hinge of the broken line (two straight pieces joined at a point) that
// fits the points best, kept only when it fits significantly better than one straight line. A prediction
// forecasts from the points since that change (its regime), all of them, rather than from a fixed last quarter
// whose slope, over 10–15 jittered points, swung from a third to one and a half times the true one.

/** The latest change of slope in a series. */
export interface SlopeChange {
  /** Index of the hinge point: the regime is this point and those after it. */
  readonly index: number;
  /** The change of slope at the hinge, units per ms (negative: the series rises more slowly, or falls, after it). */
  readonly change: number;
  /** The F statistic of the broken line against the straight one (1 extra parameter). */
  readonly f: number;
}

/** Fewest points on either side of a hinge (the hinge point counted on both). */
export const MIN_PIECE = 5;

/**
 * The F statistic a hinge must pass. Its position is searched over, so this is far above the 1 % point of F(1, n)
 * (about 7): on a jittered straight ramp (±2 % on +0.5 % a minute, seeds 1–60, windows of 13–46 points) a
 * slowing hinge passed it in 2 of 60 seeds (largest F 27; the regime from it stayed trusted, no alert cleared);
 * a rise that stops passes it within about 10 minutes.
 */
export const CHANGE_F = 16;

/**
 * The most recent significant change of slope of `values` over `times` (ascending): the best single hinge, when
 * it beats a straight line by CHANGE_F. Null for a straight series, too few points, or no spread at all. Least
 * squares with suffix sums: linear time in all (360 points, a 6 h window, well under a millisecond).
 */
export function slopeChange(
  times: readonly number[],
  values: readonly number[],
  threshold = CHANGE_F,
): SlopeChange | null {
  const n = times.length;
  if (n < 2 * MIN_PIECE - 1 + 3) return null;
  const { x, y } = centred(times, values);
  const all = sums(x, y, 0);
  const line = lineSse(all);
  if (!(line > 1e-9 * all.yy)) return null;
  let best = { sse: Number.POSITIVE_INFINITY, index: -1, change: 0 };
  // Suffix sums (i ≥ j) make each candidate hinge O(1): over i > j, (x − x[j])⁺ sums from x's and y's own sums.
  const tail = emptySums();
  for (let j = n - 1; j >= MIN_PIECE - 1; j--) {
    const xj = x[j] as number;
    if (j <= n - MIN_PIECE) {
      const h = xj;
      const k = tail.n;
      const sh = tail.x - k * h;
      const sxh = tail.xx - h * tail.x;
      const shh = tail.xx - 2 * h * tail.x + k * h * h;
      const shy = tail.xy - h * tail.y;
      const r = extraSse(all, sh, sxh, shh, shy);
      if (r.sse < best.sse) best = { sse: r.sse, index: j, change: r.coefficient };
    }
    addPoint(tail, xj, y[j] as number);
  }
  if (best.index < 0) return null;
  const f = fStat(line, best.sse, n);
  return f > threshold ? { index: best.index, change: best.change / 60_000, f } : null;
}

/**
 * Whether the series shifts level at `index` (a cut: a cleanup, a restart): a line with a step there fits
 * significantly better than one line (the step's F over CHANGE_F, the position having been picked as the largest
 * move). A one-minute move that a jitter makes (±2 % on a ramp: a 3.95 move where the median one is 0.75) is not.
 */
export function levelShift(
  times: readonly number[],
  values: readonly number[],
  index: number,
  threshold = CHANGE_F,
): boolean {
  const n = times.length;
  if (index <= 0 || index >= n || n < 4) return false;
  const { x, y } = centred(times, values);
  const all = sums(x, y, 0);
  const line = lineSse(all);
  if (!(line > 1e-9 * all.yy)) return false;
  const after = sums(x, y, index);
  const step = extraSse(all, after.n, after.x, after.n, after.y);
  return fStat(line, step.sse, n) > threshold;
}

/** F of a fit with one more parameter (residual `sse`) against the straight line's residual `line`. */
function fStat(line: number, sse: number, n: number): number {
  const residual = Math.max(sse, line * 1e-12);
  return (line - residual) / (residual / (n - 3));
}

/** Minutes since the first point, and the values less their mean (for a well-conditioned fit). */
function centred(times: readonly number[], values: readonly number[]): { x: number[]; y: number[] } {
  const t0 = times[0] as number;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  return { x: times.map((t) => (t - t0) / 60_000), y: values.map((v) => v - mean) };
}

interface Sums {
  n: number;
  x: number;
  xx: number;
  y: number;
  xy: number;
  yy: number;
}

function emptySums(): Sums {
  return { n: 0, x: 0, xx: 0, y: 0, xy: 0, yy: 0 };
}

/** Adds the point (x, y) to the running sums: the one accumulation of `sums` and `slopeChange`'s suffix scan. */
function addPoint(s: Sums, x: number, y: number): void {
  s.n += 1;
  s.x += x;
  s.xx += x * x;
  s.y += y;
  s.xy += x * y;
  s.yy += y * y;
}

/** The sums of the points from index `from` on. */
function sums(x: readonly number[], y: readonly number[], from: number): Sums {
  const s = emptySums();
  for (let i = from; i < x.length; i++) addPoint(s, x[i] as number, y[i] as number);
  return s;
}

/** The straight line's residual sum of squares. */
function lineSse(s: Sums): number {
  const d = s.n * s.xx - s.x * s.x;
  if (!(d > 0)) return 0;
  const b = (s.n * s.xy - s.x * s.y) / d;
  const a = (s.y - b * s.x) / s.n;
  return Math.max(0, s.yy - a * s.y - b * s.xy);
}

/**
 * Least squares of y on 1, x and an extra column e (a hinge (x − x[j])⁺, a step) given its sums Σe, Σxe, Σe², Σey:
 * the residual sum of squares and e's coefficient (a hinge's change of slope per minute, a step's height).
 */
function extraSse(
  s: Sums,
  se: number,
  sxe: number,
  see: number,
  sey: number,
): { sse: number; coefficient: number } {
  const beta = solve3([
    [s.n, s.x, se, s.y],
    [s.x, s.xx, sxe, s.xy],
    [se, sxe, see, sey],
  ]);
  if (!beta) return { sse: Number.POSITIVE_INFINITY, coefficient: 0 };
  const [a, b, c] = beta;
  return { sse: Math.max(0, s.yy - a * s.y - b * s.xy - c * sey), coefficient: c };
}

/** Solves a 3×3 system given as rows [A | b] (Gaussian elimination with partial pivoting); null when singular. */
function solve3(rows: number[][]): [number, number, number] | null {
  const m = rows.map((r) => [...r]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(at(m, r, c)) > Math.abs(at(m, p, c))) p = r;
    if (!(Math.abs(at(m, p, c)) > 1e-12)) return null;
    const pivot = m[p] as number[];
    m[p] = m[c] as number[];
    m[c] = pivot;
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const row = m[r] as number[];
      const f = (row[c] as number) / (pivot[c] as number);
      for (let k = c; k < 4; k++) row[k] = (row[k] as number) - f * (pivot[k] as number);
    }
  }
  return [at(m, 0, 3) / at(m, 0, 0), at(m, 1, 3) / at(m, 1, 1), at(m, 2, 3) / at(m, 2, 2)];
}

function at(m: readonly number[][], r: number, c: number): number {
  return (m[r] as number[])[c] as number;
}

/**
 * The points since the series' slope last changed (the latest of up to three changes found one inside the other);
 * all of them when it did not. A change toward the level (a rise speeding up) is followed only once its regime
 * has twice `minPoints`, so that a change back inside it can be found too (a step written over 5 minutes, then
 * flat, is not a new rise): before that the longer fit forecasts it later, but forecasts it. `toward`: the regime
 * starts at such a change (its start was searched for where the rise looks steepest: predict.ts tests its slope
 * harder for a raise).
 */
export function regimeOf(
  times: readonly number[],
  values: readonly number[],
  direction: 'up' | 'down',
  minPoints: number,
): { times: readonly number[]; values: readonly number[]; toward: boolean } {
  let t = times;
  let v = values;
  let followed = false;
  for (let round = 0; round < 3; round++) {
    const change = slopeChange(t, v);
    if (!change) break;
    const toward = direction === 'up' ? change.change > 0 : change.change < 0;
    if (toward && t.length - change.index < 2 * minPoints) break;
    t = t.slice(change.index);
    v = v.slice(change.index);
    followed = toward;
  }
  return { times: t, values: v, toward: followed };
}
