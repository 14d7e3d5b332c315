// A job's last error message as kept for `last_failure`: the thrown value's message, credentials redacted, cut.

import { inspect } from 'node:util';
import { redactCredentials } from '../channels/credentials.js';

/** Longest error message kept for `last_failure` (the rest is cut). */
export const MAX_ERROR_LENGTH = 200;

// A thrown value that is neither an Error nor a string (`throw { code: 'E42' }`) is shown as util.inspect shows it,
// on one line and bounded (depth, keys, string lengths), never as `[object Object]` (outside review 29, RT29-4).
const INSPECT = {
  depth: 2,
  breakLength: Number.POSITIVE_INFINITY,
  compact: true,
  maxArrayLength: 10,
  maxStringLength: MAX_ERROR_LENGTH,
  customInspect: false,
  getters: false,
} as const;

/**
 * The message of a thrown value, credentials redacted (redactCredentials), cut to MAX_ERROR_LENGTH; '' when
 * none was given (`undefined` or `null`: `recordJob(name, ms, true)`, `Promise.reject()`), which `last_failure`
 * shows as `error: null`.
 */
export function errorText(error: unknown): string {
  if (error === undefined || error === null) return '';
  let text: string;
  try {
    if (error instanceof Error) text = error.message || error.name;
    else if (typeof error === 'string') text = error;
    else if (typeof error === 'object') {
      // An error from another realm or a library's plain `{ message }` object reads as an Error does.
      const message = (error as { message?: unknown }).message;
      text = typeof message === 'string' && message !== '' ? message : inspect(error, INSPECT);
    } else text = String(error);
  } catch {
    text = 'unknown error';
  }
  text = redactCredentials(text);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
