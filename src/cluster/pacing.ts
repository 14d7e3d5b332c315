// Paces a worker's reports to a byte budget: when one frame per interval would cost more than the budget,
// the worker holds its deltas back (they keep accumulating, exactly) and sends one frame for several intervals.

/** How a worker paces its reports (ClusterConfig's fields). */
export interface PacingConfig {
  readonly intervalMs: number;
  /** Bytes per second of frames, on average; 0: a frame every interval. */
  readonly bytesPerSecond: number;
  /** A frame goes at the latest this long after the previous one, whatever it costs. */
  readonly maxReportDelayMs: number;
}

/**
 * A token bucket over the bytes actually written. It fills at `bytesPerSecond`; every frame sent empties it
 * by its size (a frame asked for by a read too, down to minus one longest frame's worth), and keeps at most
 * two intervals' worth of what was left (so that a quiet spell buys no burst). A periodic frame goes when the
 * bucket holds what the pending frame is expected to cost: the last frame's size scaled by the square root
 * of the ratio of the spans (a frame of HDR slot counts grows more slowly than its span: measured, a 10 s
 * frame is 2–3 times a 1 s one). Every byte sent is paid for, so over any T seconds a worker sends at most
 * `bytesPerSecond × (T + 2 × intervalMs)` plus what its latest frame exceeded its estimate by; except when
 * even a frame of `maxReportDelayMs` exceeds `bytesPerSecond × maxReportDelayMs`: then one frame goes every
 * `maxReportDelayMs`, and bytes per second are that frame's size over that span.
 */
export class ReportPacer {
  private tokens = 0;
  private filledAt: number;
  private lastSentAt: number;
  private lastBytes = 0;
  private lastSpan: number;
  /** Most debt the bucket keeps (one longest frame's worth); most credit it carries past a frame (two intervals'). */
  private readonly floor: number;
  private readonly carry: number;

  constructor(
    private readonly config: PacingConfig,
    private readonly now: () => number,
  ) {
    const t = now();
    this.filledAt = t;
    this.lastSentAt = t;
    this.lastSpan = config.intervalMs;
    this.floor = -(config.bytesPerSecond * config.maxReportDelayMs) / 1000;
    this.carry = (2 * config.bytesPerSecond * config.intervalMs) / 1000;
  }

  /** Milliseconds the pending deltas cover: since the previous frame (or the connection). */
  span(): number {
    return Math.max(0, this.now() - this.lastSentAt);
  }

  /** Whether the pending deltas should be sent at this interval. */
  due(): boolean {
    if (this.config.bytesPerSecond === 0) return true;
    this.fill();
    const span = this.span();
    // Half an interval early: the report timer fires every intervalMs, give or take its delay.
    if (span >= this.config.maxReportDelayMs - this.config.intervalMs / 2) return true;
    return this.tokens >= this.lastBytes * Math.sqrt(span / this.lastSpan);
  }

  /** A frame of `bytes` went out, covering everything since the previous one. */
  sent(bytes: number): void {
    this.fill();
    this.tokens = Math.max(Math.min(this.tokens, this.carry) - bytes, this.floor);
    this.lastBytes = bytes;
    this.lastSpan = Math.max(this.span(), 1);
    this.lastSentAt = this.now();
  }

  /**
   * An unpaced frame of `bytes` went out beside the paced ones (the requests in flight, in-flight-wire.ts):
   * paid for from the bucket, so that the next paced frame waits for it, without changing what they cover.
   */
  extra(bytes: number): void {
    this.fill();
    this.tokens = Math.max(this.tokens - bytes, this.floor);
  }

  /** Nothing was pending at a due interval: the next frame covers from now. */
  idle(): void {
    this.fill();
    this.tokens = Math.min(this.tokens, this.carry);
    this.lastSentAt = this.now();
  }

  private fill(): void {
    const t = this.now();
    if (t > this.filledAt) this.tokens += ((t - this.filledAt) * this.config.bytesPerSecond) / 1000;
    this.filledAt = Math.max(this.filledAt, t);
  }
}
