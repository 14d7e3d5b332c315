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

// Character classes below 128 by table (one load where isWordChar makes up to six comparisons): 1 a letter or `_`
// (a word's first character; so is every character from 128), 2 a digit or `$` (the rest of a word's characters).
const CLASS = new Uint8Array(128);
for (let k = 0; k < 128; k++) {
  if ((k >= 97 && k <= 122) || (k >= 65 && k <= 90) || k === 95) CLASS[k] = 1;
  else if (isWordChar(k)) CLASS[k] = 2;
}

/** The index past the word characters (isWordChar) from `j`. */
function wordEnd(sql: string, j: number, n: number): number {
  while (j < n) {
    const d = sql.charCodeAt(j);
    if (d < 128 && CLASS[d] === 0) return j;
    j++;
  }
  return j;
}

/** The index past a `$tag$ … $tag$` (or `$$ … $$`) literal opening at `i`; -1 when `$` opens none there. */
export function dollarQuoteEnd(sql: string, i: number): number {
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
function kindAt(
  out: string,
  at: number,
  square: boolean,
  valuesEnd: number,
  last: number,
  prev: number,
): number {
  // The tests read the 8 characters before the bracket; each needs a last letter first (no slice without one).
  // `last` and `prev` are out's characters at at-1 and at-2 (-1 before the start), kept by the scan: reading them
  // from `out`, a string built by +=, would copy it whole each time (V8 flattens it).
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
  // out's last two characters (-1 before its start), kept here so that no test reads `out` itself: a string built
  // by += is a tree of parts, and reading one character of it copies it whole (V8 flattens it).
  let l1 = -1;
  let l2 = -1;
  let i = 0;
  let pendingSpace = false;
  let top = 0;
  let valuesEnd = -1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    let tok: string;
    if (c >= 128 || CLASS[c] === 1) {
      // A word (a letter, `_` or a character from 128 first: nothing else begins with one, so tested first).
      const j = wordEnd(sql, i + 1, n);
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
        if (
          (p === 110 || p === 116 || p === 102) &&
          isConstantWord(tok) &&
          (l1 === 40 || l1 === 44 || l1 === 61 || startsOperand(out))
        )
          tok = '?';
      }
    } else if (isSpace(c)) {
      pendingSpace = true;
      i++;
      continue;
    } else if ((c === DASH && sql.charCodeAt(i + 1) === DASH) || (c === HASH && mysql)) {
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      pendingSpace = true;
      continue;
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      i = blockCommentEnd(sql, i, !mysql);
      pendingSpace = true;
      continue;
    } else if (c === QUOTE || (c === DQUOTE && mysql)) {
      i = skipQuoted(sql, i, c, mysql || isEscapePrefixed(sql, i));
      tok = '?';
    } else if (c === DQUOTE || c === BACKTICK) {
      const end = skipQuoted(sql, i, c, false);
      tok = sql.slice(i, end);
      i = end;
    } else if (c === DOLLAR) {
      const dollarEnd = isDigit(sql.charCodeAt(i + 1)) ? -1 : dollarQuoteEnd(sql, i);
      if (dollarEnd >= 0) {
        i = dollarEnd;
        tok = '?';
      } else {
        // `$1` (a placeholder), or a word that begins with `$`: both read to the word's end or the digits' end.
        let j = i + 1;
        if (isDigit(sql.charCodeAt(j))) while (j < n && isDigit(sql.charCodeAt(j))) j++;
        else j = wordEnd(sql, j, n);
        tok = sql.slice(i, j);
        i = j;
      }
    } else if (isDigit(c) || (c === DOT && isDigit(sql.charCodeAt(i + 1)))) {
      i = numberEnd(sql, i);
      tok = '?';
      // A unary sign is part of the literal: spaced as if it were not there (scanSql).
      if ((l1 === DASH || l1 === PLUS) && UNARY_SIGN.test(out.slice(-16))) {
        out = out.slice(0, -1);
        l1 = l2;
        l2 = out.length > 1 ? out.charCodeAt(out.length - 2) : -1;
        pendingSpace = false;
      }
    } else {
      // Punctuation: kept, with the spacing normalised around commas and brackets.
      i++;
      if (c === COMMA || c === CLOSE) {
        out += c === COMMA ? ',' : ')';
        l2 = l1;
        l1 = c;
        pendingSpace = c === COMMA;
        if (c === COMMA) continue;
      } else {
        if (pendingSpace && out.length > 0) {
          out += ' ';
          l2 = l1;
          l1 = SPACE;
        }
        if (c === OPEN || c === OPEN_SQUARE) {
          const at = out.length;
          fAt[top] = at;
          fKind[top] = kindAt(out, at, c === OPEN_SQUARE, valuesEnd, l1, l2);
          fDepth[top] = 1;
          fValuesEnd[top] = valuesEnd;
          top++;
        }
        out += sql[i - 1] as string;
        l2 = l1;
        l1 = c;
        pendingSpace = false;
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
        else {
          out = out.slice(0, valuesEnd);
          l1 = valuesEnd > 0 ? out.charCodeAt(valuesEnd - 1) : -1;
          l2 = valuesEnd > 1 ? out.charCodeAt(valuesEnd - 2) : -1;
        }
        continue;
      }
      if (depth > 3) continue;
      if (kind === ARRAY_LIST) {
        if (ARRAY_SEG.test(out.slice(at))) {
          out = `${out.slice(0, out.charCodeAt(at - 1) === SPACE ? at - 1 : at)}[...]`;
          l2 = DOT;
          l1 = CLOSE_SQUARE;
        }
      } else if (IN_SEG.test(out.slice(at))) {
        out = `${out.slice(0, at)}(...)`;
        l2 = DOT;
        l1 = CLOSE;
      }
      continue;
    }
    if (pendingSpace && out.length > 0) {
      out += ' ';
      l2 = l1;
      l1 = SPACE;
    }
    pendingSpace = false;
    out += tok;
    const tl = tok.length;
    if (tl > 1) {
      l2 = tok.charCodeAt(tl - 2);
      l1 = tok.charCodeAt(tl - 1);
    } else {
      l2 = l1;
      l1 = tok.charCodeAt(0);
    }
  }
  return out;
}
