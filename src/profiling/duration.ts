// Human durations for options: `'5m'`, `'30s'`, `'1h'`, `'2d'`, `'250ms'`, or a number of milliseconds.

import { invalidOption } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
});

/** Milliseconds for `'5m'`-style text or a number of ms; throws ERR_SYSVITALS_INVALID_OPTION naming `what`. */
export function parseDuration(value: unknown, what: string): number {
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
    if (m) ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw invalidOption(
      `\`${what}\` must be a positive duration: a number of ms or text such as '30s', '5m', '1h', '1d' (got ${JSON.stringify(value)}).`,
    );
  }
  return ms;
}
