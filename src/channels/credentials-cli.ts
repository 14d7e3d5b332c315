// Credentials on a command line in error texts (outside review 20, (a) and (c)): a job or probe that runs a
// command fails with child_process' `Command failed: <the command line>`, and a client echoes its own arguments:
// curl's `-u user:password` (also `--user`, glued `-uuser:password`, the proxy's `-U`/`--proxy-user`), the MySQL
// clients' glued `-pPASSWORD` and redis-cli's `-a PASSWORD`. redactCliCredentials replaces the password by
// `[redacted]`; redactCredentials (credentials.ts) calls it. (`--password=…` and `PGPASSWORD=…` are pairs,
// redacted there; `--password …` there too.)
//
// Linear: each pattern starts only at an option's dash after a space, a quote or the start (never inside a word),
// and its value is one run told apart by its first character; the command-line scan is one pass over the matches.

const REDACTED = '[redacted]';

/** A value as written: quoted (left open: to the end of the line) or up to a space or quote. */
const ARG = String.raw`(?:'[^'\r\n]*'?|"[^"\r\n]*"?|[^\s'"]+)`;

/**
 * curl's `-u user:password` / `-uuser:password` / `--user user:password` / `--user=user:password` and the proxy's
 * `-U` / `--proxy-user`, the value quoted or not: the user stays, the part after its first `:` goes (RFC 7617: a
 * user-id has no `:`). A user alone (`-u root`, `--user=app`: curl or mysql prompts for the password) stays.
 */
const USER_OPTION =
  /((?<![^\s'"=(`])(?:-[uU][ \t]*|--(?:proxy-)?user(?:[ \t]+|=)))(?:'([^\s':]*):[^'\r\n]+|"([^\s":]*):[^"\r\n]+|([^\s:'"]*):[^\s'"]+)/g;

/** A command that takes a glued password: the MySQL/MariaDB clients (`-pPASSWORD`) and redis-cli (`-a PASSWORD`). */
const PASSWORD_COMMAND = String.raw`(?:mysql[\w-]*|mariadb[\w-]*|redis-cli)`;

/**
 * One pass over a text's command lines: a command name, a password option of that command, or what ends a command
 * (a line break, `;`, `|`, `&`, a sentence's `. `). `-p` is a password only glued and only after a MySQL client (`ssh -p2222`, `mkdir
 * -p` stay; `mysql -p db` prompts and `db` is the database); `-a` only after redis-cli (`ls -a` stays).
 */
const COMMAND_LINE = new RegExp(
  String.raw`(?<![\w.-])(${PASSWORD_COMMAND})(?![\w-])|(?<=[\s'"])(-p)(${ARG})|(?<=\s)(-a[ \t]+)(${ARG})|([\r\n;|&]|\.(?=\s))`,
  'g',
);

/** `value` as `[redacted]` in the quotes it was written in. */
function quotedRedacted(value: string): string {
  const q = value[0];
  if (q !== "'" && q !== '"') return REDACTED;
  return `${q}${REDACTED}${value.length >= 2 && value.endsWith(q) ? q : ''}`;
}

/** One USER_OPTION match: the option and the user kept (in their quote), the password redacted. */
function redactUserOption(
  _all: string,
  option: string,
  single: string | undefined,
  double: string | undefined,
  bare: string,
): string {
  if (single !== undefined) return `${option}'${single}:${REDACTED}`;
  if (double !== undefined) return `${option}"${double}:${REDACTED}`;
  return `${option}${bare}:${REDACTED}`;
}

/** The passwords of the MySQL clients' `-p…` and redis-cli's `-a …` on a command line of theirs, redacted. */
function redactCommandPasswords(text: string): string {
  let command = '';
  return text.replace(
    COMMAND_LINE,
    (all, name?: string, p?: string, pValue?: string, a?: string, aValue?: string) => {
      if (name !== undefined) {
        command = name.toLowerCase();
        return all;
      }
      if (p !== undefined && pValue !== undefined && /^(?:mysql|mariadb)/.test(command))
        return `${p}${quotedRedacted(pValue)}`;
      if (a !== undefined && aValue !== undefined && command === 'redis-cli')
        return `${a}${quotedRedacted(aValue)}`;
      // A line break, a command separator or a sentence's end ends the command; another command's option stays.
      if (p === undefined && a === undefined) command = '';
      return all;
    },
  );
}

/** `text` with the passwords written as command-line options (see the patterns above) replaced by `[redacted]`. */
export function redactCliCredentials(text: string): string {
  return redactCommandPasswords(text.replace(USER_OPTION, redactUserOption));
}
