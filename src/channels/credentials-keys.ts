// Keys and passwords in error texts beside the pairs, headers and command options (outside review 24, RT24-2): an
// ADO.NET/ODBC connection string's password with spaces in it (`Password=My S3cret Pass;`), a PEM private key (also
// inside a GCP service-account JSON, its line breaks written `\n`), provider API keys whose prefix says what they are
// (OpenAI, Anthropic, SendGrid, Google, Hugging Face), a labelled AWS secret access key and a Redis `AUTH` command.
// redactKeyCredentials replaces them by `[redacted]`; redactCredentials (credentials.ts) calls it first.
//
// Linear: each pattern starts at a fixed prefix (a key's name, `-----BEGIN`, a provider's prefix, `AUTH`), and its
// value is one run told apart by its first character, ending at a character the run cannot hold.

import { REDACTED } from './credentials-spellings.js';

/**
 * A PEM private key (RFC 7468: `-----BEGIN PRIVATE KEY-----`, also `RSA`, `EC`, `OPENSSH`, `ENCRYPTED`, OpenPGP's
 * `PGP PRIVATE KEY BLOCK`): the body (base64, line breaks or their `\n` escapes inside a JSON string, an encrypted
 * key's `Proc-Type:`/`DEK-Info:` headers) up to the END line, or, where the text was cut before it, to the first
 * character a body cannot hold (a JSON string's closing quote). The BEGIN and END lines stay.
 */
const PEM_PRIVATE_KEY =
  /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)(?:[A-Za-z0-9+/=\s:,.]|\\[nr]|-(?!----END ))+(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?/g;

/**
 * A connection string's (ADO.NET, ODBC, Azure Storage/Service Bus) secret value (Microsoft's "Connection string
 * syntax": pairs separated by `;`, a value may hold spaces, a `{…}` (ODBC, `}}` escaping `}`) or quoted value may
 * hold `;`): the key `Password`, `Pwd`, `AccountKey` or `SharedAccessKey` (exactly: `PGPASSWORD=` is a shell's pair), after a
 * `;` or opening a quoted string, or followed by a `;` before any `=` (the first pair); the value runs to the next `;`,
 * the end of its line or a quote. A name preceded by neither stays a pair of credentials.ts (`password=x host=db`).
 */
const CONNECTION_KEY = String.raw`(?<![\w.-])((?:password|pwd|account[ _-]?key|shared[ _-]?access[ _-]?key)[ \t]*=[ \t]*)`;
const CONNECTION_PAIR = new RegExp(
  String.raw`(?:(?=pa|pw|ac|sh)(?<=;[ \t]*|["'][ \t]*)${CONNECTION_KEY}|${CONNECTION_KEY}(?=[^;\r\n"'=]*;))(\{(?:\}\}|[^}])*\}?|"(?:""|[^"])*"?|'(?:''|[^'])*'?|[^;"'\r\n{][^;"'\r\n]*)`,
  'gi',
);

/**
 * API keys whose prefix says what they are (each provider's documented shape, as the secret-scanning rule sets
 * give it): OpenAI's `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` and legacy `sk-…`, Anthropic's `sk-ant-api03-…`
 * (20 characters or more after the prefix, a digit and a capital among them: `sk-2024-release-notes-draft`
 * stays), SendGrid's
 * `SG.<22>.<43>`, Google's `AIza` and 35 more, Hugging Face's `hf_` and 30 letters or digits or more.
 */
const PROVIDER_KEY =
  /(?<![\w.-])(?:sk-(?:ant-[a-z]+\d*-|proj-|svcacct-|admin-)?(?=[\w-]{0,200}\d)(?=[\w-]{0,200}[A-Z])[\w-]{20,}|SG\.[\w-]{22}\.[\w-]{43}|AIza[\w-]{35}|hf_[A-Za-z0-9]{30,})(?![\w-])/g;

/**
 * An AWS secret access key (40 base64 characters) where it is labelled as one without quotes or `=`, as the AWS
 * CLI's files and YAML write it: `aws_secret_access_key: …`, `SecretAccessKey: …` (the key alone is no secret one
 * can tell from other base64: it stays where unlabelled).
 */
const AWS_SECRET_KEY =
  /((?<![\w-])(?:aws_?)?secret_?access_?key[ \t]*:[ \t]*)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi;

/** Words that follow `AUTH` in prose, never a Redis command's argument (`AUTH failed`, `AUTH required`). */
const AUTH_PROSE =
  '(?:failed|failure|fails|error|errors|required|denied|rejected|refused|ok|called|timeout|timed|is|was|with|for|and|or|to|the|a|an|not|disabled|enabled|mechanism|method|command|plain|login)';

/** A Redis command's argument: quoted (closed, or open to the end of its line) or a word (its final dots end a sentence). */
const AUTH_QUOTED = String.raw`(?:'[^'\r\n]*(?:'|$)|"[^"\r\n]*(?:"|$))`;
const AUTH_WORD = String.raw`(?:\.*[^\s;|&)'",<.]+(?:\.+[^\s;|&)'",<.]+)*)`;

/**
 * A Redis `AUTH <password>` or `AUTH <username> <password>` command (Redis's AUTH page), written as a command in
 * capitals with one or two arguments, the last quoted or followed by the end of its line (or a quote, `)`, `,`, `;`,
 * `|`, `&`, a sentence's `. `): the password goes, the user stays. `AUTH failed: …`, Redis's own `ERR AUTH <password> called without …`
 * and `AUTH` with more words after it (prose) stay.
 */
const REDIS_AUTH = new RegExp(
  String.raw`(?<![\w-])(AUTH[ \t]+)(?![<\`]|${AUTH_PROSE}(?:[\s:;,!)]|\.(?:\s|$)|$))(?:(${AUTH_QUOTED}|${AUTH_WORD})[ \t]+)?(${AUTH_QUOTED}|${AUTH_WORD}(?=[ \t]*(?:$|[\r\n;|&)\]])|['",]|\.(?:\s|$)))`,
  'gm',
);

/** `text` with the keys above replaced by `[redacted]`. */
export function redactKeyCredentials(text: string): string {
  return text
    .replace(
      PEM_PRIVATE_KEY,
      (_, begin: string, end: string | undefined) => `${begin}${REDACTED}${end ?? ''}`,
    )
    .replace(
      CONNECTION_PAIR,
      (all: string, after: string | undefined, first: string | undefined, value: string) =>
        value.trim() === '' ? all : `${after ?? first}${REDACTED}${value.slice(value.trimEnd().length)}`,
    )
    .replace(PROVIDER_KEY, REDACTED)
    .replace(AWS_SECRET_KEY, (_, head: string) => `${head}${REDACTED}`)
    .replace(REDIS_AUTH, (_, head: string, user: string | undefined, password: string) => {
      const q = password[0] === "'" || password[0] === '"' ? password[0] : '';
      const shown = `${q}${REDACTED}${q !== '' && password.length > 1 && password.endsWith(q) ? q : ''}`;
      return user === undefined ? `${head}${shown}` : `${head}${user} ${shown}`;
    });
}
