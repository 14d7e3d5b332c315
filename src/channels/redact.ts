// Redaction of a channel's secrets in what it shows (last_error, logs): the secret as written, and as a receiver's
// error answer may echo it encoded (outside review 11, F8): percent-encoded (encodeURIComponent, encodeURI, any
// mix, either case of hex, `+` for a space), JSON with `\/`, and base64 or base64url wherever the secret sits in the
// encoded text; each character also percent-encoded twice or as `\u00XX`, and a secret of 8 characters or more in
// any letter case and in hex (outside review 12, F1); and in the text as HTML reads its character references, in an
// element's text and in an attribute (html-references.ts: the WHATWG list's every name, numeric references). The
// secrets are the parts secret-parts.ts takes from URLs and header values, the literals of an SMS gateway's
// templates (template-secrets.ts), and the standalone ones (tokens, passwords). A secret under 6 characters is replaced as
// a whole word only (outside review 13, F2), and personal data (an SMS recipient's number) by a masked form
// instead of `[redacted]` (outside review 13, F5), in every written form of its digits: other separators, a national
// form with its trunk `0`, a trunk `(0)` after the country code (numberPattern). A run of MIN_RUN characters or more
// of a secret (not a URL, path, media type or value with a space) is replaced wherever it stands: an answer that
// echoes a part of a secret (the first 24 of a token's 32 characters, its last 12) shows no part that long (outside
// review 16, F2).

import { REDACTED } from './credentials-spellings.js';
import { type HtmlContext, htmlView, referenceAt } from './html-references.js';
import { phoneNumber } from './template-secrets.js';

/** Base64 runs shorter than this are not redacted: a short secret's few characters would match ordinary words. */
const MIN_BASE64 = 8;
/**
 * A secret shorter than this is replaced as a whole word only: not where a letter or digit stands right before or
 * after it (so a 2-letter password `ab` leaves `about` alone). An escape (`%3D`, `\u0022`) before it is a boundary.
 */
const MIN_FREE_TEXT = 6;
/**
 * A run of this many characters or more of a secret (partialSecret) is redacted wherever it stands in an answer, in any
 * letter case, as written or escaped (decodedUnits), and so is such a run of its base64 or hex form. Shorter runs
 * stay: an ordinary word a secret holds (`hunter` of `hunter2hunter`) is not masked.
 */
const MIN_RUN = 8;
/** What an error shows at most, after redaction (so that a cut never leaves part of a secret behind). */
export const MAX_SHOWN = 240;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `[Aa]` for a hex digit: either case. */
const hexChar = (c: string) =>
  c.toUpperCase() === c.toLowerCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`;

/**
 * One character as written or percent-encoded (its UTF-8 bytes, hex in either case), percent-encoded twice (`%252F`)
 * or JSON-escaped (`\u002f`, and `\/`): the forms in which an answer may encode the secret or the punctuation around
 * and inside it. HTML's character references (`&#x2f;`, `&#47;`, `&sol;`) are read before a pattern is matched
 * (replaced), as a browser reads them.
 */
