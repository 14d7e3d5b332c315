// Keys and passwords in error texts beside the pairs, headers and command options (outside review 24, RT24-2): an
// ADO.NET/ODBC connection string's password with spaces in it (`Password=My S3cret Pass;`), a PEM private key (the
// scan is credentials-pem.ts'), provider API keys whose prefix says what they are
// (OpenAI, Anthropic, SendGrid, Google, Hugging Face, HashiCorp Vault), a labelled AWS secret access key, a Twilio
// SID:token pair, a quoted value right after a secret's word and SQL's passwords; then Redis's (credentials-redis.ts).
// redactKeyCredentials replaces them by `[redacted]`; redactCredentials (credentials.ts) calls it first.
//
// Linear: each pattern starts at a fixed prefix (a key's name, a provider's prefix), and its
// value is one run told apart by its first character, ending at a character the run cannot hold.

import { PROSE_AFTER_OPTION } from './credentials-cli.js';
import { redactPemKeys } from './credentials-pem.js';
import { redactPhraseCredentials } from './credentials-phrases.js';
import { redactRedisCredentials } from './credentials-redis.js';
import { BARE_SECRET_VALUE, REDACTED } from './credentials-spellings.js';

/**
 * A bind placeholder in a query's text (red3, outside review H): `$1` (PostgreSQL), `?` (MySQL, JDBC), `%s`,
 * `%(name)s` (Python's drivers), and after blanks around the `=` `:name` (Oracle, named) and `@name` (SQL Server):
 * a place for a value, no value, then a blank, `,`, `)`, `;` or the end.
 */
const BIND_PLACEHOLDER = String.raw`(?:\$\d+|\?|%s|%\([A-Za-z_]\w*\)s|(?<=[ \t]=[ \t]*)[:@][A-Za-z_]\w*)(?=[\s,;)]|$)`;

/**
 * A connection string's (ADO.NET, ODBC, Azure Storage/Service Bus) secret value (Microsoft's "Connection string
 * syntax": pairs separated by `;`, a value may hold spaces, a `{…}` (ODBC, `}}` escaping `}`) or quoted value (`""`
 * escaping `"`) may hold `;`): the key `Password`, `Pwd`, `AccountKey` or `SharedAccessKey` (exactly: `PGPASSWORD=`
 * is a shell's pair). After a `;` or opening a quoted string, the value runs to the next `;`, the end of its line or
 * a quote. Elsewhere (the first pair, or a lone `Password=…` with no `;`), an unquoted value runs to the next `;`,
 * the end of its line or a quote, but stops before a blank or `&` followed by another `name=` (libpq's `password=x
 * host=db`, a query's `&user=`), and the `=` takes its value right after it (`the Password= parameter` stays).
 */
const connectionKey = (eq: string) =>
  String.raw`(?<![\w.-])((?:password|pwd|account[ _-]?key|shared[ _-]?access[ _-]?key)${eq})${NO_VALUE}`;
/**
 * No value to take (outside review 28, RT28-7): a `${NAME}` reference (a variable's name, as a pair's stays:
 * `password=${DB_PASSWORD};host=db`, `Pwd=${PW} was not expanded`), or a key quoted with its `=` and nothing after
 * it (`the field 'Password=' must not be empty`, `Invalid "Password=" entry`: the closing quote, then a blank,
 * punctuation or the end). An `=` followed by the end of the line, `;` or a blank takes nothing already. Nor a quote
 * written as an HTML reference (`password=&quot;…&quot;`: its `;` ends no value; credentials-escaped.ts reads it).
 */
const NO_VALUE = String.raw`(?!&(?:quot|apos|#0*3[49]|#x0*2[27]);|\$\{[A-Za-z_]\w*\}(?:[\s;&,'"]|\.*(?:\s|$)|$)|(?<="[ \t]*(?:password|pwd)=)"(?:[\s,;:.)\]}]|$)|(?<='[ \t]*(?:password|pwd)=)'(?:[\s,;:.)\]}]|$))`;
/**
 * A quoted or braced value's closing quote or brace is one followed by a blank, `;`, a quote, `,`, `)`, `}`, `]`,
 * `\` or the end: one followed by anything else (`Password=""a;b"""`, `{}a;b}`: malformed, the driver refuses
 * them and echoes them) is part of the value, so that no part after it shows (outside review 26).
 */
