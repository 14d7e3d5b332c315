// Query fingerprints: the statement with every literal replaced by `?`, comments dropped, whitespace
// collapsed and IN-lists folded, so that queries group by shape and no value is ever kept.

import { isUntimedSql } from './untimed-sql.js';

/** SQL dialects the fingerprinter knows: in MySQL a double-quoted token is a string (a literal). */
export type SqlDialect = 'postgres' | 'mysql';

/** Fingerprints longer than this are cut (with `…`): bounds memory when a query is built by concatenation. */
export const MAX_FINGERPRINT_LENGTH = 1000;

/**
 * Statement text read for a fingerprint, literals and comments not counted (they are passed over, once):
 * the rest of a longer statement is not read, and its fingerprint ends in `…`. Bounds the scan's work and memory.
 */
export const MAX_SQL_SCAN = 64 * 1024;

const SPACE = 32;
const QUOTE = 39; // '
const DQUOTE = 34; // "
const BACKTICK = 96; // `
const DOLLAR = 36; // $
const BACKSLASH = 92;
const DASH = 45;
const SLASH = 47;
const STAR = 42;
const HASH = 35;
const DOT = 46;

function isSpace(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === DOLLAR || c >= 128;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * The fingerprint of an SQL statement: string, number, hex, bit and dollar-quoted literals become `?`;
 * comments go; runs of whitespace become one space; `IN (?, ?, …)` and `IN ($1, $2, …)` become
 * `IN (...)` (also with casts, `IN ($1::int, …)`, and rows, `IN ((?, ?), …)`), `ARRAY[?, ?, …]` becomes
 * `ARRAY[...]`; a multi-row `VALUES (…), (…)` keeps its first row only (as one row reads). Placeholders
 * (`$1`, `?`, `:name`) and identifiers stay. Lists fold as the scan goes, so a long list reads as short.
 * Past MAX_FINGERPRINT_LENGTH the fingerprint is cut and ends in ` #<hash of the cut part>…` (the
 * normalised text, literals already `?`): statements that differ only after the cut stay apart.
 * Never throws; a non-string gives `?`.
 */
export function fingerprintSql(sql: string, dialect: SqlDialect = 'postgres'): string {
  if (typeof sql !== 'string') return '?';
  const n = sql.length;
  let out = '';
  let i = 0;
  // Whether the last thing written was a space (or nothing yet): collapses whitespace.
  let pendingSpace = false;
  // Characters of literals and comments passed over: MAX_SQL_SCAN counts the rest (the text that is kept).
  let skipped = 0;
  const emit = (s: string) => {
    if (pendingSpace && out.length > 0) out += ' ';
    pendingSpace = false;
    out += s;
  };
  // Where each open ( and [ sits in `out`, and the end of a multi-row VALUES' first row (-1: none).
  const opens: number[] = [];
  let valuesEnd = -1;
  // On a close: fold the list it ends (IN (…), ARRAY[…], a VALUES row after the first) where it ends.
  const close = (open: number | undefined) => {
    if (open === undefined) return;
    if (valuesEnd > open) valuesEnd = -1;
    const before = out.slice(Math.max(0, open - 8), open);
    if (out.charCodeAt(open) === 91) {
      if (ARRAY_BEFORE.test(before) && ARRAY_SEG.test(out.slice(open))) {
        out = `${out.slice(0, out.charCodeAt(open - 1) === SPACE ? open - 1 : open)}[...]`;
      }
    } else if (IN_BEFORE.test(before)) {
      if (IN_SEG.test(out.slice(open))) out = `${out.slice(0, open)}(...)`;
    } else if (VALUES_BEFORE.test(before)) {
      if (ROW_SEG.test(out.slice(open))) valuesEnd = out.length;
    } else if (valuesEnd >= 0 && (before.endsWith(', ') || before.endsWith(','))) {
      const sep = out.slice(valuesEnd, open);
      if ((sep === ', ' || sep === ',') && ROW_SEG.test(out.slice(open))) out = out.slice(0, valuesEnd);
    }
  };
  while (i < n) {
    if (i - skipped >= MAX_SQL_SCAN) break;
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      pendingSpace = true;
      i++;
      continue;
    }
    // -- and # (MySQL) line comments, /* */ block comments: dropped, they may hold anything.
    if ((c === DASH && sql.charCodeAt(i + 1) === DASH) || (c === HASH && dialect === 'mysql')) {
      const from = i;
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      skipped += i - from;
      pendingSpace = true;
      continue;
    }
    if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      const end = blockCommentEnd(sql, i, dialect === 'postgres');
      skipped += end - i;
      i = end;
      pendingSpace = true;
      continue;
    }
    // 'string' with '' (and in MySQL \') escapes; also E'…', N'…', X'…', B'…' prefixes below.
    if (c === QUOTE || (c === DQUOTE && dialect === 'mysql')) {
      const end = skipQuoted(sql, i, c, dialect === 'mysql' || isEscapePrefixed(sql, i));
      skipped += end - i;
      i = end;
      emit('?');
      continue;
    }
    // "identifier" (PostgreSQL) and `identifier` (MySQL) are kept as written.
    if (c === DQUOTE || c === BACKTICK) {
      const end = skipQuoted(sql, i, c, false);
      emit(sql.slice(i, end));
      i = end;
      continue;
    }
    if (c === DOLLAR) {
      // $1 placeholders stay; $tag$ … $tag$ and $$ … $$ strings are literals.
      if (isDigit(sql.charCodeAt(i + 1))) {
        let j = i + 1;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
        emit(sql.slice(i, j));
        i = j;
        continue;
      }
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j)) && sql.charCodeAt(j) !== DOLLAR) j++;
      if (sql.charCodeAt(j) === DOLLAR) {
        const tag = sql.slice(i, j + 1);
        const end = sql.indexOf(tag, j + 1);
        skipped += (end === -1 ? n : end + tag.length) - i;
        i = end === -1 ? n : end + tag.length;
        emit('?');
        continue;
      }
    }
    // Numbers (not part of a word: t1 stays t1): 12, 1.5, .5, 1e-3, 0x1F.
    if (isDigit(c) || (c === DOT && isDigit(sql.charCodeAt(i + 1)))) {
      let j = i;
      if (c === 48 && (sql.charCodeAt(i + 1) | 32) === 120) {
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
      // Digits glued to letters (123abc) are a word in MySQL: swallow the rest as part of the literal.
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      emit('?');
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      // A prefixed string (E'…', N'…', X'…', B'…', U&'…' is rare and left to the quote rule).
      if (j - i === 1 && sql.charCodeAt(j) === QUOTE && /[eEnNxXbB]/.test(sql[i] as string)) {
        const end = skipQuoted(sql, j, QUOTE, (c | 32) === 101 || dialect === 'mysql');
        skipped += end - i;
        i = end;
        emit('?');
        continue;
      }
      emit(sql.slice(i, j));
      i = j;
      continue;
    }
    // Punctuation: keep, with the spacing normalised around commas and parentheses.
    const ch = sql[i] as string;
    if (ch === ',' || ch === ')') {
      pendingSpace = false;
      out += ch;
      if (ch === ',') pendingSpace = true;
      else close(opens.pop());
    } else if (ch === '(') {
      emit(ch);
      opens.push(out.length - 1);
      pendingSpace = false;
    } else if (ch === '[' || ch === ']') {
      emit(ch);
      if (ch === '[') opens.push(out.length - 1);
      else close(opens.pop());
    } else {
      emit(ch);
    }
    i++;
  }
  return cut(out, i < n);
}

