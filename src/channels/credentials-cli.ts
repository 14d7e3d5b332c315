// Credentials on a command line in error texts (outside review 20, (a) and (c)): a job or probe that runs a
// command fails with child_process' `Command failed: <the command line>`, and a client echoes its own arguments:
// curl's `-u user:password` (also `--user`, glued `-uuser:password`, the proxy's `-U`/`--proxy-user`) and its
// `-b`/`--cookie` data, the MySQL clients' glued `-pPASSWORD`, the MongoDB tools', sshpass' and `docker login`'s `-p
// PASSWORD`, redis-cli's `-a PASSWORD`, sqlcmd's `-P`, the OpenLDAP clients' `-w`, zip's `-P`, the Samba clients'
// `-U user%PASSWORD` (Samba's `net` too), lftp's `-u user,PASSWORD`, OpenSSL's `-passin pass:PASSWORD` and `-k`,
// 7-Zip's and RAR's glued `-pPASSWORD` (RAR's `-hp` too), osql's `-P`, Windows `net use \\host\share PASSWORD` and
// `net user name PASSWORD`; also where the value is its own element of an argument list
// (`[ 'sshpass', '-p', 'PASSWORD' ]`, `["-P","PASSWORD"]`). redactCliCredentials replaces the password by
// `[redacted]`; redactCredentials (credentials.ts) calls it.
// (`--password=…` and `PGPASSWORD=…` are pairs, redacted there; `--password …` there too.)
//
// Linear: each pattern starts only at an option's dash after a space, a quote or the start (never inside a word),
// and its value is one run told apart by its first character; the command-line scan is one pass over the text,
// looking for options only on the line of a command it knows.

import { redactedQuoted } from './credentials-http.js';
import { AUTH_PROSE_LAST } from './credentials-redis.js';
import { REDACTED } from './credentials-spellings.js';

/**
 * A value as written: quoted (left open: to the end of the line) or up to a space, a quote or what ends a shell
 * command or a sentence (`;`, `|`, `&`, a `.` before a space: unquoted, a password cannot hold the first three, and
 * the scan must see where the command ends). A quoted string and what is written right after it are one word to a
 * shell (outside review 28, RT28-10: `'''S3cret'''` is `''`, `'S3cret'` and `''`, which showed all but the first;
 * `'a'b'c'`): more quoted strings and characters that end no argument list (`,`, `]`, `)`) or command. Linear: each
 * step is told apart by its first character, and nothing after a value can fail.
 */
const RUN = String.raw`(?:[^\s'";|&.]|\.(?!\s|$))+`;
const QUOTED_WORD = String.raw`(?:'[^'\r\n]*'|"[^"\r\n]*")+(?:[^\s'";|&.,\])]|\.(?!\s|$)|'[^'\r\n]*'?|"[^"\r\n]*"?)*`;
/**
 * An unquoted value's run with a shell's backslash escapes in it (outside review 30, RT30-4: `\'S3cret` is one word,
 * a quote and `S3cret`; a JSON string's `\"S3cret\"`): a backslash takes the character after it, but a blank.
 */
const ESCAPED_RUN = String.raw`(?:\\[^\s]|[^\s'";|&.\\]|\.(?!\s|$))+`;
/**
 * Quoted strings after an unquoted run, in the same word (`S3cret'Hunter2x'`): taken only where the word then ends as
 * a shell word does, so that a JSON text's `…","x":"y"}` after a value stays. Quoted strings (no blank or `,`: an
 * argument list's separator) and runs alternate, each told apart by its first character; at most 8 of each, 200
 * characters each, so that the lookahead reads a bounded text.
 */
const RUN_TAIL = String.raw`(?:(?:'[^'\s,]{0,200}'|"[^"\s,]{0,200}")(?:\\[^\s]|[^\s'";|&.\\]|\.(?!\s|$)){0,200}){1,8}`;
/** A command's argument: quoted, open to its line's end, or an unquoted run (its quoted tail in the same word). */
export const ARG = String.raw`(?:${QUOTED_WORD}|'[^'\r\n]*|"[^"\r\n]*|${ESCAPED_RUN}(?:(?=${RUN_TAIL}(?:[\s;|&)]|$))${RUN_TAIL})?)`;

