// Query fingerprints: the statement with every literal replaced by `?`, comments dropped, whitespace
// collapsed and IN-lists folded, so that queries group by shape and no value is ever kept.

import { escapeSafeSql } from './fingerprint-escapes.js';
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
  LIST_ITEM_WORD,
  QUOTE,
  ROW_SEG,
  SLASH,
  STAR,
  startsOperand,
  UNARY_SIGN,
  VALUES_BEFORE,
} from './fingerprint-lex.js';
import { prefixedLiteralEnd } from './fingerprint-literal.js';
import { SHORT_SQL, scanShort } from './fingerprint-short.js';
import { blockCommentEnd, isEscapePrefixed, skipQuoted, tailSignature } from './fingerprint-tail.js';
import { isUntimedSql } from './untimed-sql.js';

/** SQL dialects the fingerprinter knows: in MySQL a double-quoted token is a string (a literal). */
export type SqlDialect = 'postgres' | 'mysql';

/** Fingerprints longer than this are cut (with `…`): bounds memory when a query is built by concatenation. */
export const MAX_FINGERPRINT_LENGTH = 1000;

/**
 * Folded text a fingerprint's scan keeps: past it (outside a list being read) the rest of the statement is not
 * read, and the fingerprint reads `<read part> … <tail>` (tailSignature). A list being read does not count: it
 * folds at its close.
 */
export const MAX_SQL_SCAN = 64 * 1024;

/**
 * Statement text read, literals and comments not counted (they are passed over with indexOf): the ceiling on the
 * scan's work whatever folds. 1 MiB holds any list PostgreSQL can take as parameters (65,535 `$n`).
 */
export const MAX_SQL_INPUT = 1024 * 1024;

/**
 * The fingerprint of an SQL statement: string, number, hex, bit and dollar-quoted literals (with their prefix or
 * charset introducer: `E'…'`, `U&'…'`, `_utf8mb4'…'`) and NULL, TRUE, FALSE where an operand begins become `?`;
 * comments go; runs of whitespace become one space; `IN (?, ?, …)` and `IN ($1, $2, …)` become
 * `IN (...)` (also with casts, `IN ($1::int, …)`, and rows, `IN ((?, ?), …)`), `ARRAY[?, ?, …]` becomes
 * `ARRAY[...]`; a multi-row `VALUES (…), (…)` keeps its first row only (as one row reads). Placeholders
 * (`$1`, `?`, `:name`) and identifiers stay. Lists fold as the scan goes, so a long list reads as short:
 * MAX_SQL_SCAN bounds the folded text, MAX_SQL_INPUT the text read. A statement not read to its end reads
 * `<read part> … <its normalised end, list items dropped>` (tailSignature).
 * Past MAX_FINGERPRINT_LENGTH the fingerprint is cut and ends in ` #<hash of the cut part>…` (the
 * normalised text, literals already `?`): statements that differ only after the cut stay apart.
 * Never throws; a non-string gives `?`.
 */
export function fingerprintSql(sql: string, dialect: SqlDialect = 'postgres'): string {
  if (typeof sql !== 'string') return '?';
  // Most statements are short: one string, no bound reached, no tail (fingerprint-short.ts; the same text).
  // Literals that end elsewhere with the other backslash setting are rewritten first (fingerprint-escapes.ts).
  if (sql.length <= SHORT_SQL)
    return cut(scanShort(escapeSafeSql(sql, dialect === 'mysql'), dialect === 'mysql'));
  return fingerprintLong(sql, dialect);
}

/** fingerprintSql's general path, whatever the statement's length: scanSql, and the tail of one not read to its end. */
export function fingerprintLong(sql: string, dialect: SqlDialect): string {
  sql = escapeSafeSql(sql, dialect === 'mysql');
  const r = scanSql(sql, 0, dialect);
  if (r.stop >= sql.length) return cut(r.text);
  // Not all read: the normalised end of the statement stands for the rest (tailSignature).
  const tail = tailSignature(sql, r.stop, dialect, (from) => scanSql(sql, from, dialect).text);
  return cut(tail === '' ? `${r.text} …` : `${r.text} … ${tail}`);
}

// A bracket open in the scan: its part index, what it may fold as, and what it holds (to skip hopeless tests).
interface Frame {
  at: number;
  kind: number; // 0 other, 1 IN (, 2 ARRAY[, 3 VALUES' first row, 4 a later VALUES row
  words: boolean; // a word that cannot be in a list item (not a cast's type name)
  depth: number; // brackets nested inside, plus one
  valuesEnd: number;
}
const OTHER = 0;
const IN_LIST = 1;
const ARRAY_LIST = 2;
const FIRST_ROW = 3;
const NEXT_ROW = 4;

