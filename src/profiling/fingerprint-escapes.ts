// A statement whose string literals end elsewhere when backslash escapes are read the other way (outside review 31,
// RT31-2): PostgreSQL with `standard_conforming_strings = off` reads `\'` as an escaped quote in every string,
// MySQL with `NO_BACKSLASH_ESCAPES` reads `\` as a plain character. The fingerprint scans assume each dialect's
// default; read the other way, `'O\'Brien' AND password = 'hunter2'` kept `hunter2` as if it were a name. Before the
// scan, such a statement's literals are rewritten as `'x'` where either reading has a literal, so that no text that
// is a value under either setting survives.

import {
  BACKTICK,
  DASH,
  DOLLAR,
  DQUOTE,
  HASH,
  isDigit,
  isWordChar,
  QUOTE,
  SLASH,
  STAR,
} from './fingerprint-lex.js';
import { dollarQuoteEnd } from './fingerprint-short.js';
import { blockCommentEnd, isEscapePrefixed, quotedEnd } from './fingerprint-tail.js';

const BACKSLASH = 92;

/**
 * The string literals of one reading: start and end (past the closing quote) of each; whether the last is open, and
 * whether a backslash stands outside every literal, comment and quoted name (no SQL token holds one there).
 */
interface Spans {
  starts: number[];
  ends: number[];
  open: boolean;
  stray: boolean;
}

/**
 * `sql` itself when its literals end in the same places with and without backslash escapes (always so without a
 * backslash); else `sql` with its literals replaced by `'x'`: those of the one reading that lexes (every literal
 * closed, no backslash left outside one) when only one does (the statement the server could run), else every
 * stretch that either reading holds as a literal (no value of either reading is left as text).
 */
export function escapeSafeSql(sql: string, mysql: boolean): string {
  if (sql.indexOf('\\') === -1) return sql;
  const usual = literalSpans(sql, mysql, false);
  const other = literalSpans(sql, mysql, true);
  if (sameSpans(usual, other)) return sql;
  const usualLexes = !usual.open && !usual.stray;
  const otherLexes = !other.open && !other.stray;
  if (usualLexes && !otherLexes) return sql;
  if (otherLexes && !usualLexes) return rewrite(sql, other.starts, other.ends);
  const [starts, ends] = union(usual, other);
  return rewrite(sql, starts, ends);
}

/**
 * The literals of `sql` as the fingerprint scans lex it (comments, quoted names, dollar quotes and words passed
 * over), with backslash escapes read as the dialect's default has them, or (`flipped`) the other way.
 */
function literalSpans(sql: string, mysql: boolean, flipped: boolean): Spans {
  const n = sql.length;
  const spans: Spans = { starts: [], ends: [], open: false, stray: false };
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    if (c === QUOTE || (c === DQUOTE && mysql)) {
      // MySQL: every string escapes by default; PostgreSQL: `E'…'` always, every string with the setting off.
      const backslash = mysql ? !flipped : flipped || isEscapePrefixed(sql, i);
      const end = quotedEnd(sql, i, c, backslash);
      spans.starts.push(i);
      spans.ends.push(end < 0 ? n : end);
      if (end < 0) {
        spans.open = true;
        return spans;
      }
      i = end;
    } else if (c === DQUOTE || c === BACKTICK) {
      const end = quotedEnd(sql, i, c, false);
      if (end < 0) return spans;
      i = end;
    } else if ((c === DASH && next === DASH) || (c === HASH && mysql)) {
      const eol = sql.indexOf('\n', i);
      if (eol < 0) return spans;
      i = eol + 1;
    } else if (c === SLASH && next === STAR) {
      i = blockCommentEnd(sql, i, !mysql);
    } else if (c === DOLLAR && !isDigit(next)) {
      const end = dollarQuoteEnd(sql, i);
      i = end < 0 ? i + 1 : end;
    } else if (isWordChar(c)) {
      i++;
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
    } else {
      if (c === BACKSLASH) spans.stray = true;
      i++;
    }
  }
  return spans;
}

function sameSpans(a: Spans, b: Spans): boolean {
  if (a.starts.length !== b.starts.length) return false;
  for (let k = 0; k < a.starts.length; k++) {
    if (a.starts[k] !== b.starts[k] || a.ends[k] !== b.ends[k]) return false;
  }
  return true;
}

/** The stretches either reading holds as a literal, overlapping ones merged, in order. */
function union(a: Spans, b: Spans): [number[], number[]] {
  const all = a.starts
    .map((s, k) => [s, a.ends[k] as number])
    .concat(b.starts.map((s, k) => [s, b.ends[k] as number]))
    .sort((x, y) => (x[0] as number) - (y[0] as number));
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [s, e] of all as [number, number][]) {
    const last = ends.length - 1;
    if (last >= 0 && s < (ends[last] as number)) ends[last] = Math.max(ends[last] as number, e);
    else {
      starts.push(s);
      ends.push(e);
    }
  }
  return [starts, ends];
}

/** `sql` with each stretch [starts[k], ends[k]) replaced by the literal `'x'`. */
function rewrite(sql: string, starts: number[], ends: number[]): string {
  let out = '';
  let at = 0;
  for (let k = 0; k < starts.length; k++) {
    out += `${sql.slice(at, starts[k])}'x'`;
    at = ends[k] as number;
  }
  return out + sql.slice(at);
}
