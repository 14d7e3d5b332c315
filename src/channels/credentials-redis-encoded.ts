// Redis commands percent-encoded in a logged URL or a form body (after review 38: `?cmd=AUTH%20pw`,
// `q=CONFIG%20SET%20requirepass%20pw`, `requirepass+pw`): the field around a Redis password word followed by an
// encoded blank is decoded, redacted by Redis's rules as plain text is, and written back in its own encoding, each
// word that did not change as it was written.
//
// Linear: a password word is found by one regular expression; its field is read at most FIELD_BEFORE characters back
// and FIELD_AFTER forward, and a field is read once (counted in redisScan.chars, credentials-redis-lines.ts).

import { redisScan } from './credentials-redis-lines.js';
import { REDACTED } from './credentials-spellings.js';

/**
 * A character of a Redis password word as a URL may write it: itself (any case: the `i` flag) or percent-encoded, in
 * either letter case (after review 42: `cmd=%41UTH%20pw`, `%61uth`, `%72equirepass`; a server decodes each `%XX`
 * before it reads the word, so each letter may be written either way), or percent-encoded twice (`%2541`: gaps after
 * review 46, `AUTH%2520pw` was shown; a URL encoded again, as a redirect's or a log's query parameter holds it).
 */
function encodedChar(c: string): string {
  const hex = (code: number) => code.toString(16).padStart(2, '0');
  const codes = new Set([c.toLowerCase().charCodeAt(0), c.toUpperCase().charCodeAt(0)]);
  const escaped = [...codes].map((code) => `%(?:25)?${hex(code)}`).join('|');
  return `(?:${c.replace(/[-\\^$.*+?()[\]{}|]/g, '\\$&')}|${escaped})`;
}
/** A word spelled by encodedChar, letter by letter (each alternative told apart by its first character). */
const encodedWord = (word: string) => [...word].map(encodedChar).join('');
/**
 * A Redis password word (`AUTH`, `AUTH2`, redis.conf's and Sentinel's directives) at a word's start, any of its
 * characters percent-encoded, then an encoded blank or line break (`%20`, `+`, `%09`, `%0A`, `%0D`) or an encoded
 * `:`/`=` (`requirepass%3Dpw`).
 */
