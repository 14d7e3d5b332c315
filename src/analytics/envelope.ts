// The shape of a trend window for a forecast toward a level: a plain series, one cut by a jump (a
// cleanup, a batch), a cycle (a sawtooth), or a staircase (batches that only add), and for a cycle the
// envelope that reaches the level first, for a staircase its landings.

import type { Trend } from './trend.js';

/**
 * How a window is fitted toward a level (outside review 9b, F6 and F10: a fit over a span that is not a
 * whole number of a sawtooth's periods reads the cycle's edge as a trend).
 * - `plain`: no jump; every point.
 * - `segment`: one or two jumps; only the points since the last jump (the current stretch).
 * - `envelope`: three or more cycles; only the turns on the level's side: going up the peaks (the
 *   maxima next to a jump), going down the troughs. A retention sawtooth's peaks are flat (no fill);
 *   a declining sawtooth's troughs decline.
 * - `stairs`: three or more risers (jumps toward the level), none back and the stretches between them
 *   not giving back (flat, or moving toward the level): a staircase, such as a disk filled by hourly
 *   backups (outside review 11, F4). Only the landings (the first point of each new step, its side
 *   toward the level; of a step landing over several samples, its last): their line is that of the
 *   staircase's average rate. Before, its jumps were taken
 *   for a sawtooth's, the stretch since the last one was flat, and nothing was forecast until the crossing.
 */
export type TrendShape =
  | { readonly kind: 'plain' }
  | { readonly kind: 'segment'; readonly from: number }
  | { readonly kind: 'envelope'; readonly turns: readonly number[] }
  | { readonly kind: 'stairs'; readonly turns: readonly number[] };

/** Fewest turns for an envelope fit: three cycles (fewer: the stretch since the last jump). */
export const MIN_TURNS = 3;

/**
 * The shape of `values` (oldest first) for a forecast going `direction`. A jump is a one-step change
 * larger than five times the typical (median non-zero) step and than a tenth of the window's range: a
 * uniform noise's largest step is under 3.5 of its median ones, a Gaussian's passes 5 once in ~1,300 steps
 * (twice, as the memory-leak troughs read a GC recovery, made a noisy flat CPU a cycle); a turn is a point at least as far toward `direction` as its
 * neighbours with a jump on one side.
 */
export function windowShape(values: readonly number[], direction: 'up' | 'down'): TrendShape {
  const n = values.length;
  if (n < 3) return { kind: 'plain' };
  const s = direction === 'up' ? 1 : -1;
  const steps: number[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (i > 0) {
      const d = Math.abs(v - (values[i - 1] as number));
      if (d > 0) steps.push(d);
    }
  }
  if (steps.length === 0) return { kind: 'plain' };
  const stairs = staircase(values, s, hi - lo);
  if (stairs) return { kind: 'stairs', turns: stairs };
  const meaningful = Math.max(5 * median(steps), (hi - lo) / 10);
  // A jump to the last point of a plain window is a spike or a step only once the next point says which:
  // the window stays plain until then (else one spike on a steady rise cleared its alert for a minute).
  if (Math.abs((values[n - 1] as number) - (values[n - 2] as number)) > meaningful) {
    const before = windowShape(values.slice(0, n - 1), direction);
    if (before.kind === 'plain') return before;
  }
  // One point far off both its neighbours the same way is an outlier (a spike), neither a jump nor a turn.
  const spike = (i: number): boolean => {
    if (i <= 0 || i >= n - 1) return false;
    const a = (values[i] as number) - (values[i - 1] as number);
    const b = (values[i] as number) - (values[i + 1] as number);
    return Math.abs(a) > meaningful && Math.abs(b) > meaningful && a * b > 0;
  };
  let lastJump = -1;
  let jumps = 0;
  const turns: number[] = [];
  for (let i = 0; i < n; i++) {
    if (spike(i)) continue;
    const v = s * (values[i] as number);
    const prev = i > 0 ? s * (values[i - 1] as number) : Number.NEGATIVE_INFINITY;
    const next = i < n - 1 ? s * (values[i + 1] as number) : Number.NEGATIVE_INFINITY;
    if (i > 0 && !spike(i - 1) && Math.abs(v - prev) > meaningful) {
      jumps++;
      lastJump = i;
    }
    const jumpBefore = i > 0 && !spike(i - 1) && v - prev > meaningful;
    const jumpAfter = i < n - 1 && !spike(i + 1) && v - next > meaningful;
    if (v >= prev && v >= next && (jumpBefore || jumpAfter)) turns.push(i);
  }
  if (jumps === 0) return { kind: 'plain' };
  if (turns.length >= MIN_TURNS) return { kind: 'envelope', turns };
  return { kind: 'segment', from: lastJump };
}