const GOES_ON = String.raw`(?=[^\s;'"\`,)}\]\\])`;
/*
 * A quoted value inside a JSON string is written `\"a;b\"` (`\\\"…` stringified twice), a doubled quote `\"\"`:
 * backslashes, a quote, then the value to the next quote that closes it (outside review 26: `Password=\"a;b\"`
 * showed all but the backslash; `\"My \"\"q\"\" S3cret\"` what followed the first escape).
 * Linear: a value's loop takes one character, escape or backslash run at a time, with no other way to split it.
 */
const BRACED = String.raw`\{(?:\}\}|\}${GOES_ON}|[^}])*\}?`;
const DOUBLE_QUOTED = `"(?:""|"${GOES_ON}|[^"])*"?`;
const SINGLE_QUOTED = `'(?:''|'${GOES_ON}|[^'])*'?`;
const JSON_QUOTED = String.raw`\\+"(?:[^"\\\r\n]|\\+"\\+"|\\+"${GOES_ON}|\\+(?![\\"]))*(?:\\+")?`;
/**
 * The first pair's unquoted value: a password's runs over blanks and `&` where no `name=` follows them (a pass
 * phrase: `Password=My S3cret Pass` to the line's end); an account key's (base64, no blank) ends at a blank
 * (`account_key=… is invalid` keeps its prose).
 */
const FIRST_PHRASE = String.raw`[^;"'\r\n{ \t](?:[^;"'\r\n \t&]|[ \t]+(?![ \t]|[\w.-]+[ \t]*=)|&(?![\w.-]+=))*`;
const FIRST_WORD = String.raw`[^;"'\s{]+`;
/**
 * A bind placeholder right after a glued `=` (`SET password=$1 WHERE id=$2`) where a query's syntax follows it: `,`,
 * `;`, `)`, the end or a keyword (where, and, or, returning, from, limit): a pass phrase may start with `$1` too.
 */
const GLUED_PLACEHOLDER = String.raw`(?:\$\d+|\?|%s|%\([A-Za-z_]\w*\)s)(?=[ \t]*(?:[,;)]|$)|[ \t]+(?:where|and|or|returning|from|limit)(?![\w.-]))`;
/** The first pair's `=` takes its value right after it (a phrase: FIRST_PHRASE); a bind placeholder is none. */
const FIRST_EQUALS = String.raw`=(?![ \t>])${NO_VALUE}(?!${GLUED_PLACEHOLDER})`;
/**
 * An `=` with blanks before it too (`pwd = x`, SQL's `SET password = $1 WHERE …`): its value is one word, to a blank
 * or `,` (red3, outside review H: a phrase there swallowed SQL's next keyword, `password = [redacted] id = $2`), and
 * a bind placeholder is none (BIND_PLACEHOLDER).
 */
const SPACED_EQUALS = String.raw`[ \t]+=[ \t]*(?![ \t>])${NO_VALUE}(?!${BIND_PLACEHOLDER})`;
const SPACED_WORD = String.raw`[^;"'\s{,]+`;
/*
 * The first pair's look for a `;` is gone (outside review 25, F8 cut it to one scan from the `=`): its value ends
 * where a pair's would, read once from the `=`, so a run of blanks is scanned once.
 */
