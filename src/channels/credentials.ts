// Credentials in error texts (outside review 16, F5): a probe, plugin, job or store error often names the URL or
// connection string it failed on (`connect ECONNREFUSED` for `postgres://app:<password>@db/app`, fetch's refusal of a
// URL with credentials, a driver's `password=… host=…` DSN), and that text goes to metrics/, health/, alerts/, the
// channels and the logs. redactCredentials replaces the password parts by `[redacted]` where the text is captured
// (errorMessage, errorText), so every consumer gets the redacted text. The credentials of HTTP requests
// (headers, tokens, signed URLs) are redacted by credentials-http.ts, command-line options by credentials-cli.ts,
// connection strings' values to `;`, PEM private keys, provider API keys and Redis AUTH by credentials-keys.ts.

import { PROSE_AFTER_OPTION, redactCliCredentials } from './credentials-cli.js';
import { withEscapedNames } from './credentials-encoded-names.js';
import { redactEscapedCredentials } from './credentials-escaped.js';
import { redactHttpCredentials } from './credentials-http.js';
import { redactKeyCredentials } from './credentials-keys.js';
import { redactNpmCredentials } from './credentials-npm.js';
import { BARE_SECRET_VALUE, DIGITS_ONLY_ID, REDACTED, SECRET_PAIR_NAME } from './credentials-spellings.js';
import { redactXmlCredentials } from './credentials-xml.js';

/**
 * A URL's user info with a password: `scheme://user:password@`. The password runs to the last `@` before the host
 * (a `@` written unencoded in it is kept in the password), never across a space, `/`, `?` or `#`.
 */