/** Fewest risers for a staircase: three steps, as for a cycle (fewer: a jump, judged as before). */
export const MIN_RISERS = 3;

/**
 * A move is judged by the slope over it and SPAN moves either side (five minutes of one-a-minute points):
 * a jitter of ±J moves that slope by at most 2J/5, while a ramp's rise a minute is the slope itself.
 */
const SPAN = 2;

/**
 * The landings of a staircase toward `s` (1: up, −1: down), or null when `values` is not one. A step may
 * land over several samples (a backup written over 20 minutes, a reading jittered each minute): each move is
 * judged by its **slope**, the mean move over it and SPAN moves either side, and a **run** of consecutive
 * moves whose slopes are over the median slope the same way, at least one over 5× it, is one move, its
 * landing the run's first point within twice the median move of the level it reached (zeros counted: with
 * exact flats any move, and the landing is the step's first point at its new level). A riser is a run
 * toward the level whose total is larger than 5× the median move and than 1/25 of the window's range (a
 * staircase with up to a dozen steps in the window; finer ones are fitted well as a plain series). A
 * staircase has at least MIN_RISERS risers, no run of that size away from the level (a drop back: a sawtooth
 * or a cleanup), and its other moves do not give back more than a quarter of what the risers gained (a
 * declining sawtooth's ramps give back two thirds). A one-point spike is read as the reading before it. A
 * run still moving at the last point counts as a landing there only when the staircase has fewer than
 * MIN_RISERS without it and its total so far is the size of the other risers (within half to twice their
 * median). A staircase with no step for over twice its typical spacing has stopped. (Before, a riser was
 * one move (outside review 12, F2); then a run of moves each over 5× the median (review 13, F3); then each
 * move over the median, one over 5× it: a ±0.12 jitter on 16–20-minute steps still broke them into pieces,
 * and the alert was raised late, cleared and raised again; outside review 15, F4. The slope over five moves
 * moves by at most 2/5 of the jitter's peak-to-peak, while a ramp's rise a minute is the slope itself.)
 */
