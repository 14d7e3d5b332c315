// A job's last error message as kept for `last_failure`: the thrown value's message, credentials redacted, cut.

import { redactCredentials } from '../channels/credentials.js';
import { thrownText } from '../channels/thrown-text.js';

/** Longest error message kept for `last_failure` (the rest is cut). */
export const MAX_ERROR_LENGTH = 200;

/**
 * The message of a thrown value, credentials redacted (redactCredentials), cut to MAX_ERROR_LENGTH; '' when
 * none was given (`undefined` or `null`: `recordJob(name, ms, true)`, `Promise.reject()`), which `last_failure`
 * shows as `error: null`.
 */
export function errorText(error: unknown): string {
  const text = redactCredentials(thrownText(error));
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
