// The history writer's signs of life (the sample timer's ticks, its flushes) and the stalls between them: a process
// stopped (SIGSTOP, a paused VM, a debugger) or its loop blocked served no request then (outside review B, RTB-2).

/**
 * A gap with no sign of life this long at least, and STALL_TICKS sample intervals, is a stall: not covered time, and
 * the bucket's point is placed by the time it was live.
 */
const STALL_MIN_MS = 10_000;
const STALL_TICKS = 3;
/** Stalls kept per bucket as spans (more merge into the last one: their total stays exact). */
const MAX_STALLS = 16;
/** A wall clock that moved this much more than the coverage clock between two signs of life was stepped forward. */
const STEP_MIN_MS = 1000;

/**
 * Signs of life on the wall and coverage clocks (NaN: none), and the open bucket's stalls and forward steps of the
 * wall clock (NTP, a VM resume: outside review A, t27/t7). A step is placed right after the last sign of life before
 * it (the live time nearest the close); it is no stall (no time passed) but its wall span is no live time either.
 */
export class StallWatch {
  /** The gap since the last sign of life that is a stall, once the sample timer ticked. */
  private gapMs = Number.POSITIVE_INFINITY;
  /** The open bucket's stalls: wall [from, to] pairs, in order, and their total length (ms, coverage clock). */
  private stalls: number[] = [];
  private stalledMs = 0;

  constructor(
    private wall: number,
    private mono: number,
  ) {}

  /** The sample timer's tick (every `intervalMs`): the time since the last sign of life is a stall past its gap. */
  tick(wall: number, mono: number, intervalMs: number, bucketStart: number): void {
    this.gapMs = Math.max(STALL_MIN_MS, STALL_TICKS * intervalMs);
    this.alive(wall, mono, this.gapMs, bucketStart);
  }

  /**
   * A bucket's close at `wall`: a sign of life, and a stall since its timer's boundary `due` when the timer fired
   * STALL_MIN_MS or more late with no sign of life since (no sample timer, or a long interval). Returns the bucket's
   * stalls and starts the next bucket's.
   */
  close(
    wall: number,
    mono: number,
    bucketStart: number,
    due?: number,
  ): { stalls: number[]; stalledMs: number } {
    // How late the timer fired in real time: the coverage clock's time since the last sign of life beyond the wall
    // time there was to its boundary (a wall clock stepped forward makes a timer look late on the wall clock alone).
    const since = mono - this.mono;
    const late =
      due === undefined
        ? 0
        : Number.isFinite(since)
          ? Math.min(wall - due, since - Math.max(0, due - this.wall))
          : wall - due;
    if (late >= STALL_MIN_MS && wall - this.wall >= STALL_MIN_MS) {
      this.wall = Math.max(this.wall, wall - late);
      this.mono = mono - (wall - this.wall);
      this.alive(wall, mono, STALL_MIN_MS, bucketStart);
    } else this.alive(wall, mono, this.gapMs, bucketStart);
    const out = { stalls: this.stalls, stalledMs: this.stalledMs };
    this.stalls = [];
    this.stalledMs = 0;
    return out;
  }

  private alive(wall: number, mono: number, gapMs: number, bucketStart: number): void {
    const from = Math.max(this.wall, bucketStart);
    const monoGap = mono - this.mono;
    // The coverage clock's gap when it has one (a wall clock's forward step is no stall), else the wall clock's.
    const gap = Number.isFinite(monoGap) ? Math.min(monoGap, wall - from) : wall - from;
    // The wall time the coverage clock did not see pass: a forward step, cut out of the live time, not stalled.
    const step = Number.isFinite(monoGap) ? wall - this.wall - Math.max(0, monoGap) : 0;
    if (gap >= gapMs) {
      this.stalledMs += gap;
      this.cut(from, wall);
    } else if (step >= STEP_MIN_MS) this.cut(from, Math.min(wall, from + step));
    this.wall = wall;
    this.mono = mono;
  }

  /** Cuts the wall span [from, to] out of the bucket's live time. */
  private cut(from: number, to: number): void {
    const n = this.stalls.length;
    if (n >= 2 * MAX_STALLS) this.stalls[n - 1] = to;
    else this.stalls.push(from, to);
  }
}

/**
 * The live parts of the bucket [start, end) with `stalls` (wall [from, to] pairs in order) cut out, as [from, to]
 * pairs, the first one shortened from its start so that they sum to `coveredMs` when known (a wall clock stepped
 * forward meanwhile: the coverage clock's time), as bucketSpan does.
 */
export function liveSpans(
  start: number,
  end: number,
  stalls: readonly number[],
  coveredMs: number | undefined,
): number[] {
  const spans: number[] = [];
  let from = start;
  for (let i = 0; i < stalls.length; i += 2) {
    const to = Math.min(Math.max(stalls[i] as number, from), end);
    if (to > from) spans.push(from, to);
    from = Math.max(from, Math.min(stalls[i + 1] as number, end));
  }
  if (end > from) spans.push(from, end);
  let extra = -(coveredMs ?? Number.POSITIVE_INFINITY);
  for (let i = 0; i < spans.length; i += 2) extra += (spans[i + 1] as number) - (spans[i] as number);
  while (extra > 0 && spans.length > 0) {
    const cut = Math.min(extra, (spans[1] as number) - (spans[0] as number));
    spans[0]! += cut;
    extra -= cut;
    if (spans[0] === spans[1]) spans.splice(0, 2);
  }
  return spans;
}

/** The wall time halfway through the live time of `spans` ([from, to] pairs in order); NaN if none. */
export function spansMiddle(spans: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < spans.length; i += 2) total += (spans[i + 1] as number) - (spans[i] as number);
  let half = total / 2;
  for (let i = 0; i < spans.length; i += 2) {
    const length = (spans[i + 1] as number) - (spans[i] as number);
    if (half <= length) return (spans[i] as number) + half;
    half -= length;
  }
  return Number.NaN;
}
