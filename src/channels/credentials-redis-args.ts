// Redis passwords inside a command as clients print it whole (the gaps left after outside review 32): ioredis'
// `command: { name: 'config', args: [ 'SET', 'requirepass', '…' ] }` (util.inspect and JSON.stringify of a
// ReplyError), its tracing context `{ command: 'AUTH', args: [ … ] }`, node-redis v3's `command: 'AUTH', args: [ … ]`,
// ioredis' debug log `write command[…]: 0 -> auth([ 'default', '…' ])`, an argument list `[ 'CONFIG', 'SET', … ]`
// or `call('HELLO', …)`, `Command AUTH failed with args [default, …]`, and the command as words (`CONFIG SET
// maxmemory 1gb requirepass …`, `SENTINEL SET mymaster auth-pass …`, sentinel.conf's `sentinel auth-pass <master> …`).
// One rule (passwordWords) says which of a command's words hold a password, from Redis's command pages; each
// spelling only finds the command's words. redactRedisArgs is called by redactRedisCredentials (credentials-redis.ts).
//
// Linear: each head is found by a regular expression, then its list is read forward, at most LIST_CHARS characters.

import { REDACTED } from './credentials-spellings.js';

/** redis.conf's passwords (Redis's `CONFIG SET`, redis.conf): `requirepass`, `masterauth`, the TLS key pass phrases. */
const SENSITIVE_CONFIG = /^(?:requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass)$/i;
/** Sentinel's passwords: `SENTINEL SET <master> auth-pass <pw>`, `SENTINEL CONFIG SET sentinel-pass <pw>`. */
const SENTINEL_PASSWORD = /^(?:auth-pass|sentinel-pass)$/i;
/** The commands that carry a password: a list or a call whose first element names one of them is that command. */
const PASSWORD_COMMANDS =
  'auth|hello|migrate|config|acl|sentinel|evalsha_ro|eval_ro|evalsha|eval|fcall_ro|fcall';
/**
 * In a script's keys and args, a word after which the next argument is a password (the gaps after review 35: `EVAL
 * "…" 0 AUTH pw` was shown): AUTH (`AUTH [username] password`: one argument after it goes, two both go, a script's
 * args having no arity to tell a user from a password), AUTH2 (`AUTH2 <username> <password>`: the password goes),
 * redis.conf's and Sentinel's password directives, `pass`/`password`/`passwd`.
 */
const SCRIPT_PASSWORD_WORD =
  /^(?:auth-pass|sentinel-pass|requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass|pass|password|passwd)$/i;

