// A job's last error message as kept for `last_failure`: the thrown value's message, credentials redacted, cut.

import { redactCredentials } from '../channels/credentials.js';

/** Longest error message kept for `last_failure` (the rest is cut). */
export const MAX_ERROR_LENGTH = 200;

/** The message of a thrown value, credentials redacted (redactCredentials), cut to MAX_ERROR_LENGTH. */
export function errorText(error: unknown): string {
  let text: string;
  try {
    text =
      error instanceof Error
        ? error.message || error.name
        : typeof error === 'string'
          ? error
          : String(error);
  } catch {
    text = 'unknown error';
  }
  text = redactCredentials(text);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
