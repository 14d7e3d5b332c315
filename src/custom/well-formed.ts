// Label values made well-formed UTF-16 before they name a series. A lone surrogate (`'jobs\ud800'`, from a
// JSON.parse of a client's `"\ud800"`) is a string of its own in memory and in JSON, but UTF-8 has no spelling for
// it: the scrape encodes it as U+FFFD, so `'jobs\ud800'`, `'jobs\udc00'` and `'jobs\ufffd'` would be one series
// written three times (Prometheus keeps one, sum() undercounts). Where a value becomes a key, it is this first.

// Node 20 has both (V8 11.3); the ES2023 lib this project compiles against does not declare them.
const proto = String.prototype as unknown as {
  isWellFormed(this: string): boolean;
  toWellFormed(this: string): string;
};

/**
 * Longest route, job, `@timed` function and observed-series name kept as a name of its own (characters); a longer
 * one folds into `other` (an observed series is dropped, counted): each name is copied into every read and scrape
 * line, and one 200,000-character route made a scrape 6.8 MB (outside review 33, RT33-8).
 */
export const MAX_KEY_NAME_LENGTH = 256;

/**
 * `s` with each lone surrogate replaced by U+FFFD, as UTF-8 encodes it (String.prototype.toWellFormed): two values
 * that encode alike are one value. `s` itself when it is well-formed (always, for a string of one-byte characters).
 * Callers keep it off their hot path: a key stored is well-formed, so a lookup with the value as given finds it,
 * and only a miss (a new value, or one not well-formed) needs this.
 */
export function wellFormed(s: string): string {
  // Anything else as it is: a caller's check of a bad name stays its own.
  return typeof s !== 'string' || proto.isWellFormed.call(s) ? s : proto.toWellFormed.call(s);
}
