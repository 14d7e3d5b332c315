// The monitor's run of readings beyond the range (anomaly-detector.ts): a level the series never reached, and held,
// is an incident however far its first value went. The range rule's 1 reaches the monitor only for a value beyond
// the range by more than RANGE_NOISE long steps, or a second record in a row (outside review rtD: a routine new
// extreme paged critical), and a value that stays at its new level is a new record only once: a queue fed 0,0,0,0,500
// and stuck at 1000 left the range by 2.5 steps and then read 1000 inside the range it had just widened, so it
// paged a warning, never critical, and the warning cleared 31 minutes in while the queue still read 1000 (outside
// review rtF, F2). The run counts readings in a row beyond the range as it stood before the first of them (frozen
// while the run lasts, as the range itself learns each value), each beyond it by more than a margin (the range
// rule's tolerance, at least a long mean absolute step, so a routine extreme's neighbours do not count). It works
// on two slots of the detector's Float64Array state, so that it serialises with it. NAB's output does not use it.

/** Readings in a row beyond the range before the run from which the monitor reads 1 while it lasts. */
export const RANGE_RUN = 3;
/** Float64 slots of the run: its length (signed: + above the range, - below), then the range's bound before it. */
export const RANGE_RUN_SLOTS = 2;

/** One reading against the range before it (its `hi` and `lo` before the value), and the margin it must clear. */
export interface RangeReading {
  value: number;
  hi: number;
  lo: number;
  margin: number;
}

/**
 * The run's length with `x` (signed; 0: not beyond), the reference bound set when a run starts. Not stored: the
 * caller ends or keeps it with `keepRangeRun` once it knows whether the level was taken as the usual one.
 */
export function stepRangeRun(s: Float64Array, at: number, x: RangeReading): number {
  const run = s[at] as number;
  const refHi = run > 0 ? (s[at + 1] as number) : x.hi;
  const refLo = run < 0 ? (s[at + 1] as number) : x.lo;
  const side = x.value > refHi + x.margin ? 1 : x.value < refLo - x.margin ? -1 : 0;
  if (side === 0) return 0;
  if (Math.sign(run) === side) return run + side;
  s[at + 1] = side > 0 ? x.hi : x.lo;
  return side;
}

/** Stores the run's length (0 ends it: the range, which has learned its values, is the reference again). */
export function keepRangeRun(s: Float64Array, at: number, run: number): void {
  s[at] = run;
  if (run === 0) s[at + 1] = 0;
}
