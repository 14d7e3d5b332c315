// The secrets an SMS gateway channel writes in its templates (outside review 13, F5): a gateway that refuses a request
// often echoes it back, body and URL, and the error is shown in `last_error` and the failure log. Every literal value
// of the body template and of the URL's query is a secret (the `{{to}}` and `{{text}}` values are not literals), and
// each recipient's number is personal data, shown masked (`+44…89`). An XML body's literal is a secret also with its
// character references resolved, and a number also in the forms a gateway normalises it to (outside review 15).

import { htmlDecoded, namedReference } from './html-references.js';
import { looksLikeCredential, tokenParts } from './secret-parts.js';

/** `{{to}}`, `{{ text }}`: what the channel fills in. */
export const PLACEHOLDER = /\{\{\s*(to|text)\s*\}\}/g;
/** A literal under a name that does not say secret is a secret from this many characters. */
const MIN_LITERAL = 4;
/** A stand-in for the placeholders while the template is parsed: a word no template holds. */
const HOLE = 'SYSVITALS0PLACEHOLDER0';

const hasHole = (v: string) => v.includes(HOLE);

function formDecoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * `value` with XML and HTML character references resolved (`&amp;`, `&quot;`, `&#50;`, `&#x32;`), as the gateway's
 * parser reads it (outside review 15, F1); an unknown name is left as written. `html` (the default) reads them as
 * HTML does in an element's text (htmlDecoded, the `entities` package: outside review 17, F2 and F5): any name of
 * the WHATWG list (`&copy;`, `&fjlig;`), a numeric reference also without its `;` (`&#34K` is `"K`), its code point
 * as HTML maps it (`&#128;` is `€`; `&#0;`, `&#xD800;`, `&#x110000;` are U+FFFD), and a name the list also gives
 * without `;` also so (`&quotK`, `&ampx;`, `&copy2`: `"K`, `&x;`, `©2`). Otherwise as XML does: each reference ends
 * with `;`, a name is one of the list's, and a code point is itself (one out of range, 0 or a surrogate is left as
 * written).
 */
export function entityDecoded(value: string, html = true): string {
  if (html) return htmlDecoded(value);
  return value.replace(/&(?:#(\d+)|#[xX]([0-9A-Fa-f]+)|([A-Za-z][A-Za-z0-9]*));/g, (ref, dec, hex, name) => {
    if (name !== undefined) return namedReference(ref) ?? ref;
    const code = Number.parseInt((dec ?? hex) as string, dec !== undefined ? 10 : 16);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
      ? String.fromCodePoint(code)
      : ref;
  });
}

/** A word of a field's name that begins with one of these says that the field holds a secret. */
const SECRET_WORD = /^(?:token|key|apikey|secret|sig|pass|pwd|pw|pin|auth|credential|session|jwt|hmac)/;

/**
 * Whether a field's name says secret: one of its words (split at `_`, `-`, `.` and camel case) begins with token,
 * key, apikey, secret, sig, pass, pwd, pw, pin, auth, credential, session, jwt or hmac. So `api_key`, `apiKey`,
 * `password`, `authToken` and `pw` do; `unicode`, `user` and `to` do not.
 */
function secretName(name: string): boolean {
  return name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .some((word) => SECRET_WORD.test(word.toLowerCase()));
}

/**
 * Whether a literal value is a secret: any value of 2 characters or more under a name that says secret
 * (secretName), and any other of 4 characters or more. So `api_key=…`, `"password":"…"`, `<login>acme</login>`
 * and a sender name are; `"unicode":"1"` and `type=sms` are not.
 */
function literalSecret(name: string, value: string): boolean {
  if (hasHole(value)) return false;
  return value.length >= MIN_LITERAL || (value.length >= 2 && secretName(name));
}

/** One literal of a template: its name, its value, and the value as the template writes it (encoded or escaped). */
type Literal = [name: string, value: string, written: string];

function jsonLiterals(t: string): Literal[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  const out: Literal[] = [];
  const walk = (name: string, v: unknown) => {
    if (typeof v === 'string') out.push([name, v, JSON.stringify(v).slice(1, -1)]);
    else if (typeof v === 'number') out.push([name, String(v), String(v)]);
    else if (Array.isArray(v)) for (const x of v) walk(name, x);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(k, x);
  };
  walk('', parsed);
  return out;
}

