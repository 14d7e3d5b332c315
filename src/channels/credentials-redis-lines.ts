// Redis commands written over several lines (after review 38: a command split over lines showed its password):
// `CONFIG SET` whose parameter's value is on the next line or after a shell's line continuation (`\` then a line
// break), and a command in Redis's own protocol (RESP: `*2\r\n$4\r\nAUTH\r\n$7\r\n<pw>\r\n`), also with its line
// breaks escaped. passwordWords (credentials-redis-args.ts) says which words go. redactRedisLines is called by
// redactRedisCredentials (credentials-redis.ts).
//
// Linear: each head is found by a regular expression, then read forward by hand, at most LIST_CHARS characters, and
// the next head is looked for after what was read. `redisScan.chars` counts the characters read so (the tests bound it
// by the text's length).

import {
  type Element,
  LIST_CHARS,
  LIST_ELEMENTS,
  passwordWords,
  redactWords,
} from './credentials-redis-args.js';
import { REDACTED } from './credentials-spellings.js';

/** The characters the hand-written readers of Redis commands read (this file's and credentials-redis-encoded.ts'). */
export const redisScan = { chars: 0 };

/**
 * `CONFIG SET` as words (any case, as credentials-redis.ts read it before), its words read by configSetEnd, over
 * lines where the command goes on (after review 38).
 */
const CONFIG_SET_HEAD =
  /(?<![\w-])(?:CONFIG|config)(?:\s{1,20}|[ \t]{0,20}\\\r?\n\s{0,20})(?:SET|set)(?=\s)/g;
/** One word of a command: quoted (on its line) or up to a blank or a shell's separator. */
const COMMAND_WORD = /'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*"|[^\s'";|&]+/y;
/**
 * A redis-cli reply or prompt starting a line (after its blanks; review 42, RT42-4): `(error) …`, `(integer) 1`,
 * `(nil)`, `(empty array)`, `OK`, `127.0.0.1:6379>`. Sticky, read once where a line break is crossed.
 */
const REPLY_LINE =
  /[ \t]{0,20}(?:\((?:error|integer|nil|empty[\w ]{0,20})\)|OK[ \t]*(?:\r?\n|$)|[\w.-]{1,100}:\d{1,5}(?:\[\d{1,5}\])?>)/y;
/** At most this many line breaks are read across in one `CONFIG SET`. */
const CONFIG_SET_LINES = 4;

/**
 * Where a `CONFIG SET` command that starts at `from` (after `SET`) ends: at a shell's separator, at the end of the text,
 * or at a line break, unless the command goes on after it (after review 38: a command split over lines showed its
 * password): a shell's line continuation (`\` before the break), or a command not complete on its lines so far (no
 * parameter yet, or a parameter without its value: `CONFIG SET requirepass` then the value on the next line). At most
 * CONFIG_SET_LINES line breaks and LIST_CHARS characters.
 */
function configSetEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + LIST_CHARS);
  let i = from;
  const counted = () => {
    redisScan.chars += i - from;
    return i;
  };
  let count = 0;
  let breaks = 0;
  let continued = false;
  while (i < limit) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '\r' || c === '\n') {
      if (!(continued || count % 2 === 1 || count === 0) || breaks >= CONFIG_SET_LINES) return counted();
      const next = i + (c === '\r' && text[i + 1] === '\n' ? 2 : 1);
      // A redis-cli reply or prompt on the next line (`(error) ERR …`, `OK`, `127.0.0.1:6379>`) is no value: the
      // command ended (RT42-4), unless a `\` continued it.
      REPLY_LINE.lastIndex = next;
      if (!continued && REPLY_LINE.test(text)) return counted();
      breaks++;
      continued = false;
      i = next;
    } else if (c === ';' || c === '|' || c === '&') {
      return counted();
    } else {
      COMMAND_WORD.lastIndex = i;
      const m = COMMAND_WORD.exec(text);
      if (m === null) return counted();
      // A shell's line continuation is no word.
      continued = m[0] === '\\';
      if (!continued) count++;
      i += m[0].length;
    }
  }
  return counted();
}

/** `text` with the password words of each `CONFIG SET` command (configSetEnd) replaced, as redactWords does. */
function redactConfigSet(text: string): string {
  let out = '';
  let done = 0;
  CONFIG_SET_HEAD.lastIndex = 0;
  for (let m = CONFIG_SET_HEAD.exec(text); m !== null; m = CONFIG_SET_HEAD.exec(text)) {
    const end = configSetEnd(text, m.index + m[0].length);
    out += `${text.slice(done, m.index)}${redactWords(text.slice(m.index, end))}`;
    done = end;
    CONFIG_SET_HEAD.lastIndex = Math.max(CONFIG_SET_HEAD.lastIndex, end);
  }
  return out + text.slice(done);
}
/**
 * A command in Redis's own protocol (RESP, after review 38: a proxy's or a tracer's dump of the bytes sent, a string
 * inspected or serialised with its line breaks escaped): `*<count>` then each argument as `$<length>` and its text,
 * each on its own line (`*2\r\n$4\r\nAUTH\r\n$7\r\n<pw>\r\n`; the breaks `\r\n`, `\n`, or written as the escapes
 * `\r\n`/`\n`). Its first argument names the command; passwordWords says which go.
 */
const RESP_HEAD =
  /(?<![\w$*])\*([1-9]\d{0,2})(\r?\n|\\r\\n|\\n)(?=\$\d{1,9}\2(?:auth|hello|migrate|config|acl|sentinel|eval|fcall))/gi;

/** `text` with the password arguments of each RESP command (RESP_HEAD) replaced. */
function redactResp(text: string): string {
  let out = '';
  let done = 0;
  RESP_HEAD.lastIndex = 0;
  for (let m = RESP_HEAD.exec(text); m !== null; m = RESP_HEAD.exec(text)) {
    const count = Math.min(Number(m[1]), LIST_ELEMENTS);
    const sep = m[2] as string;
    const limit = Math.min(text.length, m.index + m[0].length + LIST_CHARS);
    const elements: Element[] = [];
    const bulk = /\$\d{1,9}/y;
    let i = m.index + m[0].length;
    while (elements.length < count && i < limit) {
      bulk.lastIndex = i;
      const b = bulk.exec(text);
      if (b === null || !text.startsWith(sep, i + b[0].length)) break;
      const start = i + b[0].length + sep.length;
      let end = text.indexOf(sep, start);
      if (end < 0 || end > limit) end = Math.min(limit, text.length);
      elements.push({ start, end, quoted: true });
      i = end + sep.length;
    }
    redisScan.chars += Math.min(i, text.length) - (m.index + m[0].length);
    RESP_HEAD.lastIndex = Math.max(RESP_HEAD.lastIndex, Math.min(i, text.length));
    const words = elements.map((e) => text.slice(e.start, e.end));
    for (const { index, keep } of passwordWords(words)) {
      const element = elements[index] as Element;
      const start = element.start + keep;
      const value = text.slice(start, element.end);
      if (start < done || value === '' || value.startsWith(REDACTED)) continue;
      out += `${text.slice(done, start)}${REDACTED}`;
      done = element.end;
    }
  }
  return out + text.slice(done);
}

/** `text` with the passwords of Redis commands written over several lines replaced by `[redacted]`. */
export function redactRedisLines(text: string): string {
  return redactConfigSet(redactResp(text));
}
