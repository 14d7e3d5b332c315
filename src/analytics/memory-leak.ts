// Memory leak detection: heap or RSS growing steadily over the window while garbage collection
// never brings it back down to an earlier floor, with the growth rate and the time to the limit.

import { trendOf } from './predict.js';
import { SeriesBuffer } from './series-buffer.js';
import { isSignificant, timeToReach } from './trend.js';

/** Tunables of the leak check (one set for every process). */
export interface LeakOptions {
  /** Window the growth is judged over, ms. @defaultValue 2 h */
  readonly windowMs: number;
  /** Smallest growth that counts, as a fraction of the current size per hour. @defaultValue 0.02 (2 %/h) */
  readonly minGrowthPerHour: number;
  /** Segments the window is cut into; each one's floor (minimum) must be above the one before. @defaultValue 4 */
  readonly segments: number;
}

export const DEFAULT_LEAK_OPTIONS: LeakOptions = Object.freeze({
  windowMs: 2 * 3_600_000,
  minGrowthPerHour: 0.02,
  segments: 4,
});

/** A leak found in one series (heap or RSS). */
export interface LeakFinding {
  /** Growth in MB per hour (Theil–Sen slope). */
  readonly mb_per_hour: number;
  /** The fitted current size, MB. */
  readonly current_mb: number;
  /** The limit the growth heads to, MB, and the hours until it is reached at this rate. */
  readonly limit_mb: number;
  readonly hours_to_limit: number;
}

/** Watches one memory series (MB) and says whether it leaks. */
export class LeakDetector {
  readonly options: LeakOptions;
  private readonly buffer: SeriesBuffer;

  constructor(options: LeakOptions = DEFAULT_LEAK_OPTIONS) {
    this.options = options;
    this.buffer = new SeriesBuffer(options.windowMs, 1024);
  }

  push(time: number, mb: number): void {
    this.buffer.push(time, mb);
  }

  /**
   * The leak, or null. A leak needs the window at least 90 % covered, a significant upward slope of
   * at least `minGrowthPerHour`, and every segment's minimum above the previous one (GC recovers
   * nothing: a sawtooth that returns to its floor is not a leak).
   */
  check(limitMb: number): LeakFinding | null {
    const { times, values } = this.buffer.read();
    const n = times.length;
    if (n < 20) return null;
    const span = (times[n - 1] as number) - (times[0] as number);
    if (span < this.options.windowMs * 0.9) return null;
    const trend = trendOf(this.buffer);
    if (!trend || !isSignificant(trend) || trend.slope <= 0) return null;
    const perHour = trend.slope * 3_600_000;
    if (perHour < this.options.minGrowthPerHour * Math.max(trend.level, 1e-9)) return null;
    const k = this.options.segments;
    let floor = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < k; s++) {
      let min = Number.POSITIVE_INFINITY;
      const from = Math.floor((s * n) / k);
      const to = Math.floor(((s + 1) * n) / k);
      for (let i = from; i < to; i++) min = Math.min(min, values[i] as number);
      if (!(min > floor)) return null;
      floor = min;
    }
    const eta = timeToReach(trend, limitMb, 'up');
    return {
      mb_per_hour: perHour,
      current_mb: trend.level,
      limit_mb: limitMb,
      hours_to_limit: eta / 3_600_000,
    };
  }
}
