// Option checks shared by the stores: unknown keys and bad numbers fail at setup with the fix in the message.

import { invalidOption } from '../errors.js';
import { rejectUnknownKeys as rejectUnknownOptionKeys, suggest } from '../options/option-keys.js';

/** Throws for a key the options object does not know, suggesting the closest known one (up to 3 edits). */
export function rejectUnknownKeys(owner: string, options: object, known: readonly string[]): void {
  rejectUnknownOptionKeys(options, known, 'ERR_SYSVITALS_UNKNOWN_OPTION', (key) => {
    const best = suggest(key, known, { maxDistance: 3 });
    const hint = best ? ` Did you mean \`${best}\`?` : ` Known options: ${known.join(', ')}.`;
    return `${owner}: unknown option \`${key}\`.${hint}`;
  });
}

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