const CONNECTION_PAIR = new RegExp(
  String.raw`(?=pa|pw|ac|sh)(?<=;[ \t]*|["'][ \t]*)${connectionKey(String.raw`[ \t]*=[ \t]*`)}(${BRACED}|${DOUBLE_QUOTED}|${SINGLE_QUOTED}|${JSON_QUOTED}|[^;"'\r\n{][^;"'\r\n]*)|(?<![\w.-])((?:password|pwd)${FIRST_EQUALS})(${BRACED}|${DOUBLE_QUOTED}|${JSON_QUOTED}|${FIRST_PHRASE})|(?<![\w.-])((?:password|pwd)${SPACED_EQUALS})(${BRACED}|${DOUBLE_QUOTED}|${JSON_QUOTED}|${SPACED_WORD})|(?<![\w.-])((?:account[ _-]?key|shared[ _-]?access[ _-]?key)(?:${FIRST_EQUALS}|${SPACED_EQUALS}))(${BRACED}|${DOUBLE_QUOTED}|${JSON_QUOTED}|${FIRST_WORD})`,
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
 * What may follow a legacy Vault token: no word character, `$` or `-`, and a `.` only where it ends a sentence
 * (then a blank, a closing quote or bracket, or the end; outside review 28, RT28-11: `failed with s.….` was kept).
 * `s.….length` goes on as a property access and stays.
 */
const VAULT_END = String.raw`(?![\w$-]|\.(?!\.*(?:[\s'"\`)\]}]|$)))`;
/**
 * Vault's legacy tokens (Vault 1.0 to 1.9, "Token Format Change" in its upgrade notes; the legacy prefixes `s.`,
 * `b.`, `r.` that OpenBao went back to): a service or recovery token, `s.`/`r.` and 24 base62 characters (Vault's
 * TokenLength), and a batch token, `b.` and its encrypted entry in base64url (a 4-byte key term, a 12-byte nonce, a
 * 16-byte tag around the entry: well over 60 characters; Vault's own example is 170).
 */
const VAULT_LEGACY_TOKEN = String.raw`(?:[sr]\.[A-Za-z0-9]{24}|b\.[\w-]{60,})`;
/**
 * A legacy Vault token right after the word `vault` (`Vault-s.…`, `vault: s.…`); elsewhere `s.…` goes only where
 * it looks random (VAULT_LEGACY_BARE) or where labelled (`X-Vault-Token:`, `VAULT_TOKEN=`, `token=`, redacted in
 * credentials-http.ts and credentials.ts).
 */
const VAULT_LEGACY = new RegExp(
  String.raw`(?<![\w.])(vault[ \t:=_-]{0,3})${VAULT_LEGACY_TOKEN}${VAULT_END}`,
  'gi',
);
/**
 * A legacy Vault service or recovery token alone (outside review 26; recovery tokens, `r.`, outside review 28):
 * `s.` or `r.` and exactly 24 base62 characters, not after a word, `.` or `$` and not before one, `$`, `-` or a `.`
 * that does not end a sentence (`this.s.length`, `s.someLongPropertyName`), with a digit, a capital and a small
 * letter among the 24, as a random token has (one without a digit goes only where labelled, as before): a property
 * name of 24 letters stays. Not a stack frame's receiver and method (outside review 28, RT28-8: a minifier's `at
 * s.handleIncoming… (/app/dist/server.js:1:2034)`, also `at async`/`at new`, `[as …]`), nor a camelCase name
 * (looksRandom). A legacy batch token alone: `b.` and 60 or more base64url characters with a digit, a capital and a
 * small letter. Measured on ordinary code and prose (docs/redaction.md): of 7,242 `s.`, 7,226 `r.` and 1,734 `b.`
 * property accesses in 158 MB of node_modules text (minified bundles among them), none is taken.
 */
const VAULT_LEGACY_BARE = new RegExp(
  String.raw`(?<![\w.$])(?!(?<=\bat[ \t]{1,8}(?:(?:async|new)[ \t]{1,8})?)[sr]\.[A-Za-z0-9]{24}[ \t]+[([])(?:[sr]\.(?=[A-Za-z]{0,23}\d)(?=[a-z\d]{0,23}[A-Z])(?=[A-Z\d]{0,23}[a-z])([A-Za-z0-9]{24})|b\.([\w-]{60,}))${VAULT_END}`,
  'g',
);
/** A batch token's base64url: a digit, a capital and a small letter, as encrypted bytes nearly always have. */
const MIXED = /^(?=\D*\d)(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])/;
/**
 * Whether 24 base62 characters look random rather than a camelCase name (outside review 28, RT28-8): the small
 * letters in runs of 3 or more number at most 10. A name's words are such runs (`handleIncomingRequest2Fa` 19,
 * `MyLongPropertyName12345X` 13); in 1,000,000 random 24-character tokens (fixed-seed Park-Miller), 4.09 % fail
 * this test or the digit, capital and small letter one (1.47 % the latter alone): those go only where labelled.
 */
function looksRandom(body: string): boolean {
  let inRuns = 0;
  for (const run of body.match(/[a-z]{3,}/g) ?? []) inRuns += run.length;
  return inRuns <= 10;
}

/**
 * A Twilio account SID and auth token written `AC<32 hex>:<32 hex>` (the pair curl's `-u` and HTTP Basic take,
 * Twilio's API reference): the token goes, the SID stays.
 */
const TWILIO_PAIR = /(?<![\w-])(AC[0-9a-fA-F]{32}):[0-9a-fA-F]{32}(?![\w-])/g;

/**
 * A Telegram bot token, `<bot id>:<token>` (the Bot API's `123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`), in a URL's
 * `/bot<id>:<token>/` (its `:` percent-encoded too), after `bot ` (outside review 46, RT46-10; 48, RT48-2), or alone:
 * the token goes, the bot's public id stays. Alone, only Telegram's 35 characters with digits and both letter cases.
 */