function staircase(values: readonly number[], s: 1 | -1, range: number): number[] | null {
  const n = values.length;
  const raw: number[] = [];
  for (let i = 1; i < n; i++) raw.push(s * ((values[i] as number) - (values[i - 1] as number)));
  const typicalMove = median(raw.map(Math.abs));
  const riser = Math.max(5 * typicalMove, range / 25);
  if (!(riser > 0)) return null;
  // The readings toward the level, a one-point spike (a move over the riser size into it and out) read as
  // the reading before it: it is neither a step nor a drop back.
  const c: number[] = [];
  for (let i = 0; i < n; i++)
    c.push(spikeAt(raw, i, riser) ? (c[i - 1] as number) : s * (values[i] as number));
  const d = c.slice(1).map((x, k) => x - (c[k] as number));
  // The slope at move k: the mean move over the 2·SPAN + 1 moves around it (fewer at the window's ends).
  const slope = d.map((_, k) => {
    const a = Math.max(0, k - SPAN);
    const b = Math.min(n - 1, k + 1 + SPAN);
    return ((c[b] as number) - (c[a] as number)) / (b - a);
  });
  const typicalSlope = median(slope.map(Math.abs));
  const moves = (k: number) => Math.abs(slope[k] as number) > typicalSlope;
  const landings: number[] = [];
  const risers: number[] = [];
  let pending = 0;
  let rest = 0;
  for (let k = 0; k < n - 1; k++) {
    let total = d[k] as number;
    if (!moves(k)) {
      rest += total;
      continue;
    }
    const first = k;
    const way = Math.sign(slope[k] as number);
    let big = Math.abs(slope[k] as number) > 5 * typicalSlope;
    while (k + 1 < n - 1 && moves(k + 1) && Math.sign(slope[k + 1] as number) === way) {
      total += d[++k] as number;
      if (Math.abs(slope[k] as number) > 5 * typicalSlope) big = true;
    }
    // A run with no slope over 5× the median one is no step (a noisy or curving stretch): the rest.
    if (!big) {
      rest += total;
      continue;
    }
    // The run ends at point k + 1.
    if (total < -riser) return null;
    if (k + 1 === n - 1 && total > riser) pending = total;
    else if (total > riser) {
      landings.push(landing(c, first, k + 1, 2 * typicalMove));
      risers.push(total);
    } else rest += total;
  }
  const typical = median(risers);
  // A run to the last point the size of the others (within half to twice their median) is taken as a
  // landing when the staircase needs it: else, with a period of a third of the window, the minute the
  // oldest riser leaves the window, before the new one is confirmed, read as no staircase and cleared the
  // alert for a minute. Only then: a step still landing is not yet at its level (a 2-minute step half
  // way read 2.5 under the line, and the forecast moved past the horizon's 10 % for a minute).
  if (landings.length < MIN_RISERS && pending >= typical / 2 && pending > 0 && pending <= typical * 2) {
    landings.push(n - 1);
    risers.push(pending);
  }
  const gained = risers.reduce((a, b) => a + b, 0);
  if (landings.length < MIN_RISERS || rest < -gained / 4) return null;
  // A staircase that has stopped (no step for over twice its typical spacing) is no longer one.
  const gaps = landings.slice(1).map((x, k) => x - (landings[k] as number));
  const spacing = gaps.sort((a, b) => a - b)[gaps.length >> 1] as number;
  if (n - 1 - (landings[landings.length - 1] as number) > 2 * spacing) return null;
  return landings;
}

/**
 * Where a run of moves from point `from` to point `to` lands: its first point within `tol` (twice the
 * median move: the jitter's) of the level it reached (the median of its last SPAN + 1 points). The run
 * takes in up to SPAN flat moves on either side of its step, read by their slope.
 */
function landing(c: readonly number[], from: number, to: number, tol: number): number {
  const level = median(c.slice(Math.max(from, to - SPAN), to + 1));
  for (let i = from + 1; i < to; i++) if ((c[i] as number) >= level - tol) return i;
  return to;
}

/** The median of `xs` (the upper one of an even count; 0 when empty). */
function median(xs: readonly number[]): number {
  // A typed array sorts numerically without a comparator call per comparison (finite values: the buffer's).
  return (Float64Array.from(xs).sort()[xs.length >> 1] as number | undefined) ?? 0;
}

/** Point `j` is a one-point spike: the steps into and out of it (d[j − 1], d[j]) both over `size`, opposite. */
function spikeAt(d: readonly number[], j: number, size: number): boolean {
  if (j <= 0 || j >= d.length) return false;
  const a = d[j - 1] as number;
  const b = d[j] as number;
  return Math.abs(a) > size && Math.abs(b) > size && a * b < 0;
}

/**
 * A staircase's level at landing `i`: the mean of its reading and the next STEP_LEVEL − 1 (fewer at the
 * window's end), so that a jitter on every reading moves the landings line less (one reading of a ±0.12
 * jitter moved the 3 h forecast by up to 8 minutes).
 */
export function stepLevel(values: readonly number[], i: number): number {
  const end = Math.min(values.length, i + STEP_LEVEL);
  let sum = 0;
  for (let k = i; k < end; k++) sum += values[k] as number;
  return sum / (end - i);
}

/** Readings averaged into a staircase's landing level (its flats last minutes: 40 for 20-minute hourly steps). */
const STEP_LEVEL = 5;

/** The trend with its fitted line carried to `at` (an envelope's last turn is behind the last point). */
export function carry(trend: Trend | null, at: number): Trend | null {
  if (!trend) return null;
  return { ...trend, level: trend.level + trend.slope * (at - trend.at), at };
}