const URL_PASSWORD =
  /((?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/|\\\/\\\/))([^\s:/?#@]*):([^\s/?#]+)@/g;

/**
 * A scheme-relative URL's `//user:password@` (outside review C, RTC-3: `GET //svc:…@api.internal/v1` showed its
 * password). A `//` right after a word, `:`, `/` or `\\` is a path's or a scheme's (URL_PASSWORD's); the user is
 * RFC 3986's userinfo characters, and neither holds a quote, `\\`, `<>`, `{}` or a backquote, so that a JSON text's
 * `"begin":"//","end":"…"` does not run to a later `@` (a grammar file in node_modules did).
 */
const RELATIVE_URL_PASSWORD =
  /((?<![\w.+:/\\-])(?:\/\/|\\\/\\\/))([\w.%~!$&()*+,;=-]*):([^\s/?#"'\\<>{}`]+)@/g;

/**
 * A URL's user-only userinfo that is a key (outside review 30, RT30-7): a Sentry DSN's public key
 * (`https://<key>@o123.ingest.sentry.io/456`; Sentry's keys are 32 hex digits, also on a self-hosted host) or any
 * user before a `sentry.io` host. Other users alone (`ssh://git@github.com`) stay.
 */
const URL_KEY_USER =
  /((?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/|\\\/\\\/))(?:[0-9a-f]{32}|[^\s:/?#@]+(?=@[\w.-]*\bsentry\.io\b))@/gi;

/** The bare word `token`, whose value of digits only is an id (DIGITS_ONLY_ID). */
const TOKEN_NAME = /^token$/i;

/**
 * `user:password@host` written without a scheme (MySQL Shell's `root:…@db:3306`, a proxy's `user:…@proxy:3128`):
 * the user stays. Not a URL's (its `//` before the user refuses it: URL_PASSWORD's), not the `user@host` of
 * mailto:, sip:, xmpp: or a package manager's alias (`npm:pkg@1.2.3`), not a Docker digest (`nginx:1.25@sha256:…`),
 * and only where connectionUserInfo reads a connection string, not an e-mail address after a label (RTD-5).
 */
const BARE_USER_INFO =
  /(?<![\w.%+:/@\\-])(?!(?:mailto|sips?|xmpp|npm|jsr|workspace):)([\w.%+-]+):([^\s/?#@:'"<>]+)@(?=[\w[])(?!sha\d+:)/gi;

/** A version (`v1.2.3`, `4.5.6`): `app:v1.2.3@prod` names a release, no user's password (outside review 21, F4). */
const VERSION = /^v?\d+(?:\.\d+)+$/;

/** The host after a scheme-less user info's `@`: an IP literal in brackets or dot-separated labels. */
const HOST_AFTER = /\[[^\]\s]*\]|[\w-]+(?:\.[\w-]+)*/y;
/** A host's end that names a private network's machine, never an e-mail domain (`db.internal`, `redis.svc`). */
const PRIVATE_HOST =
  /(?:^|\.)(?:local|localhost|localdomain|internal|lan|svc|intranet|corp|home\.arpa)$|^[\d.]+$|^\[/i;

/**
 * Whether the scheme-less `user:password@` ending at `at` in `text` (its user starting at `start`) is a connection
 * string's (outside review D, RTD-5): the host has a port (`root:…@db:3306`, `user:…@db.example.com:5432`) or a
 * path (`app:…@db.example.com/app`), is one label (`guest:…@rabbit`, `@localhost`), an IP address or a private
 * network's name (`@db.internal`, `@cache.svc.cluster.local`), or the text is a setting's value (`HTTPS_PROXY=ops:…@proxy.example.com`).
 * Otherwise it reads as an e-mail address after a label (`Reply-To:alice@example.com`, `a:b@c.com`) and stays.
 */
function connectionUserInfo(text: string, start: number, at: number): boolean {
  HOST_AFTER.lastIndex = at;
  const host = HOST_AFTER.exec(text)?.[0] ?? '';
  const next = text.slice(at + host.length, at + host.length + 2);
  return (
    text[start - 1] === '=' ||
    next[0] === '/' ||
    /^:\d/.test(next) ||
    !host.includes('.') ||
    PRIVATE_HOST.test(host)
  );
}

/** A name that says password or secret (credentials-spellings.ts). */
const SECRET_NAME = SECRET_PAIR_NAME;
/**
 * A value: quoted (`'…'`, `"…"`, escapes kept; one left open runs to the end of the text, so that a failed search
 * for its closing quote is never repeated from a later start) or up to a space, `;`, `&`, `,` or a quote. A quote
 * doubled inside is an escape (SQL's `'it''s'`), and a value opened by three quotes (Python's `'''…'''`) runs to
 * three (outside review 28, RT28-10: `password='''S3cret'''` showed `'S3cret'''`).
 */
const VALUE = String.raw`(?:'''(?:[^'\\]|\\[^]|'(?!''))*(?:''')?|'(?:[^'\\]|\\[^]|'')*'?|"""(?:[^"\\]|\\[^]|"(?!""))*(?:""")?|"(?:[^"\\]|\\[^]|"")*"?|[^\s;&,'"]+)`;
/**
 * What a shell joins to a value into one word (outside review 30, RT30-4: `_authToken=S3cret'Hunter2x'` showed
 * `'Hunter2x'`, `password=''S3cret` showed `S3cret`): more quoted strings and unquoted characters written right after
 * it, taken only where that word then ends as a shell word does (a blank, `;`, `|`, `&`, `)` or the end), so that a
 * JSON text's `abc","host":"x"}` after a value stays; quoted strings hold no blank or `,` (an argument list's
 * separator), and at most 8 of them and 200 characters each are read, so that the lookahead reads a bounded text. Linear: quoted pieces and runs alternate, each told apart by its first
 * character, and the lookahead is read once where a value ends.
 */
const TAIL_QUOTED = String.raw`(?:'[^'\s,]{0,200}'|"[^"\s,]{0,200}")`;
const TAIL_RUN = String.raw`[^\s;&|,'"()\]}]{1,200}`;
const TAIL = String.raw`(?:${TAIL_RUN}(?:${TAIL_QUOTED}(?:${TAIL_RUN})?){0,8}|(?:${TAIL_QUOTED}(?:${TAIL_RUN})?){1,8})`;
const SHELL_TAIL = String.raw`(?:(?=${TAIL}(?:[\s;&|)]|$))${TAIL})?`;
/**
 * A name quoted with its `=` and nothing after it (outside review 28, RT28-7): `the field 'Password=' must not be
 * empty`, `Invalid "token=" entry`: the quote that opened before the name closes after the `=` (then a blank,
 * punctuation or the end), no value.
 */
const QUOTED_KEY_ONLY = String.raw`(?!(?<="[\w.-]*=)"(?:[\s,;:.)\]}]|$)|(?<='[\w.-]*=)'(?:[\s,;:.)\]}]|$))`;
/**
 * `password=…`, `Pwd = …`, `?user=u&password=…`, `Password=…;` (libpq, ODBC/ADO.NET, JDBC, query strings), an
 * inspected Map's `password => '…'`, and npm's `.npmrc` `_auth=…` (base64 of `user:password`; `_authToken=…` and
 * `_password=…` end as a secret's name does), and redis-cli's `REDISCLI_AUTH=…` (its password variable; review 32). A `=` written right after the name takes its value right after it
 * (`the token= parameter` stays), an `=>` only a quoted one (`token => expired` stays).
 */
const PAIR = new RegExp(
  String.raw`(?<![\w.-])(${SECRET_NAME}|_auth|rediscli_auth)(\s+=(?!>)\s*|=(?![>\s])|\s*=>\s*(?=['"]))${QUOTED_KEY_ONLY}(${VALUE}${SHELL_TAIL})`,
  'gi',
);
/** The character among `hex` of a JSON or JS escape, after its backslash: `u003d`, `x3d`, ES2015's `u{3d}` (gap 6). */
const escapeTail = (hex: string) => String.raw`(?:(?:u00|x)(?:${hex})|u\{0{0,4}(?:${hex})\})`;
/**
 * A character among `hex` written as JSON's or JS's escape: `\u003d`; its backslash doubled once or more where JSON
 * holds the escaped text (review E: `password\\u003d…` in a logged line).
 */
const escapedChar = (hex: string) => String.raw`\\+${escapeTail(hex)}`;
/**
 * One character of an escaped value (a run of backslashes read whole, so that a long run is read once), not the
 * escape of a character among `hex`, nor an escaped quote (`\"`, `\\\"`: the value of a pair in a JSON string).
 */
const escapedValueChar = (hex: string, not: string) =>
  String.raw`(?:[^\\${not}]|\\+(?!\\)(?!${escapeTail(hex)}|"))`;
/**
 * A PAIR whose `=` is written `\u003d` (Gson's and other JSON writers' escape of `=`: `client_secret\u003d…`,
 * `?password\u003d…`; outside review C, RTC-3): the value runs as a PAIR's unquoted one, and ends too at an escaped
 * `&`, `;`, `,` or quote (`\u0026`, `\u003b`, `\u002c`, `\u0022`, `\u0027`), which stays; a value in escaped
 * quotes (`password\u003d\u0027…\u0027`, Gson's escape of `password='…'`: outside review D, RTD-3) is masked whole.
 * Each escape also as ES2015's `\u{3d}` (the gaps after review 46, gap 6).
 */
const ESCAPED_PAIR = new RegExp(
  String.raw`(?<![\w.-])(${SECRET_NAME}|_auth|rediscli_auth)(${escapedChar('3d')})(?:(?<q>${escapedChar('27|22')})${escapedValueChar('27|22', String.raw`\s`)}+\k<q>|${escapedValueChar('26|3b|2c|22|27', String.raw`\s;&,'"`)}+)`,
  'gi',
);
/**
 * A query's bind placeholder in a value's place (red3, outside review H: `SET token = $1 WHERE …` in a driver's
 * error): `$1`, `?`, `%s`, `%(name)s`; after blanks around the `=` also `:name` and `@name` (NAMED_PLACEHOLDER). No
 * value, it stays.
 */
const BIND_PLACEHOLDER = /^(?:\$\d+|\?|%s|%\([A-Za-z_]\w*\)s)$/;
const NAMED_PLACEHOLDER = /^[:@][A-Za-z_]\w*$/;
/**
 * An ESCAPED_PAIR with blanks around its escaped `=` (`password \u003d …`, as around a PAIR's `=`; red3, outside
 * review H): its unquoted value, to a blank or a separator, plain or escaped.
 */
const SPACED_ESCAPED_PAIR = new RegExp(
  String.raw`(?<![\w.-])(${SECRET_NAME}|_auth|rediscli_auth)([ \t]+${escapedChar('3d')}[ \t]*|${escapedChar('3d')}[ \t]+)(?![ \t])(?:(?!${escapedChar('26|3b|2c|22|27')})[^\s;&,'"])+`,
  'gi',
);
/** `${NAME}` (a sentence's final dots after it): a variable's name, which `.npmrc` and shells expand, in the secret's place. */
const ENV_REFERENCE = /^\$\{[A-Za-z_]\w*\}\.*$/;
/**
 * `"password":"…"`, `'secret': '…'` (a JSON or JS object in a message), `'access_token' => '…'` (an inspected Map
 * or URLSearchParams), and an inspected object's `password: '…'` (a URL object's own property).
 */
const QUOTED_PAIR = new RegExp(
  String.raw`(["']?)(?<![\w.-])(${SECRET_NAME})\1(\s*(?::|=>)\s*)(?!(?<='${SECRET_NAME}:)')(?!(?<="${SECRET_NAME}:)")(${VALUE})`,
  'gi',
);

/**
 * A long command-line option that says password or secret, then its value after a space: `--password …`,
 * `--token …`, `--client-secret '…'` (an option's `=` is a PAIR). A value starting with `-` (the next option), `<`
 * or `` ` `` (a placeholder in a usage text) is none, nor a word of prose about the option (docker's "Using
 * --password via the CLI is insecure", "--token is required", "--password or --password-stdin", "--token expired,"),
 * nor a limit's number (`--max-token 4096`). curl's `--oauth2-bearer` too (outside review 21, F3/F4), and
 * redis-server's `--masterauth …` (any redis.conf directive is an option of its command line). The value may
 * be the option's next element in an argument list (`'--password', '…'`, `"--token","…"`).
 */
const LONG_OPTION = new RegExp(
  String.raw`(?<![\w.-])(--(?!(?:max|min)[_-])(?:${SECRET_NAME}|oauth2-bearer|masterauth))([ \t]+(?:\\\r?\n[ \t]*)?|['"][ \t]*,\s*['"])(?![-<\`])(?!\\(?:\r?\n|$))(?!${PROSE_AFTER_OPTION}(?:[\s,;:)]|$))(${VALUE})`,
  'gi',
);

/** `value` as `[redacted]`, in the quotes it was written in. */
function redactedValue(value: string): string {
  const q = value[0];
  return (q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)
    ? `${q}${REDACTED}${q}`
    : REDACTED;
}

/**
 * `text` with the passwords of connection strings replaced by `[redacted]`: a URL's user-info password
 * (`postgres://app:[redacted]@db:5432/app`, `redis://:[redacted]@cache`, `amqp://guest:[redacted]@mq`; the user name
 * stays), and the value of each `name=value` or `"name":"value"` pair whose name ends in password, passwd,
 * passphrase, pass (not an English word: `bypass`, `compass`), pwd, secret, secret_key, token, api_key or access_key
 * in any letter case (`password=[redacted]`,
 * `Pwd=[redacted];`, `PGPASSWORD='[redacted]'`, `"client_secret":"[redacted]"`); and first the keys of
 * redactKeyCredentials (connection strings, PEM private keys, provider API keys, Redis AUTH), the credentials of HTTP
 * requests (redactHttpCredentials: authorization and API-key headers, bare schemes, cookies, JWTs, prefixed tokens,
 * signed-URL query parameters, webhook URL paths) and of command lines (redactCliCredentials: curl's `-u`, the
 * MySQL clients' `-p…`, redis-cli's `-a`); the escaped spellings of URLs and pairs (redactEscapedCredentials: a JSON
 * text in a JSON string, HTML references, percent-encoded parameters); XML elements and `value` attributes that
 * hold a secret (redactXmlCredentials: `<password>[redacted]</password>`, `<add key="DbPassword"
 * value="[redacted]"/>`); then `user:password@host` without a scheme where it reads as a connection string, and
 * `--password …`. Linear in the text's length.
 */
export function redactCredentials(text: string): string {
  // A secret's name written with escapes (`%70assword=`, `"\u0070assword":`) is read as the plain name.
  return withEscapedNames(text, redactPlainNames);
}

/** redactCredentials of a text whose names are written plain. */
function redactPlainNames(text: string): string {
  const urls = redactCliCredentials(redactNpmCredentials(redactHttpCredentials(redactKeyCredentials(text))))
    .replace(URL_PASSWORD, (_, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(RELATIVE_URL_PASSWORD, (_, slashes: string, user: string) => `${slashes}${user}:${REDACTED}@`)
    .replace(URL_KEY_USER, (_, scheme: string) => `${scheme}${REDACTED}@`);
  // Their escaped spellings (RTD-4: a JSON text in a JSON string, HTML references, percent-encoded parameters).
  return redactXmlCredentials(redactEscapedCredentials(urls))
    .replace(BARE_USER_INFO, (all: string, user: string, password: string, start: number, whole: string) =>
      VERSION.test(password) || !connectionUserInfo(whole, start, start + all.length)
        ? all
        : `${user}:${REDACTED}@`,
    )
    .replace(
      LONG_OPTION,
      (_, name: string, space: string, value: string) => `${name}${space}${redactedValue(value)}`,
    )
    .replace(ESCAPED_PAIR, (...m: unknown[]) => {
      // A value in escaped quotes (Gson's `password\u003d\u0027…\u0027`, RTD-3) keeps its quotes.
      const q = (m[m.length - 1] as { q?: string }).q ?? '';
      return `${m[1] as string}${m[2] as string}${q}${REDACTED}${q}`;
    })
    .replace(SPACED_ESCAPED_PAIR, (_, name: string, eq: string) => `${name}${eq}${REDACTED}`)
    .replace(PAIR, (all: string, name: string, eq: string, value: string) =>
      // A reference to an environment variable (npm's documented `_authToken=${NPM_TOKEN}`) holds no secret, nor
      // does a query's bind placeholder (`token = $1`).
      ENV_REFERENCE.test(value) ||
      BIND_PLACEHOLDER.test(value) ||
      (/\s/.test(eq) && NAMED_PLACEHOLDER.test(value))
        ? all
        : `${name}${eq}${redactedValue(value)}`,
    )
    .replace(QUOTED_PAIR, (all: string, q: string, name: string, colon: string, value: string) =>
      // A bare name (an inspected object's property) only with a quoted value: `invalid token: missing` stays.
      q === '' &&
      value[0] !== "'" &&
      value[0] !== '"' &&
      (colon.includes('>') ||
        !BARE_SECRET_VALUE.test(value) ||
        (TOKEN_NAME.test(name) && DIGITS_ONLY_ID.test(value)))
        ? all
        : `${q}${name}${q}${colon}${redactedValue(value)}`,
    );
}