const TELEGRAM_TOKEN = /(?<![\w-])(bot[ \t]?)?(\d{3,16})(:|%3[Aa])([\w-]{30,50})(?![\w-])/g;

/**
 * A quoted value on one line, escapes kept, left open to the line's end: a doubled quote inside is an escape (SQL's
 * `'it''s'`), and three quotes open a value that runs to three (Python's `'''…'''`; outside review 28, RT28-10:
 * `PASSWORD '''S3cret'''` was read as an empty `''` and shown whole). Linear: each loop takes one character or one
 * escape, told apart by its first character and the one after.
 */
const LINE_QUOTED = String.raw`'''(?:[^'\\\r\n]|\\[^\r\n]|'(?!''))*(?:''')?|'(?:[^'\\\r\n]|\\[^\r\n]|'')*'?|"""(?:[^"\\\r\n]|\\[^\r\n]|"(?!""))*(?:""")?|"(?:[^"\\\r\n]|\\[^\r\n]|"")*"?`;

/**
 * A quoted value right after a secret's word and a space or tab: `passphrase "correct horse battery staple"`,
 * `password 'x y'`, PostgreSQL's `CREATE ROLE app WITH LOGIN PASSWORD '…'` (`ENCRYPTED PASSWORD '…'` too), in any
 * letter case. Only when the quote follows the word directly: `wrong password for user "bob"` stays, and so does
 * V8's `Unexpected token '…'` (a character of a JSON or script text). The value runs to its closing quote (escapes
 * kept), or, left open, to the end of its line.
 */
const WORD_QUOTED = new RegExp(
  String.raw`(?<![\w.-])(?<!unexpected[ \t]{1,8})((?:password|passphrase|passwd|secret|token)[ \t]+)(${LINE_QUOTED})`,
  'gi',
);

/**
 * MySQL's `IDENTIFIED BY '…'` (`CREATE USER`, `ALTER USER`, `GRANT`; also `IDENTIFIED WITH <plugin> BY '…'` and the
 * old `BY PASSWORD '…'`) and `SET PASSWORD FOR <user> = '…'` (MySQL's manual): the quoted value goes.
 * (`SET PASSWORD = '…'` and SQL Server's `WITH PASSWORD = '…'` are pairs, redacted in credentials.ts.)
 */
const SQL_QUOTED = new RegExp(
  String.raw`(?<![\w.-])((?:identified[ \t]+(?:with[ \t]+[\w$]+[ \t]+)?by[ \t]+(?:password[ \t]+)?|set[ \t]+password[ \t]+for[ \t]+[^\s=;]+[ \t]*=[ \t]*(?:password\()?))(${LINE_QUOTED})`,
  'gi',
);

/**
 * PostgreSQL's other string constants after `PASSWORD` (after review 42; its CREATE ROLE page: `PASSWORD 'password' |
 * PASSWORD NULL`, and a string constant is also written `E'…'`, `U&'…'` or dollar-quoted, `$$…$$`, `$tag$…$tag$`,
 * per its lexical structure page): the literal goes, its prefix and quotes stay. A dollar-quoted body is read at most
 * 1,000 characters on its line, to its closing tag (`password $$ is` stays); `$1` (a parameter) is no dollar quote.
 */
const SQL_PG_LITERAL = new RegExp(
  String.raw`(?<![\w.-])(password[ \t]+)(?:((?:[Ee]|[Uu]&)(?='))(${LINE_QUOTED})|(\$(?<tag>[A-Za-z_]\w{0,62})?\$)(?:[^$\r\n]|\$(?!\k<tag>\$)){1,1000}\$\k<tag>\$)`,
  'gi',
);
/**
 * Oracle's `CREATE USER <name> IDENTIFIED BY <password>` (its CREATE USER and ALTER USER pages: the password is
 * written unquoted, an identifier's spelling; after review 42): an unquoted value that looks like a credential
 * (BARE_SECRET_VALUE, as SQL_UNQUOTED reads one) goes; `IDENTIFIED BY VALUES`, a placeholder and a word stay, and so
 * does prose outside the statement (`a DOM node identified by nodeId`).
 */
