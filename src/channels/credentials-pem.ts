// PEM private keys in error texts (red team 25, F10; outside review 26): a key's body between its BEGIN and END
// lines in any printed spelling (real line breaks, JSON's `\n` escapes, util.inspect's pieces, a list of its lines),
// and a body whose BEGIN line was cut off before its END line. redactPemKeys replaces the body by `[redacted]`;
// redactKeyCredentials (credentials-keys.ts) calls it first.

import { REDACTED } from './credentials-spellings.js';

/** A PEM private key's BEGIN line (RFC 7468: `PRIVATE KEY`, also `RSA`, `EC`, `OPENSSH`, `ENCRYPTED`, OpenPGP's `PGP PRIVATE KEY BLOCK`). */
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;
/** Its END line, right where the body stops (any label). */
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/y;
/**
 * What separates two body lines: white space, a line break's escape (`\n`, `\r\n`, `\\n` in JSON inside JSON or
 * inside util.inspect), util.inspect's join of a long string's pieces (`' +` a line break and an indent `'`, its
 * quote escaped too where that text sits in a JSON string) and the join of a list's elements, the key split at its
 * line breaks (`',\n  '` of util.inspect, `","` of JSON.stringify: outside review 26).
 */
const PEM_JOIN = String.raw`(?:[ \t\r\n]|\\+[nrt]|\\*['"\x60][ \t]*[+,](?:[ \t\r\n]|\\+[nrt])*\\*['"\x60])`;
/**
 * Also the key's lines joined by any short text that is not base64 (red team 28, RT28-9): `String(lines)`'s and a
 * template literal's `,`, `;`, `|`, `<br>`, `", "`: one run of 1-8 such characters (not `-`, which starts the END
 * line, nor `\`, which starts an escape) among the joins above.
 */
const PEM_SEP = new RegExp(
  `${PEM_JOIN}*(?:(?:<br\\s*\\/?>|[^A-Za-z0-9+/=\\\\\\r\\n-]){1,8}${PEM_JOIN}*)?`,
  'y',
);
/** A separator holding a line break (real, escaped, an inspect join, a list's, any short non-base64 join), not only spaces. */
const PEM_LINE_BREAK = /[^ \t]/;
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
function redactPemBodies(text: string): string {
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

/** An END line anywhere: where no BEGIN line came before it (the text cut off the key's start), the body before it. */
const PEM_END_ANY = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;
/** A character a body run before an END line may hold: base64 and the separators' characters. */
const PEM_RUN_CHAR = /[A-Za-z0-9+/=\\'"`,;|<> \t\r\n]/;
/** One line at least this long tells a key's body from a word of prose before an END line (a PEM line is 64). */
const PEM_TAIL_LINE = 40;

/**
 * The body lines right before an END line that no BEGIN line opened (`…\nr3Cb…\nDwl5…\n-----END PRIVATE KEY-----`):
 * the run of base64 lines joined by separators (as after a BEGIN line), each of PEM_LONG_LINE characters or more but
 * the last, one of them PEM_TAIL_LINE or more, is replaced by `[redacted]`; the END line stays. Words of prose before
 * an END line (`no key before -----END PRIVATE KEY-----`) are shorter and stay.
 *
 * Linear: the run before each END line is read back to the previous END line at most, then once forwards.
 */
function redactPemTails(text: string): string {
  if (!text.includes('-----END ')) return text;
  let out = '';
  let copied = 0;
  let floor = 0;
  PEM_END_ANY.lastIndex = 0;
  for (let m = PEM_END_ANY.exec(text); m !== null; m = PEM_END_ANY.exec(text)) {
    const endAt = m.index;
    let at = endAt;
    while (at > floor && PEM_RUN_CHAR.test(text[at - 1] as string)) at--;
    floor = endAt + m[0].length;
    let bodyFrom = -1;
    let long = false;
    while (at < endAt) {
      const lineStart = stickyEnd(PEM_SEP, text, at);
      const lineEnd = stickyEnd(PEM_BASE64, text, lineStart);
      if (lineEnd === lineStart) {
        // Neither a separator nor base64 (a quote opening a list's element, a lone backslash): the run starts again.
        // A backslash run that starts neither fails from any of its backslashes: it is skipped whole (linear).
        if (lineStart >= endAt) break;
        at = lineStart + 1;
        while (text[at] === '\\' && text[at - 1] === '\\') at++;
        bodyFrom = -1;
        long = false;
        continue;
      }
      const next = stickyEnd(PEM_SEP, text, lineEnd);
      const length = lineEnd - lineStart;
      if (length >= PEM_LONG_LINE || (next === endAt && bodyFrom >= 0)) {
        if (bodyFrom < 0) bodyFrom = lineStart;
        if (length >= PEM_TAIL_LINE) long = true;
      } else {
        bodyFrom = -1;
        long = false;
      }
      at = next;
    }
    if (bodyFrom < 0 || !long) continue;
    out += `${text.slice(copied, bodyFrom)}${REDACTED}`;
    copied = endAt;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** PEM private keys' bodies replaced by `[redacted]`: after a BEGIN line, then before an END line alone. */
export function redactPemKeys(text: string): string {
  return redactPemTails(redactPemBodies(text));
}