/** A whole number of 1 to 5 digits, quoted or not (`60`, `'3600'`): a script's arg kept after AUTH/pass (RT38-10). */
const SMALL_INTEGER = /^(['"]?)\d{1,5}\1$/;

/** Which words of a command hold a password, and how many characters of each stay (ACL's `>` of `>pw`). */
type PasswordWord = { readonly index: number; readonly keep: number };

/**
 * The password words of a Redis command, `words[0]` its name (Redis's command pages): `AUTH [username] password`,
 * `HELLO <protover> AUTH <username> <password>`, `MIGRATE … AUTH <password>` / `AUTH2 <username> <password>`, `CONFIG
 * SET` a SENSITIVE_CONFIG's value, `ACL SETUSER <user>` a `>password`/`<password` rule (its `>` stays), `SENTINEL SET
 * <master> auth-pass <pw>`, `SENTINEL CONFIG SET sentinel-pass <pw>` and sentinel.conf's `sentinel auth-pass <master>
 * <pw>`. A user's name stays (Redis's own MONITOR hides it too; here it helps to read the error).
 */
export function passwordWords(words: readonly string[]): PasswordWord[] {
  const up = words.map((w) => w.toUpperCase());
  const found: PasswordWord[] = [];
  const add = (index: number, keep = 0) => {
    if (index < words.length) found.push({ index, keep });
  };
  switch (up[0]) {
    case 'AUTH':
      // One argument: the password; two: the user's name, then the password.
      add(words.length === 2 ? 1 : 2);
      break;
    case 'HELLO':
      for (let i = 2; i < words.length; i++) if (up[i] === 'AUTH') add(i + 2);
      break;
    case 'MIGRATE':
      for (let i = 1; i < words.length; i++) {
        if (up[i] === 'AUTH') add(i + 1);
        if (up[i] === 'AUTH2') add(i + 2);
      }
      break;
    case 'CONFIG':
      if (up[1] !== 'SET') break;
      for (let i = 2; i < words.length; i++) if (SENSITIVE_CONFIG.test(words[i] as string)) add(++i);
      break;
    case 'ACL':
      if (up[1] !== 'SETUSER') break;
      for (let i = 3; i < words.length; i++) {
        const w = words[i] as string;
        if ((w[0] === '>' || w[0] === '<') && w.length > 1 && !w.startsWith(`>${REDACTED}`)) add(i, 1);
      }
      break;
    case 'EVAL':
    case 'EVALSHA':
    case 'EVAL_RO':
    case 'EVALSHA_RO':
    case 'FCALL':
    case 'FCALL_RO':
      // The keys and the args alike (a key is rarely named AUTH; a password read as one would be shown).
      // A whole number of at most 5 digits stays (RT38-10: a rate limiter's `auth 60 100`, `pass 17`): a script's
      // args are data, and a password of 5 digits or fewer falls to 100,000 guesses anyway.
      for (let i = 3; i < words.length; i++) {
        const addArg = (index: number) => {
          if (!SMALL_INTEGER.test(words[index] ?? '')) add(index);
        };
        if (up[i] === 'AUTH') {
          addArg(i + 1);
          if (i + 2 < words.length) addArg(i + 2);
          i += 2;
        } else if (up[i] === 'AUTH2') {
          addArg(i + 2);
          i += 2;
        } else if (SCRIPT_PASSWORD_WORD.test(words[i] as string)) {
          addArg(++i);
        }
      }
      break;
    case 'SENTINEL':
      for (let i = 1; i < words.length; i++) {
        // sentinel.conf's `sentinel auth-pass <master> <password>`; the commands' `auth-pass <password>`.
        if (SENTINEL_PASSWORD.test(words[i] as string)) add(i === 1 && up[1] === 'AUTH-PASS' ? ++i + 1 : ++i);
      }
      break;
  }
  return found;
}

/** A command's word after which its next argument is a parameter or a password (a MONITOR line goes on after it). */
const AWAITS_ARGUMENT =
  /^(?:config|set|auth|auth2|requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass|auth-pass|sentinel-pass)$/i;

/** A line break, then a line of one quoted argument alone (at most 200 characters; sticky). */
const LONE_ARGUMENT = /\r?\n?[ \t]{0,20}"(?:[^"\\\r\n]|\\.){1,200}"[ \t]{0,20}(?=\r?\n|$)/y;

/** At most this many characters of a list are read after its head, and this many elements. */
export const LIST_CHARS = 2000;
export const LIST_ELEMENTS = 64;

/** One element of a list: where its text (inside its quotes) starts and ends, and whether it was quoted. */
export type Element = { readonly start: number; readonly end: number; readonly quoted: boolean };

/**
 * The elements of a list from `from` to its `close` (`]` or `)`), as util.inspect, JSON or code print it: quoted
 * strings (escapes kept; inspect's aligned columns and lines between them), names or numbers unquoted (a variable:
 * its place counts, it holds no text to redact), a list inside a call flattened (`send_command('AUTH', ['…'])`);
 * with `bare`, unquoted words between `,` (`[default, pw]`); with `close` a line break, quoted words between blanks
 * to the first other character (MONITOR's `"AUTH" "…"`). Undefined where the text is no such list.
 */
