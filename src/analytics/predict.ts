// Forecasts from a robust trend: when a series will reach a level, and whether that forecast is
// solid enough to alert on (enough points, enough time span, a slope significantly non-zero).

import { MIN_TURNS, windowShape } from './envelope.js';
import type { SeriesBuffer } from './series-buffer.js';
import { isSignificantToward, median, type Trend, theilSen, timeToReach } from './trend.js';

/** What makes a trend trustworthy enough to alert on. */
export interface ForecastGuards {
  /** Fewest points in the window. */
  readonly minPoints: number;
  /** Shortest time between the first and last point, ms. */
  readonly minSpanMs: number;
}

/** A series needs 10 points over 10 minutes before its trend is used. */
export const DEFAULT_FORECAST_GUARDS: ForecastGuards = Object.freeze({ minPoints: 10, minSpanMs: 600_000 });

/** When a series reaches a level at its current trend. */
export interface Forecast {
  /** Milliseconds until the fitted line reaches the level (Infinity: never at this trend). */
  readonly etaMs: number;
  /** The same with the slow end of the slope's 90 % interval: the later, cautious estimate. */
  readonly etaLateMs: number;
  /**
   * The same with the fast end of the slope's 90 % interval: the earliest the level is plausibly reached. A raised
   * prediction clears only when even this is past its band (src/analytics/predict-observations.ts).
   */
  readonly etaEarlyMs: number;
  /** Change per hour (Theil–Sen slope). */
  readonly perHour: number;
  /** The fitted current value. */
  readonly level: number;
  /**
   * Enough points and span, and the slope's interval lies wholly on the side of `direction` (above
   * zero going up): the series moves toward the level, or further past it. Safe to alert on.
   */
  readonly trusted: boolean;
  readonly trend: Trend;
}

/**
 * Forecasts when the points in `buffer` reach `limit` (`up`: from below). Null when there is too
 * little data for a trend. The fit follows the window's shape (envelope.ts): every point of a plain
 * series; of a series cut by one or two jumps, the points since the last one; of a cycle (three or more
 * turns), the envelope on the level's side (going up the peaks), its line carried to the last point; of a
 * staircase (three or more steps toward the level, none back), its landings, carried the same way.
 */
export function forecast(
  buffer: SeriesBuffer,
  limit: number,
  direction: 'up' | 'down' = 'up',
  guards: ForecastGuards = DEFAULT_FORECAST_GUARDS,
): Forecast | null {
  const plain = trendOf(buffer);
  if (!plain) return null;
  const fit = shapedFits(buffer, direction, guards.minPoints);
  const trend = fit.whole;
  if (!trend) return untrusted(plain);
  const slow = direction === 'up' ? trend.slopeLow : trend.slopeHigh;
  const fast = direction === 'up' ? trend.slopeHigh : trend.slopeLow;
  return {
    etaMs: timeToReach(trend, limit, direction),
    etaLateMs: timeToReach(trend, limit, direction, slow),
    etaEarlyMs: timeToReach(trend, limit, direction, fast),
    perHour: trend.slope * 3_600_000,
    level: trend.level,
    trusted:
      fit.points >= guards.minPoints &&
      fit.spanMs >= guards.minSpanMs &&
      isSignificantToward(trend, direction) &&
      (!fit.plain || isSignificantToward(fit.plain.whole, direction)),
    trend,
  };
}

/** A forecast that never alerts (the current stretch is too short for a trend of its own). */
function untrusted(trend: Trend): Forecast {
  const never = Number.POSITIVE_INFINITY;
  return {
    etaMs: never,
    etaLateMs: never,
    etaEarlyMs: never,
    perHour: 0,
    level: trend.level,
    trusted: false,
    trend,
  };
}

const fits = new WeakMap<SeriesBuffer, { version: number; trend: Trend | null }>();

/** The buffer's Theil–Sen fit, computed again only when its points changed (once a minute). */
export function trendOf(buffer: SeriesBuffer): Trend | null {
  const cached = fits.get(buffer);
  if (cached && cached.version === buffer.version) return cached.trend;
  const { times, values } = buffer.read();
  const trend = theilSen(times, values);
  fits.set(buffer, { version: buffer.version, trend });
  return trend;
}

