// Human durations for options: `'5m'`, `'30s'`, `'1h'`, `'2d'`, `'250ms'`, or a number of milliseconds.

import { invalidOption } from '../errors.js';

/** setTimeout's longest delay: above it Node fires after 1 ms (a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2_147_483_647;

const UNITS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
});

/**
 * Reads a duration: milliseconds as a number, or a string such as '30m', '4h', '1d', '90s', '500ms'.
 * Returns null when it is not one (negative, not finite, unknown unit).
 */
function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!m) return null;
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  // '1.1s' is 1100 ms, not the product's 1100.0000000000002: a decimal's rounding error is no fraction of a ms.
  const whole = Math.round(ms);
  return Math.abs(ms - whole) < 1e-6 ? whole : ms;
}

/**
 * Whole milliseconds for `'5m'`-style text or a number of ms, above zero (as the monitor's other ms options: outside
 * review A, RTA-4); throws ERR_SYSVITALS_INVALID_OPTION naming `what`.
 */
export function parseDurationOption(value: unknown, what: string): number {
  const ms = parseDuration(value) ?? Number.NaN;
  if (!(ms > 0) || !Number.isSafeInteger(ms)) {
    throw invalidOption(
      `\`${what}\` must be a positive duration: a whole number of ms or text such as '30s', '5m', '1h', '1d' (got ${JSON.stringify(value)}).`,
    );
  }
  return ms;
}