const ENCODED_PASSWORD_WORD = new RegExp(
  String.raw`(?:(?<![A-Za-z0-9_.-])|(?<=%(?:25)?[0-9A-Fa-f]{2}))(?:${encodedWord('auth')}${encodedChar('2')}?|${encodedWord('requirepass')}|${encodedWord('masterauth')}|${encodedWord('auth-pass')}|${encodedWord('sentinel-pass')}|${encodedWord('tls-')}(?:${encodedWord('client-')})?${encodedWord('key-file-pass')})(?:%(?:25)?(?:20|09|0[AaDd]|3[AaDd])|\+)`,
  'gi',
);
/** The characters that end an encoded field: back, a query's or a path's delimiters; forward, a query's. */
const FIELD_START = /[\s?&=#'"<>/]/;
const FIELD_END = /[\s&#'"<>]/;
const FIELD_BEFORE = 300;
const FIELD_AFTER = 2000;
/** An encoded separator between words: a blank or a line break, percent-encoded, or a form's `+`. */
const ENCODED_SEPARATOR = /(?:%(?:25)?(?:20|09|0[AaDd])|\+)+/gi;

/** `encoded` decoded as a URL's query is (`+` a blank, `%XX` UTF-8, a malformed escape byte by byte). */
function decode(encoded: string): string {
  const plus = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}

/**
 * A redacted word written back encoded (twice where its field was): `[redacted]` as it is (as the other redactions
 * show it in a URL).
 */
function encode(word: string, twice: boolean): string {
  return word
    .split(REDACTED)
    .map((part) => (twice ? encodeURIComponent(encodeURIComponent(part)) : encodeURIComponent(part)))
    .join(REDACTED);
}

/** An encoded field: its words and the separators between them, as written and decoded. */
type Field = {
  readonly start: number;
  readonly end: number;
  readonly words: string[];
  readonly separators: string[];
  readonly decodedWords: string[];
  readonly plain: string;
  /** Percent-encoded twice (its password word's separator is `%2520`, `%250A`, …): decoded twice. */
  readonly twice: boolean;
};

/** The encoded field of `text` from `start` to `end`, decoded (twice where `twice`). */
function readField(text: string, start: number, end: number, twice: boolean): Field {
  const field = text.slice(start, end);
  const words = field.split(ENCODED_SEPARATOR);
  const separators = field.match(ENCODED_SEPARATOR) ?? [];
  const read = twice ? (s: string) => decode(decode(s)) : decode;
  const decodedWords = words.map(read);
  let plain = decodedWords[0] as string;
  for (let i = 1; i < decodedWords.length; i++)
    plain += `${read(separators[i - 1] as string)}${decodedWords[i]}`;
  return { start, end, words, separators, decodedWords, plain, twice };
}

/** `field` written back encoded after its decoded text was redacted to `redacted` (its words compared). */
function writeBack(field: Field, redacted: string): string {
  const { words, separators, decodedWords } = field;
  if (redacted === field.plain) return words.map((w, i) => `${w}${separators[i] ?? ''}`).join('');
  const after = redacted.split(/[ \t\r\n]+/);
  // The words common to both ends stay as written; those between, redacted, are written back encoded.
  let head = 0;
  while (head < words.length && head < after.length && after[head] === decodedWords[head]) head++;
  let tail = 0;
  while (
    tail < words.length - head &&
    tail < after.length - head &&
    after[after.length - 1 - tail] === decodedWords[decodedWords.length - 1 - tail]
  )
    tail++;
  let out = '';
  for (let i = 0; i < head; i++) out += `${words[i]}${separators[i] ?? ''}`;
  const middle = after.slice(head, after.length - tail).map((word) => encode(word, field.twice));
  const sep = separators[Math.max(0, head - 1)] ?? '%20';
  out += middle.join(/^\+$/.test(sep) ? '+' : field.twice ? '%2520' : '%20');
  for (let i = words.length - tail; i < words.length; i++) out += `${separators[i - 1] ?? ''}${words[i]}`;
  return out;
}

/**
 * What joins the decoded fields into one text redacted at once (one pass of Redis's rules for all of them, not one
 * per field): a line of its own holding a shell's separator, which ends every Redis command. Where a field holds it
 * or a redaction took it, each field is redacted alone.
 */
const FIELD_JOIN = '\n;\n';

/**
 * `text` with the Redis passwords of its percent-encoded fields redacted by `redact` (Redis's rules for plain text):
 * a field is a run without a blank, quote, `<`, `>`, `&` or `#`, from after a `?`, `=` or `/` (or one of those) to
 * the next, around a Redis password word followed by an encoded blank.
 */
export function redactEncodedRedis(text: string, redact: (text: string) => string): string {
  const fields: Field[] = [];
  let done = 0;
  ENCODED_PASSWORD_WORD.lastIndex = 0;
  for (let m = ENCODED_PASSWORD_WORD.exec(text); m !== null; m = ENCODED_PASSWORD_WORD.exec(text)) {
    let start = m.index;
    const stop = Math.max(done, m.index - FIELD_BEFORE);
    while (start > stop && !FIELD_START.test(text[start - 1] as string)) start--;
    let end = m.index + m[0].length;
    const limit = Math.min(text.length, end + FIELD_AFTER);
    while (end < limit && !FIELD_END.test(text[end] as string)) end++;
    // Read back, forward, and handed decoded to `redact`: the field's length, twice.
    redisScan.chars += 2 * (end - start);
    fields.push(readField(text, start, end, /%25(?:20|09|0[AaDd]|3[AaDd])$/i.test(m[0])));
    done = end;
    ENCODED_PASSWORD_WORD.lastIndex = Math.max(ENCODED_PASSWORD_WORD.lastIndex, end);
  }
  if (fields.length === 0) return text;
  const plains = fields.map((f) => f.plain);
  let redacted = plains.some((p) => p.includes(FIELD_JOIN))
    ? []
    : redact(plains.join(FIELD_JOIN)).split(FIELD_JOIN);
  if (redacted.length !== fields.length) redacted = plains.map(redact);
  let out = '';
  done = 0;
  fields.forEach((field, i) => {
    out += `${text.slice(done, field.start)}${writeBack(field, redacted[i] as string)}`;
    done = field.end;
  });
  return out + text.slice(done);
}
