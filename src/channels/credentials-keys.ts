// Keys and passwords in error texts beside the pairs, headers and command options (outside review 24, RT24-2): an
// ADO.NET/ODBC connection string's password with spaces in it (`Password=My S3cret Pass;`), a PEM private key (also
// inside a GCP service-account JSON, its line breaks written `\n`), provider API keys whose prefix says what they are
// (OpenAI, Anthropic, SendGrid, Google, Hugging Face, HashiCorp Vault), a labelled AWS secret access key, a Redis
// `AUTH` command, a Twilio SID:token pair, a quoted value right after a secret's word and SQL's passwords.
// redactKeyCredentials replaces them by `[redacted]`; redactCredentials (credentials.ts) calls it first.
//
// Linear: each pattern starts at a fixed prefix (a key's name, `-----BEGIN`, a provider's prefix, `AUTH`), and its
// value is one run told apart by its first character, ending at a character the run cannot hold.

import { PROSE_AFTER_OPTION } from './credentials-cli.js';
import { REDACTED } from './credentials-spellings.js';

/** A PEM private key's BEGIN line (RFC 7468: `PRIVATE KEY`, also `RSA`, `EC`, `OPENSSH`, `ENCRYPTED`, OpenPGP's `PGP PRIVATE KEY BLOCK`). */
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;
/** Its END line, right where the body stops (any label). */
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/y;
/**
 * What separates two body lines: white space, a line break's escape (`\n`, `\r\n`, `\\n` in JSON inside JSON or
 * inside util.inspect) and util.inspect's join of a long string's pieces (`' +` a line break and an indent `'`, its
 * quote escaped too where that text sits in a JSON string).
 */