const SQL_IDENTIFIED_UNQUOTED =
  /(?<![\w.-])((?:create|alter)[ \t]+user[ \t]+(?:"[^"\r\n]{0,128}"|[^\s;'"]{1,128})[ \t]+identified[ \t]+by[ \t]+)(?!values[ \t])((?![\s'"=`])(?:[^\s'";,)`]|\.(?![\s.]|$))+)/gi;
/**
 * A placeholder in a password's place (no value): a parameter (`$1`, `?`, `@pw`, `%L`/`%s` of format()), a psql
 * variable (`:pw`, `:'pw'`), a template's `${pw}`.
 */
const SQL_PLACEHOLDER =
  /^(?:\$\d{1,3}|\?|@[A-Za-z_]\w*|%[sIL]|:['"]?[A-Za-z_]\w*['"]?|\$\{[\w.]+\}|\[redacted\])$/;
/** A word of letters and `_` in one case (`new_password`, `NEW_PASSWORD`): an identifier under 20 characters. */
const SQL_IDENTIFIER = /^(?:[a-z_]{1,19}|[A-Z_]{1,19})$/;
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

/** An unquoted SQL value that reads as a password: credential-shaped (BARE_SECRET_VALUE), no placeholder. */
function sqlPassword(value: string): boolean {
  const word = value.replace(/\.+$/, '');
  return BARE_SECRET_VALUE.test(word) && !SQL_PLACEHOLDER.test(word) && !SQL_IDENTIFIER.test(word);
}

/** `text` with the keys above replaced by `[redacted]`. */
export function redactKeyCredentials(text: string): string {
  return redactRedisCredentials(
    redactPhraseCredentials(
      redactPemKeys(text)
        .replace(
          CONNECTION_PAIR,
          (
            all: string,
            afterKey?: string,
            afterValue?: string,
            phraseKey?: string,
            phrase?: string,
            spacedKey?: string,
            spaced?: string,
            wordKey?: string,
            word?: string,
          ) => {
            const firstKey = phraseKey ?? spacedKey ?? wordKey;
            const firstValue = phrase ?? spaced ?? word;
            if (firstValue !== undefined) {
              // The first pair's closed quotes stay, as a pair's do (`password = "[redacted]"`).
              const q = /^\\*"/.exec(firstValue)?.[0];
              const closed = q !== undefined && firstValue.length > q.length && firstValue.endsWith(q);
              return `${firstKey}${closed ? `${q}${REDACTED}${q}` : REDACTED}`;
            }
            const value = afterValue ?? '';
            return value.trim() === '' ? all : `${afterKey}${REDACTED}${value.slice(value.trimEnd().length)}`;
          },
        )
        .replace(PROVIDER_KEY, REDACTED)
        .replace(VAULT_LEGACY, (_, label: string) => `${label}${REDACTED}`)
        .replace(VAULT_LEGACY_BARE, (all: string, body?: string, batch?: string) =>
          (body !== undefined ? looksRandom(body) : MIXED.test(batch ?? '')) ? REDACTED : all,
        )
        .replace(TWILIO_PAIR, (_, sid: string) => `${sid}:${REDACTED}`)
        .replace(
          TELEGRAM_TOKEN,
          (all: string, bot: string | undefined, id: string, colon: string, token: string) =>
            bot !== undefined || (token.length === 35 && MIXED.test(token))
              ? `${bot ?? ''}${id}${colon}${REDACTED}`
              : all,
        )
        .replace(SQL_QUOTED, (_, head: string, value: string) => `${head}${quotedRedacted(value)}`)
        .replace(WORD_QUOTED, (all: string, head: string, value: string) =>
          value.length === 2 && value[1] === value[0] ? all : `${head}${quotedRedacted(value)}`,
        )
        .replace(SQL_PG_LITERAL, (_, head: string, prefix?: string, quoted?: string, tag?: string) =>
          quoted !== undefined
            ? `${head}${prefix}${quotedRedacted(quoted)}`
            : `${head}${tag}${REDACTED}${tag}`,
        )
        // An unquoted word there is no literal PostgreSQL reads (a refused statement): it goes where it looks like a
        // credential (`hunter2hunter2`), a word of letters only (`argument`: an identifier) or a placeholder stays.
        .replace(SQL_UNQUOTED, (all: string, head: string, value: string) =>
          NOT_A_PASSWORD_WORD.test(value) || !sqlPassword(value) ? all : `${head}${REDACTED}`,
        )
        .replace(SQL_IDENTIFIED_UNQUOTED, (all: string, head: string, value: string) =>
          sqlPassword(value) ? `${head}${REDACTED}` : all,
        )
        .replace(AWS_SECRET_KEY, (_, head: string) => `${head}${REDACTED}`),
    ),
  );
}