/** A forecast of the current regime, with the value last read. */
export interface RegimeForecast extends Forecast {
  /** The last point's value: what the series reads now. */
  readonly last: number;
  /**
   * The whole window's slope is significantly toward the level and lies inside the recent slope's interval: nothing
   * says the trend changed. A raised prediction whose recent fit is merely not significant is kept while so.
   */
  readonly steady: boolean;
}

/**
 * Like `forecast`, but of the current regime: the slope is the Theil–Sen slope of the window's last
 * quarter (at least `guards.minPoints` points), and the forecast is trusted only when both the whole
 * window's slope and that recent slope are significantly toward `direction`. The time to the level is
 * measured from the recent fit's level, but never from beyond the last reading (going up: the lower of
 * the two), so a rise that has stopped is not extrapolated past what was read. Before, the whole
 * window's robust fit, more than half of it on the old line, kept forecasting a stopped rise: "now
 * 1972, reach 2000 in 1 min" while every reading for 15 min was 1700.
 * A window cut by a jump is judged on the stretch since it; a cycle on its envelope (going down the
 * troughs), whose recent part spans at least three turns, with its line carried to the last point (a
 * sawtooth's reading is off its envelope most of the time, so it does not cap the level).
 */
export function forecastRegime(
  buffer: SeriesBuffer,
  limit: number,
  direction: 'up' | 'down' = 'up',
  guards: ForecastGuards = DEFAULT_FORECAST_GUARDS,
): RegimeForecast | null {
  const plain = trendOf(buffer);
  if (!plain) return null;
  const last = buffer.last();
  const fit = shapedFits(buffer, direction, guards.minPoints);
  const { whole, recent } = fit;
  if (!whole || !recent) return { ...untrusted(plain), last, steady: false };
  const capped = direction === 'up' ? Math.min(recent.level, last) : Math.max(recent.level, last);
  const level = fit.envelope ? recent.level : capped;
  const trend: Trend = { ...recent, level };
  const slow = direction === 'up' ? recent.slopeLow : recent.slopeHigh;
  const fast = direction === 'up' ? recent.slopeHigh : recent.slopeLow;
  const gap = direction === 'up' ? whole.level - recent.level : recent.level - whole.level;
  const steady = !fit.envelope && isSignificantToward(whole, direction) && gap <= DEPARTURE * fit.spread;
  return {
    steady,
    etaMs: timeToReach(trend, limit, direction),
    etaLateMs: timeToReach(trend, limit, direction, slow),
    etaEarlyMs: timeToReach(trend, limit, direction, fast),
    perHour: recent.slope * 3_600_000,
    level,
    last,
    trusted:
      fit.points >= guards.minPoints &&
      fit.spanMs >= guards.minSpanMs &&
      (fit.envelope || recent.points >= guards.minPoints) &&
      (!fit.plain ||
        (isSignificantToward(fit.plain.whole, direction) &&
          isSignificantToward(fit.plain.recent, direction))) &&
      isSignificantToward(whole, direction) &&
      (fit.envelope || steady || (fit.late !== null && isSignificantToward(fit.late, direction))) &&
      isSignificantToward(recent, direction),
    trend,
  };
}

/** The fits of a window by its shape, and the points and span the guards judge. */
interface ShapedFits {
  readonly whole: Trend | null;
  readonly recent: Trend | null;
  readonly envelope: boolean;
  /**
   * A segment's fits of the whole window, which must agree: a jump only withholds a forecast, never
   * makes one (a jump in a noisy series would otherwise start a short, spurious stretch).
   */
  readonly plain: { readonly whole: Trend; readonly recent: Trend } | null;
  readonly points: number;
  readonly spanMs: number;
  /** The recent fit's jitter (`spreadAround`; 0 for an envelope). */
  readonly spread: number;
  /**
   * The recent fit's later half: after a departure from the whole window's line (a rise that slowed or stopped) a
   * forecast is trusted only while this new stretch is itself significant (a slowed rise still rising).
   */
  readonly late: Trend | null;
}

/** How many spreads the recent fit's level may lie behind the whole window's line before the trend has changed. */
const DEPARTURE = 2;

const shaped = new WeakMap<SeriesBuffer, { version: number; key: string; fits: ShapedFits }>();