/** The normalised, folded text of `sql` from `from`, and where the scan stopped (sql.length: all read). */
export function scanSql(sql: string, from: number, dialect: SqlDialect): { text: string; stop: number } {
  const n = sql.length;
  // The output as parts (never one growing string, which V8 copies whole at each look back), and its length.
  const parts: string[] = [];
  let outLen = 0;
  let i = from;
  // Whether the last thing written was a space (or nothing yet): collapses whitespace.
  let pendingSpace = false;
  // Characters of literals and comments passed over: MAX_SQL_INPUT counts the rest.
  let skipped = 0;
  const push = (s: string) => {
    parts.push(s);
    outLen += s.length;
  };
  const truncate = (at: number) => {
    while (parts.length > at) outLen -= (parts.pop() as string).length;
  };
  const emit = (s: string) => {
    if (pendingSpace && outLen > 0) push(' ');
    pendingSpace = false;
    push(s);
  };
  const frames: Frame[] = [];
  // Open brackets that may fold: while one is open, the folded-text bound waits for its close.
  let lists = 0;
  let valuesEnd = -1;
  // The last 16 characters written (the keywords UNARY_SIGN reads before a sign).
  const tail = (at: number) => {
    let b = '';
    for (let p = at - 1; p >= 0 && b.length < 16; p--) b = parts[p] + b;
    return b;
  };
  const before = (at: number) => {
    let b = '';
    for (let p = at - 1; p >= 0 && b.length < 8; p--) b = parts[p] + b;
    return b.slice(-8);
  };
  const open = (square: boolean) => {
    const at = parts.length - 1;
    const b = before(at);
    let kind = OTHER;
    if (square) {
      if (ARRAY_BEFORE.test(b)) kind = ARRAY_LIST;
    } else if (IN_BEFORE.test(b)) kind = IN_LIST;
    else if (VALUES_BEFORE.test(b)) kind = FIRST_ROW;
    else if (valuesEnd >= 0 && (b.endsWith(', ') || b.endsWith(','))) {
      const sep = parts.slice(valuesEnd, at).join('');
      if (sep === ', ' || sep === ',') kind = NEXT_ROW;
    }
    if (kind !== OTHER) lists++;
    frames.push({ at, kind, words: false, depth: 1, valuesEnd });
  };
  // A word inside a bracket: only a cast's type name (after `::` or a `.`) can be part of a list item.
  const word = () => {
    const f = frames[frames.length - 1];
    if (f === undefined || f.words) return;
    let p = parts.length - 2;
    if (parts[p] === ' ') p--;
    if (parts[p] !== ':' && parts[p] !== '.' && !LIST_ITEM_WORD.test(parts[parts.length - 1] as string))
      f.words = true;
  };
  // On a close: fold the list it ends (IN (…), ARRAY[…], a VALUES row after the first) where it ends.
  const close = () => {
    const f = frames.pop();
    if (f === undefined) return;
    const parent = frames[frames.length - 1];
    if (parent !== undefined) {
      parent.words ||= f.words;
      parent.depth = Math.max(parent.depth, f.depth + 1);
    }
    if (valuesEnd > f.at) valuesEnd = -1;
    if (f.kind === OTHER) return;
    lists--;
    if (f.kind === FIRST_ROW || f.kind === NEXT_ROW) {
      if (f.depth > 2 || (f.kind === NEXT_ROW && valuesEnd !== f.valuesEnd)) return;
      if (!ROW_SEG.test(parts.slice(f.at).join(''))) return;
      if (f.kind === FIRST_ROW) valuesEnd = parts.length;
      else truncate(valuesEnd);
      return;
    }
    if (f.words || f.depth > 3) return;
    const seg = parts.slice(f.at).join('');
    if (f.kind === ARRAY_LIST) {
      if (ARRAY_SEG.test(seg)) {
        truncate(parts[f.at - 1] === ' ' ? f.at - 1 : f.at);
        push('[...]');
      }
    } else if (IN_SEG.test(seg)) {
      truncate(f.at);
      push('(...)');
    }
  };
  while (i < n) {
    // Bounds: the folded text (a list being read waits for its close) and the text read, literals aside.
    if ((outLen >= MAX_SQL_SCAN && lists === 0) || i - from - skipped >= MAX_SQL_INPUT) break;
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
      word();
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
      // A unary sign is part of the literal: spaced as if it were not there.
      const sign = parts[parts.length - 1];
      if ((sign === '-' || sign === '+') && UNARY_SIGN.test(tail(parts.length))) {
        truncate(parts.length - 1);
        pendingSpace = false;
      }
      emit('?');
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      // A prefixed literal (E'…', N'…', X'…', B'…', U&'…', a MySQL charset introducer's `_utf8mb4'…'`).
      const end = prefixedLiteralEnd(sql, i, j, dialect === 'mysql');
      if (end >= 0) {
        skipped += end - i;
        i = end;
        emit('?');
        continue;
      }
      const w = sql.slice(i, j);
      i = j;
      // NULL, TRUE, FALSE where an operand begins are constants (IS NULL, NOT NULL stay).
      if (isConstantWord(w) && startsOperand(tail(parts.length))) {
        emit('?');
        continue;
      }
      emit(w);
      word();
      continue;
    }
    // Punctuation: keep, with the spacing normalised around commas and parentheses.
    const ch = sql[i] as string;
    if (ch === ',' || ch === ')') {
      pendingSpace = false;
      push(ch);
      if (ch === ',') pendingSpace = true;
      else close();
    } else if (ch === '(') {
      emit(ch);
      open(false);
      pendingSpace = false;
    } else if (ch === '[' || ch === ']') {
      emit(ch);
      if (ch === '[') open(true);
      else close();
    } else {
      emit(ch);
    }
    i++;
  }
  // Stopped inside a list: keep it up to its bracket (or VALUES to its first row), whatever length was read.
  if (i < n) {
    const f = frames.find((x) => x.kind !== OTHER);
    if (f !== undefined) truncate(f.kind === NEXT_ROW && f.valuesEnd >= 0 ? f.valuesEnd : f.at + 1);
    else if (valuesEnd >= 0 && parts.slice(valuesEnd).every((p) => p === ',' || p === ' '))
      truncate(valuesEnd);
  }
  return { text: parts.join(''), stop: i };
}

