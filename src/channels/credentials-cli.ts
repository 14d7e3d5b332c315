// Credentials on a command line in error texts (outside review 20, (a) and (c)): a job or probe that runs a
// command fails with child_process' `Command failed: <the command line>`, and a client echoes its own arguments:
// curl's `-u user:password` (also `--user`, glued `-uuser:password`, the proxy's `-U`/`--proxy-user`), the MySQL
// clients' glued `-pPASSWORD`, the MongoDB tools', sshpass' and `docker login`'s `-p PASSWORD`, redis-cli's `-a
// PASSWORD`, OpenSSL's `-passin pass:PASSWORD`. redactCliCredentials replaces the password by
// `[redacted]`; redactCredentials (credentials.ts) calls it. (`--password=…` and `PGPASSWORD=…` are pairs,
// redacted there; `--password …` there too.)
//
// Linear: each pattern starts only at an option's dash after a space, a quote or the start (never inside a word),
// and its value is one run told apart by its first character; the command-line scan is one pass over the matches.

import { redactedQuoted } from './credentials-http.js';
import { REDACTED } from './credentials-spellings.js';

/**
 * A value as written: quoted (left open: to the end of the line) or up to a space, a quote or what ends a shell
 * command or a sentence (`;`, `|`, `&`, a `.` before a space: unquoted, a password cannot hold the first three, and
 * the scan must see where the command ends).
 */
const ARG = String.raw`(?:'[^'\r\n]*'?|"[^"\r\n]*"?|(?:[^\s'";|&.]|\.(?!\s|$))+)`;

/**
 * curl's `-u user:password` / `-uuser:password` / `--user user:password` / `--user=user:password` and the proxy's
 * `-U` / `--proxy-user`, the value quoted or not: the user stays, the part after its first `:` goes (RFC 7617: a
 * user-id has no `:`). A user alone (`-u root`, `--user=app`: curl or mysql prompts for the password) stays.
 * Bundled with other short flags before it (`-su user:pw`, `-sSfu …`, `-kU …`, outside review 21, F1), the value
 * after a space. A URI after `-u` (`redis-cli -u redis://:pw@host`: `//` after the `:`) is a URL's, redacted there
 * with its host kept (review 21, F5).
 */
const USER_OPTION =
  /((?<![^\s'"=(`])(?:-[uU][ \t]*|-[A-Za-z]+[uU][ \t]+|--(?:proxy-)?user(?:[ \t]+|=)))(?:'([^\s':]*):(?!\/\/)[^'\r\n]+|"([^\s":]*):(?!\/\/)[^"\r\n]+|([^\s:'"]*):(?!\/\/)[^\s'"]+)/g;

/**
 * OpenSSL's pass phrase arguments (openssl-passphrase-options(1)): `-passin pass:…`, `-passout pass:…`, `-pass
 * pass:…`, quoted or not. The other sources (`env:VAR`, `file:path`, `fd:n`, `stdin`) only say where it is and stay.
 */
const OPENSSL_PASS = /((?<![^\s'"])-pass(?:in|out)?[ \t]+)(?:(['"])pass:[^'"\r\n]*|pass:[^\s'"]+)/g;

/**
 * The commands whose short option is a password, and how they take it: the MySQL/MariaDB clients glued only
 * (`-pPASSWORD`: `mysql -p db` prompts, `db` is the database), the MongoDB tools and sshpass glued or after a space
 * (`-p PASSWORD`), `docker login` (podman's, nerdctl's) after a space, redis-cli's (and its forks valkey-cli's and
 * keydb-cli's) `-a PASSWORD`.
 */
const PASSWORD_OPTIONS: ReadonlyArray<readonly [RegExp, { glued?: string; spaced?: string }]> = [
  [/^(?:mysql|mariadb)/, { glued: '-p' }],
  [/^(?:mongo|sshpass)/, { glued: '-p', spaced: '-p' }],
  [/login$/, { spaced: '-p' }],
  [/^(?:redis|valkey|keydb)-cli$/, { spaced: '-a' }],
];
const PASSWORD_COMMAND = String.raw`(?:mysql[\w-]*|mariadb[\w-]*|mongo(?:sh|dump|restore|export|import|stat|top|files)?|sshpass|(?:redis|valkey|keydb)-cli|(?:docker|podman|nerdctl)[ \t]+login)`;

/**
 * One pass over a text's command lines: a command name, a short option glued to its value or a space before it,
 * or what ends a command (a line break, `;`, `|`, `&`, a sentence's `. `). An option is a password only on the line
 * of a command in PASSWORD_OPTIONS that takes it so: `ssh -p2222`, `mkdir -p`, `ls -a`, `docker run -p 80:80`,
 * `redis-cli -p 6379` stay. A spaced value starting with `-` is the next option. A command's name in any letter case
 * (`MYSQL.EXE`, review 21, F2); the option's letter exactly (`-P 3306` is MySQL's port).
 */
const COMMAND_LINE = new RegExp(
  String.raw`(?<![\w.-])(${PASSWORD_COMMAND})(?![\w-])|(?<=[\s'"])(-p)(${ARG})|(?<=\s)(-[pa])([ \t]+)(?!-)(${ARG})|([\r\n;|&]|\.(?=\s))`,
  'gi',
);

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

/** How the command named `command` takes its password, if it has a short option for it. */
function passwordOption(command: string): { glued?: string; spaced?: string } | undefined {
  return PASSWORD_OPTIONS.find(([name]) => name.test(command))?.[1];
}

/** The passwords given as a short option (PASSWORD_OPTIONS) on a command line of theirs, redacted. */
function redactCommandPasswords(text: string): string {
  let command = '';
  return text.replace(
    COMMAND_LINE,
    (
      all,
      name?: string,
      glued?: string,
      gluedValue?: string,
      spaced?: string,
      space?: string,
      value?: string,
    ) => {
      if (name !== undefined) {
        command = name.toLowerCase();
        return all;
      }
      const takes = passwordOption(command);
      if (glued !== undefined && gluedValue !== undefined)
        return takes?.glued === glued ? `${glued}${redactedQuoted(gluedValue, false)}` : all;
      if (spaced !== undefined && value !== undefined)
        return takes?.spaced === spaced ? `${spaced}${space}${redactedQuoted(value, false)}` : all;
      // A line break, a command separator or a sentence's end ends the command.
      command = '';
      return all;
    },
  );
}

/** `text` with the passwords written as command-line options (see the patterns above) replaced by `[redacted]`. */
export function redactCliCredentials(text: string): string {
  return redactCommandPasswords(
    text
      .replace(USER_OPTION, redactUserOption)
      .replace(OPENSSL_PASS, (_, head: string, q = '') => `${head}${q}pass:${REDACTED}`),
  );
}
