// Setup-time check of option names: an unknown key throws a coded error with a "did you mean" hint.
// The one edit-distance suggester: options, rules, query parameters and CLI flags all use it.

import { invalidOption, SysvitalsError, type SysvitalsErrorCode } from '../errors.js';

/** Throws ERR_SYSVITALS_UNKNOWN_OPTION for a key not in `known` (e.g. `maxRoute` → "Did you mean `maxRoutes`?"). */
export function rejectUnknownOptions(
  options: object,
  known: readonly string[],
  owner: string,
  suggestion: { readonly maxDistance?: number } = {},
): void {
  rejectUnknownKeys(options, known, 'ERR_SYSVITALS_UNKNOWN_OPTION', (key) => {
    const hint = suggest(key, known, suggestion);
    return `${owner}: unknown option \`${key}\`.${hint ? ` Did you mean \`${hint}\`?` : ''} Known options: ${known.join(', ')}.`;
  });
}

/** Throws `code` with `message(key)` for the first key of `obj` that is not in `known`. */
export function rejectUnknownKeys(
  obj: object,
  known: readonly string[],
  code: SysvitalsErrorCode,
  message: (key: string) => string,
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) throw new SysvitalsError(code, message(key));
  }
}

/**
 * `null` is no option's value: some options took it as left out, others refused it with a message about something
 * else. Throws ERR_SYSVITALS_INVALID_OPTION for the first key of `options` (outside `except`) given as null.
 */
export function rejectNullOptions(options: object, owner: string, except: readonly string[] = []): void {
  const key = Object.keys(options).find(
    (k) => !except.includes(k) && (options as Record<string, unknown>)[k] === null,
  );
  if (key === undefined) return;
  throw invalidOption(`${owner}: \`${key}\` is null; leave it out for its default.`);
}

/** Throws ERR_SYSVITALS_INVALID_OPTION unless `value` is undefined or an integer in [min, max]. */
export function checkInteger(value: unknown, name: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(`\`${name}\` must be an integer from ${min} to ${max} (got ${String(value)}).`);
  }
}

export interface SuggestOptions {
  /**
   * Count a prefix either way (input of 2+ characters) as distance 1, so that `warn` finds `warning`.
   * Default false.
   */
  readonly prefixes?: boolean;
  /** Accept up to a third of the suggested name's length (at least 2) instead of 2. Default false. */
  readonly scaled?: boolean;
  /** Longer input gets no suggestion: bounds the work spent on untrusted input. Default unbounded. */
  readonly maxInputLength?: number;
  /** The largest edit distance suggested (instead of 2, or the `scaled` limit). */
  readonly maxDistance?: number;
}

/**
 * The known name closest to `input` (case-insensitive edit distance, at most 2 unless `scaled`), or
 * undefined when nothing is close: catches typos and wrong casing, not unrelated names. Ties go to
 * the name with fewer edits, then the earlier name in `known`.
 */
export function suggest(
  input: string,
  known: readonly string[],
  options: SuggestOptions = {},
): string | undefined {
  if (options.maxInputLength !== undefined && input.length > options.maxInputLength) return undefined;
  const a = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bestEdits = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const prefix = options.prefixes === true && a.length >= 2 && (c.startsWith(a) || a.startsWith(c));
    const edits = distance(a, c);
    const d = prefix ? 1 : edits;
    // A prefix ties with a one-letter typo: the fewer edits win (`predictConfidance` is `predictConfidence`, not
    // the prefix `predict`), then the earlier name.
    if (d < bestDistance || (d === bestDistance && edits < bestEdits)) {
      best = candidate;
      bestDistance = d;
      bestEdits = edits;
    }
  }
  if (best === undefined) return undefined;
  const limit =
    options.maxDistance ?? (options.scaled === true ? Math.max(2, Math.floor(best.length / 3)) : 2);
  return bestDistance <= limit ? best : undefined;
}

/** " Did you mean `x`?" for the name `suggest` finds, else "": appended to a setup error's first sentence. */
export function didYouMean(input: string, known: readonly string[], options?: SuggestOptions): string {
  const best = suggest(input, known, options);
  return best === undefined ? '' : ` Did you mean \`${best}\`?`;
}

/** Levenshtein distance (insert, delete, substitute). */
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
