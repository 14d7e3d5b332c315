// The secrets a channel's URL and header values hold, whole and part by part, for redaction (redact.ts): a receiver's
// error answer may echo the whole URL, its path or query, or one part alone: a `?token=` value, Slack's or Discord's
// secret path segment, the token of `Authorization: Bearer …`, an API key given as the URL's user name (outside
// review 12, F1). Parts are chosen conservatively, so that the ordinary words of an error answer stay readable.

/** A part shorter than this is never redacted alone: it would match ordinary text ("1", "abc"). */
const MIN_PART = 4;
/** A path segment or a word shorter than this is never taken for a credential by its shape. */
const MIN_CREDENTIAL = 8;
/** A query parameter or header with one of these in its name holds a secret whatever its value looks like. */
const SECRET_NAME = /token|key|secret|sig|pass|pwd|auth|code|credential|session|jwt|hmac/i;

function charClass(c: string): number {
  if (c >= 'a' && c <= 'z') return 1;
  if (c >= 'A' && c <= 'Z') return 2;
  if (c >= '0' && c <= '9') return 3;
  return 0;
}

/**
 * Whether `s` looks like a generated credential rather than a word, a number or an id: at least 8 characters, no
 * space, at least two of lower case, upper case and digits, and random-looking: between adjacent letters and digits
 * the class (lower, upper, digit) changes at more than a quarter of the string's length, or letters and digits
 * alternate at least three times. So `xQ3bN7mK1pR8…`, a hex key and a UUID are; `services`, `webhooks`,
 * `IncomingWebhook`, `invalid_token`, `123456789012345678` and `2016-06-01` are not.
 */
export function looksLikeCredential(s: string): boolean {
  if (s.length < MIN_CREDENTIAL || /\s/.test(s)) return false;
  const classes = new Set<number>();
  let changes = 0;
  let letterDigit = 0;
  for (let i = 0; i < s.length; i++) {
    const k = charClass(s[i] as string);
    if (k !== 0) classes.add(k);
    const prev = i > 0 ? charClass(s[i - 1] as string) : 0;
    if (k === 0 || prev === 0 || k === prev) continue;
    changes++;
    if (k === 3 || prev === 3) letterDigit++;
  }
  return classes.size >= 2 && (changes * 4 > s.length - 1 || letterDigit >= 3);
}

/** A query value that is a plain word (`json`, `Manual`) shorter than 16 letters, or a number, date or version. */
function ordinaryValue(v: string): boolean {
  return (/^[A-Za-z][a-z]*$/.test(v) && v.length < 16) || /^[\d.,:+\-/ ]+$/.test(v);
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The parts of a URL that may carry its secret: the whole URL, its path and query (whole and together), each query
 * value (unless a plain word, number or date under a name that does not say secret, or under 4 characters), each
 * path segment that looks like a credential, and its user info: the password, the user name when there is no
 * password (an API key as the user name) or when it looks like a credential, and the Basic header they make.
 */
export function urlSecrets(href: string): string[] {
  const url = new URL(href);
  const out = [href, `${url.pathname}${url.search}`];
  if (url.pathname.length > 1) out.push(url.pathname);
  if (url.search.length > 1) out.push(url.search.slice(1));
  for (const [name, value] of url.searchParams) {
    if (value.length >= MIN_PART && (SECRET_NAME.test(name) || !ordinaryValue(value))) out.push(value);
  }
  for (const segment of url.pathname.split('/')) {
    const s = decoded(segment);
    if (looksLikeCredential(s)) out.push(s);
  }
  if (url.username !== '' || url.password !== '') {
    const user = decoded(url.username);
    const pass = decoded(url.password);
    if (pass !== '') out.push(url.password, pass);
    if ((pass === '' && user.length >= MIN_PART) || looksLikeCredential(user)) out.push(user);
    out.push(Buffer.from(`${user}:${pass}`).toString('base64'));
  }
  return out;
}

/**
 * The secrets of header values (each is one): the value whole; in an authorization header (or one whose name says
 * token, key, secret…) the token of `<scheme> <token>` (`Bearer …`, `Token …`), with Basic's decoded
 * `user:password`, its password and its user name (as for a URL's user info); and any word or `name=value` value of
 * any header that looks like a credential.
 */
export function headerSecrets(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    out.push(value);
    const v = value.trim();
    const scheme = /^([A-Za-z][\w.-]*)\s+(\S+)$/.exec(v);
    if (scheme && SECRET_NAME.test(name)) {
      const token = scheme[2] as string;
      if (token.length >= MIN_PART) out.push(token);
      if (scheme[1]?.toLowerCase() === 'basic') out.push(...basicParts(token));
    }
    for (const word of v.split(/[\s,;]+/)) {
      const w = word.includes('=') ? word.slice(word.indexOf('=') + 1).replace(/^"|"$/g, '') : word;
      if (looksLikeCredential(w)) out.push(w);
    }
  }
  return out;
}

/** `user:password` of a Basic token, its password and its user name when it is the credential. */
function basicParts(token: string): string[] {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  // Not base64 of `user:password`: nothing more to take.
  if (colon < 0 || Buffer.from(text).toString('base64').replace(/=+$/, '') !== token.replace(/=+$/, ''))
    return [];
  const user = text.slice(0, colon);
  const pass = text.slice(colon + 1);
  const out = [text];
  if (pass !== '') out.push(pass);
  if ((pass === '' && user.length >= MIN_PART) || looksLikeCredential(user)) out.push(user);
  return out;
}
