// Forecasts from a robust trend: when a series will reach a level, and whether that forecast is
// solid enough to alert on (enough points, enough time span, a slope significantly non-zero).

import type { SeriesBuffer } from './series-buffer.js';
import { isSignificantToward, type Trend, theilSen, timeToReach } from './trend.js';

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
 * little data for a trend.
 */
export function forecast(
  buffer: SeriesBuffer,
  limit: number,
  direction: 'up' | 'down' = 'up',
  guards: ForecastGuards = DEFAULT_FORECAST_GUARDS,
): Forecast | null {
  const trend = trendOf(buffer);
  if (!trend) return null;
  const slow = direction === 'up' ? trend.slopeLow : trend.slopeHigh;
  return {
    etaMs: timeToReach(trend, limit, direction),
    etaLateMs: timeToReach(trend, limit, direction, slow),
    perHour: trend.slope * 3_600_000,
    level: trend.level,
    trusted:
      trend.points >= guards.minPoints &&
      trend.spanMs >= guards.minSpanMs &&
      isSignificantToward(trend, direction),
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
}

/**
 * Like `forecast`, but of the current regime: the slope is the Theil–Sen slope of the window's last
 * quarter (at least `guards.minPoints` points), and the forecast is trusted only when both the whole
 * window's slope and that recent slope are significantly toward `direction`. The time to the level is
 * measured from the recent fit's level, but never from beyond the last reading (going up: the lower of
 * the two), so a rise that has stopped is not extrapolated past what was read. Before, the whole
 * window's robust fit, more than half of it on the old line, kept forecasting a stopped rise: "now
 * 1972, reach 2000 in 1 min" while every reading for 15 min was 1700.
 */
export function forecastRegime(
  buffer: SeriesBuffer,
  limit: number,
  direction: 'up' | 'down' = 'up',
  guards: ForecastGuards = DEFAULT_FORECAST_GUARDS,
): RegimeForecast | null {
  const whole = trendOf(buffer);
  const recent = recentTrendOf(buffer, guards.minPoints);
  if (!whole || !recent) return null;
  const { values } = buffer.read();
  const last = values[values.length - 1] as number;
  const level = direction === 'up' ? Math.min(recent.level, last) : Math.max(recent.level, last);
  const trend: Trend = { ...recent, level };
  const slow = direction === 'up' ? recent.slopeLow : recent.slopeHigh;
  return {
    etaMs: timeToReach(trend, limit, direction),
    etaLateMs: timeToReach(trend, limit, direction, slow),
    perHour: recent.slope * 3_600_000,
    level,
    last,
    trusted:
      whole.points >= guards.minPoints &&
      whole.spanMs >= guards.minSpanMs &&
      recent.points >= guards.minPoints &&
      isSignificantToward(whole, direction) &&
      isSignificantToward(recent, direction),
    trend,
  };
}

const recentFits = new WeakMap<SeriesBuffer, { version: number; trend: Trend | null }>();

/** Theil–Sen fit of the buffer's last quarter (at least `minPoints` points), cached per version. */
export function recentTrendOf(buffer: SeriesBuffer, minPoints: number): Trend | null {
  const cached = recentFits.get(buffer);
  if (cached && cached.version === buffer.version) return cached.trend;
  const { times, values } = buffer.read();
  const k = Math.min(times.length, Math.max(minPoints, Math.ceil(times.length / 4)));
  const trend = theilSen(times.slice(-k), values.slice(-k));
  recentFits.set(buffer, { version: buffer.version, trend });
  return trend;
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
