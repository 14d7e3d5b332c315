// Memory leak detection: heap or RSS growing steadily over the window while garbage collection
// never brings it back down to an earlier floor, with the growth rate and the time to the limit.

import { SeriesBuffer } from './series-buffer.js';
import { trendOf } from './shaped-fits.js';
import { isSignificant, theilSen, timeToReach } from './trend.js';

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
  /** Growth in MB per hour (Theil–Sen slope of the post-GC floor). */
  readonly mb_per_hour: number;
  /** The last reading, MB. */
  readonly current_mb: number;
  /** The fitted post-GC floor now, MB (the series' fitted level when GC recovered nothing). */
  readonly floor_mb: number;
  /** How many times GC brought memory down in the window (the troughs fitted). */
  readonly gc_recoveries: number;
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
   * The leak, or null. A leak needs the window at least 90 % covered, every segment's minimum above the
   * previous one, and a significant upward slope of at least `minGrowthPerHour` × `share` (1: to raise;
   * the engine holds a raised alert while the growth stays above half of it: no flapping). The slope is
   * that of the post-GC floor: the troughs (each minimum right after a drop) when GC recovered memory
   * at least 3 times in the window, else of every point (a heap GC never brings down). Before, the slope
   * of every point measured a sawtooth's ramps: a floor creeping 1.1 %/h read "+0.55 MB/h with no GC
   * recovery" (8× the floor's growth) and was raised and cleared every 20 minutes.
   */
  check(limitMb: number, share = 1): LeakFinding | null {
    const { times, values } = this.buffer.read();
    const n = times.length;
    if (n < 20) return null;
    const span = (times[n - 1] as number) - (times[0] as number);
    if (span < this.options.windowMs * 0.9) return null;
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
    const gc = troughs(times, values);
    const recovered = gc.times.length >= 3;
    const trend = recovered ? theilSen(gc.times, gc.values) : trendOf(this.buffer);
    if (!trend || !isSignificant(trend) || trend.slope <= 0) return null;
    const perHour = trend.slope * 3_600_000;
    if (perHour < this.options.minGrowthPerHour * share * Math.max(trend.level, 1e-9)) return null;
    // The fitted floor now, carried from the last trough to the last point.
    const at = times[n - 1] as number;
    const level = trend.level + trend.slope * (at - trend.at);
    const eta = timeToReach({ ...trend, level, at }, limitMb, 'up');
    return {
      mb_per_hour: perHour,
      current_mb: values[n - 1] as number,
      floor_mb: level,
      gc_recoveries: gc.times.length,
      limit_mb: limitMb,
      hours_to_limit: eta / 3_600_000,
    };
  }
}

/**
 * The post-GC minima: each point below its predecessor (memory was freed) and not above its successor
 * (the bottom of the drop), with the drop larger than the series' typical one-step rise and at least
 * a tenth of the series' range (so that noise on a steady climb is not a recovery: a leak of 48 MB in
 * the window with 1 MB dips counted its dips as "GC recoveries").
 */
export function troughs(
  times: readonly number[],
  values: readonly number[],
): { times: number[]; values: number[] } {
  const rises: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const d = (values[i] as number) - (values[i - 1] as number);
    if (d > 0) rises.push(d);
  }
  rises.sort((a, b) => a - b);
  const typical = rises.length > 0 ? (rises[rises.length >> 1] as number) : 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of values) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const meaningful = Math.max(2 * typical, (hi - lo) / 10);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const y = values[i] as number;
    const next = i + 1 < values.length ? (values[i + 1] as number) : Number.POSITIVE_INFINITY;
    if ((values[i - 1] as number) - y > meaningful && y <= next) {
      t.push(times[i] as number);
      v.push(y);
    }
  }
  return { times: t, values: v };
}
