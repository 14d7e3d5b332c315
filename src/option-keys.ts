// Setup-time check of option names: an unknown key throws a coded error with a "did you mean" hint.

import { invalidOption, SysvitalsError } from './errors.js';

/** Throws ERR_SYSVITALS_UNKNOWN_OPTION for a key not in `known` (e.g. `maxRoute` → "Did you mean `maxRoutes`?"). */
export function rejectUnknownOptions(options: object, known: readonly string[], owner: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    throw new SysvitalsError(
      'ERR_SYSVITALS_UNKNOWN_OPTION',
      `${owner}: unknown option \`${key}\`.${hint ? ` Did you mean \`${hint}\`?` : ''} Known options: ${known.join(', ')}.`,
    );
  }
}

/** Throws ERR_SYSVITALS_INVALID_OPTION unless `value` is undefined or an integer in [min, max]. */
export function checkInteger(value: unknown, name: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(`\`${name}\` must be an integer from ${min} to ${max} (got ${String(value)}).`);
  }
}

// Case-insensitive edit distance of at most 2: catches typos and wrong casing, not unrelated names.
function closest(input: string, candidates: readonly string[]): string | undefined {
  const a = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(a, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