function readList(
  text: string,
  from: number,
  close: string,
  bare: boolean,
): { elements: Element[]; end: number } | undefined {
  const elements: Element[] = [];
  const limit = Math.min(text.length, from + LIST_CHARS);
  const line = close === '\n';
  let depth = 0;
  let i = from;
  while (i < limit && elements.length < LIST_ELEMENTS) {
    const c = text[i] as string;
    if (line && (c === '\r' || c === '\n')) {
      // A MONITOR line wrapped (a log's width; after review 38): the next line goes on with a quoted argument, as no
      // MONITOR line starts (each starts with its timestamp), where the command is not complete: its last word
      // awaits a password or a parameter (`"CONFIG" "SET"`, `"requirepass"`). One line break at a time.
      const last = elements[elements.length - 1];
      // `"AUTH" "user"` then the password alone on the next line (review 42, RT42-3: a wrapped MONITOR line of the
      // two-argument AUTH); a next line of more words is the next command (`"AUTH" "pw"` then `"GET" "k"`).
      const first = elements[0];
      LONE_ARGUMENT.lastIndex = i;
      const authUser =
        elements.length === 2 &&
        first !== undefined &&
        /^auth2?$/i.test(text.slice(first.start, first.end)) &&
        LONE_ARGUMENT.test(text);
      if (last === undefined || !(authUser || AWAITS_ARGUMENT.test(text.slice(last.start, last.end))))
        return { elements, end: i };
      const next = /\r?\n?[ \t]*/y;
      next.lastIndex = i + (c === '\r' && text[i + 1] === '\n' ? 2 : 1);
      next.exec(text);
      if (text[next.lastIndex] !== '"') return { elements, end: i };
      i = next.lastIndex;
      continue;
    }
    if (line && c !== ' ' && c !== '\t' && c !== '"' && c !== "'") return { elements, end: i };
    if (c === ' ' || c === '\t' || (!line && (c === '\r' || c === '\n' || c === ','))) {
      i++;
    } else if (c === '[' && close === ')' && depth === 0) {
      depth = 1;
      i++;
    } else if (c === ']' && depth === 1) {
      depth = 0;
      i++;
    } else if (c === close && depth === 0) {
      return { elements, end: i };
    } else if (text.startsWith(REDACTED, i)) {
      // Redacted already (`[default, [redacted]]`): one element.
      elements.push({ start: i, end: i + REDACTED.length, quoted: bare });
      i += REDACTED.length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < limit && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (text[j] !== c) return undefined;
      elements.push({ start: i + 1, end: j, quoted: true });
      i = j + 1;
    } else {
      // Bounded: a bare word runs to its `,` or `]` within 200 characters, or the text is no list.
      const word = bare ? /[^,\]\r\n]{1,200}(?=[,\]])/y : /[\w.$-]{1,200}/y;
      word.lastIndex = i;
      const m = word.exec(text);
      if (m === null) return undefined;
      const value = m[0].trimEnd();
      elements.push({ start: i, end: i + value.length, quoted: bare });
      i += m[0].length;
    }
  }
  return line ? { elements, end: i } : undefined;
}

/**
 * The heads of a command printed as a name and a list: an object's `name: 'auth', args: [` or `command: 'AUTH',
 * args: [` (util.inspect, JSON's `"name":"auth","args":[`; the name is the command's), ioredis' debug log
 * `auth([` (not a method's `.auth([`), `Command AUTH failed with args [` (the list's words bare), and a list or
 * call whose first element names a password command (`[ 'CONFIG', …`, `call("HELLO", …`), and the quoted words of
 * Redis's MONITOR (`1733500000.1 [0 127.0.0.1:50000] "CONFIG" "SET" "requirepass" "…"`: Redis 6 and later hide AUTH's,
 * HELLO's and MIGRATE's themselves, as `"(redacted)"`; older servers and other tools print them).
 */
const LIST_HEAD = new RegExp(
  String.raw`(?<![\w$])(["']?)(?:name|command)\1[ \t]*:\s*(['"])([A-Za-z][\w-]{0,30})\2\s*,\s*(["']?)args\4[ \t]*:\s*\[` +
    String.raw`|(?<![\w$.])(${PASSWORD_COMMANDS})\(\[` +
    String.raw`|(?<![\w$])[Cc]ommand:?[ \t]+(${PASSWORD_COMMANDS})\b[^[\r\n]{0,60}?\bargs?:?[ \t]*\[` +
    String.raw`|([[(])(?=\s*(['"])(?:${PASSWORD_COMMANDS})\8)` +
    String.raw`|(?<![\w$"'\\])(?=(")(?:${PASSWORD_COMMANDS})"(?:[ \t]+|[ \t]*\r?\n[ \t]*)")` +
    String.raw`|\.(evalsha_?ro|eval_?ro|evalsha|eval|fcall_?ro|fcall)\(`,
  'gi',
);

/** `text` with the password words of the commands it prints as a name and a list (LIST_HEAD) replaced. */
function redactLists(text: string): string {
  let out = '';
  let done = 0;
  LIST_HEAD.lastIndex = 0;
  for (let m = LIST_HEAD.exec(text); m !== null; m = LIST_HEAD.exec(text)) {
    // A client's `.evalRo(` is the command EVAL_RO.
    const named = m[3] ?? m[5] ?? m[6] ?? m[10]?.replace(/_?(ro)$/i, '_$1');
    const close = m[9] !== undefined ? '\n' : m[7] === '(' || m[10] !== undefined ? ')' : ']';
    const list = readList(text, m.index + m[0].length, close, m[6] !== undefined);
    if (list === undefined) {
      // A head that reads nothing (MONITOR's lookahead) must not be found again at the same place.
      if (m[0] === '') LIST_HEAD.lastIndex++;
      continue;
    }
    const words = list.elements.map((e) => text.slice(e.start, e.end));
    const offset = named === undefined ? 0 : 1;
    for (const { index, keep } of passwordWords(named === undefined ? words : [named, ...words])) {
      const element = list.elements[index - offset] as Element;
      const start = element.start + keep;
      // Redacted already: by us, or by Redis itself (MONITOR's `"(redacted)"`).
      const value = text.slice(start, element.end);
      if (!element.quoted || value === '' || value.startsWith(REDACTED) || value === '(redacted)') continue;
      out += `${text.slice(done, start)}${REDACTED}`;
      done = element.end;
    }
    LIST_HEAD.lastIndex = Math.max(LIST_HEAD.lastIndex, list.end);
  }
  return out + text.slice(done);
}

