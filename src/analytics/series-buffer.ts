// A fixed-window buffer of (time, value) points for trend fits: keeps the points of the last
// `windowMs`, at most `capacity` of them, oldest dropped first.

/** Points of one series over a sliding time window. */
export class SeriesBuffer {
  readonly windowMs: number;
  readonly capacity: number;
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private start = 0;
  private size = 0;
  /** Bumped by every change, so that a fit can be cached until the points change. */
  version = 0;
  /**
   * The last `memory` values pushed, kept past the window (not evicted by time): what the series' noise looked like
   * over a longer past than the window's, for its autocorrelation (`past()`).
   */
  private readonly mem: Float64Array;
  private memEnd = 0;
  private memSize = 0;

  constructor(windowMs: number, capacity = 512, memory = 0) {
    this.windowMs = windowMs;
    this.capacity = capacity;
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.mem = new Float64Array(Math.max(0, Math.floor(memory)));
  }

  /** Adds a point (times must not go back; an older or non-finite point is ignored). */
  push(time: number, value: number): void {
    if (!Number.isFinite(time) || !Number.isFinite(value)) return;
    if (this.size > 0 && time < (this.t[(this.start + this.size - 1) % this.capacity] as number)) return;
    if (this.size === this.capacity) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
    const i = (this.start + this.size) % this.capacity;
    this.t[i] = time;
    this.v[i] = value;
    this.size++;
    this.version++;
    if (this.mem.length > 0) {
      this.mem[this.memEnd] = value;
      this.memEnd = (this.memEnd + 1) % this.mem.length;
      this.memSize = Math.min(this.mem.length, this.memSize + 1);
    }
    this.evict(time);
  }

  /** The last values pushed (up to the `memory` given), oldest first, whether or not still in the window. */
  past(): number[] {
    const out: number[] = [];
    const n = this.mem.length;
    for (let k = 0; k < this.memSize; k++)
      out.push(this.mem[(this.memEnd - this.memSize + k + n) % n] as number);
    return out;
  }

  /** Drops the points older than the window before `now`. */
  evict(now: number): void {
    while (this.size > 0 && (this.t[this.start] as number) < now - this.windowMs) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
      this.version++;
    }
  }

  get length(): number {
    return this.size;
  }

  /** The newest point's value (NaN when empty): what a reading of the series says now, without copying it. */
  last(): number {
    return this.size > 0 ? (this.v[(this.start + this.size - 1) % this.capacity] as number) : Number.NaN;
  }

  /**
   * Three points or more over a time span: a Theil–Sen fit of them is not null (they are finite, and a thinned fit
   * keeps the first and the last). Read without fitting them.
   */
  fittable(): boolean {
    const newest = this.t[(this.start + this.size - 1) % this.capacity] as number;
    return this.size >= 3 && newest > (this.t[this.start] as number);
  }

  /** Copies of the times and values, oldest first. */
  read(): { times: number[]; values: number[] } {
    const times: number[] = [];
    const values: number[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.start + k) % this.capacity;
      times.push(this.t[i] as number);
      values.push(this.v[i] as number);
    }
    return { times, values };
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
    this.memEnd = 0;
    this.memSize = 0;
    this.version++;
  }
}
