// Credentials in error texts (outside review 16, F5): a probe, plugin, job or store error often names the URL or
// connection string it failed on (`connect ECONNREFUSED` for `postgres://app:<password>@db/app`, fetch's refusal of a
// URL with credentials, a driver's `password=… host=…` DSN), and that text goes to metrics/, health/, alerts/, the
// channels and the logs. redactCredentials replaces the password parts by `[redacted]` where the text is captured
// (errorMessage, errorText), so every consumer gets the redacted text.

/** What stands for a password. */
const REDACTED = '[redacted]';

/**
 * A URL's user info with a password: `scheme://user:password@`. The password runs to the last `@` before the host
 * (a `@` written unencoded in it is kept in the password), never across a space, `/`, `?` or `#`.
 */
const URL_PASSWORD = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s:/?#@]*):([^\s/?#]+)@/g;

/** A name that says password or secret: `password`, `PGPASSWORD`, `db_pass`, `pwd`, `client_secret`, `api_key`, `token`. */
const SECRET_NAME = String.raw`[\w.-]*?(?:password|passwd|passphrase|pass|pwd|secret|token|api[_-]?key|access[_-]?key)`;
/** A value: quoted (`'…'`, `"…"`, escapes kept) or up to a space, `;`, `&`, `,` or a quote. */
const VALUE = String.raw`(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s;&,'"]+)`;
/** `password=…`, `Pwd = …`, `?user=u&password=…`, `Password=…;` (libpq, ODBC/ADO.NET, JDBC, query strings). */
const PAIR = new RegExp(String.raw`(?<![\w.-])(${SECRET_NAME})(\s*=\s*)(${VALUE})`, 'gi');
/** `"password":"…"`, `'secret': '…'` (a JSON or JS object in a message). */
const QUOTED_PAIR = new RegExp(String.raw`(["'])(${SECRET_NAME})\1(\s*:\s*)(${VALUE})`, 'gi');

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
 * passphrase, pass, pwd, secret, token, api_key or access_key in any letter case (`password=[redacted]`,
 * `Pwd=[redacted];`, `PGPASSWORD='[redacted]'`, `"client_secret":"[redacted]"`).
 */
export function redactCredentials(text: string): string {
  if (!text.includes('@') && !text.includes('=') && !text.includes(':')) return text;
  return text
    .replace(URL_PASSWORD, (_, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(PAIR, (_, name: string, eq: string, value: string) => `${name}${eq}${redactedValue(value)}`)
    .replace(
      QUOTED_PAIR,
      (_, q: string, name: string, colon: string, value: string) =>
        `${q}${name}${q}${colon}${redactedValue(value)}`,
    );
}
