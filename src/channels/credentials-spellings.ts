// Credential headers in the spellings Node and JSON produce themselves (outside review 19, F1/F2): a raw header
// list inspected or serialised (`[ 'Authorization', 'Bearer …' ]`, `["Authorization","Bearer …"]`), a pair in a
// template string (`authorization,Bearer …`), an inspected Map or undici HeadersList (`'authorization' => …`), a
// raw request header inside a JSON string (`…\r\nAuthorization: Bearer …\r\n…`, its CR LF written as escapes), an
// obs-folded or tab-separated header line, a JSON text inside a JSON string (`\"authorization\":\"…\"`, `\u0022`),
// a Set-Cookie array. redactHeaderSpellings recognises a credential header NAME as a token (quoted or not, with
// any of those quotes), a short separator run after it, then a value, and redacts the value (a scheme kept).
//
// Linear: a match starts only at a name (a lookbehind refuses the middle of a word), the separator run is bounded,
// a quoted value left open runs to the end of its line (so a failed search for its close is never repeated).

/** What every redaction writes in place of a secret. */
export const REDACTED = '[redacted]';

/**
 * The English words ending in `pass` (every one in Debian's wamerican and wbritish word lists: bypass, compass,
 * encompass, overpass, surpass, trespass, underpass), which name no password (outside review C: `bypass=true`,
 * `compass=north`, `trespass=no` were masked). A name ending in one of them (`cache_bypass`, `encompass`) is no
 * secret's; any other name ending in `pass` is (`pass`, `dbpass`, `db_pass`, `PGPASS`, `smtp_pass`, `storepass`).
 */
const PASS_NOT_SECRET = '(?<!(?:by|com|over|sur|tres|under)pass)';

/**
 * A name that says password or secret, as a regular expression's source: `password`, `PGPASSWORD`, `db_pass`,
 * `pwd`, `client_secret`, `secret_key`, `api_key`, `token`, Azure Storage's `AccountKey`, a GCP service account's
 * `private_key` (the pairs of credentials.ts and credentials-escaped.ts); not a word ending in `pass`
 * (PASS_NOT_SECRET).
 */
export const SECRET_PAIR_NAME = String.raw`[\w.-]*?(?:password|passwd|passphrase|pass${PASS_NOT_SECRET}|pwd|secret|secret[_-]?key|token|api[_-]?key|access[_-]?key|account[_-]?key|private[_-]?key)`;

/**
 * A bare name's unquoted value after `:` that looks like a credential (outside review 30, RT30-7: `throw 'password:
 * S3cret'`): 6 characters or more with a digit or a symbol of a token (`+`, `/`, `=`, `_`, `~`, `!`, `@`, `#`, `$`,
 * `%`, `*`) or a capital after a small letter, or 20 or more. Prose (`invalid token: missing`, `password: too
 * short`, `token: expired`) stays; a reference or placeholder (`${VAR}`, `<value>`, `[redacted]`) too.
 */
