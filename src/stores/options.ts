// Option checks shared by the stores: bad numbers fail at setup with the fix in the message (unknown keys: options/option-keys.ts).

import { invalidOption } from '../errors.js';

/** A positive number (integer when asked), or the default when undefined. */
export function positive(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw invalidOption(
      `${owner}: \`${name}\` must be a positive ${integer ? 'integer' : 'number'} (got ${String(value)}).`,
    );
  }
  return value;
}
