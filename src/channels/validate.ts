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

/** RFC 3339 date-time: a time zone (`Z` or ±hh:mm) is required. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch ms of an RFC 3339 time with its zone (ISO 8601 with `Z` or an offset), checked field by field, or
 * why not: 'no zone' (a local time, which would depend on the host's time zone), 'not a date' (2026-02-30,
 * 25:00) or 'malformed'. Date.parse alone takes "1" for 2001, a time without a zone as local time, and
 * 2026-02-30 for March 2nd.
 */
export function rfc3339Ms(v: unknown): number | 'no zone' | 'not a date' | 'malformed' {
  const m = typeof v === 'string' && v.length <= 40 ? RFC3339.exec(v) : null;
  if (!m) {
    return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(v)
      ? 'no zone'
      : 'malformed';
  }
  const [, y, mo, d, h, mi, sec, frac = '', z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(sec) > 59 ||
    (z === undefined && (Number(oh) > 23 || Number(om) > 59))
  ) {
    return 'not a date';
  }
  const ms = frac === '' ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  const offset = z !== undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(Number(h), Number(mi), Number(sec), ms);
  return utc.getTime() - offset;
}
