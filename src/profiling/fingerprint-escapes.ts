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

/** Kinds of the stretches a reading holds apart from code. */
const LITERAL = 0;
const COMMENT = 1;
const NAME = 2;

/**
 * What one reading holds apart from code: the start and end of each literal, comment and quoted name (`kinds`), in
 * order; whether one is not closed, and whether a backslash stands outside them all (no SQL token holds one there).
 */
interface Spans {
  starts: number[];
  ends: number[];
  kinds: number[];
  open: boolean;
  stray: boolean;
}

/**
 * `sql` itself when its literals, comments and quoted names lie in the same places with and without backslash
 * escapes (always so without a backslash); else `sql` with literals replaced by `'x'`: those of the one reading that
 * lexes (everything closed, no backslash left outside) when only one does (the statement the server could run);
 * else, where both or neither do, every stretch that either reading holds apart from code, overlapping ones merged:
 * `'x'` where one of them is a literal (no value of either reading is left as text), a space where they are only
 * comments and names read differently.
 */
export function escapeSafeSql(sql: string, mysql: boolean): string {
  if (sql.indexOf('\\') === -1) return sql;
  const usual = spansOf(sql, mysql, false);
  const other = spansOf(sql, mysql, true);
  if (sameSpans(usual, other)) return sql;
  const usualLexes = !usual.open && !usual.stray;
  const otherLexes = !other.open && !other.stray;
  if (usualLexes && !otherLexes) return sql;
  if (otherLexes && !usualLexes) return literalsRewritten(sql, other);
  return unionRewritten(sql, usual, other);
}

/**
 * The literals, comments and quoted names of `sql` as the fingerprint scans lex them (words passed over), with
 * backslash escapes read as the dialect's default has them, or (`flipped`) the other way. Stops at one not closed.
 */
function spansOf(sql: string, mysql: boolean, flipped: boolean): Spans {
  const n = sql.length;
  const spans: Spans = { starts: [], ends: [], kinds: [], open: false, stray: false };
  const add = (start: number, end: number, kind: number): boolean => {
    spans.starts.push(start);
    spans.ends.push(end < 0 ? n : end);
    spans.kinds.push(kind);
    if (end < 0) spans.open = true;
    return end >= 0;
  };
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    let end = -2;
    let kind = LITERAL;
    if (c === QUOTE || (c === DQUOTE && mysql)) {
      // MySQL: every string escapes by default; PostgreSQL: `E'…'` always, every string with the setting off.
      const backslash = mysql ? !flipped : flipped || isEscapePrefixed(sql, i);
      end = quotedEnd(sql, i, c, backslash);
    } else if (c === DQUOTE || c === BACKTICK) {
      end = quotedEnd(sql, i, c, false);
      kind = NAME;
    } else if ((c === DASH && next === DASH) || (c === HASH && mysql)) {
      const eol = sql.indexOf('\n', i);
      end = eol < 0 ? n : eol;
      kind = COMMENT;
    } else if (c === SLASH && next === STAR) {
      end = blockCommentEnd(sql, i, !mysql);
      kind = COMMENT;
    } else if (c === DOLLAR && !isDigit(next)) {
      const e = dollarQuoteEnd(sql, i);
      if (e >= 0) end = e;
    } else if (isWordChar(c)) {
      i++;
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
      continue;
    } else if (c === BACKSLASH) {
      spans.stray = true;
    }
    if (end === -2) {
      i++;
      continue;
    }
    if (!add(i, end, kind)) return spans;
    i = end;
  }
  return spans;
}

function sameSpans(a: Spans, b: Spans): boolean {
  if (a.starts.length !== b.starts.length || a.open !== b.open) return false;
  for (let k = 0; k < a.starts.length; k++) {
    if (a.starts[k] !== b.starts[k] || a.ends[k] !== b.ends[k] || a.kinds[k] !== b.kinds[k]) return false;
  }
  return true;
}

/** `sql` with the literals of one reading replaced by `'x'` (its comments and names kept as they are). */
function literalsRewritten(sql: string, spans: Spans): string {
  let out = '';
  let at = 0;
  for (let k = 0; k < spans.starts.length; k++) {
    if (spans.kinds[k] !== LITERAL) continue;
    out += `${sql.slice(at, spans.starts[k])}'x'`;
    at = spans.ends[k] as number;
  }
  return out + sql.slice(at);
}

/**
 * `sql` with every stretch either reading holds apart from code merged where they overlap: `'x'` for a merged
 * stretch holding a literal, the text itself for one span both readings agree on, else a space.
 */
function unionRewritten(sql: string, a: Spans, b: Spans): string {
  const all: Array<[number, number, number]> = [];
  for (const s of [a, b])
    for (let k = 0; k < s.starts.length; k++)
      all.push([s.starts[k] as number, s.ends[k] as number, s.kinds[k] as number]);
  all.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  let out = '';
  let at = 0;
  let k = 0;
  while (k < all.length) {
    const [start, firstEnd, firstKind] = all[k] as [number, number, number];
    let end = firstEnd;
    let literal = firstKind === LITERAL;
    let alike = true;
    k++;
    while (k < all.length && (all[k] as [number, number, number])[0] < end) {
      const [s, e, kind] = all[k] as [number, number, number];
      if (s !== start || e !== firstEnd || kind !== firstKind) alike = false;
      end = Math.max(end, e);
      if (kind === LITERAL) literal = true;
      k++;
    }
    out += sql.slice(at, start) + (literal ? "'x'" : alike ? sql.slice(start, end) : ' ');
    at = end;
  }
  return out + sql.slice(at);
}
