// Redaction of a channel's secrets in what it shows (last_error, logs): the secret as written, and as a receiver's
// error answer may echo it encoded (outside review 11, F8): percent-encoded (encodeURIComponent, encodeURI, any
// mix, either case of hex, `+` for a space), JSON with `\/`, and base64 or base64url wherever the secret sits in the
// encoded text; each character also percent-encoded twice, as an HTML entity or `\u00XX`, and a secret of 8
// characters or more in any letter case and in hex (outside review 12, F1). The secrets are the parts
// secret-parts.ts takes from URLs and header values, the literals of an SMS gateway's templates
// (template-secrets.ts), and the standalone ones (tokens, passwords). A secret under 6 characters is replaced as
// a whole word only (outside review 13, F2), and personal data (an SMS recipient's number) by a masked form
// instead of `[redacted]` (outside review 13, F5), in every written form of its digits: other separators, a national
// form with its trunk `0`, a trunk `(0)` after the country code (numberPattern).

import { HTML_ENTITY_NAMES } from './html-entities.js';
import { phoneNumber } from './template-secrets.js';

/** Base64 runs shorter than this are not redacted: a short secret's few characters would match ordinary words. */
const MIN_BASE64 = 8;
/**
 * A secret shorter than this is replaced as a whole word only: not where a letter or digit stands right before or
 * after it (so a 2-letter password `ab` leaves `about` alone). An escape (`%3D`, `\u0022`) before it is a boundary.
 */
const MIN_FREE_TEXT = 6;
/** What stands for a secret. */
const REDACTED = '[redacted]';
/** What an error shows at most, after redaction (so that a cut never leaves part of a secret behind). */
export const MAX_SHOWN = 240;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `[Aa]` for a hex digit: either case. */
const hexChar = (c: string) =>
  c.toUpperCase() === c.toLowerCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`;

/**
 * One character as written or percent-encoded (its UTF-8 bytes, hex in either case), percent-encoded twice (`%252F`),
 * as an HTML entity (`&#x2f;`, `&#47;`, or a name of html-entities.ts: `&sol;`) or JSON-escaped (`\u002f`, and `\/`): the forms in which an
 * answer may encode the secret or the punctuation around and inside it.
 */
