// Forecasts from a robust trend: when a series will reach a level, and whether that forecast is
// solid enough to alert on (enough points, enough time span, a slope significantly non-zero).

import { MIN_PIECE } from './change-point.js';
import { chanceMs, withinNoise } from './raise-guard.js';
import type { SeriesBuffer } from './series-buffer.js';
import { type ShapedFits, shapedFits, trendOf } from './shaped-fits.js';
import { isSignificantToward, type Trend, timeToReach } from './trend.js';

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
  if (!buffer.fittable()) return null;
  const fit = shapedFits(buffer, direction, guards.minPoints);
  const trend = fit.whole;
  if (!trend) return untrusted(trendOf(buffer) as Trend);
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

/**
 * The untrusted regime forecast on the whole window's fit. That fit is made only where it is read (here, and for a
 * plain series): a staircase's or a cycle's is not, most of whose sample it was (7,140 slopes).
 */
function untrustedRegime(buffer: SeriesBuffer, last: number): RegimeForecast {
  return {
    ...untrusted(trendOf(buffer) as Trend),
    last,
    from: last,
    steady: false,
    envelope: false,
    sure: false,
    family: false,
    chanceMs: 0,
  };
}

/** A forecast of the current regime, with the value last read. */
export interface RegimeForecast extends Forecast {
  /** The last point's value: what the series reads now. */
  readonly last: number;
  /** The regime's forecast is trusted (never for an envelope): a raised prediction is kept, not held to clear. */
  readonly steady: boolean;
  /** Trusted at the raise's stricter confidence (the slope's 98 % interval toward the level): safe to raise on. */
  readonly sure: boolean;
  /** The regime's slope is significant toward the level at the family-wise level (raise-guard.ts, Z_FAMILY). */
  readonly family: boolean;
  /** raise-guard.ts `chanceMs` (Infinity for an envelope): read by `predictConfidence: 'high'` only. */
  readonly chanceMs: number;
  /**
   * The value the time to the level (`etaMs`) is measured from, at the rate `perHour`: the fitted line at the last
   * point, never beyond the last reading (the recent stretch's when its time is the sooner); an envelope's line.
   * A message states it beside the reading when the two differ (predict-observations.ts).
   */
  readonly from: number;
  /**
   * The forecast is a cycle's (or a staircase's) envelope line, carried to the last point: `level` is that line's
   * (the peaks' going up), not the reading's, and the time to the level is measured from it.
   */
  readonly envelope: boolean;
}

/**
 * Like `forecast`, but of the current regime. A plain series (or the stretch since its last jump) is fitted over
 * the points since its slope last changed (`regimeForecast`); before, over the window's last quarter, whose 10–15
 * jittered points put the slope anywhere between a third and 1.5× the true one, and a rising ramp's alert cleared.
 * The time to the level is never measured from beyond the last reading, so a stopped rise is not extrapolated
 * past what was read. A cycle is judged on its envelope (going down the troughs), whose recent part spans at
 * least three turns, with its line carried to the last point (a sawtooth's reading is off its envelope most of
 * the time, so it does not cap the level).
 */
export function forecastRegime(
  buffer: SeriesBuffer,
  limit: number,
  direction: 'up' | 'down' = 'up',
  guards: ForecastGuards = DEFAULT_FORECAST_GUARDS,
): RegimeForecast | null {
  if (!buffer.fittable()) return null;
  const last = buffer.last();
  const fit = shapedFits(buffer, direction, guards.minPoints, true);
  const { whole, recent } = fit;
  if (!fit.envelope) return regimeForecast(fit, limit, direction, guards, last, buffer);
  if (!whole || !recent) return untrustedRegime(buffer, last);
  const level = recent.level;
  const trend: Trend = { ...recent, level };
  const slow = direction === 'up' ? recent.slopeLow : recent.slopeHigh;
  const fast = direction === 'up' ? recent.slopeHigh : recent.slopeLow;
  const trusted =
    fit.points >= guards.minPoints &&
    fit.spanMs >= guards.minSpanMs &&
    isSignificantToward(whole, direction) &&
    isSignificantToward(recent, direction);
  // A raise needs the turns' line significant beside their scatter at the raise's 1 % (raise-guard.ts
  // `lineSignificant`): Sen's interval of 3 turns is theirs from the smallest pairwise slope, which a flat series read
  // as a cycle passed 1 time in 6 (RT42-8). Its time to the level is the envelope line's: not held back further.
  const sure = trusted && fit.turnsSure;
  return {
    steady: false,
    envelope: true,
    sure,
    family: sure,
    chanceMs: Number.POSITIVE_INFINITY,
    etaMs: timeToReach(trend, limit, direction),
    etaLateMs: timeToReach(trend, limit, direction, slow),
    etaEarlyMs: timeToReach(trend, limit, direction, fast),
    perHour: recent.slope * 3_600_000,
    from: level,
    level,
    last,
    trusted,
    trend,
  };
}

/**
 * The forecast of a plain series (or the stretch since its last jump) from its regime: every point since the
 * slope last changed (change-point.ts), else every point. Trusted (kept raised) while that fit's 90 % interval lies
 * toward the level; `sure` (raised) only when its 98 % one does. The time to the level is measured from the
 * regime's fitted line at the last point.
 */