/**
 * Commands written as words whose password words are not AUTH's (credentials-redis.ts reads those): `CONFIG SET` any
 * number of parameters (`CONFIG SET maxmemory 1gb requirepass …`; any case, as credentials-redis.ts read it before), `SENTINEL SET <master> … auth-pass …`,
 * `SENTINEL CONFIG SET sentinel-pass …` and sentinel.conf's `sentinel auth-pass <master> …`, where a command starts
 * or after a word, to the end of the line or a shell's separator. A word quoted with spaces is one word.
 */
const WORDS_COMMAND = /(?<![\w-])(?:SENTINEL|sentinel)[ \t][^\r\n;|&]*/g;
/**
 * A script's call as words (`EVAL "…" 0 AUTH pw`, `EVALSHA <sha> 1 k …`, FCALL), in capitals or small letters: its
 * script quoted (a `;` inside it kept), to the end of the line or a shell's separator.
 */
const SCRIPT_WORDS =
  /(?<![\w$.-])(?:EVAL|EVALSHA|EVAL_RO|EVALSHA_RO|FCALL|FCALL_RO|eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)[ \t]+(?:'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*"|[^\s;|&'"]+)[^\r\n;|&]*/g;
/**
 * `HELLO` and `MIGRATE` as words in any letter case (RT38-3: Redis reads a command's name in any case; `hello 3 auth
 * default pw` as typed at a prompt), only in their commands' shapes so prose stays (`say hello to the auth team`):
 * `HELLO <2|3> AUTH …`, `MIGRATE <host> <port> <key|""> <db> <timeout> …`; to the end of the line or a separator.
 */
const HELLO_MIGRATE_WORDS =
  /(?<![\w$.-])(?:hello[ \t]+[23][ \t]+auth[ \t]|migrate[ \t]+[^\s;|&]{1,255}[ \t]+\d{1,5}[ \t]+[^\s;|&]+[ \t]+\d{1,5}[ \t]+\d{1,10}[ \t])[^\r\n;|&]*/gi;
const WORD = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]+/g;
/** A word that reads as prose where a password stands (`sentinel auth-pass is required`): no password. */
const PROSE =
  /^(?:is|are|was|not|must|required|missing|set|unset|none|empty|for|to|the|a|an|and|or|of|with|option|value|directive|parameter|first|again|now)$/i;