/** Each literal of a template: JSON leaves, form fields, or the pairs a text or XML template shows. */
function literals(template: string): Literal[] {
  const t = template.replace(PLACEHOLDER, HOLE);
  const json = jsonLiterals(t);
  if (json !== undefined) return json;
  // A form body: `&`-separated fields. One whose pairs are also separated by `;` (`user=acme;pass=…`) is read as
  // the pairs of a text body below, each value to the next `;` (outside review 16, F6).
  if (/^[^=&;\s]+=[^&;\s]*(?:&[^=&;\s]+=[^&;\s]*)*$/.test(t)) {
    return t.split('&').map((field) => {
      const eq = field.indexOf('=');
      const raw = field.slice(eq + 1);
      return [formDecoded(field.slice(0, eq)), formDecoded(raw), raw];
    });
  }
  // CDATA is taken as written (no reference in it is resolved): `<pass><![CDATA[…]]></pass>`.
  const out: Literal[] = [...t.matchAll(/<([\w:.-]+)[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/\1\s*>/g)].map(
    (m): Literal => [m[1] as string, m[2] as string, m[2] as string],
  );
  const patterns = [
    /<([\w:.-]+)[^>]*>([^<]*)<\/\1\s*>/g, // <password>…</password>
    /([\w.-]+)\s*=\s*"([^"]*)"/g, // name="…"
    /([\w.-]+)\s*=\s*'([^']*)'/g, // name='…'
    /"([^"]+)"\s*:\s*"((?:[^"\\]|\\.)*)"/g, // "name": "…"
    /([\w.-]+)=([^&\s"'<>;,]+)/g, // name=value
    /^[ \t]*([\w.-]+)[ \t]*:[ \t]*(\S.*?)[ \t]*$/gm, // name: value
  ];
  for (const p of patterns) {
    for (const m of t.matchAll(p)) {
      const raw = (m[2] as string).trim();
      // An XML or HTML body writes `&`, `<` and `"` as references; the gateway reads (and echoes) them resolved.
      out.push([m[1] as string, entityDecoded(raw), raw]);
      // As an XML parser reads it too (`&#128;` is U+0080 there), when that differs.
      const xml = entityDecoded(raw, false);
      if (xml !== entityDecoded(raw)) out.push([m[1] as string, xml, raw]);
    }
  }
  return out;
}

/**
 * The literal values of an SMS gateway's body template that are secrets (literalSecret), as meant and as written
 * (form-encoded, JSON-escaped, with XML or HTML character references), with the credential-like parts of each (`KEYID:SECRET`, a JWT's parts), and every
 * word of the template that looks like a credential (looksLikeCredential).
 */
export function templateSecrets(template: string): string[] {
  const out: string[] = [];
  for (const [name, value, written] of literals(template)) {
    if (literalSecret(name, value)) out.push(value, written, ...tokenParts(value));
  }
  // And any word of it that looks like a credential, wherever it stands (`KEY…  {{to}} {{text}}`).
  for (const word of template.replace(PLACEHOLDER, ' ').split(/[\s&=;,:<>"'{}()[\]]+/)) {
    if (looksLikeCredential(word)) out.push(word);
  }
  return [...new Set(out)];
}

/** The literal query values of an SMS gateway's URL template that are secrets (literalSecret). */
export function queryTemplateSecrets(urlTemplate: string): string[] {
  const out: string[] = [];
  const url = new URL(urlTemplate.replace(PLACEHOLDER, HOLE));
  for (const [name, value] of url.searchParams) {
    if (literalSecret(name, value)) out.push(value, ...tokenParts(value));
    // `?login=acme;pass=…`: each `;`-separated pair of a value as well (outside review 16, F6).
    if (!value.includes(';')) continue;
    for (const [, inner = '', v = ''] of value.matchAll(/(?:^|;)([^;=]*)=([^;]*)/g)) {
      if (literalSecret(inner, v)) out.push(v, ...tokenParts(v));
    }
  }
  return [...new Set(out)];
}

/** How a recipient is shown: its first 3 and last 2 characters (`+44…89`), `[recipient]` when under 8 characters. */
export function maskedRecipient(to: string): string {
  return to.length >= 8 ? `${to.slice(0, 3)}…${to.slice(-2)}` : '[recipient]';
}

/** What may stand between a phone number's digits as written: spaces, `-`, `.`, `/`, parentheses. */
const NUMBER_SEPARATORS = /[\s\-./()]/g;

/**
 * The two-digit country calling codes of ITU-T E.164's list; `1` (NANP) and `7` are the one-digit codes and every
 * other code has three digits. The codes are prefix-free, so where a country code ends is told by its digits.
 */
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(
    ' ',
  ),
);

/** The country calling code that begins the digits of an international number (`44` of `447911123489`). */
export function callingCode(digits: string): string {
  if (digits[0] === '1' || digits[0] === '7') return digits.slice(0, 1);
  return TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? digits.slice(0, 2) : digits.slice(0, 3);
}

/**
 * A recipient read as a phone number: an optional `+` or `00`, then 6 digits or more, with spaces, `-`, `.`, `/`
 * or parentheses between them.
 * - `international` (written with `+` or `00`): its country code (callingCode) and its national number (`nsn`), a
 *   national trunk `(0)` written after the country code left out (`+44 (0)20 7946 0958`: `44`, `2079460958`);
 * - `national` (a single leading `0`, `07911 123489`): `nsn` is what follows the trunk `0`;
 * - `digits` (neither: `447911123489` may be either, so nothing is derived).
 */
export type PhoneNumber =
  | { kind: 'international'; digits: string; cc: string; nsn: string }
  | { kind: 'national'; digits: string; nsn: string }
  | { kind: 'digits'; digits: string };

export function phoneNumber(to: string): PhoneNumber | undefined {
  const compact = to.trim().replace(NUMBER_SEPARATORS, '');
  const number = /^(\+|00)?(\d{6,})$/.exec(compact);
  if (!number) return undefined;
  const digits = number[2] as string;
  if (number[1] !== undefined) {
    const cc = callingCode(digits);
    // `+44 (0)20 …`: a `(0)` right after the country code is the trunk prefix, not a digit of the number.
    const body = to.trim().replace(/^[\s\-./()]*(?:\+|0[\s\-./()]*0)/, '');
    let at = 0;
    for (let seen = 0; seen < cc.length && at < body.length; at++) if (/\d/.test(body[at] as string)) seen++;
    const trunk = /^[\s\-./]*\(\s*0\s*\)/.test(body.slice(at));
    const nsn = digits.slice(cc.length + (trunk ? 1 : 0));
    return { kind: 'international', digits: `${cc}${nsn}`, cc, nsn };
  }
  if (/^0[1-9]/.test(digits)) return { kind: 'national', digits, nsn: digits.slice(1) };
  return { kind: 'digits', digits };
}

/**
 * The forms in which a gateway may echo a recipient's number literally (outside review 15, F2): as written, and when
 * it is a phone number (phoneNumber) its digits alone and, when written international (`+` or `00`), `+digits` and
 * `00digits`. So `'+44 7911 123489'` and `'00447911123489'` also give `+447911123489`, `00447911123489` and
 * `447911123489`. Every other written form (other separators, a national form, a trunk `(0)`) is matched by the
 * number's pattern (redact.ts, numberPattern).
 */
export function recipientForms(to: string): string[] {
  const n = phoneNumber(to);
  if (!n) return [to];
  const international = n.kind === 'international' ? [`+${n.digits}`, `00${n.digits}`] : [];
  return [...new Set([to, ...international, n.digits])];
}

/**
 * Each recipient in each of the forms a gateway may echo it (recipientForms: as written, `+digits`, `00digits`, its
 * digits without the `+`, a form decoder turning an unencoded `+` into a space), with the masked form of the number
 * as written that stands for it in what the channel shows.
 */
export function recipientMasks(to: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const r of to) {
    const shown = maskedRecipient(r);
    for (const form of recipientForms(r)) out.push([form, shown]);
  }
  return out;
}