function charPattern(ch: string): string {
  const bytes = [...Buffer.from(ch, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
  const hex = (h: string) => [...h].map(hexChar).join('');
  const pct = (prefix: string) => bytes.map((h) => `${prefix}${hex(h)}`).join('');
  const code = ch.codePointAt(0) ?? 0;
  const alts = [escapeRegExp(ch), pct('%'), pct('%25')];
  if (code < 0x10000) alts.push(`\\\\u${hex(code.toString(16).padStart(4, '0'))}`);
  if (ch === '/' || ch === '"' || ch === '\\') alts.push(`\\\\${escapeRegExp(ch)}`);
  if (ch === ' ') alts.push('\\+');
  return `(?:${alts.join('|')})`;
}

/** The two ways HTML reads character references: in an element's text and in an attribute's value. */
const CONTEXTS: readonly HtmlContext[] = ['text', 'attribute'];

type View = ReturnType<typeof htmlView>;

/**
 * htmlView of the text last asked for in each context: the patterns of one redaction are matched one after another
 * in the same text, which changes only where one of them matched.
 */
function viewCache(): (text: string, context: HtmlContext) => View {
  const last = new Map<HtmlContext, { text: string; view: View }>();
  return (text, context) => {
    const hit = last.get(context);
    if (hit !== undefined && hit.text === text) return hit.view;
    const view = htmlView(text, context);
    last.set(context, { text, view });
    return view;
  };
}

/**
 * `text` with every match of `re` (global) replaced by `shown`: as written, then in `text` as HTML reads its
 * character references, in an element's text and in an attribute (htmlView: any of the WHATWG list's names, those
 * read without `;`, numeric references with HTML's windows-1252 and U+FFFD rules), where a match replaces the
 * references it was read from (outside review 17, F2, F5; `&copy;`, `&fjlig;` and every name outside a table of
 * 48 were not read before).
 */
function replaced(
  text: string,
  re: RegExp,
  shown: string,
  views: (text: string, context: HtmlContext) => View,
): string {
  let out = text.replace(re, () => shown);
  for (const context of CONTEXTS) {
    const read = views(out, context);
    if (read === undefined) continue;
    let next = '';
    let at = 0;
    for (const m of read.view.matchAll(re)) {
      if (m[0] === '') continue;
      const start = read.starts[m.index] as number;
      if (start < at) continue;
      next += `${out.slice(at, start)}${shown}`;
      at = read.ends[m.index + m[0].length - 1] as number;
    }
    if (at > 0) out = next + out.slice(at);
  }
  return out;
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
/**
 * Not right after a letter or digit, unless it ends an escape (`%3D`, `\u0022`: a boundary all the same). After a
 * character reference (`&#34ab`, `&quotab`: HTML reads `"ab`) it is matched where HTML has read it (replaced).
 */
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
 * Whether a secret's runs are redacted (MIN_RUN): one longer than MIN_RUN characters that is not a URL (`://`), a
 * path (`/…`), a media type (`application/json`, a header's value) or a text with a space (`Bearer <token>`: its token
 * is a secret of its own). These hold ordinary words and host names (`hooks.slack.com`, `application/`) that an
 * answer names for other reasons; their secret parts are secrets of their own (secret-parts.ts).
 */
function partialSecret(s: string): boolean {
  return (
    [...s].length > MIN_RUN &&
    !/\s/.test(s) &&
    !s.includes('://') &&
    !s.startsWith('/') &&
    !/^[a-z]+\/[a-z0-9.+-]+$/i.test(s)
  );
}

/** One character of an answer as its escape means it (lower case), and where the escape stands. */
type Unit = { ch: string; start: number; end: number };

/** `%3D`, `%253D` (ASCII), `\u003d`, `\/`, `\"`, `\\` at the position it is run from. */
const ESCAPE = /%25([0-7][0-9A-Fa-f])|%([0-7][0-9A-Fa-f])|\\u([0-9A-Fa-f]{4})|\\([/"\\])/y;

function unescaped(m: RegExpExecArray): string | undefined {
  const [, pct2, pct, u, json] = m;
  if (json !== undefined) return json;
  const code = Number.parseInt((pct2 ?? pct ?? u) as string, 16);
  return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
    ? String.fromCodePoint(code)
    : undefined;
}

/**
 * `text` character by character, each escape (ESCAPE) and each character reference (as HTML reads it in `context`:
 * referenceAt) read as the character it stands for, in lower case; a reference that stands for two (`&fjlig;`)
 * gives two units, both spanning it.
 */
function decodedUnits(text: string, context: HtmlContext): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    ESCAPE.lastIndex = i;
    const m = c === '%' || c === '\\' ? ESCAPE.exec(text) : null;
    const ch = m ? unescaped(m) : undefined;
    if (m && ch !== undefined) {
      units.push({ ch: ch.toLowerCase(), start: i, end: ESCAPE.lastIndex });
      i = ESCAPE.lastIndex;
      continue;
    }
    const ref = c === '&' ? referenceAt(text, i, context) : undefined;
    if (ref !== undefined) {
      for (const r of ref.value) units.push({ ch: r.toLowerCase(), start: i, end: ref.end });
      i = ref.end;
      continue;
    }
    const cp = String.fromCodePoint(text.codePointAt(i) as number);
    units.push({ ch: cp.toLowerCase(), start: i, end: i + cp.length });
    i += cp.length;
  }
  return units;
}

const ALNUM = /[\p{L}\p{N}]/u;

/** Whether `part` stands in `s` between non-letters-or-digits (or an end): `KEYID:<part>`, `a=1&sig=<part>`. */
function holdsWord(s: string, part: string): boolean {
  for (let at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + 1)) {
    const before = s[at - 1];
    const after = s[at + part.length];
    if ((before === undefined || !ALNUM.test(before)) && (after === undefined || !ALNUM.test(after)))
      return true;
  }
  return false;
}

function uriDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The secrets whose runs are redacted: each partialSecret that holds no other secret of 4 characters or more as a
 * word (a query `api-version=2016-06-01&sig=<sig>`, `KEYID:<secret>`, Basic's `user:<password>`): such a composite
 * is matched in part through the parts it holds, so that its ordinary words (`2016-06-01`, the key id, the user
 * name) stay readable.
 */
function partialSecrets(secrets: readonly string[]): string[] {
  const parts = [...new Set(secrets)].filter((t) => t.length >= 4);
  return secrets.filter((s) => {
    if (!partialSecret(s)) return false;
    const forms = [...new Set([s, uriDecoded(s)])];
    return !parts.some((t) => t !== s && forms.some((f) => f !== t && holdsWord(f, t)));
  });
}

/** Every run of MIN_RUN characters (lower case) of each of partialSecrets, of its base64 forms and of its hex. */
function runsOf(secrets: readonly string[]): Set<string> {
  const runs = new Set<string>();
  for (const s of partialSecrets(secrets)) {
    const forms = [[...s], ...base64Forms(s).map((f) => [...f]), [...Buffer.from(s, 'utf8').toString('hex')]];
    for (const chars of forms) {
      const lower = chars.map((c) => c.toLowerCase());
      for (let i = 0; i + MIN_RUN <= lower.length; i++) runs.add(lower.slice(i, i + MIN_RUN).join(''));
    }
  }
  return runs;
}

/**
 * `text` with every stretch made of runs of `runs` (as decodedUnits reads it, with HTML's references read in
 * `context`) replaced by `[redacted]`.
 */
function redactRuns(text: string, runs: ReadonlySet<string>, context: HtmlContext): string {
  if (runs.size === 0 || text.length < MIN_RUN || (context === 'attribute' && !text.includes('&')))
    return text;
  const units = decodedUnits(text, context);
  const hit = new Uint8Array(units.length);
  let any = false;
  // One UTF-16 unit per character (the usual case): each window is a slice of one string.
  const flat = units.map((u) => u.ch).join('');
  const oneEach = flat.length === units.length;
  for (let i = 0; i + MIN_RUN <= units.length; i++) {
    let key = '';
    if (oneEach) key = flat.slice(i, i + MIN_RUN);
    else for (let k = i; k < i + MIN_RUN; k++) key += (units[k] as Unit).ch;
    if (!runs.has(key)) continue;
    hit.fill(1, i, i + MIN_RUN);
    any = true;
  }
  if (!any) return text;
  let out = '';
  let at = 0;
  for (let i = 0; i < units.length; i++) {
    if (hit[i] !== 1 || (i > 0 && hit[i - 1] === 1)) continue;
    let j = i;
    while (j + 1 < units.length && hit[j + 1] === 1) j++;
    out += `${text.slice(at, (units[i] as Unit).start)}${REDACTED}`;
    at = (units[j] as Unit).end;
  }
  return out + text.slice(at);
}

/**
 * A function that replaces every secret, as written or encoded, by `[redacted]`, each run of MIN_RUN characters of a
 * secret (redactRuns) too, each `masked` value (personal data such as a phone number) by its shown form, and cuts to
 * MAX_SHOWN.
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
  const base64Sorted = [...base64]
    .sort((a, b) => b[0].length - a[0].length)
    .map(([form, shown]): [RegExp, string] => [new RegExp(escapeRegExp(form), 'g'), shown]);
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
  // Runs of the secrets alone (not of the masked values: those are shown masked when whole).
  const runs = runsOf(secrets.filter((s) => s !== ''));
  const all = [...patterns, ...numberPatterns, ...hex, ...base64Sorted];
  return (text) => {
    let out = text;
    const views = viewCache();
    for (const [p, shown] of all) out = replaced(out, p, shown, views);
    for (const context of CONTEXTS) out = redactRuns(out, runs, context);
    return out.length > MAX_SHOWN ? `${out.slice(0, MAX_SHOWN)}…` : out;
  };
}
