// Setup-time checks for channel and routing options: each failure is a coded error naming the option.

import { invalidOption } from '../errors.js';
import { didYouMean, rejectUnknownKeys } from '../options/option-keys.js';

/** Rejects keys outside `known` with a did-you-mean hint; `where` names the object (`channels[0] (slack)`). */
export function checkKeys(opts: object, known: readonly string[], where: string): void {
  rejectUnknownKeys(
    opts,
    known,
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    (key) =>
      `sysvitals: \`${where}\` has no option \`${key}\`.${didYouMean(key, known)} Supported: ${known.join(', ')}.`,
  );
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An absolute http(s) URL (normalised), or throws. */
export function httpUrl(v: unknown, name: string): string {
  let url: URL;
  try {
    url = new URL(String(v));
  } catch {
    // The value is not echoed: it may be a webhook URL with its token.
    throw invalidOption(`sysvitals: \`${name}\` must be an absolute http(s) URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption(`sysvitals: \`${name}\` must use http or https, got ${url.protocol}.`);
  }
  return url.href;
}

export function nonEmptyString(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.trim() === '') {
    throw invalidOption(`sysvitals: \`${name}\` must be a non-empty string.`);
  }
  return v;
}

export function optionalString(v: unknown, name: string): string | undefined {
  return v === undefined ? undefined : nonEmptyString(v, name);
}

/** A non-empty string or array of non-empty strings, as an array. */
export function stringList(v: unknown, name: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw invalidOption(`sysvitals: \`${name}\` must be a non-empty string or array of non-empty strings.`);
  }
  return [...list] as string[];
}

export function integer(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidOption(`sysvitals: \`${name}\` must be an integer from ${min} to ${max}, got ${String(v)}.`);
  }
  return v;
}

export function boolean(v: unknown, name: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalidOption(`sysvitals: \`${name}\` must be true or false.`);
  return v;
}

/** An object of string values (headers, labels). */
export function stringRecord(v: unknown, name: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw invalidOption(`sysvitals: \`${name}\` must be an object of string values.`);
  }
  return { ...(v as Record<string, string>) };
}

/**
 * The parts of a URL that may carry its secret (webhook tokens sit in the path or the query), for
 * redaction: a receiver's error answer may echo the path without the origin.
 */
export function urlSecrets(href: string): string[] {
  const url = new URL(href);
  const out = [href, `${url.pathname}${url.search}`];
  if (url.pathname.length > 1) out.push(url.pathname);
  if (url.search.length > 1) out.push(url.search.slice(1));
  if (url.password !== '') {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    out.push(url.password, pass, Buffer.from(`${user}:${pass}`).toString('base64'));
  }
  return out;
}
