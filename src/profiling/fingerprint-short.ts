// The fingerprint scan of a short statement (at most SHORT_SQL characters, what most applications send): the same
// lexer and the same folds as scanSql, on one string rather than a list of parts, with no closure and no object
// made per call. A short statement never reaches MAX_SQL_SCAN nor MAX_SQL_INPUT (its folded text is at most a few
// times its length), so it is read to its end and needs neither bound nor tail. test/profiling/fp-short.test.ts
// compares it with scanSql on random statements (fixed seed).

import {
  ARRAY_BEFORE,
  ARRAY_SEG,
  BACKTICK,
  DASH,
  DOLLAR,
  DOT,
  DQUOTE,
  HASH,
  IN_BEFORE,
  IN_SEG,
  isConstantWord,
  isDigit,
  isHexDigit,
  isSpace,
  isWordChar,
  QUOTE,
  ROW_SEG,
  SLASH,
  SPACE,
  STAR,
  startsOperand,
  UNARY_SIGN,
  VALUES_BEFORE,
} from './fingerprint-lex.js';
import { prefixedLiteralEnd } from './fingerprint-literal.js';
import { blockCommentEnd, isEscapePrefixed, skipQuoted } from './fingerprint-tail.js';

/** Statements up to this length take the short scan. */
export const SHORT_SQL = 4096;

const COMMA = 44;
const PLUS = 43;
const AMP = 38;
const OPEN = 40;
const CLOSE = 41;
const OPEN_SQUARE = 91;
const CLOSE_SQUARE = 93;

// Bracket kinds, as scanSql's: 0 other, 1 IN (, 2 ARRAY[, 3 VALUES' first row, 4 a later VALUES row.
const OTHER = 0;
const IN_LIST = 1;
const ARRAY_LIST = 2;
const FIRST_ROW = 3;
const NEXT_ROW = 4;

// The open brackets (scanSql's frames), reused by every call: the scan is synchronous and never re-entered. Without
// scanSql's `words`: it only spares a list test that cannot match (a word in a list item is a cast's type name, after
// `::` or a `.`, in the tests' pattern too), which costs a short statement more than the test.
const fAt: number[] = [];
const fKind: number[] = [];
const fDepth: number[] = [];
const fValuesEnd: number[] = [];

/** The index past a `$tag$ … $tag$` (or `$$ … $$`) literal opening at `i`; -1 when `$` opens none there. */
function dollarQuoteEnd(sql: string, i: number): number {
  const n = sql.length;
  let j = i + 1;
  while (j < n && isWordChar(sql.charCodeAt(j)) && sql.charCodeAt(j) !== DOLLAR) j++;
  if (sql.charCodeAt(j) !== DOLLAR) return -1;
  const tag = sql.slice(i, j + 1);
  const end = sql.indexOf(tag, j + 1);
  return end === -1 ? n : end + tag.length;
}

/** The index past the number at `i` (12, 1.5, .5, 1e-3, 0x1F, and digits glued to letters). */
function numberEnd(sql: string, i: number): number {
  const n = sql.length;
  let j = i;
  if (sql.charCodeAt(i) === 48 && (sql.charCodeAt(i + 1) | 32) === 120) {
    j = i + 2;
    while (j < n && isHexDigit(sql.charCodeAt(j))) j++;
  } else {
    while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === DOT)) j++;
    if ((sql.charCodeAt(j) | 32) === 101) {
      const s = sql.charCodeAt(j + 1);
      const k = s === 43 || s === DASH ? j + 2 : j + 1;
      if (isDigit(sql.charCodeAt(k))) {
        j = k;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
      }
    }
  }
  while (j < n && isWordChar(sql.charCodeAt(j))) j++;
  return j;
}

/** What an open bracket at `at` of `out` may fold as (scanSql's open()). */
function kindAt(out: string, at: number, square: boolean, valuesEnd: number): number {
  // The tests read the 8 characters before the bracket; each needs a last letter first (no slice without one).
  const last = at > 0 ? out.charCodeAt(at - 1) : -1;
  const prev = at > 1 ? out.charCodeAt(at - 2) : -1;
  if (square) {
    // ARRAY_BEFORE needs `array` or `array ` last.
    const y = (last === SPACE ? prev : last) | 32;
    return y === 121 && ARRAY_BEFORE.test(out.slice(at > 8 ? at - 8 : 0, at)) ? ARRAY_LIST : OTHER;
  }
  if (last === SPACE && (prev | 32) === 110 && IN_BEFORE.test(out.slice(at > 8 ? at - 8 : 0, at)))
    return IN_LIST;
  if (last === SPACE && (prev | 32) === 115 && VALUES_BEFORE.test(out.slice(at > 8 ? at - 8 : 0, at)))
    return FIRST_ROW;
  if (valuesEnd >= 0 && (last === COMMA || (last === SPACE && prev === COMMA))) {
    const sep = out.slice(valuesEnd, at);
    if (sep === ', ' || sep === ',') return NEXT_ROW;
  }
  return OTHER;
}