function charPattern(ch: string): string {
  const bytes = [...Buffer.from(ch, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
  const hex = (h: string) => [...h].map(hexChar).join('');
  const pct = (prefix: string) => bytes.map((h) => `${prefix}${hex(h)}`).join('');
  const code = ch.codePointAt(0) ?? 0;
  const alts = [escapeRegExp(ch), pct('%'), pct('%25'), `&#[Xx]0*${hex(code.toString(16))};`, `&#0*${code};`];
  const named = HTML_ENTITY_NAMES.get(ch);
  if (named !== undefined) alts.push(`&(?:${named.join('|')});`);
  if (code < 0x10000) alts.push(`\\\\u${hex(code.toString(16).padStart(4, '0'))}`);
  if (ch === '/' || ch === '"' || ch === '\\') alts.push(`\\\\${escapeRegExp(ch)}`);
  if (ch === ' ') alts.push('\\+');
  return `(?:${alts.join('|')})`;
}

/**
 * The base64 and base64url characters that encode `secret` whatever its offset in the encoded bytes (three
 * alignments): the characters that depend on the secret's bits alone.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length < MIN_BASE64) continue;
    out.push(core);
    const url = core.replace(/\+/g, '-').replace(/\//g, '_');
    if (url !== core) out.push(url);
  }
  return out;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
/** Not right after a letter or digit, unless it ends an escape (`%3D`, `\u0022`: a boundary all the same). */
const WORD_START = '(?:(?<![\\p{L}\\p{N}])|(?<=%[0-9A-Fa-f]{2}|\\\\u[0-9A-Fa-f]{4}))';
const WORD_END = '(?![\\p{L}\\p{N}])';

/** Not right after a digit, unless it ends an escape (`%20`, `\u0020`). */
const NUMBER_START = '(?:(?<![0-9])|(?<=%[0-9A-Fa-f]{2}|\\\\u[0-9A-Fa-f]{4}))';
/** What may stand between two digits of a written number, as written or encoded: spaces, `.`, `-`, `/`, `(`, `)`. */
const NUMBER_GAP = `(?:${[' ', '.', '-', '/', '(', ')', '\u00a0'].map(charPattern).join('|')}){0,4}`;
/** An international number's national part shorter than this is matched only after its country code. */
const MIN_NATIONAL = 6;

/**
 * Every written form of a phone number `value` (phoneNumber; undefined when it is not one): its digits with any
 * spaces, `.`, `-`, `/` or parentheses between them (these and a `+` as written or encoded: charPattern), not inside a
 * longer run of digits, and
 * - international (`+44 20 7946 0958`): with or without `+` or `00` before the country code, a trunk `0` or `(0)`
 *   after it (`+44 (0)20 7946 0958`), and the national number alone or after a trunk `0` (`(020) 7946 0958`; NANP's
 *   `415.555.0132` for `+14155550132`);
 * - national (`020 7946 0958`): with or without its trunk `0`, and after any country code with or without `+` or
 *   `00` (`+44 20 7946 0958`, `442079460958`: as a gateway normalises it);
 * - digits alone (`447911123489`): with or without `+` or `00` before them.
 */
export function numberPattern(value: string): string | undefined {
  const n = phoneNumber(value);
  if (!n) return undefined;
  // Digits as written: no encoder an answer uses (percent, JSON, HTML) encodes a digit.
  const seq = (digits: string) => [...digits].join(NUMBER_GAP);
  const prefix = `(?:${charPattern('+')}|0${NUMBER_GAP}0)${NUMBER_GAP}`;
  const trunk = `(?:0${NUMBER_GAP})?`;
  const body =
    n.kind === 'international'
      ? `(?:(?:${prefix})?${seq(n.cc)}${NUMBER_GAP}${trunk}${n.nsn.length >= MIN_NATIONAL ? `|${trunk}` : ''})${seq(n.nsn)}`
      : n.kind === 'national'
        ? `(?:(?:${prefix})?[0-9]{1,3}${NUMBER_GAP}${trunk}|${trunk})${seq(n.nsn)}`
        : `(?:${prefix})?${seq(n.digits)}`;
  // Only where a digit, a `+` or an escape starts (a cheap test first, at each position of the text).
  return `(?=[0-9+%&\\\\])${NUMBER_START}${body}(?![0-9])`;
}

/** `pattern` (of `secret`) as a whole word: where the secret begins or ends with a letter or digit, none beside it. */
function wholeWord(secret: string, pattern: string): string {
  const chars = [...secret];
  const before = WORD_CHAR.test(chars[0] ?? '') ? WORD_START : '';
  const after = WORD_CHAR.test(chars.at(-1) ?? '') ? WORD_END : '';
  return `${before}${pattern}${after}`;
}

/**
 * A function that replaces every secret, as written or encoded, by `[redacted]`, each `masked` value (personal data
 * such as a phone number) by its shown form, and cuts to MAX_SHOWN.
 */
export function redactor(
  secrets: readonly string[],
  masked: ReadonlyArray<readonly [value: string, shown: string]> = [],
): (text: string) => string {
  const shownFor = new Map<string, string>();
  for (const [value, shown] of masked) if (value !== '') shownFor.set(value, shown);
  for (const s of secrets) if (s !== '') shownFor.set(s, REDACTED);
  // Longest first, so that a secret containing another is replaced whole.
  const sorted = [...shownFor.keys()].sort((a, b) => b.length - a.length);
  // A long secret in any letter case (an answer that upper-cases what it echoes); a short one only as written, and
  // under MIN_FREE_TEXT characters only as a whole word.
  const patterns = sorted.map((s): [RegExp, string] => {
    const chars = [...s].map(charPattern).join('');
    const re =
      [...s].length < MIN_FREE_TEXT
        ? new RegExp(wholeWord(s, chars), 'gu')
        : new RegExp(chars, s.length >= MIN_BASE64 ? 'gi' : 'g');
    return [re, shownFor.get(s) as string];
  });
  const hex = sorted
    .filter((s) => Buffer.byteLength(s) >= MIN_BASE64)
    .map((s): [RegExp, string] => [
      new RegExp(Buffer.from(s, 'utf8').toString('hex'), 'gi'),
      shownFor.get(s) as string,
    ]);
  const base64 = new Map<string, string>();
  for (const s of sorted)
    for (const form of base64Forms(s)) if (!base64.has(form)) base64.set(form, shownFor.get(s) as string);
  const base64Sorted = [...base64].sort((a, b) => b[0].length - a[0].length);
  // A masked phone number in every written form (after the secrets, so that one holding the number goes whole).
  const numbers = new Map<string, string>();
  for (const [value, shown] of masked) {
    const source = numberPattern(value);
    if (source !== undefined && !numbers.has(source)) numbers.set(source, shown);
  }
  const numberPatterns = [...numbers].map(([source, shown]): [RegExp, string] => [
    new RegExp(source, 'g'),
    shown,
  ]);
  return (text) => {
    let out = text;
    for (const [p, shown] of patterns) out = out.replace(p, () => shown);
    for (const [p, shown] of numberPatterns) out = out.replace(p, () => shown);
    for (const [h, shown] of hex) out = out.replace(h, () => shown);
    for (const [b, shown] of base64Sorted) out = out.split(b).join(shown);
    return out.length > MAX_SHOWN ? `${out.slice(0, MAX_SHOWN)}…` : out;
  };
}