function regimeForecast(
  fit: ShapedFits,
  limit: number,
  direction: 'up' | 'down',
  guards: ForecastGuards,
  last: number,
  buffer: SeriesBuffer,
): RegimeForecast {
  const r = fit.regime;
  if (!r) return untrustedRegime(buffer, last);
  const slow = direction === 'up' ? r.slopeLow : r.slopeHigh;
  const fast = direction === 'up' ? r.slopeHigh : r.slopeLow;
  // After a change of slope the regime is trusted from MIN_PIECE points: the guards are for a trend's first
  // minutes, and a rise that slowed (to +0.1 % a minute, say) must not go unforecast for 10 minutes.
  const enough =
    (r.points >= guards.minPoints && r.spanMs >= guards.minSpanMs) || (fit.changed && r.points >= MIN_PIECE);
  // A segment (a window cut by a jump) only withholds a forecast the whole window makes.
  const whole = !fit.plain || isSignificantToward(fit.plain.whole, direction);
  // Past the level ("still rising"), kept only at the family-wise level: a rise that stopped past it was kept by
  // a regime significant by chance at 90 % for up to 40 minutes (raise-guard.ts).
  const past = direction === 'up' ? r.level >= limit : r.level <= limit;
  const family = fit.regimeFamily !== null && isSignificantToward(fit.regimeFamily, direction);
  const kept = fit.regimeKeepFamily !== null && isSignificantToward(fit.regimeKeepFamily, direction);
  const trusted = enough && whole && isSignificantToward(r, direction) && (!past || kept);
  // Measured from the fitted line, but never from beyond the last reading (going up: the lower of the two); a last
  // reading already past the limit is measured from itself: 0, "already at or above 80 and still rising", never a
  // time to a level already crossed (an accelerating rise's fitted line lags far behind it: outside review 34, RT34-4).
  const crossed = direction === 'up' ? last >= limit : last <= limit;
  const capped = crossed ? last : direction === 'up' ? Math.min(r.level, last) : Math.max(r.level, last);
  const t: Trend = { ...r, level: capped };
  // The regime's line lags a rise that speeds up (a backlog's exponential, a quadratic): never a time to the level
  // longer than the recent stretch's own line gives, once that stretch's slope is significant toward the level at the
  // family-wise level (a noisy ramp's 10–15 recent points seldom are, so its forecast is the regime's, as before).
  const soon = recentEta(r, fit.regimeRecent, fit.regimeRecentFamily, limit, direction, last);
  // The recent stretch's time when it is the sooner: then the rate and the level it was measured from are its own.
  const onLine = timeToReach(t, limit, direction);
  const fromRecent = soon.ms < onLine && fit.regimeRecent !== null;
  // A raise needs more than keeping: the regime's slope significant at 98 %, and, once the regime has twice the
  // guards' points, its last quarter's at 90 % (on a flat series one of them alone was significant by chance in
  // 10–15 of 60 seeded windows, both in 4); with the level within the noise band, at the family-wise level
  // (raise-guard.ts: 78 ± 2 under 80 paged in 3 of 60 four-hour runs).
  const sure =
    trusted &&
    fit.regimeSure !== null &&
    isSignificantToward(fit.regimeSure, direction) &&
    (r.points < 2 * guards.minPoints ||
      (fit.regimeRecent !== null && isSignificantToward(fit.regimeRecent, direction))) &&
    (!withinNoise(r.level, r.noise, r.points, limit, direction) || family);
  return {
    steady: trusted,
    envelope: false,
    sure,
    family,
    chanceMs: chanceMs(r, fit.regimeFamily, limit - capped, direction),
    etaMs: Math.min(onLine, soon.ms),
    etaLateMs: Math.min(timeToReach(t, limit, direction, slow), soon.ms),
    etaEarlyMs: Math.min(timeToReach(t, limit, direction, fast), soon.ms),
    // The rate the time to the level was measured at: the recent stretch's when it is the sooner.
    perHour: (fromRecent && fit.regimeRecent ? fit.regimeRecent.slope : r.slope) * 3_600_000,
    from: fromRecent ? soon.from : capped,
    level: capped,
    last,
    trusted,
    trend: r,
  };
}

/**
 * The time to `limit` on the regime's recent stretch's line (its last quarter, `regimeRecent`), from that line at
 * the last point but never from beyond the last reading (`from`, the value it is measured from); Infinity unless the stretch's slope is significant toward
 * the level, and steeper than the regime's, at the family-wise level (`family`: the same points at Z_FAMILY).
 */
function recentEta(
  regime: Trend,
  recent: Trend | null,
  family: Trend | null,
  limit: number,
  direction: 'up' | 'down',
  last: number,
): { ms: number; from: number } {
  const never = { ms: Number.POSITIVE_INFINITY, from: last };
  if (!recent || !family) return never;
  // Steeper than the regime beyond what noise could show: a jittered straight ramp's recent slope swings about the
  // regime's minute by minute, and a time taken from it raised, escalated and fell back with each swing.
  const steeper = direction === 'up' ? family.slopeLow > regime.slope : family.slopeHigh < regime.slope;
  if (!steeper || !isSignificantToward(family, direction)) return never;
  const level = direction === 'up' ? Math.min(recent.level, last) : Math.max(recent.level, last);
  return { ms: timeToReach({ ...recent, level }, limit, direction), from: level };
}