const PEM_SEP = /(?:[ \t\r\n]|\\+[nrt]|\\*['"`][ \t]*\+(?:[ \t\r\n]|\\+[nrt])*\\*['"`])+/y;
/** A separator holding a line break (real, escaped or an inspect join), not only spaces. */
const PEM_LINE_BREAK = /[\r\n+]|\\[nr]/;
/** A body line: base64 (a `/` escaped `\/` as some JSON encoders write it). */
const PEM_BASE64 = /(?:[A-Za-z0-9+/=]|\\+\/)+/y;
/** An encrypted key's or an OpenPGP block's header line (RFC 1421 `Proc-Type:`, `DEK-Info:`; RFC 4880 armor headers). */
const PEM_HEADER =
  /(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset|MessageID):(?:[^\r\n'"\\-]|-(?!----))*/y;
/** What may follow a line the text was cut in: its end, a closing quote, an ellipsis (`…`, `...`). */
const PEM_TEXT_END = /^['"`]?(?:\u2026|\.\.\.)?['"`]?$/;
/** A body line this long or longer is base64 even with no END line after it (a PEM line is 64, OpenSSH's 70). */
const PEM_LONG_LINE = 16;

/** Where `re` (sticky) matches at `at` ends, or `at` when it does not. */
function stickyEnd(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.test(text) ? re.lastIndex : at;
}

/**
 * PEM private keys' bodies replaced by `[redacted]`, the BEGIN and END lines kept. The body is a run of base64 lines
 * (an encrypted key's `Proc-Type:`/`DEK-Info:` headers among them) joined by any line-break spelling: real, `\r\n`,
 * JSON's `\n` escapes (also doubled, JSON in JSON or in util.inspect) and util.inspect's `'…\n' +` pieces. Up to the
 * END line where one follows the run; where none does (a text cut before it), only the run's long base64 lines
 * (and a short last one after them, ending its line or the text, an ellipsis after it): a BEGIN line quoted in prose
 * (`must start with -----BEGIN PRIVATE KEY----- or …`) keeps the prose after it.
 *
 * Linear: a body run holds no `-----`, so the runs after two BEGIN lines never overlap, and the search goes on
 * after each run.
 */
function redactPemKeys(text: string): string {
  if (!text.includes('-----BEGIN ')) return text;
  let out = '';
  let copied = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    let at = stickyEnd(PEM_SEP, text, bodyStart);
    let lastLine = -1;
    let cutAt = bodyStart;
    let cutting = true;
    for (;;) {
      let lineEnd = stickyEnd(PEM_HEADER, text, at);
      const header = lineEnd > at;
      if (!header) lineEnd = stickyEnd(PEM_BASE64, text, at);
      if (lineEnd === at) break;
      const next = stickyEnd(PEM_SEP, text, lineEnd);
      if (cutting) {
        if (header || lineEnd - at >= PEM_LONG_LINE) cutAt = lineEnd;
        else {
          cutting = false;
          // A key's short last line: after its long lines, ending its line or the text; or the text cut in a
          // line's start (right after the BEGIN line or a line break). Not a word of prose after the BEGIN line.
          const ends = text.length - next <= 5 && PEM_TEXT_END.test(text.slice(next));
          const last =
            lastLine >= 0
              ? ends || PEM_LINE_BREAK.test(text.slice(lineEnd, next))
              : ends && (at === bodyStart || PEM_LINE_BREAK.test(text.slice(bodyStart, at)));
          if (last) cutAt = lineEnd;
        }
      }
      lastLine = lineEnd;
      at = next;
      if (next === lineEnd) break;
    }
    if (lastLine < 0) continue;
    const endLine = stickyEnd(PEM_END, text, at);
    if (endLine > at) {
      out += `${text.slice(copied, m.index)}${m[0]}${REDACTED}${text.slice(at, endLine)}`;
      copied = endLine;
      PEM_BEGIN.lastIndex = endLine;
    } else {
      if (cutAt > bodyStart) {
        out += `${text.slice(copied, m.index)}${m[0]}${REDACTED}`;
        copied = cutAt;
      }
      PEM_BEGIN.lastIndex = lastLine;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A connection string's (ADO.NET, ODBC, Azure Storage/Service Bus) secret value (Microsoft's "Connection string
 * syntax": pairs separated by `;`, a value may hold spaces, a `{…}` (ODBC, `}}` escaping `}`) or quoted value may
 * hold `;`): the key `Password`, `Pwd`, `AccountKey` or `SharedAccessKey` (exactly: `PGPASSWORD=` is a shell's pair), after a
 * `;` or opening a quoted string, or followed by a `;` before any `=` (the first pair); the value runs to the next `;`,
 * the end of its line or a quote. A name preceded by neither stays a pair of credentials.ts (`password=x host=db`).
 */
const connectionKey = (afterEquals: string) =>
  String.raw`(?<![\w.-])((?:password|pwd|account[ _-]?key|shared[ _-]?access[ _-]?key)[ \t]*=${afterEquals}[ \t]*)`;
/*
 * A quoted value inside a JSON string is written `\"a;b\"` (`\\\"…` stringified twice): backslashes, a quote, then
 * the value to the next quote, which ends it (outside review 26: `Password=\"a;b\"` showed all but the backslash).
 * The first pair's look for a `;` comes right after the `=`, before the blanks (outside review 25, F8): after them,
 * a run of blanks with no `;` (fixed-width output) was given back one blank at a time, each rescanning the run, which
 * made `Pwd=` and 100 KB of spaces cost 9.7 s. Read once from the `=`, the run is scanned once.
 */
const CONNECTION_PAIR = new RegExp(
  String.raw`(?:(?=pa|pw|ac|sh)(?<=;[ \t]*|["'][ \t]*)${connectionKey('')}|${connectionKey(String.raw`(?=[^;\r\n"'=]*;)`)})(\{(?:\}\}|[^}])*\}?|"(?:""|[^"])*"?|'(?:''|[^'])*'?|\\+"[^"\r\n]*"?|[^;"'\r\n{][^;"'\r\n]*)`,
  'gi',
);

/**
 * API keys whose prefix says what they are (each provider's documented shape, as the secret-scanning rule sets
 * give it): OpenAI's `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` and legacy `sk-…`, Anthropic's `sk-ant-api03-…`
 * (20 characters or more after the prefix, a digit and a capital among them: `sk-2024-release-notes-draft`
 * stays), SendGrid's
 * `SG.<22>.<43>`, Google's `AIza` and 35 more, Hugging Face's `hf_` and 30 letters or digits or more, HashiCorp
 * Vault's service, batch and recovery tokens (`hvs.…`, `hvb.…`, `hvr.…`, Vault's "Tokens" page; 20 or more after the
 * prefix: the legacy `s.…` has no prefix one can tell from a word's and is redacted where labelled, `X-Vault-Token:`,
 * `VAULT_TOKEN=`, `token=`).
 */
const PROVIDER_KEY =
  /(?<![\w.-])(?:sk-(?:ant-[a-z]+\d*-|proj-|svcacct-|admin-)?(?=[\w-]{0,200}\d)(?=[\w-]{0,200}[A-Z])[\w-]{20,}|SG\.[\w-]{22}\.[\w-]{43}|AIza[\w-]{35}|hf_[A-Za-z0-9]{30,}|hv[sbr]\.[\w-]{20,})(?![\w-])/g;

/**
 * An AWS secret access key (40 base64 characters) where it is labelled as one without quotes or `=`, as the AWS
 * CLI's files and YAML write it: `aws_secret_access_key: …`, `SecretAccessKey: …` (the key alone is no secret one
 * can tell from other base64: it stays where unlabelled).
 */
const AWS_SECRET_KEY =
  /((?<![\w-])(?:aws_?)?secret_?access_?key[ \t]*:[ \t]*)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi;

/**
 * Words that follow `AUTH` in prose, never a Redis command's argument (`AUTH failed`, `AUTH required`), in lower case
 * or capitals (`(AUTH REQUIRED)`, outside review 25: a status in capitals is prose, a password of one of these words
 * would be no secret).
 */
const AUTH_PROSE_WORDS =
  'failed|failure|fails|error|errors|required|denied|rejected|refused|ok|called|timeout|timed|is|was|with|for|and|or|to|the|a|an|not|disabled|enabled|mechanism|method|command|plain|login|skipped|skipping|skip|needed|missing|pending|succeeded|success|successful';
const AUTH_PROSE = `(?:${AUTH_PROSE_WORDS}|${AUTH_PROSE_WORDS.toUpperCase()})`;

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

/**
 * A legacy Vault service token (`s.` and 24 letters or digits, before Vault 1.10) right after the word `vault`
 * (`Vault-s.…`, `vault: s.…`); elsewhere `s.…` is no token one can tell from a word's and goes only where labelled
 * (`X-Vault-Token:`, `VAULT_TOKEN=`, `token=`, redacted in credentials-http.ts and credentials.ts).
 */
const VAULT_LEGACY = /(?<![\w.])(vault[ \t:=_-]{0,3})s\.[A-Za-z0-9]{24}(?![\w.-])/gi;

/**
 * A Twilio account SID and auth token written `AC<32 hex>:<32 hex>` (the pair curl's `-u` and HTTP Basic take,
 * Twilio's API reference): the token goes, the SID stays.
 */
const TWILIO_PAIR = /(?<![\w-])(AC[0-9a-fA-F]{32}):[0-9a-fA-F]{32}(?![\w-])/g;

/**
 * A quoted value right after a secret's word and a space or tab: `passphrase "correct horse battery staple"`,
 * `password 'x y'`, PostgreSQL's `CREATE ROLE app WITH LOGIN PASSWORD '…'` (`ENCRYPTED PASSWORD '…'` too), in any
 * letter case. Only when the quote follows the word directly: `wrong password for user "bob"` stays, and so does
 * V8's `Unexpected token '…'` (a character of a JSON or script text). The value runs to its closing quote (escapes
 * kept), or, left open, to the end of its line.
 */
const WORD_QUOTED =
  /(?<![\w.-])(?<!unexpected[ \t]{1,8})((?:password|passphrase|passwd|secret|token)[ \t]+)("(?:[^"\\\r\n]|\\[^\r\n])*"?|'(?:[^'\\\r\n]|\\[^\r\n])*'?)/gi;

/**
 * MySQL's `IDENTIFIED BY '…'` (`CREATE USER`, `ALTER USER`, `GRANT`; also `IDENTIFIED WITH <plugin> BY '…'` and the
 * old `BY PASSWORD '…'`) and `SET PASSWORD FOR <user> = '…'` (MySQL's manual): the quoted value goes.
 * (`SET PASSWORD = '…'` and SQL Server's `WITH PASSWORD = '…'` are pairs, redacted in credentials.ts.)
 */
const SQL_QUOTED =
  /(?<![\w.-])((?:identified[ \t]+(?:with[ \t]+[\w$]+[ \t]+)?by[ \t]+(?:password[ \t]+)?|set[ \t]+password[ \t]+for[ \t]+[^\s=;]+[ \t]*=[ \t]*(?:password\()?))("(?:[^"\\\r\n]|\\[^\r\n])*"?|'(?:[^'\\\r\n]|\\[^\r\n])*'?)/gi;

/** Words after `PASSWORD` that are no password (SQL's `PASSWORD NULL`, prose). */
const NOT_A_PASSWORD = `(?:${PROSE_AFTER_OPTION}|null|auth|authentication|policy|expire|expired|reset|change|changed|prompt)`;
const NOT_A_PASSWORD_WORD = new RegExp(`^${NOT_A_PASSWORD}$`, 'i');
/** An unquoted value: up to a space, a quote, `;`, `,`, `)` or a sentence's final dots. */
const SQL_WORD = String.raw`(?![\s'"=])(?:[^\s'";,)]|\.(?![\s.]|$))+`;
/**
 * An unquoted password after `WITH … PASSWORD`: in a statement that creates or alters a role, user or login
 * (`CREATE ROLE app WITH LOGIN PASSWORD hunter2`, any case; up to 8 options between `WITH` and `PASSWORD`), or
 * anywhere `PASSWORD` is written in capitals right after `with` (`auth failed for user "app" with PASSWORD …`, as a
 * client echoes SQL's keyword). Prose stays: `failed with password authentication`, `with PASSWORD NULL`.
 */
const SQL_UNQUOTED = new RegExp(
  String.raw`(?<![\w.-])((?:(?:[Cc][Rr][Ee][Aa][Tt][Ee]|[Aa][Ll][Tt][Ee][Rr])[ \t]+(?:[Rr][Oo][Ll][Ee]|[Uu][Ss][Ee][Rr]|[Ll][Oo][Gg][Ii][Nn])[ \t]+(?:"[^"\r\n]*"|[^\s;'"]+)[ \t]+[Ww][Ii][Tt][Hh][ \t]+(?:[A-Za-z_]+[ \t]+){0,8}?(?=[Pp])[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Ww][Ii][Tt][Hh][ \t]+PASSWORD)[ \t]+)(${SQL_WORD})`,
  'g',
);

/** A quoted value redacted in its quotes (an open one keeps its opening quote only). */
function quotedRedacted(value: string): string {
  const q = value[0] as string;
  return `${q}${REDACTED}${value.length > 1 && value.endsWith(q) && !value.endsWith(`\\${q}`) ? q : ''}`;
}

/** `text` with the keys above replaced by `[redacted]`. */
export function redactKeyCredentials(text: string): string {
  return redactPemKeys(text)
    .replace(
      CONNECTION_PAIR,
      (all: string, after: string | undefined, first: string | undefined, value: string) =>
        value.trim() === '' ? all : `${after ?? first}${REDACTED}${value.slice(value.trimEnd().length)}`,
    )
    .replace(PROVIDER_KEY, REDACTED)
    .replace(VAULT_LEGACY, (_, label: string) => `${label}${REDACTED}`)
    .replace(TWILIO_PAIR, (_, sid: string) => `${sid}:${REDACTED}`)
    .replace(SQL_QUOTED, (_, head: string, value: string) => `${head}${quotedRedacted(value)}`)
    .replace(WORD_QUOTED, (all: string, head: string, value: string) =>
      value.length === 2 && value[1] === value[0] ? all : `${head}${quotedRedacted(value)}`,
    )
    .replace(SQL_UNQUOTED, (all: string, head: string, value: string) =>
      NOT_A_PASSWORD_WORD.test(value) ? all : `${head}${REDACTED}`,
    )
    .replace(AWS_SECRET_KEY, (_, head: string) => `${head}${REDACTED}`)
    .replace(REDIS_AUTH, (_, head: string, user: string | undefined, password: string) => {
      const q = password[0] === "'" || password[0] === '"' ? password[0] : '';
      const shown = `${q}${REDACTED}${q !== '' && password.length > 1 && password.endsWith(q) ? q : ''}`;
      return user === undefined ? `${head}${shown}` : `${head}${user} ${shown}`;
    });
}
