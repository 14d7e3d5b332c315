// Credentials of HTTP clients in error texts (outside review 18, F7): an HTTP client's error names the request it
// failed on, with its headers (`Authorization: Bearer …`, `x-api-key: …`, `cookie: …`, as a raw header, a JSON
// field or Node's inspect of a headers object) or its signed URL (`?X-Amz-Signature=…`, Azure's `&sig=…`, Google's
// `?key=…`, a Slack webhook's path), and a token can be named alone (a JWT, `ghp_…`, `sk_live_…`, `xoxb-…`) or
// after its scheme word alone (`invalid token: Bearer …`, review 20).
// redactHttpCredentials replaces the secret parts by `[redacted]`; redactCredentials (credentials.ts) calls it.
//
// Every pattern is linear in the text: it starts only where a name, a prefix or a literal host starts (a
// lookbehind refuses the middle of a word), its repeated parts are told apart by their first character (no
// nested quantifier can split a run two ways), and a failed attempt scans at most the run that follows its start.

import { DIGITS_ONLY_ID, REDACTED, redactHeaderSpellings } from './credentials-spellings.js';

/** Credential-shaped: a digit or a base64/token68 symbol in it (or `[redacted]` already), or 20 letters or more (not an English word). */
const SHAPED = /[\d+/=_.~[-]|^[^\s]{20,}$/;

/**
 * Authentication schemes (IANA's HTTP Authentication Scheme Registry, RFC 7235 §5.1, plus GitHub's `token`, AWS's
 * `AWS4-HMAC-SHA256` and the common `ApiKey`): the scheme stays readable, its credentials are redacted.
 */
const SCHEME =
  '(?:basic|bearer|digest|dpop|hoba|mutual|negotiate|ntlm|oauth|privatetoken|scram-sha-1|scram-sha-256|vapid|token|apikey|aws4-hmac-sha256)';
/** The space after a scheme, as written, URL-encoded or form-encoded. */
const SCHEME_SPACE = String.raw`(?:[ \t]+|%20|\+)`;
/** RFC 7230's token (an auth-param's name). */
const TOKEN = String.raw`[\w!#$%*+.^|~-]+`;
/**
 * A quoted value (a JSON string, a JS string, an auth-param's quoted-string), escapes kept; one left open runs to the
 * end of the line (so a failed search for its closing quote is never repeated from a later start).
 */
const QUOTED = String.raw`"(?:[^"\\\r\n]|\\[^\r\n])*"?|'(?:[^'\\\r\n]|\\[^\r\n])*'?`;
/**
 * A JS template literal on one line (after review 42: `` authorization: `Bearer ${accessToken}` ``), escapes kept; one
 * left open runs to the end of the line. Its `${…}` placeholders are expressions, no value (templateRedacted).
 */
const TEMPLATE = String.raw`\`(?:[^\`\\\r\n]|\\[^\r\n])*\`?`;
/**
 * A template as a field's value: after a blank (`` cookie: `…` ``, as code is written), so that Markdown's code spans
 * stay (`` a `Cookie:` header rather than a `Set-Cookie:` header ``).
 */
const SPACED_TEMPLATE = `(?<=[ \t])${TEMPLATE}`;
/**
 * A JS concatenation after a quoted value (`'Bearer ' + 'S3cr…'`, `'Bearer ' + token`): at most 20 more operands, each
 * a one-line quoted string, a template literal or a name, after a `+` (one way to split it: each operand starts after
 * its `+`).
 */
const CONCAT_TAIL = String.raw`(?:[ \t]*\+[ \t]*(?:${QUOTED}|${TEMPLATE}|[\w$.]{1,100})){0,20}`;
/** A template's placeholder whose expression holds no string or template literal: a name, a call, a member (no value). */
const PLACEHOLDER = /\$\{[^{}'"`]{0,200}\}/g;
/** A reference to a variable in a credential's place (`Bearer ${GITHUB_TOKEN}`, `Bearer $GITHUB_TOKEN`): no value. */
const VARIABLE_REFERENCE = /^(?:\$\{[A-Za-z_][\w.]{0,100}\}|\$[A-Z_][A-Z0-9_]{0,100})$/;
/** An auth-param's value: a quoted-string or a token (`,` ends it). */
const PARAM_VALUE = String.raw`(?:${QUOTED}|[^\s,"']+)`;
/** RFC 7235's credentials after the scheme: a list of auth-params (Digest, AWS4) or a token68 (Basic, Bearer). */
const CREDENTIALS = String.raw`(?:${TOKEN}[ \t]*=[ \t]*${PARAM_VALUE}(?:[ \t]*,[ \t]*${TOKEN}[ \t]*=[ \t]*${PARAM_VALUE})*|[^\s,;"'&]+)`;
/** RFC 6265's cookie-pairs (`a=1; b=2`, names are RFC 7230 tokens) and a Set-Cookie's attributes (`; Path=/`). */
const COOKIES = String.raw`${TOKEN}=[^\s;,"']*(?:;[ \t]*${TOKEN}(?:=[^\s;,"']*)?)*`;

/**
 * `Authorization: Bearer …`, `proxy-authorization=Basic …`, `"Authorization":"Digest …"`,
 * `{ authorization: 'token …' }`: the name (quoted or not), `:` or `=`, then a quoted value or, unquoted, a
 * scheme and its credentials, or one token (a value without a known scheme).
 */
const AUTHORIZATION = new RegExp(
  String.raw`(?<![\w-])((["']?)(?:proxy-)?authorization\2[ \t]*(?::|=(?!>))[ \t]*)(?:(${QUOTED}|${SPACED_TEMPLATE})(${CONCAT_TAIL})|(${SCHEME}${SCHEME_SPACE})?(${CREDENTIALS}))`,
  'gi',
);
/** A scheme word alone (its credentials on a folded line, redacted there): no credential itself. */
const LONE_SCHEME = new RegExp(`^${SCHEME}$`, 'i');
/** A quoted authorization value's scheme, kept readable. */
const QUOTED_SCHEME = new RegExp(`^(["'\`])(${SCHEME}${SCHEME_SPACE})`, 'i');
/** A quoted operand of a concatenation (CONCAT_TAIL), each read alone. */
const CONCAT_OPERAND = new RegExp(`${QUOTED}|${TEMPLATE}`, 'g');

/** Header fields whose whole value is a secret: API keys and tokens. */
const KEY_HEADER =
  '(?:x-api-key|api-key|x-auth-token|x-access-token|x-vault-token|x-goog-api-key|x-amz-security-token|ocp-apim-subscription-key|private-token)';
/**
 * `x-api-key: …`, `"x-api-key":"…"`, `{ 'api-key': '…' }`. Not a URL's user (`https://x-access-token:…@github.com`:
 * URL_PASSWORD's, the host kept; outside review 21, F5).
 */
const KEY_FIELD = new RegExp(
  String.raw`(?<![\w-]|:\/\/)((["']?)${KEY_HEADER}\2[ \t]*(?::|=(?!>))[ \t]*)(${QUOTED}|${SPACED_TEMPLATE}|[^\s,;"'&]+)`,
  'gi',
);
/** `cookie: sid=…; theme=…`, `Set-Cookie: sid=…; Path=/`, `"cookie":"sid=…"`. */
const COOKIE_FIELD = new RegExp(
  String.raw`(?<![\w-])((["']?)(?:set-cookie|cookie)\2[ \t]*(?::|=(?!>))[ \t]*)(${QUOTED}|${SPACED_TEMPLATE}|${COOKIES})`,
  'gi',
);

/**
 * A JWT (RFC 7519 on JWS/JWE compact serialisation, RFC 7515 §7.1): base64url parts joined by `.`, the first a
 * JSON object (so it starts `eyJ`, `{"` encoded), three parts (the last empty for `alg: none`) or five (JWE).
 */
const JWT = /(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*(?:\.[\w-]*\.[\w-]*)?/g;

/**
 * Tokens whose prefix says what they are: GitHub's (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36 base62
 * characters; `github_pat_` fine-grained), Stripe's secret and restricted keys and webhook secrets (`sk_live_`,
 * `sk_test_`, `rk_live_`, `rk_test_`, `whsec_`), Slack's (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xapp-`),
 * npm's (`npm_`) and GitLab's personal access tokens (`glpat-`). An AWS access key id (`AKIA…`) is not a secret by
 * itself and stays.
 */
const PREFIXED_TOKEN =
  /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{24,}|whsec_[A-Za-z0-9+/=]+|xox[abprs]-\d+-[A-Za-z0-9-]+|xapp-\d+-[A-Za-z0-9-]+|npm_[A-Za-z0-9]{20,}|glpat-[\w-]{20,})/g;

/**
 * Query parameters that carry a signature, a key or a session in a URL (after `?`, `&`, or an OAuth fragment's
 * `#`): AWS SigV4's `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`, Google Cloud Storage's
 * `X-Goog-Signature`/`X-Goog-Credential`, Azure SAS's `sig`, `signature`, Google's `key`, Firebase's `auth`,
 * OAuth's `code`, `access_token`, `refresh_token`, `id_token`, `client_secret`, and `session`, `jwt`. Only in a
 * query: `code=200` or `key=value` in a sentence stays.
 */
const QUERY_PARAM =
  /([?&#](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|sig|signature|key|auth|code|session|sessionid|session_id|jwt|access_token|refresh_token|id_token|client_secret)=)([^&#\s"'<>]+)/gi;

/** The same parameters in an inspected URLSearchParams (a URL object's `searchParams`): `'sig' => '…'`. */
const QUERY_ENTRY =
  /((["'])(?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|sig|signature|key|auth|code|session|sessionid|session_id|jwt|access_token|refresh_token|id_token|client_secret)\2 => )(?:'(?:[^'\\\r\n]|\\[^\r\n])*'?|"(?:[^"\\\r\n]|\\[^\r\n])*"?)/gi;

/**
 * Webhook URLs whose path is the secret: Slack's (`hooks.slack.com/services/T…/B…/…`, workflows, triggers; the path
 * after the kind is redacted), Discord's (`discord.com/api/webhooks/<id>/<token>`, the id stays) and Microsoft
 * Teams' (`….webhook.office.com/webhookb2/…`).
 */
const WEBHOOK_PATH =
  /((?<![\w.-])hooks\.slack(?:-gov)?\.com(?::\d+)?\/+(?:services|workflows|triggers)\/|(?<![\w.-])(?:[\w-]+\.)?discord(?:app)?\.com(?::\d+)?\/+api\/(?:v\d+\/)?webhooks\/\d+\/|\.webhook\.office\.com(?::\d+)?\/+webhookb2\/|(?<![\w.-])outlook\.office(?:365)?\.com(?::\d+)?\/+webhook\/)([^\s?#"'<>]+)/gi;

/**
 * `Bearer …`, `Basic …`, `Token …` written without a header name (`invalid token: Bearer …`, a JSON parse error
 * quoting a header value): RFC 6750's b64token after the scheme, taken whole at once (the lookahead's capture is
 * atomic: no backtracking into it). Whether it is a credential is bareCredential's call.
 */
const BARE_SCHEME = /(?<![\w-])(bearer|basic|token)([ \t]+)(?=([\w.~+/-]+=*))\3/gi;
/**
 * The same with a colon after the word (`Token: …`, `Bearer: …`, outside review 21, F3), a pass of its own: in one
 * pass with BARE_SCHEME, `invalid token: Bearer …` would take `Bearer` as token's value and skip its credential;
 * a scheme word after it is the next match's start (`token: Bearer: …`).
 */
const BARE_SCHEME_COLON =
  /(?<![\w-])(bearer|basic|token)(:[ \t]+)(?!(?:bearer|basic|token)\b)(?=([\w.~+/-]+=*))\3/gi;

/**
 * Shapes with a digit that name no secret (review 21, F4): a version (`v2.3.4-beta1`), a protocol's (`HTTP/1.1`), a
 * date or the date of a timestamp (`2026-12-06T11`, its `:00:00Z` after it).
 */
const NOT_SECRET = /^(?:v?\d+(?:\.\d+)+(?:[-+][\w.]+)?|[A-Za-z]+\/\d+(?:\.\d+)*|\d{4}-\d\d-\d\d(?:T\d\d)?)$/;

/**
 * A token after a bare scheme is a credential when it has 8 characters or more with a digit, a `+`, `/`, `=`, `_` or
 * `~`, or a capital after a small letter (base64 and random tokens nearly always do), or 20 or more: English after
 * "Bearer" or "Basic" (`bearer of`, `Bearer tokens`, `basic auth`, `token-based`) has none of those; a version, a
 * protocol version or a date (NOT_SECRET) is none either.
 */
function bareCredential(token: string): boolean {
  if (NOT_SECRET.test(token)) return false;
  return token.length >= 20 || (token.length >= 8 && /[\d+/=_~]|[a-z][A-Z]/.test(token));
}

/**
 * A scheme word in small letters before a word of letters only, or words joined by `/` (review 42, RT42-4: "basic
 * JavaScript types", "basic file/folder manipulation"): prose, no credential under 20 characters (a token68 or a
 * random token nearly always has a digit, `+`, `=`, `_` or `~`; `Basic …`, `Bearer …` as a header writes them stay
 * read as before).
 */
function proseAfterScheme(scheme: string, token: string): boolean {
  return scheme === scheme.toLowerCase() && token.length < 20 && /^[A-Za-z]+(?:\/[A-Za-z]+)*$/.test(token);
}

/**
 * One BARE_SCHEME match: the token redacted when it is a credential (its sentence's final dots kept); an
 * auth-param's name (`Bearer realm="api"`, `Basic charset="UTF-8"`, `Bearer error_description=expired`: a
 * challenge, no credential) stays.
 */
function redactBareScheme(
  all: string,
  scheme: string,
  space: string,
  token: string,
  offset: number,
  text: string,
): string {
  const next = text[offset + all.length];
  if (next !== undefined && /[\w"']/.test(next) && /^[a-z_]+=$/.test(token)) return all;
  const body = token.replace(/\.+$/, '');
  // `token: 12345678 expired`: a count or an id (DIGITS_ONLY_ID); `Bearer 12345678` and a Telegram bot's
  // `token 123456789:…` go.
  const id = /^token$/i.test(scheme) && DIGITS_ONLY_ID.test(body) && next !== ':';
  if (!bareCredential(body) || id || proseAfterScheme(scheme, body)) return all;
  return `${scheme}${space}${REDACTED}${token.slice(body.length)}`;
}

/** A quoted value as `"[redacted]"` (its quotes kept, an authorization scheme kept), else `[redacted]`. */
export function redactedQuoted(value: string, keepScheme: boolean): string {
  const q = value[0];
  if (q === '`') return templateRedacted(value, keepScheme);
  if (q !== '"' && q !== "'") return REDACTED;
  const close = value.length >= 2 && value.endsWith(q) ? q : '';
  const scheme = keepScheme ? QUOTED_SCHEME.exec(value) : null;
  return `${q}${scheme ? scheme[2] : ''}${REDACTED}${close}`;
}

/**
 * A template literal's value redacted (after review 42, RT42 remainder: `` `Bearer ${accessToken}` `` lost its
 * `Bearer`): its scheme stays (when `keepScheme`), and the rest goes unless it holds nothing but placeholders and
 * blanks (`${accessToken}`, `${auth.token()}`: an expression names a value, as `client.auth(password)` does, and holds
 * none); a literal part or a string inside a placeholder (`${'S3cr…'}`) goes, the whole rest with it.
 */
function templateRedacted(value: string, keepScheme: boolean): string {
  const close = value.length >= 2 && value.endsWith('`') ? '`' : '';
  const inner = value.slice(1, value.length - close.length);
  const scheme = keepScheme ? (QUOTED_SCHEME.exec(value)?.[2] ?? '') : '';
  const rest = inner.slice(scheme.length);
  if (rest.replace(PLACEHOLDER, '').trim() === '') return value;
  return `\`${scheme}${REDACTED}${close}`;
}

/**
 * A quoted authorization value and the concatenation after it (after review 42: `{ Authorization: 'Bearer ' +
 * 'S3cr…' }` showed the token after the `+`): the first operand as a quoted value is (its scheme kept; a scheme and
 * blanks alone, `'Bearer '`, stay when more follows), then each quoted operand with a literal in it goes in its quotes,
 * and a name stays (`'Bearer ' + token`: a variable names a value, holds none).
 */
function redactQuotedAuthorization(quoted: string, concat: string): string {
  const q = quoted[0] as string;
  const schemeOnly = concat !== '' && new RegExp(`^${q}${SCHEME}${SCHEME_SPACE}?${q}$`, 'i').test(quoted);
  const first = schemeOnly ? quoted : redactedQuoted(quoted, true);
  return `${first}${concat.replace(CONCAT_OPERAND, (operand: string) =>
    operand.length <= 2 && operand[1] === operand[0] ? operand : redactedQuoted(operand, false),
  )}`;
}

/**
 * A quoted scheme concatenated with a call that encodes its credentials (gaps after review 46: `'Basic ' +
 * btoa('u:pw')` showed `u:pw`): `btoa(`, `Buffer.from(`, Python's `base64.b64encode(`, `Base64.encode(`,
 * `base64Encode(`, `encodeBase64(`, after `window.`, `globalThis.` or `self.` too. Its first argument is read by
 * encodedArgumentEnd.
 */
const SCHEME_ENCODE_CALL = new RegExp(
  String.raw`(["'\`])${SCHEME}[ \t]*\1[ \t]*\+[ \t]*(?:(?:window|globalThis|self)\.)?(?:btoa|buffer\.from|(?:base64\.)?b64encode|base64\.encode|base64_?encode|encode_?base64)[ \t]*\(`,
  'gi',
);
/** How far a call's first argument is read (ENCODED_ARGUMENT_MAX characters, on one line). */
const ENCODED_ARGUMENT_MAX = 500;
/** A string or template literal on one line, escapes kept (one left open runs to the argument's end). */
const ARGUMENT_LITERAL = new RegExp(`${QUOTED}|${TEMPLATE}`, 'g');
/** A literal that holds no credential: blanks and `:` (`user + ':' + pass`), an encoding's name (`'utf8'`). */
const NO_CREDENTIAL = /^[\s:]*$|^(?:utf-?8|ascii|latin1|binary|base64|hex|utf-?16le|ucs-?2)$/i;

/**
 * Where the first argument of the call opened at `start` (just after its `(`) ends in `text`: at a `,` or `)` outside
 * parentheses and literals, read at most ENCODED_ARGUMENT_MAX characters on one line; when it does not end there,
 * `-1 - i` where `i` is the index it stopped reading at (a later call's search starts there: each character is read
 * for one call at most).
 */
function encodedArgumentEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + ENCODED_ARGUMENT_MAX);
  let depth = 0;
  for (let i = start; i < limit; i++) {
    const c = text[i] as string;
    if (c === '\n' || c === '\r') return -1 - i;
    if (c === '"' || c === "'" || c === '`') {
      // A literal to its closing quote (an escaped one skipped), on the same line; one left open (a text cut
      // short) ends the argument at the line's end.
      let j = i + 1;
      while (j < limit && text[j] !== c && text[j] !== '\n' && text[j] !== '\r')
        j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length || text[j] === '\n' || text[j] === '\r') return Math.min(j, text.length);
      if (j >= limit) return -1 - limit;
      i = j;
    } else if (c === '(') depth++;
    else if (c === ')' || c === ',') {
      if (depth === 0) return i;
      if (c === ')') depth--;
    }
  }
  return -1 - limit;
}

/**
 * `text` with the literals of the encoded credentials after a quoted scheme redacted in their quotes (`'Basic ' +
 * btoa('[redacted]')`), a template's placeholders kept (`` btoa(`${user}:${pass}`) `` stays, as `btoa(user + ':' +
 * pass)` does: names hold no value).
 */
function redactEncodedSchemeCalls(text: string): string {
  let out = '';
  let done = 0;
  SCHEME_ENCODE_CALL.lastIndex = 0;
  for (let m = SCHEME_ENCODE_CALL.exec(text); m !== null; m = SCHEME_ENCODE_CALL.exec(text)) {
    const start = m.index + m[0].length;
    const end = encodedArgumentEnd(text, start);
    if (end < 0) {
      SCHEME_ENCODE_CALL.lastIndex = Math.max(SCHEME_ENCODE_CALL.lastIndex, -1 - end);
      continue;
    }
    const argument = text.slice(start, end).replace(ARGUMENT_LITERAL, (literal: string) => {
      const body =
        literal.length > 1 && literal.endsWith(literal[0] as string)
          ? literal.slice(1, -1)
          : literal.slice(1);
      return NO_CREDENTIAL.test(body.replace(PLACEHOLDER, '')) ? literal : redactedQuoted(literal, false);
    });
    out += `${text.slice(done, start)}${argument}`;
    done = end;
    SCHEME_ENCODE_CALL.lastIndex = end;
  }
  return done === 0 ? text : out + text.slice(done);
}

/**
 * One AUTHORIZATION match, its credentials redacted: a quoted value (its scheme kept) and what is concatenated to it,
 * a scheme and a credential-shaped token (`Basic or Bearer` stays; a variable's reference `${TOKEN}` too), or a token
 * alone (a lone scheme word, its credentials folded onto the next line, stays).
 */
function redactAuthorization(
  all: string,
  head: string,
  _q: string,
  quoted: string | undefined,
  concat: string | undefined,
  scheme: string | undefined,
  credentials: string,
): string {
  if (quoted !== undefined) return `${head}${redactQuotedAuthorization(quoted, concat ?? '')}`;
  if (scheme !== undefined)
    return SHAPED.test(credentials) && !VARIABLE_REFERENCE.test(credentials)
      ? `${head}${scheme}${REDACTED}`
      : all;
  return LONE_SCHEME.test(credentials) ? all : `${head}${REDACTED}`;
}

/**
 * `text` with the credentials of HTTP requests replaced by `[redacted]`: authorization header values (the scheme
 * stays: `Authorization: Bearer [redacted]`), API-key headers and cookies, JWTs, prefixed tokens, signed-URL and
 * OAuth query parameters, webhook URL paths and a bare scheme's credentials (see the patterns above).
 */
export function redactHttpCredentials(text: string): string {
  return (
    redactEncodedSchemeCalls(redactHeaderSpellings(text).replace(AUTHORIZATION, redactAuthorization))
      .replace(
        KEY_FIELD,
        (_, head: string, _q: string, value: string) => `${head}${redactedQuoted(value, false)}`,
      )
      .replace(
        COOKIE_FIELD,
        (_, head: string, _q: string, value: string) => `${head}${redactedQuoted(value, false)}`,
      )
      .replace(JWT, REDACTED)
      .replace(PREFIXED_TOKEN, REDACTED)
      .replace(QUERY_PARAM, (_, head: string) => `${head}${REDACTED}`)
      .replace(QUERY_ENTRY, (_, head: string, q: string) => `${head}${q}${REDACTED}${q}`)
      .replace(WEBHOOK_PATH, (_, head: string) => `${head}${REDACTED}`)
      // Last: a JWT or prefixed token after a bare scheme is already whole `[redacted]` (a JWT's final `.` with it).
      .replace(BARE_SCHEME, redactBareScheme)
      .replace(BARE_SCHEME_COLON, redactBareScheme)
  );
}
