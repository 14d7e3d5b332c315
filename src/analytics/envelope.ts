// The shape of a trend window for a forecast toward a level: a plain series, one cut by a jump (a
// cleanup, a batch), or a cycle (a sawtooth), and for a cycle the envelope that reaches the level first.

/**
 * How a window is fitted toward a level (outside review 9b, F6 and F10: a fit over a span that is not a
 * whole number of a sawtooth's periods reads the cycle's edge as a trend).
 * - `plain`: no jump; every point.
 * - `segment`: one or two jumps; only the points since the last jump (the current stretch).
 * - `envelope`: three or more cycles; only the turns on the level's side: going up the peaks (the
 *   maxima next to a jump), going down the troughs. A retention sawtooth's peaks are flat (no fill);
 *   a declining sawtooth's troughs decline.
 */
export type TrendShape =
  | { readonly kind: 'plain' }
  | { readonly kind: 'segment'; readonly from: number }
  | { readonly kind: 'envelope'; readonly turns: readonly number[] };

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
  steps.sort((a, b) => a - b);
  const meaningful = Math.max(5 * (steps[steps.length >> 1] as number), (hi - lo) / 10);
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
