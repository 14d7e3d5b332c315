// Option checks shared by the stores: unknown keys and bad numbers fail at setup with the fix in the message.

import { invalidOption, SysvitalsError } from '../errors.js';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Throws for a key the options object does not know, suggesting the closest known one. */
export function rejectUnknownKeys(owner: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const best = known.map((k) => [k, distance(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
    const hint =
      best && best[1] <= 3 ? ` Did you mean \`${best[0]}\`?` : ` Known options: ${known.join(', ')}.`;
    throw new SysvitalsError('ERR_SYSVITALS_UNKNOWN_OPTION', `${owner}: unknown option \`${key}\`.${hint}`);
  }
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