/** The normalised, folded text of a statement of at most SHORT_SQL characters: scanSql(sql, 0, dialect).text. */
export function scanShort(sql: string, mysql: boolean): string {
  const n = sql.length;
  let out = '';
  let i = 0;
  let pendingSpace = false;
  let top = 0;
  let valuesEnd = -1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      pendingSpace = true;
      i++;
      continue;
    }
    if ((c === DASH && sql.charCodeAt(i + 1) === DASH) || (c === HASH && mysql)) {
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      pendingSpace = true;
      continue;
    }
    if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      i = blockCommentEnd(sql, i, !mysql);
      pendingSpace = true;
      continue;
    }
    let tok: string;
    const dollarEnd = c === DOLLAR && !isDigit(sql.charCodeAt(i + 1)) ? dollarQuoteEnd(sql, i) : -1;
    if (c === QUOTE || (c === DQUOTE && mysql)) {
      i = skipQuoted(sql, i, c, mysql || isEscapePrefixed(sql, i));
      tok = '?';
    } else if (c === DQUOTE || c === BACKTICK) {
      const end = skipQuoted(sql, i, c, false);
      tok = sql.slice(i, end);
      i = end;
    } else if (c === DOLLAR && dollarEnd < 0 && isDigit(sql.charCodeAt(i + 1))) {
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      tok = sql.slice(i, j);
      i = j;
    } else if (dollarEnd >= 0) {
      i = dollarEnd;
      tok = '?';
    } else if (isDigit(c) || (c === DOT && isDigit(sql.charCodeAt(i + 1)))) {
      i = numberEnd(sql, i);
      tok = '?';
      // A unary sign is part of the literal: spaced as if it were not there (scanSql).
      const sign = out.charCodeAt(out.length - 1);
      if ((sign === DASH || sign === PLUS) && UNARY_SIGN.test(out.slice(-16))) {
        out = out.slice(0, -1);
        pendingSpace = false;
      }
    } else if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      // E'…', N'…', X'…', B'…', U&'…', _utf8mb4'…' (prefixedLiteralEnd); NULL, TRUE, FALSE as an operand.
      // Tested only where a prefix can be (one letter before a quote or `&`; `_` in MySQL): this runs for every word.
      const len = j - i;
      const end =
        (len === 1 && j < n && (sql.charCodeAt(j) === QUOTE || sql.charCodeAt(j) === AMP)) ||
        (c === 95 && mysql)
          ? prefixedLiteralEnd(sql, i, j, mysql)
          : -1;
      if (end >= 0) {
        i = end;
        tok = '?';
      } else {
        tok = sql.slice(i, j);
        i = j;
        // NULL, TRUE, FALSE where an operand begins (the first letter tested here: this runs for every word).
        const p = c | 32;
        if ((p === 110 || p === 116 || p === 102) && isConstantWord(tok) && startsOperand(out)) tok = '?';
      }
    } else {
      // Punctuation: kept, with the spacing normalised around commas and brackets.
      i++;
      if (c === COMMA || c === CLOSE) {
        out += c === COMMA ? ',' : ')';
        pendingSpace = c === COMMA;
        if (c === COMMA) continue;
      } else {
        if (pendingSpace && out.length > 0) out += ' ';
        out += sql[i - 1] as string;
        pendingSpace = false;
        if (c === OPEN || c === OPEN_SQUARE) {
          const at = out.length - 1;
          fAt[top] = at;
          fKind[top] = kindAt(out, at, c === OPEN_SQUARE, valuesEnd);
          fDepth[top] = 1;
          fValuesEnd[top] = valuesEnd;
          top++;
        }
        if (c !== CLOSE_SQUARE) continue;
      }
      // A close (`)` or `]`): fold the list it ends (IN (…), ARRAY[…], a VALUES row after the first), as scanSql.
      if (top === 0) continue;
      top--;
      const at = fAt[top] as number;
      const kind = fKind[top] as number;
      const depth = fDepth[top] as number;
      if (top > 0) {
        if (depth + 1 > (fDepth[top - 1] as number)) fDepth[top - 1] = depth + 1;
      }
      if (valuesEnd > at) valuesEnd = -1;
      if (kind === OTHER) continue;
      if (kind === FIRST_ROW || kind === NEXT_ROW) {
        if (depth > 2 || (kind === NEXT_ROW && valuesEnd !== fValuesEnd[top])) continue;
        if (!ROW_SEG.test(out.slice(at))) continue;
        if (kind === FIRST_ROW) valuesEnd = out.length;
        else out = out.slice(0, valuesEnd);
        continue;
      }
      if (depth > 3) continue;
      if (kind === ARRAY_LIST) {
        if (ARRAY_SEG.test(out.slice(at)))
          out = `${out.slice(0, out.charCodeAt(at - 1) === SPACE ? at - 1 : at)}[...]`;
      } else if (IN_SEG.test(out.slice(at))) out = `${out.slice(0, at)}(...)`;
      continue;
    }
    if (pendingSpace && out.length > 0) out += ' ';
    pendingSpace = false;
    out += tok;
  }
  return out;
}