function isEscapePrefixed(sql: string, quoteAt: number): boolean {
  const p = sql.charCodeAt(quoteAt - 1) | 32;
  return p === 101 && (quoteAt < 2 || !isWordChar(sql.charCodeAt(quoteAt - 2)));
}

// The index just past the closing quote (a doubled quote is an escaped one; with `backslash`, so is \x).
function skipQuoted(sql: string, start: number, quote: number, backslash: boolean): number {
  const n = sql.length;
  let i = start + 1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslash && c === BACKSLASH) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return n;
}

// One list item as the scan leaves it: `?` or `$n`, with an optional cast (`::int`, `::varchar(?)`, `::text[]`).
const ITEM = String.raw`(?:\?|\$\d+)(?: ?:: ?[A-Za-z_][\w.]*(?:\(\?(?:, ?\?)*\))?(?:\[\])*)?`;
// A row of items: (?, ?) in `(a, b) IN ((?, ?), (?, ?))`.
const ROW = String.raw`\(${ITEM}(?:, ?${ITEM})*\)`;
const LIST_ITEM = `(?:${ITEM}|${ROW})`;
// IN (?, ?) / IN ($1::int, $2::int) / IN ((?, ?), (?, ?)) -> IN (...); ARRAY[?, ?] -> ARRAY[...];
// VALUES (?, ?), (?, ?) -> VALUES (?, ?): one fingerprint whatever the list's length (outside review 9b, F9).
// Tested on the text a close ends (from its open) and on the few characters before the open: the scan folds
// each list as it closes, so the length limits apply to the folded text (outside review 10, F3).
const IN_SEG = new RegExp(String.raw`^\(${LIST_ITEM}(?:, ?${LIST_ITEM})*\)$`);
const ARRAY_SEG = new RegExp(String.raw`^\[${LIST_ITEM}(?:, ?${LIST_ITEM})*\]$`);
const ROW_SEG = /^\((?:[^()']|\([^()]*\))*\)$/;
const IN_BEFORE = /(?:^|\W)in $/i;
const ARRAY_BEFORE = /(?:^|\W)array ?$/i;
const VALUES_BEFORE = /(?:^|\W)(?:values|VALUES|Values) $/;

// Cut to MAX_FINGERPRINT_LENGTH: ` #<8 hex>…` stands for the part cut off (its FNV-1a hash), so two statements
// that differ only there stay two fingerprints; `…` alone ends a short one whose text was not all read.
function cut(s: string, unread: boolean): string {
  if (s.length <= MAX_FINGERPRINT_LENGTH && !unread) return s;
  if (s.length < MAX_FINGERPRINT_LENGTH) return `${s}…`;
  const keep = MAX_FINGERPRINT_LENGTH - 11;
  let h = 0x811c9dc5;
  for (let k = keep; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return `${s.slice(0, keep)} #${(h >>> 0).toString(16).padStart(8, '0')}…`;
}

/**
 * Index just past the block comment opening at `start`. PostgreSQL nests block comments (an inner
 * opening needs its own close), MySQL does not: without nesting, the text after the inner close (which
 * may hold anything, a literal included) was kept in a PostgreSQL fingerprint.
 */
function blockCommentEnd(sql: string, start: number, nests: boolean): number {
  if (!nests) {
    const end = sql.indexOf('*/', start + 2);
    return end === -1 ? sql.length : end + 2;
  }
  let depth = 1;
  let i = start + 2;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      depth++;
      i += 2;
    } else if (c === STAR && sql.charCodeAt(i + 1) === SLASH) {
      i += 2;
      if (--depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** The fingerprint of a Redis command: its name in upper case, never its keys or arguments. */
export function fingerprintRedis(command: string): string {
  if (typeof command !== 'string' || command === '') return '?';
  const name = command.length > 40 ? command.slice(0, 40) : command;
  return /^[A-Za-z][A-Za-z0-9_.|-]*$/.test(name) ? name.toUpperCase() : '?';
}

/**
 * A bounded cache of fingerprints by statement text: the same parameterised statement is seen again and
 * again, and a Map lookup costs far less than a scan. When full it starts over (simple, and bounded).
 * A statement left out of the query figures (isUntimedSql: a lock wait, the untimed marker) is kept as null.
 */
export class FingerprintCache {
  private readonly map = new Map<string, string | null>();
  private readonly limit: number;
  private readonly dialect: SqlDialect;

  constructor(dialect: SqlDialect, limit = 2000) {
    this.dialect = dialect;
    this.limit = limit;
  }

  /** The statement's fingerprint, or null when it is not timed (a lock wait, or marked untimed). */
  timed(sql: string): string | null {
    const known = this.map.get(sql);
    if (known !== undefined) return known;
    const fp = fingerprintSql(sql, this.dialect);
    const entry = isUntimedSql(sql, fp, this.dialect) ? null : fp;
    // Very long statements are not kept as keys: they are usually built with inlined values.
    if (sql.length <= 4096) {
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(sql, entry);
    }
    return entry;
  }
}