// Cut to MAX_FINGERPRINT_LENGTH: ` #<8 hex>…` stands for the part cut off (its FNV-1a hash), so two statements
// that differ only there stay two fingerprints.
function cut(s: string): string {
  if (s.length <= MAX_FINGERPRINT_LENGTH) return s;
  const keep = MAX_FINGERPRINT_LENGTH - 11;
  let h = 0x811c9dc5;
  for (let k = keep; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return `${s.slice(0, keep)} #${(h >>> 0).toString(16).padStart(8, '0')}…`;
}

/** The fingerprint of a Redis command: its name in upper case, never its keys or arguments. */
export function fingerprintRedis(command: string): string {
  if (typeof command !== 'string' || command === '') return '?';
  const name = command.length > 40 ? command.slice(0, 40) : command;
  return /^[A-Za-z][A-Za-z0-9_.|-]*$/.test(name) ? name.toUpperCase() : '?';
}

const LONG_KEY = 256 * 1024;
const LONG_ENTRIES = 4;

/**
 * A bounded cache of fingerprints by statement text: the same parameterised statement is seen again and
 * again, and a Map lookup costs far less than a scan. When full it starts over (simple, and bounded).
 * A statement left out of the query figures (isUntimedSql: a lock wait, the untimed marker) is kept as null.
 */
export class FingerprintCache {
  private readonly map = new Map<string, string | null>();
  private readonly long = new Map<string, string | null>();
  private readonly limit: number;
  private readonly dialect: SqlDialect;

  constructor(dialect: SqlDialect, limit = 2000) {
    this.dialect = dialect;
    this.limit = limit;
  }

  /** The statement's fingerprint, or null when it is not timed (a lock wait, or marked untimed). */
  timed(sql: string): string | null {
    const known = sql.length <= 4096 ? this.map.get(sql) : this.long.get(sql);
    if (known !== undefined) return known;
    const fp = fingerprintSql(sql, this.dialect);
    const entry = isUntimedSql(sql, fp, this.dialect) ? null : fp;
    // Very long statements are usually built with inlined values: a few (up to 256 KiB, an ORM's chunk of
    // 10,000 `$n` is ~70 KB) are kept apart, so a repeated one is not scanned again.
    if (sql.length <= 4096) {
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(sql, entry);
    } else if (sql.length <= LONG_KEY) {
      if (this.long.size >= LONG_ENTRIES) this.long.clear();
      this.long.set(sql, entry);
    }
    return entry;
  }
}