export const BARE_SECRET_VALUE = /^(?![[<$({])(?=.{6})(?:.*[\d+/=_~!@#$%*]|.*[a-z][A-Z]|.{20})/;

/**
 * A value of digits only, under 20 (a sentence's final dots after it): after the bare word `token` (`token:
 * 12345678 expired`, `token 42`) a count or an id in prose, no token, and it stays; after a password-like name
 * (`password: 12345678`) or in a pair (`token=12345678`, `"token":"12345678"`) it goes all the same.
 */
export const DIGITS_ONLY_ID = /^\d{1,19}\.*$/;

/** Header names whose value is a credential: authorization and API-key headers, then cookies. */
const AUTH_NAME =
  '(?:(?:proxy-)?authorization|x-api-key|api-key|x-auth-token|x-access-token|x-vault-token|x-goog-api-key|x-amz-security-token|ocp-apim-subscription-key|private-token)';
const COOKIE_NAME = '(?:set-cookie|cookie)';
/** A quote as written: `'`, `"`, JSON's escaped `\"` or `\u0022`. */
const QUOTE = String.raw`(?:\\u0022|\\"|["'])`;
/** One character of a separator run: `:`, `=`, `>` (of `=>`), `,`, `[`, `{`, whitespace, CR LF raw or escaped. */
const SEP = String.raw`(?:[ \t:=>,[{]|\r?\n|\\[rnt])`;
/** undici's HeadersList entry `{ name: 'Authorization', value: '…' }` puts `value: ` before the value. */
const SEP_RUN = String.raw`(?:${SEP}{1,8}?(?:value:[ \t]*)?)`;
/** Quoted values, one per quote spelling, escapes kept; one left open runs to the end of the line. */
const QUOTED = [
  String.raw`'(?:[^'\\\r\n]|\\[^\r\n])*'?`,
  String.raw`"(?:[^"\\\r\n]|\\[^\r\n])*"?`,
  String.raw`\\"(?:[^\\\r\n]|\\[^"\r\n])*(?:\\")?`,
  String.raw`\\u0022(?:[^\\\r\n]|\\(?!u0022)[^\r\n])*(?:\\u0022)?`,
].join('|');
/** Authentication schemes (as in credentials-http.ts) and the space after one (a folded line's CR LF too). */
const SCHEME =
  '(?:basic|bearer|digest|dpop|hoba|mutual|negotiate|ntlm|oauth|privatetoken|scram-sha-1|scram-sha-256|vapid|token|apikey|aws4-hmac-sha256)';
const SCHEME_SPACE = String.raw`(?:[ \t]|\r?\n|\\[rnt]|%20|\+){1,4}`;
/** RFC 7230's token. */
const TOKEN = String.raw`[\w!#$%*+.^|~-]+`;
/** An auth-param's value: quoted or a token (`,` ends it). */
const PARAM_VALUE = String.raw`(?:"(?:[^"\\\r\n]|\\[^\r\n])*"?|[^\s,"'\\]+)`;
/**
 * An unquoted authorization value: auth-params (Digest, AWS4) or one token, up to a space, quote or backslash (never
 * starting with a separator's character: the `>` of ` => ` is no value).
 */
const AUTH_BARE = String.raw`${TOKEN}[ \t]*=[ \t]*${PARAM_VALUE}(?:[ \t]*,[ \t]*${TOKEN}[ \t]*=[ \t]*${PARAM_VALUE})*|[^\s,;"'\\<>\]}=:[{&\`][^\s,;"'\\<>\]}&]*`;
/** Unquoted cookie-pairs and Set-Cookie attributes (RFC 6265). */
const COOKIE_BARE = String.raw`${TOKEN}=[^\s;,"'\\]*(?:;[ \t]*${TOKEN}(?:=[^\s;,"'\\]*)?)*`;

/**
 * A credential header's name (quoted as written or bare), a separator run, then a value; not a URL's user
 * (`https://x-access-token:…@host`: its password is redacted as a URL's, the host kept).
 */
function spelling(name: string, bare: string): RegExp {
  return new RegExp(
    String.raw`(?:(?<![\w-]|:\/\/)|(?<=\\[rnt]))(${QUOTE}?)(${name})\1(${SEP_RUN})(?:(\[[ \t\r\n]*)?(${QUOTED})|(${SCHEME}${SCHEME_SPACE})?(${bare}))`,
    'gi',
  );
}
const AUTH_SPELLING = spelling(AUTH_NAME, AUTH_BARE);
const COOKIE_SPELLING = spelling(COOKIE_NAME, COOKIE_BARE);
/** A quoted value holding a scheme and blanks alone (`'Bearer '`, `"Basic "`). */
const SCHEME_ONLY = new RegExp(String.raw`^(['"])${SCHEME}(?:[ \t]|%20|\+)*\1$`, 'i');
/** A quoted value's scheme followed by its space, kept readable. */
const QUOTED_SCHEME = new RegExp(String.raw`^(${SCHEME}(?:[ \t]|%20|\+)+)`, 'i');

/**
 * Credential-shaped: holds a digit or one of base64/token68's symbols, or is a long run of letters (an English
 * word after `Basic` or `Bearer`, "or", "required", is not a credential).
 */
function credentialShaped(token: string): boolean {
  return /[\d+/=_.~-]/.test(token) || token.length >= 20;
}

/** A quoted value with its body redacted: the quotes and a leading scheme kept. */
function redactQuoted(value: string): string {
  const open = value.startsWith('\\u0022') ? '\\u0022' : value.startsWith('\\"') ? '\\"' : value.charAt(0);
  const body = value.slice(open.length);
  const closed = body.length >= open.length && body.endsWith(open) && !body.endsWith(`\\${open}`);
  const inner = closed ? body.slice(0, body.length - open.length) : body;
  const scheme = QUOTED_SCHEME.exec(inner);
  return `${open}${scheme ? scheme[1] : ''}${REDACTED}${closed ? open : ''}`;
}

/**
 * `text` with the values of credential headers in Node's and JSON's own spellings replaced by `[redacted]`.
 * A value only whitespace or `,` separates from the name must be quoted or a scheme and a credential-shaped token
 * (`authorization failed for user app` stays).
 */
export function redactHeaderSpellings(text: string): string {
  return text.replace(AUTH_SPELLING, redactMatch).replace(COOKIE_SPELLING, redactMatch);
}

/** One match of a spelling pattern, its value redacted (or left as written, see redactHeaderSpellings). */
function redactMatch(
  all: string,
  q: string,
  name: string,
  sep: string,
  bracket: string | undefined,
  quoted: string | undefined,
  scheme: string | undefined,
  bare: string | undefined,
  offset: number,
  text: string,
): string {
  const head = `${q}${name}${q}${sep}`;
  if (quoted !== undefined) {
    // A quoted name needs a quoted value; a bare name followed by a quote is ordinary text unless `:`/`=` join them.
    if (q === '' && !/[:=]/.test(sep)) return all;
    // A scheme alone (`'Bearer ' + token`: a concatenation, read by credentials-http.ts) holds no credential.
    if (SCHEME_ONLY.test(quoted)) return all;
    return `${head}${bracket ?? ''}${redactQuoted(quoted)}`;
  }
  // Already redacted (a text redacted twice keeps `Bearer%20[redacted]`), or not a credential.
  if (bare === undefined || bare.includes('[redacted') || !credentialShaped(bare)) return all;
  // A variable's reference (`Bearer ${GITHUB_TOKEN}`, `Bearer $GITHUB_TOKEN`) names the token, holds none.
  if (/^\$\{[A-Za-z_][\w.]{0,100}$/.test(bare) && text[offset + all.length] === '}') return all;
  if (/^\$[A-Z_][A-Z0-9_]{0,100}$/.test(bare)) return all;
  if (scheme === undefined && !/[:=]/.test(sep)) return all;
  return `${head}${scheme ?? ''}${REDACTED}`;
}