/** The whole and recent fits of the buffer by its shape toward `direction`, cached per version. */
function shapedFits(buffer: SeriesBuffer, direction: 'up' | 'down', minPoints: number): ShapedFits {
  const key = `${direction}:${minPoints}`;
  const cached = shaped.get(buffer);
  if (cached && cached.version === buffer.version && cached.key === key) return cached.fits;
  const { times, values } = buffer.read();
  const shape = windowShape(values, direction);
  let fits: ShapedFits;
  if (shape.kind === 'envelope' || shape.kind === 'stairs') {
    const t = shape.turns.map((i) => times[i] as number);
    const v =
      shape.kind === 'stairs'
        ? shape.turns.map((i) => stepLevel(values, i))
        : shape.turns.map((i) => values[i] as number);
    const end = times[times.length - 1] as number;
    const start = times[0] as number;
    const quarter = end - (end - start) / 4;
    let k = t.findIndex((x) => x >= quarter);
    k = Math.min(k < 0 ? t.length : k, t.length - MIN_TURNS);
    fits = {
      whole: carry(theilSen(t, v), end),
      recent: carry(theilSen(t.slice(k), v.slice(k)), end),
      envelope: true,
      plain: null,
      points: times.length,
      spanMs: end - start,
      spread: 0,
      late: null,
    };
  } else {
    const from = shape.kind === 'segment' ? shape.from : 0;
    const t = times.slice(from);
    const v = values.slice(from);
    const k = Math.min(t.length, Math.max(minPoints, Math.ceil(t.length / 4)));
    const plainWhole = trendOf(buffer);
    const whole = shape.kind === 'plain' ? plainWhole : theilSen(t, v);
    const recent = theilSen(t.slice(-k), v.slice(-k));
    const q = Math.min(times.length, Math.max(minPoints, Math.ceil(times.length / 4)));
    const plainRecent = shape.kind === 'segment' ? theilSen(times.slice(-q), values.slice(-q)) : null;
    fits = {
      whole,
      recent,
      envelope: false,
      plain:
        shape.kind === 'segment' && plainWhole && plainRecent
          ? { whole: plainWhole, recent: plainRecent }
          : null,
      points: t.length,
      spanMs: t.length > 0 ? (t[t.length - 1] as number) - (t[0] as number) : 0,
      spread: recent ? spreadAround(recent, t.slice(-k), v.slice(-k)) : 0,
      late: theilSen(t.slice(-Math.ceil(k / 2)), v.slice(-Math.ceil(k / 2))),
    };
  }
  shaped.set(buffer, { version: buffer.version, key, fits });
  return fits;
}

/** The median distance of the points from the trend's line: the series' jitter around it. */
function spreadAround(trend: Trend, times: readonly number[], values: readonly number[]): number {
  const off = times.map((x, i) =>
    Math.abs((values[i] as number) - trend.level - trend.slope * (x - trend.at)),
  );
  return median(off.sort((a, b) => a - b));
}

/**
 * A staircase's level at landing `i`: the mean of its reading and the next STEP_LEVEL − 1 (fewer at the
 * window's end), so that a jitter on every reading moves the landings line less (one reading of a ±0.12
 * jitter moved the 3 h forecast by up to 8 minutes).
 */
function stepLevel(values: readonly number[], i: number): number {
  const end = Math.min(values.length, i + STEP_LEVEL);
  let sum = 0;
  for (let k = i; k < end; k++) sum += values[k] as number;
  return sum / (end - i);
}

/** Readings averaged into a staircase's landing level (its flats last minutes: 40 for 20-minute hourly steps). */
const STEP_LEVEL = 5;

/** The trend with its fitted line carried to `at` (an envelope's last turn is behind the last point). */
function carry(trend: Trend | null, at: number): Trend | null {
  if (!trend) return null;
  return { ...trend, level: trend.level + trend.slope * (at - trend.at), at };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a duration: milliseconds as a number (0 allowed, as for a pending time), or a string such as
 * '30m', '4h', '1d', '90s', '500ms'. Unlike profiling's parseDuration it does not throw: the rules
 * build their own ERR_SYSVITALS_INVALID_RULE message.
 * Returns null when it is not one.
 */
export function readDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** "3 h 20 min", "45 min", "2 d 4 h": a time span for alert messages. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
