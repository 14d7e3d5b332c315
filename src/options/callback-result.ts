// What a user's callback returned, when it may be a promise where a value (or nothing) was asked for: an async
// listener, collect() or poolSize() whose rejection would otherwise be unhandled and end the host (outside review 36).

/** The `then` of a thenable value (a Promise or any object with a then method), else undefined. Never throws. */
export function thenOfValue(
  value: unknown,
): ((ok?: unknown, fail?: (err: unknown) => void) => unknown) | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    const then = (value as { then?: unknown }).then;
    return typeof then === 'function'
      ? (then as (ok?: unknown, fail?: (err: unknown) => void) => unknown)
      : undefined;
  } catch {
    return undefined; // a throwing getter: not a thenable this code can wait on
  }
}

/**
 * When `value` is a thenable, hands its rejection to `onRejected` (never unhandled) and returns true; else false.
 * Never throws: a `then` that throws is reported to `onRejected` as the rejection.
 */
export function catchRejection(value: unknown, onRejected: (err: unknown) => void): boolean {
  const then = thenOfValue(value);
  if (then === undefined) return false;
  try {
    then.call(value, undefined, (err: unknown) => {
      try {
        onRejected(err);
      } catch {
        // the reporter itself failed: the rejection is still handled
      }
    });
  } catch (err) {
    try {
      onRejected(err);
    } catch {
      // as above
    }
  }
  return true;
}
