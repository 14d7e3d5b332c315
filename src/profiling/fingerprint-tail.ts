// The end of a statement the fingerprint scan did not read to its end (past MAX_SQL_SCAN or MAX_SQL_INPUT):
// normalised as the rest is, so statements that share a long list but differ after it (`FOR UPDATE`,
// `RETURNING`, `ON CONFLICT …`, a sub-select) keep apart, and statements differing only in values do not.

/** As SqlDialect in fingerprint.ts (which imports this file). */
type SqlDialect = 'postgres' | 'mysql';

const BACKSLASH = 92;
const SLASH = 47;
const STAR = 42;

/** Characters at the end of a statement read for its tail (outside review 11, F1). */
export const TAIL_CHARS = 4096;

// What can open a literal, a comment or a quoted name: the only places where the lexer's state changes.
const PG_LEX = /['"$\-/]/g;
const MY_LEX = /['"`#\-/]/g;
const TOKEN_CHAR = /[\w.$\u0080-\uffff]/;

function isWordCode(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 128
  );
}

/**
 * The first index at or after `to` where a scan can start outside any literal, comment or quoted name, lexed
 * from `from` (where the scan stopped, between tokens) by jumping from one such opener to the next.
 */
export function resync(sql: string, from: number, to: number, dialect: SqlDialect): number {
  const re = dialect === 'mysql' ? MY_LEX : PG_LEX;
  const n = sql.length;
  let i = from;
  while (i < to) {
    re.lastIndex = i;
    const m = re.exec(sql);
    if (m === null || m.index >= to) {
      i = to;
      // Begun inside a word or number: start at the next token.
      if (i > 0 && TOKEN_CHAR.test(sql[i - 1] as string))
        while (i < n && TOKEN_CHAR.test(sql[i] as string)) i++;
      return i;
    }
    const k = m.index;
    const c = sql.charCodeAt(k);
    if (c === 36) {
      // $1 and a $ inside a word are not quotes; $tag$ … $tag$ is.
      if (
        (k > 0 && isWordCode(sql.charCodeAt(k - 1))) ||
        (sql.charCodeAt(k + 1) >= 48 && sql.charCodeAt(k + 1) <= 57)
      ) {
        i = k + 1;
        continue;
      }
      let j = k + 1;
      while (j < n && isWordCode(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
      if (sql.charCodeAt(j) !== 36) {
        i = k + 1;
        continue;
      }
      const tag = sql.slice(k, j + 1);
      const end = sql.indexOf(tag, j + 1);
      i = end === -1 ? n : end + tag.length;
    } else if ((c === 45 && sql.charCodeAt(k + 1) !== 45) || (c === 47 && sql.charCodeAt(k + 1) !== 42)) {
      i = k + 1;
    } else if (c === 45 || c === 35) {
      const end = sql.indexOf('\n', k);
      i = end === -1 ? n : end;
    } else if (c === 47) {
      i = blockCommentEnd(sql, k, dialect === 'postgres');
    } else if (c === 39 || (c === 34 && dialect === 'mysql')) {
      i = skipQuoted(sql, k, c, dialect === 'mysql' || isEscapePrefixed(sql, k));
    } else {
      i = skipQuoted(sql, k, c, false);
    }
  }
  return i;
}

// List items and rows a tail begins with (where it began inside a list), with their commas and spaces.
const LEADING_ITEMS = /^(?:\s|,|\?|\$\d+|\((?:[^()]|\([^()]*\))*\))*/;

/**
 * The normalised end of `sql` (its last TAIL_CHARS, from a token outside any literal), without the list it
 * may begin inside of: what was opened before the window and closes in it, and the items it begins with.
 * `scan` normalises the statement from an index. Holds no value: literals are `?` as in the rest.
 */
export function tailSignature(
  sql: string,
  stop: number,
  dialect: SqlDialect,
  scan: (from: number) => string,
): string {
  const start = resync(sql, stop, Math.max(stop, sql.length - TAIL_CHARS), dialect);
  let t = scan(start);
  let depth = 0;
  let after = 0;
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c === 40 || c === 91) depth++;
    else if (c === 41 || c === 93) {
      if (depth === 0) after = k + 1;
      else depth--;
    }
  }
  t = t.slice(after).replace(LEADING_ITEMS, '');
  return t.trim();
}

export function isEscapePrefixed(sql: string, quoteAt: number): boolean {
  const p = sql.charCodeAt(quoteAt - 1) | 32;
  return p === 101 && (quoteAt < 2 || !isWordCode(sql.charCodeAt(quoteAt - 2)));
}

// The index just past the closing quote (a doubled quote is an escaped one; with `backslash`, so is \x); the end of
// the statement when the literal is not closed.
export function skipQuoted(sql: string, start: number, quote: number, backslash: boolean): number {
  const end = quotedEnd(sql, start, quote, backslash);
  return end < 0 ? sql.length : end;
}

// As skipQuoted, but -1 when the literal is not closed. Jumps from quote to quote (indexOf), so a long literal costs
// little.
export function quotedEnd(sql: string, start: number, quote: number, backslash: boolean): number {
  const q = String.fromCharCode(quote);
  let i = start + 1;
  for (;;) {
    const j = sql.indexOf(q, i);
    if (j === -1) return -1;
    if (backslash) {
      let k = j - 1;
      while (k > start && sql.charCodeAt(k) === BACKSLASH) k--;
      if ((j - 1 - k) % 2 === 1) {
        i = j + 1;
        continue;
      }
    }
    if (sql.charCodeAt(j + 1) === quote) {
      i = j + 2;
      continue;
    }
    return j + 1;
  }
}

/**
 * Index just past the block comment opening at `start`. PostgreSQL nests block comments (an inner
 * opening needs its own close), MySQL does not: without nesting, the text after the inner close (which
 * may hold anything, a literal included) was kept in a PostgreSQL fingerprint.
 */
export function blockCommentEnd(sql: string, start: number, nests: boolean): number {
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