export function redactWords(command: string): string {
  // A shell's line continuation (`\` before a line break) is no word.
  const found = [...command.matchAll(WORD)].filter((w) => w[0] !== '\\');
  const words = found.map((w) => w[0]);
  let out = '';
  let done = 0;
  for (const { index, keep } of passwordWords(words)) {
    const w = found[index] as RegExpMatchArray;
    const q = w[0][0] === "'" || w[0][0] === '"' ? 1 : 0;
    // A final `:`, `!`, `,`, `)` or a sentence's dots end the text, not the password (as after AUTH).
    const word = q === 1 ? w[0] : w[0].replace(/[:!,)]+$|\.+$/, '');
    if (word.length <= keep || PROSE.test(word) || /^[<`]/.test(word) || word.includes(REDACTED)) continue;
    const start = (w.index as number) + q + keep;
    out += `${command.slice(done, start)}${REDACTED}`;
    done = (w.index as number) + word.length - q;
  }
  return out + command.slice(done);
}

/**
 * Redis's echo of a command it refuses (outside review 35, RT35-3; redis-server's processCommand): Redis 6.2 and later
 * `unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' '…' ` (each argument `'…' `, not escaped),
 * Redis 5 and 6.0 `` unknown command `HELLO`, with args beginning with: `3`, `AUTH`, … `` (each `` `…`, ``); at most
 * about 128 characters of arguments, to the end of the line. The command's name is the echo's.
 */
const ECHO_HEAD = /unknown command (['`])([^\r\n]{1,128}?)\1, with args beginning with: /g;
/** A word after which an unknown command's (a module's, a renamed one's) next argument is a password. */
const ECHO_PASSWORD_WORD =
  /^(?:auth|auth2|auth-pass|sentinel-pass|requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass|pass|password|passwd)$/i;
/** The commands passwordWords reads; for any other name, ECHO_PASSWORD_WORD says where a password starts. */
const KNOWN_COMMANDS = new RegExp(`^(?:${PASSWORD_COMMANDS})$`, 'i');

/** The echoed arguments from `from` (ECHO_HEAD's end) to the end of the line, quoted by `q`. */
function readEcho(text: string, from: number, q: string): { elements: Element[]; end: number } {
  let end = text.indexOf('\n', from);
  if (end < 0) end = text.length;
  // An argument closes at `' ` (Redis 5: `` `, ``) before the next argument's quote or the end of the line.
  const close = q === "'" ? "' " : '`, ';
  const elements: Element[] = [];
  let i = from;
  while (i < end && text[i] === q && elements.length < LIST_ELEMENTS) {
    let j = text.indexOf(close, i + 1);
    while (
      j >= 0 &&
      j + close.length < end &&
      text[j + close.length] !== q &&
      !/^\s*$/.test(text.slice(j + close.length, end))
    )
      j = text.indexOf(close, j + 1);
    if (j < 0 || j >= end) {
      // Unclosed (the text trimmed, or cut): to the end of the line, its last quote kept.
      const stop = text.slice(i + 1, end).replace(/\r?$/, '');
      const last = stop.trimEnd().endsWith(q) ? stop.trimEnd().length - 1 : stop.length;
      elements.push({ start: i + 1, end: i + 1 + Math.max(0, last), quoted: true });
      break;
    }
    elements.push({ start: i + 1, end: j, quoted: true });
    i = j + close.length;
  }
  return { elements, end };
}

/**
 * `text` with the passwords of Redis's echoed arguments replaced: the command's words by passwordWords where Redis
 * names it (AUTH, HELLO, MIGRATE, CONFIG, ACL, SENTINEL: renamed or disabled, or a Sentinel command sent to a
 * server), for any other name the argument after ECHO_PASSWORD_WORD (after `AUTH2 <username>`). A password's
 * argument is unescaped in the echo (it may hold the quotes that close one): from its start to the end of the echo
 * goes, so no part of it stays.
 */
function redactEcho(text: string): string {
  let out = '';
  let done = 0;
  ECHO_HEAD.lastIndex = 0;
  for (let m = ECHO_HEAD.exec(text); m !== null; m = ECHO_HEAD.exec(text)) {
    const q = m[1] as string;
    const name = m[2] as string;
    const { elements, end } = readEcho(text, m.index + m[0].length, q);
    ECHO_HEAD.lastIndex = Math.max(ECHO_HEAD.lastIndex, end);
    const words = elements.map((e) => text.slice(e.start, e.end));
    let first: PasswordWord | undefined;
    if (/^auth$/i.test(name)) {
      // `AUTH [username] password`: a password cut by a quote it holds reads as more arguments; from the first
      // argument unless it is two with a user's name first.
      first = { index: words.length === 2 && /^[\w.@-]{1,64}$/.test(words[0] as string) ? 2 : 1, keep: 0 };
    } else if (KNOWN_COMMANDS.test(name)) {
      for (const w of passwordWords([name, ...words]))
        if (first === undefined || w.index < first.index) first = w;
    } else {
      const i = words.findIndex((w) => ECHO_PASSWORD_WORD.test(w));
      if (i >= 0) first = { index: (words[i] as string).toUpperCase() === 'AUTH2' ? i + 3 : i + 2, keep: 0 };
    }
    const element = first === undefined ? undefined : elements[first.index - 1];
    if (first === undefined || element === undefined) continue;
    const start = element.start + first.keep;
    if (text.startsWith(REDACTED, start) && elements.length === first.index) continue;
    const last = elements[elements.length - 1] as Element;
    const tail = text.slice(last.end, end);
    out += `${text.slice(done, start)}${REDACTED}${tail.startsWith(q) ? q : ''}`;
    done = tail.startsWith(q) ? last.end + 1 : last.end;
  }
  return out + text.slice(done);
}

/** `text` with the password words of the commands above (lists, words, Redis's echo) replaced by `[redacted]`. */
export function redactRedisArgs(text: string): string {
  return redactLists(redactEcho(text))
    .replace(WORDS_COMMAND, redactWords)
    .replace(SCRIPT_WORDS, redactWords)
    .replace(HELLO_MIGRATE_WORDS, redactWords);
}