/** Words that follow an option's name in prose, never its value. */
export const PROSE_AFTER_OPTION =
  '(?:via|is|are|was|were|and|or|to|for|from|the|a|an|option|options|flag|argument|parameter|with|without|on|in|not|must|instead|only|when|if|of|as|can|cannot|may|should|requires|required|expired|missing)';

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
 * pass:…`, quoted or not, also `-passin=…` and `--passin …` (its option parser takes both), and as the next element
 * of an argument list (`'-passin', 'pass:…'`, `"-passin","pass:…"`). The other sources (`env:VAR`, `file:path`,
 * `fd:n`, `stdin`) only say where it is and stay.
 */
const OPENSSL_PASS =
  /((?<![^\s'"])--?pass(?:in|out)?(?:[ \t]+|=|['"][ \t]*,\s*))(?:(['"])pass:[^'"\r\n]*|pass:[^\s'"]+)/g;

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

/** Which part of an option's value is the secret: all of it, what follows a user's separator, or cookie data. */
type Part = 'all' | 'not-dash' | ':' | '%' | ',' | 'cookie';
/** How a tool takes a secret option's value: glued to the letter (`-pX`), after a space (`-p X`), or both. */
interface SecretOption {
  readonly glued: boolean;
  readonly spaced: boolean;
  readonly part: Part;
}
interface Tool {
  /** The command's name (lower case) as the scan found it. */
  readonly name: RegExp;
  /**
   * Short options (the letter exactly: `-P 3306` is MySQL's port) whose value is a secret; a two-letter key (RAR's
   * `hp`) is read before its first letter's.
   */
  readonly short: Readonly<Record<string, SecretOption>>;
  /** Long options (`--cookie`) whose value is a secret, after a space or `=`. */
  readonly long?: Readonly<Record<string, Part>>;
  /** The short flags that take no value, which a bundle may hold before a secret option (`-sSfu…`). */
  readonly flags?: string;
  /** Runs the Redis command written after its options (redis-cli's `[options] [cmd [arg …]]`): `AUTH` is one. */
  readonly redis?: true;
}
const GLUED: SecretOption = { glued: true, spaced: false, part: 'all' };
/** RAR's `-p`/`-hp`: glued only, and `-p-` (rar(1): "do not query password") is none. */
const GLUED_NOT_DASH: SecretOption = { glued: true, spaced: false, part: 'not-dash' };
const SPACED: SecretOption = { glued: false, spaced: true, part: 'all' };
const BOTH: SecretOption = { glued: true, spaced: true, part: 'all' };
const after = (part: Part): SecretOption => ({ glued: true, spaced: true, part });

/**
 * The commands whose options carry a password, as their manuals give them: the MySQL/MariaDB clients' `-p` glued
 * only (`mysql -p db` prompts, `db` is the database); the MongoDB tools', sshpass' and `docker login`'s (podman's,
 * nerdctl's: pflag) `-p` glued or spaced; redis-cli's (valkey-cli's, keydb-cli's) `-a` spaced, also in its own
 * `Unrecognized option … for: '-a=…'`; sqlcmd's and bcp's `-P`; the OpenLDAP clients' `-w` (`-W` prompts),
 * ldappasswd's `-a` old and `-s` new password too; zip's and unzip's `-P`; the Samba clients' `-U`/`--user`
 * `user%password` (the user stays); lftp's `-u user,password`; OpenSSL's `-k` pass phrase and `-K` raw key (its
 * parser takes `-k=…` too, `-kfile` names a file); curl's `-u`/`-U` `user:password` glued after bundled flags
 * (`-sSfuadmin:…`) and its `-b`/`--cookie` data (curl(1): a value with `=` is cookie data, one without names a
 * cookie file, which stays); 7-Zip's `-p{password}` glued (7-Zip's switch help: no space in a switch, names in any
 * case, `-p` alone prompts), RAR's (unrar's, WinRAR's) `-p[pwd]` and `-hp[pwd]` glued (rar's manual; `-p-` does not
 * ask), osql's `-P password` (also `-Ppassword`, Microsoft's osql page), Samba's `net` `-U`/`--user
 * [DOMAIN/]USER%PASSWORD` (net(8)). Any option written `-X=value` has its `=` kept. Windows `net use`/`net user`
 * take theirs as a positional argument (NET_ARGUMENTS).
 */
const TOOLS: readonly Tool[] = [
  { name: /^(?:mysql|mariadb)/, short: { p: GLUED } },
  { name: /^(?:mongo|sshpass)|login$/, short: { p: BOTH } },
  { name: /^(?:redis|valkey|keydb)-cli$/, short: { a: SPACED }, redis: true },
  { name: /^unrecognized/, short: { a: SPACED } },
  { name: /^(?:sqlcmd|bcp|osql)$/, short: { P: BOTH } },
  { name: /^7z/, short: { p: GLUED, P: GLUED } },
  { name: /^(?:un|win)?rar$/, short: { p: GLUED_NOT_DASH, hp: GLUED_NOT_DASH } },
  { name: /^net$/, short: { U: after('%') }, long: { '--user': '%' } },
  { name: /^ldappasswd$/, short: { w: BOTH, a: BOTH, s: BOTH }, flags: 'AcCInNSvVWxZ' },
  { name: /^ldap/, short: { w: BOTH }, flags: 'AcCILMnNQtuvVWxZ' },
  { name: /^(?:un)?zip$/, short: { P: BOTH }, flags: '0123456789aABcCDefFgjJkKlLmMNoqrRSTuUvVwWXyYz' },
  { name: /^(?:smb|rpc)/, short: { U: after('%') }, long: { '--user': '%' } },
  { name: /^lftp$/, short: { u: after(',') } },
  { name: /^openssl$/, short: { k: SPACED, K: SPACED } },
  {
    name: /^curl$/,
    short: { u: after(':'), U: after(':'), b: after('cookie') },
    long: { '--cookie': 'cookie', '--user': ':', '--proxy-user': ':' },
    flags: '0123456aqfGgIikjlLMnNZ#pJORSsBvV',
  },
];
/**
 * Between two elements of an argument list: `', '` (util.inspect, also one to a line), `","` (JSON), `', ['`
 * (`spawn('docker', ['login', …])`), `',\n  spawnargs: [ '` (an inspected child_process error: `path: 'docker'`).
 */
const LIST_SEPARATOR = String.raw`['"][ \t]*,\s*(?:spawnargs: )?(?:\[\s*)?['"]`;
const COMMAND = String.raw`(?:mysql[\w-]*|mariadb[\w-]*|mongo(?:sh|dump|restore|export|import|stat|top|files)?|sshpass|(?:redis|valkey|keydb)-cli|(?:docker|podman|nerdctl)(?:[ \t]+|${LIST_SEPARATOR})login|Unrecognized option or bad number of args for:|sqlcmd|bcp|osql|7z[arz]?|(?:un|win)?rar|net|ldap(?:search|modify|add|delete|whoami|passwd|compare|modrdn|exop)|(?:un)?zip|smbclient|smbcacls|smbcquotas|smbget|smbtree|rpcclient|lftp|openssl|curl)`;
const NAME = String.raw`(?<![\w.-])(${COMMAND})(?![\w-])`;

/** Where the scan stands outside a command: a command's name only. */
const COMMAND_NAME = new RegExp(NAME, 'gi');
/** A quoted element of an inspected or JSON argument list (a JSON string's escapes kept). */
const ELEMENT = String.raw`(?:'[^'\r\n]*'|"(?:[^"\\\r\n]|\\.)*")`;
/**
 * A line break inside an inspected argument list: the next line holds only quoted elements (util.inspect prints an
 * array of more than 6 strings one or a few to a line), or opens an inspected child_process error's `spawnargs: [`
 * (its command is the `path: '…'` line before). The lookahead reads that one line once.
 */
const LIST_LINE = String.raw`(?![ \t]*(?:spawnargs: \[|(?:${ELEMENT}[ \t]*,[ \t]*)*${ELEMENT}[ \t]*,?[ \t]*(?:[\r\n]|$)))`;
/**
 * On a command's line: another command's name, a long option (`--cookie`, `--user=…`), a short option with what is
 * glued to it (flags, a value; quoted or not after a space, `-p'…'`; unquoted only after a quote, which closes it
 * there: `[ 'mysql', '-p…', 'db' ]`, `["-p…","db"]`), or what ends the command (a line break, but for one within an
 * inspected argument list, `;`, `|`, `&`, a sentence's `. `, the `]` closing an argument list after its last quote),
 * or the word `AUTH` (any case: a Redis command after redis-cli's options).
 */
const ON_COMMAND = new RegExp(
  String.raw`${NAME}|(?<=[\s'"])(--[A-Za-z][\w-]*)(?:=(${ARG})?)?|(?<=\s)-([A-Za-z0-9#]+)(${ARG})?|(?<=['"])-([A-Za-z0-9#]+)(${RUN})?|((?<!\\)(?:\r?\n|\r)${LIST_LINE}|[;|&]|\.(?=\s)|\](?<=['"][ \t]*\]))|(?<=[\s'"])(auth)(?=[ \t]|['"][ \t]*,)`,
  'gi',
);
/** A value after a space (one starting with `-` is the next option), matched where an option ends. */
const SPACED_VALUE = new RegExp(String.raw`[ \t]+(?:\\\r?\n[ \t]*)?(?!-)(?!\\(?:\r?\n|$))(${ARG})`, 'y');
/**
 * The next element of an argument list, matched where a quoted option ends (before its closing quote): `', '…'`
 * (util.inspect, also across a line break), `","…"` (JSON). Its text, inside its quotes, is the value; one starting
 * with `-` is the next option.
 */
const ELEMENT_VALUE = /['"][ \t]*,\s*(?:'(?!-)([^'\r\n]*)'|"(?!-)((?:[^"\\\r\n]|\\.)*)")/y;
/**
 * Windows `net use [device | *] \\computer\share[\volume] [password | *] [/USER:[domain\]user] …` and `net user
 * name [password | *] [options]` (Microsoft's net use / net user pages): the positional password after the share or
 * the user's name, also after switches (`/user:…`, `/persistent:no`; net user's `/add`, `/domain` before the name
 * too) written before it. The name as `net.exe` too, with its path (`C:\Windows\System32\net.exe`: the name's
 * lookbehind takes `\`). `*` prompts and stays, as
 * does a word of prose (`net user ops is disabled`); each word ends where a command or a sentence does (`net user
 * ops /delete. password …` stays). Matched right after the name `net` (sticky): the share as written or JSON-escaped
 * (`\\\\host\\share`).
 */
const NET_ARGUMENTS = new RegExp(
  String.raw`(?:\.exe)?[ \t]+(?:use[ \t]+(?:(?:[A-Za-z]:|LPT\d:|\*)[ \t]+)?(?:"\\\\[^"\r\n]*"|\\\\${RUN})|user[ \t]+(?:\/(?:${RUN})?[ \t]+)*(?:"[^"\r\n/]+"|(?![/*-])${RUN}))(?:[ \t]+\/(?:${RUN})?)*[ \t]+(?![/*])(${ARG})`,
  'iy',
);
const PROSE_WORD = new RegExp(`^${PROSE_AFTER_OPTION}$`, 'i');

/** `value` (quoted or not) with its secret `part` redacted, or undefined when it holds none. */
function redactedPart(value: string, part: Part): string | undefined {
  const q = value[0] === "'" || value[0] === '"' ? value[0] : '';
  const closed = q !== '' && value.length >= 2 && value.endsWith(q);
  const inner = value.slice(q.length, closed ? -1 : undefined);
  if (part === 'all') return inner === '' ? undefined : redactedQuoted(value, false);
  if (part === 'not-dash') return inner === '' || inner === '-' ? undefined : redactedQuoted(value, false);
  if (part === 'cookie') return inner.includes('=') ? redactedQuoted(value, false) : undefined;
  // A user alone (the tool prompts) or with an empty password stays; a URL after `:` is a URL's (redacted there).
  const at = inner.indexOf(part);
  if (at < 0 || at === inner.length - 1 || (part === ':' && inner.startsWith('//', at + 1))) return undefined;
  return `${q}${inner.slice(0, at + 1)}${REDACTED}${closed ? q : ''}`;
}

/** One option on `tool`'s line: where its secret value is and what it is shown as, if it has one. */
type Redaction = { start: number; end: number; shown: string };

/**
 * The secret of the short option `-letters…` (a bundle's flags first), `glued` the rest of its word after the
 * letters, `end` where the word ends; a spaced value is looked for there, or the next element of an argument list
 * when the option is a quoted `element`.
 */
function shortOption(
  tool: Tool,
  text: string,
  at: number,
  letters: string,
  glued: string,
  end: number,
  element: boolean,
) {
  let i = 0;
  while (i < letters.length - 1 && tool.flags?.includes(letters[i] as string)) i++;
  // One or two letters: no key of Object.prototype.
  const two = letters.slice(i, i + 2);
  const long = two.length === 2 && Object.hasOwn(tool.short, two);
  const option = tool.short[long ? two : (letters[i] as string)];
  if (option === undefined) return undefined;
  const length = long ? 2 : 1;
  const rest = `${letters.slice(i + length)}${glued}`;
  const start = at + 1 + i + length;
  if (rest.startsWith('=')) return valueAt(option.part, text, start + 1, end);
  if (rest !== '') return option.glued ? valueAt(option.part, text, start, end) : undefined;
  if (!option.spaced) return undefined;
  return element ? elementValue(option.part, text, end) : spacedValue(option.part, text, end);
}

function valueAt(part: Part, text: string, start: number, end: number): Redaction | undefined {
  const shown = redactedPart(text.slice(start, end), part);
  return shown === undefined ? undefined : { start, end, shown };
}

/** The value after a space at `end`, unless it is the next option or a word of prose (`zip -P is insecure`). */
function spacedValue(part: Part, text: string, end: number): Redaction | undefined {
  SPACED_VALUE.lastIndex = end;
  const m = SPACED_VALUE.exec(text);
  if (m === null || PROSE_WORD.test(m[1] as string)) return undefined;
  return valueAt(part, text, SPACED_VALUE.lastIndex - (m[1] as string).length, SPACED_VALUE.lastIndex);
}

/** The next element of an argument list after a quoted option ending at `end` (`'-p', '…'`, `"-P","…"`). */
function elementValue(part: Part, text: string, end: number): Redaction | undefined {
  ELEMENT_VALUE.lastIndex = end;
  const m = ELEMENT_VALUE.exec(text);
  if (m === null) return undefined;
  const value = (m[1] ?? m[2]) as string;
  // The value ends before its closing quote.
  return valueAt(part, text, ELEMENT_VALUE.lastIndex - 1 - value.length, ELEMENT_VALUE.lastIndex - 1);
}

/** What ends a Redis command's last argument on a command line: its line's end, `;`, `|`, `&`, `)`, a sentence's `. `. */
const COMMAND_END = /[ \t]*(?:[\r\n;|&)]|\.(?=\s|$)|$)/y;
/** What ends one in an argument list: its closing quote, then the list's `]` or the call's `)`. */
const LIST_END = /['"]\s*[\])]/y;

/**
 * A Redis `AUTH [username] password` written after redis-cli's options, however many (outside review 30's gaps: the
 * pattern in credentials-redis.ts reads back at most 8), the word `AUTH` ending at `end`, spaced or as an argument
 * list's element: one or two arguments, then the command's or the list's end; the last one goes, unless it reads as
 * prose (`redis-cli … AUTH failed`) or is a placeholder (`<password>`).
 */
function redisAuth(text: string, end: number, element: boolean): Redaction | undefined {
  const values: Redaction[] = [];
  let at = end;
  while (values.length < 3) {
    const next = element ? elementValue('all', text, at) : spacedValue('all', text, at);
    if (next === undefined) break;
    values.push(next);
    at = next.end;
  }
  const last = values[values.length - 1];
  if (last === undefined || values.length > 2) return undefined;
  const ends = element ? LIST_END : COMMAND_END;
  ends.lastIndex = at;
  const word = text.slice(last.start, last.end);
  if (!ends.test(text) || /^[<`]/.test(word) || AUTH_PROSE_LAST.test(word)) return undefined;
  return last;
}

/** Windows `net use`/`net user`'s positional password after the name `net` ending at `end` (NET_ARGUMENTS). */
function netArgument(text: string, end: number): Redaction | undefined {
  NET_ARGUMENTS.lastIndex = end;
  const m = NET_ARGUMENTS.exec(text);
  if (m === null || PROSE_WORD.test(m[1] as string)) return undefined;
  return valueAt('all', text, NET_ARGUMENTS.lastIndex - (m[1] as string).length, NET_ARGUMENTS.lastIndex);
}

/**
 * The secrets given as options (TOOLS) on a command line of theirs, redacted: one pass, a command's name starting a
 * command, what ends a command (see ON_COMMAND) ending it. `ssh -p2222`, `mkdir -p`, `curl -w '%{http_code}'`,
 * `ldapsearch -b dc=example,dc=com`, `scp -P 2222`, `redis-cli -p 6379` stay. A command's name in any letter case
 * (`MYSQL.EXE`, review 21, F2).
 */
function redactCommandPasswords(text: string): string {
  let tool: Tool | undefined;
  let out = '';
  let copied = 0;
  let at = 0;
  for (;;) {
    const re = tool === undefined ? COMMAND_NAME : ON_COMMAND;
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) break;
    at = re.lastIndex;
    const [, name, long, longValue, spacedLetters, spacedGlued, quotedLetters, quotedGlued, , auth] = m;
    const letters = spacedLetters ?? quotedLetters;
    const glued = spacedGlued ?? quotedGlued;
    let found: Redaction | undefined;
    if (name !== undefined) {
      const lower = name.toLowerCase();
      tool = TOOLS.find((t) => t.name.test(lower));
      if (lower !== 'net') continue;
      found = netArgument(text, at);
    } else if (tool === undefined) continue;
    else if (auth !== undefined) {
      if (tool.redis) found = redisAuth(text, at, text[m.index - 1] === "'" || text[m.index - 1] === '"');
    } else if (letters !== undefined) {
      const element = quotedLetters !== undefined;
      found = shortOption(tool, text, m.index, letters, glued ?? '', at, element);
    } else if (long !== undefined) {
      // `--…`: no key of Object.prototype.
      const part = tool.long?.[long.toLowerCase()];
      const element = text[m.index - 1] === "'" || text[m.index - 1] === '"';
      if (part !== undefined)
        found =
          longValue !== undefined
            ? valueAt(part, text, at - longValue.length, at)
            : m[0].endsWith('=')
              ? undefined
              : element
                ? elementValue(part, text, at)
                : spacedValue(part, text, at);
    } else tool = undefined; // A line break, a command separator or a sentence's end ends the command.
    if (found === undefined) continue;
    out += `${text.slice(copied, found.start)}${found.shown}`;
    copied = found.end;
    at = Math.max(at, found.end);
  }
  return out + text.slice(copied);
}

/** `text` with the passwords written as command-line options (see the patterns above) replaced by `[redacted]`. */
export function redactCliCredentials(text: string): string {
  return redactCommandPasswords(
    text
      .replace(USER_OPTION, redactUserOption)
      .replace(OPENSSL_PASS, (_, head: string, q = '') => `${head}${q}pass:${REDACTED}`),
  );
}
