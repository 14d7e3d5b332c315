// The secrets a channel's URL and header values hold, whole and part by part, for redaction (redact.ts): a receiver's
// error answer may echo the whole URL, its path or query, or one part alone: a `?token=` value, Slack's or Discord's
// secret path segment, the token of `Authorization: Bearer …`, an API key given as the URL's user name (outside
// review 12, F1), or a part of a path segment: Telegram's `bot<id>:<token>`, `KEYID:SECRET`, a `;jsessionid=`
// value, a JWT's parts, a random run inside a word (outside review 13, F1). Parts are chosen conservatively, so that
// the ordinary words of an error answer stay readable.

/** A part shorter than this is never redacted alone: it would match ordinary text ("1", "abc"). */
const MIN_PART = 4;
/** A path segment or a word shorter than this is never taken for a credential by its shape. */
const MIN_CREDENTIAL = 8;
/** A run of letters and digits inside a segment this long or longer is taken alone when it looks like a credential. */
const MIN_RUN = 12;
/** A query parameter or header with one of these in its name holds a secret whatever its value looks like. */
const SECRET_NAME = /token|key|secret|sig|pass|pwd|pw\b|auth|code|credential|session|jwt|hmac/i;

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

/** A word (`sendMessage`, `batchUpdate`, `Messages`), or a number, date or time: not a secret by its shape. */
function ordinaryPart(v: string): boolean {
  return /^[A-Za-z][a-z]*(?:[A-Z][a-z]+)*$/.test(v) || /^[\d.,:+\-/ TZ]+$/.test(v);
}

/**
 * The credential-like parts of a token-like string (a path segment, a query value, a header's token):
 * - a JWT (`eyJ….….…`): each of its three parts of 4 characters or more;
 * - with a `:` (`KEYID:SECRET`, Telegram's `bot<id>:<token>`): what follows the first `:` unless a word, number or
 *   time (`doc123:batchUpdate`, `12:30:00` stay), with the whole and the whole without a letter prefix before
 *   digits (`bot` of `bot123456:…`); what follows each later `:` on the same terms (`acct:eu:<secret>`); what
 *   precedes the first only when it looks like a credential;
 * - each run of 12 or more letters and digits that looks like a credential (looksLikeCredential).
 */
export function tokenParts(t: string): string[] {
  const out: string[] = [];
  const jwt = /^(eyJ[\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(t);
  if (jwt) out.push(...jwt.slice(1).filter((p) => p.length >= MIN_PART));
  const colon = t.indexOf(':');
  if (colon > 0) {
    const after = t.slice(colon + 1);
    if (after.length >= MIN_PART && !ordinaryPart(after)) {
      const prefix = /^[A-Za-z]{1,8}(?=\d+:)/.exec(t)?.[0] ?? '';
      out.push(t, t.slice(prefix.length), after);
    }
    const before = t.slice(0, colon);
    if (looksLikeCredential(before)) out.push(before);
    // What follows each later `:` too (`KEYID:REGION:SECRET`: the secret alone; outside review 15, N1).
    for (let at = t.indexOf(':', colon + 1); at > 0; at = t.indexOf(':', at + 1)) {
      const rest = t.slice(at + 1);
      if (rest.length >= MIN_PART && !ordinaryPart(rest)) out.push(rest);
    }
  }
  for (const run of t.match(new RegExp(`[A-Za-z0-9]{${MIN_RUN},}`, 'g')) ?? []) {
    if (run !== t && looksLikeCredential(run)) out.push(run);
  }
  return out;
}

/**
 * The secrets of one path segment: the segment when it looks like a credential, the value of each `;name=value`
 * path parameter (as a query value is taken: queryValueSecret), and the tokenParts of what precedes them.
 */
function segmentSecrets(raw: string): string[] {
  const s = decoded(raw);
  const [base = '', ...params] = s.split(';');
  const out = looksLikeCredential(s) ? [s] : [];
  for (const param of params) {
    const eq = param.indexOf('=');
    const value = param.slice(eq + 1);
    if (queryValueSecret(eq < 0 ? '' : param.slice(0, eq), value)) out.push(value, ...tokenParts(value));
  }
  if (params.length > 0 && looksLikeCredential(base)) out.push(base);
  out.push(...tokenParts(base));
  // Whole too, when a part of it is a secret (`bot123456:…` echoed as it stands in the path).
  if (out.length > 0 && !out.includes(s)) out.push(s);
  return out;
}

/** Whether a query value (or a path parameter's) is a secret: see urlSecrets. */
function queryValueSecret(name: string, value: string): boolean {
  return value.length >= MIN_PART && (SECRET_NAME.test(name) || !ordinaryValue(value));
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
 * value (unless a plain word, number or date under a name that does not say secret, or under 4 characters) with its
 * tokenParts, the secrets of each path segment (segmentSecrets), and its user info: the password, the user name
 * when there is no password (an API key as the user name) or when it looks like a credential, and the Basic header
 * they make.
 */
export function urlSecrets(href: string): string[] {
  const url = new URL(href);
  const out = [href, `${url.pathname}${url.search}`];
  if (url.pathname.length > 1) out.push(url.pathname);
  if (url.search.length > 1) out.push(url.search.slice(1));
  for (const [name, value] of url.searchParams) {
    if (queryValueSecret(name, value)) out.push(value, ...tokenParts(value));
  }
  for (const segment of url.pathname.split('/')) out.push(...segmentSecrets(segment));
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
      if (token.length >= MIN_PART) out.push(token, ...tokenParts(token));
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
