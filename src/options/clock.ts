// The `clock` option, as the monitor and the stores take it: a function returning ms (`Date.now`,
// `() => t`) or an object with now(); anything else fails at setup, not at the first read of the time.

import { invalidOption } from '../errors.js';
import type { Clock } from '../types.js';

/**
 * The `clock` option as a Clock (a function wrapped in one), or undefined when not given; throws
 * ERR_SYSVITALS_INVALID_OPTION naming `owner` for anything else.
 */
export function clockOption(owner: string, value: unknown): Clock | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') {
    const now = value as () => number;
    return { now: () => now() };
  }
  if (value === null || typeof (value as Partial<Clock>).now !== 'function') {
    throw invalidOption(
      `${owner}: \`clock\` must be a function returning milliseconds (such as Date.now) or an object with a now() method.`,
    );
  }
  return value as Clock;
}
