// The literals a word opens, for both fingerprint scans: E'…', N'…', X'…', B'…', PostgreSQL's U&'…' (with its
// UESCAPE), and a MySQL charset introducer before a string, hex or bit literal (`_utf8mb4'x'`, `_binary X'ff'`).

import { DQUOTE, isSpace, isWordChar, QUOTE } from './fingerprint-lex.js';
import { skipQuoted } from './fingerprint-tail.js';

// MySQL's and MariaDB's character sets (SHOW CHARACTER SET): `_<name>` before a literal is an introducer, part
// of the literal (outside review 28, RT28-2: `IN (_utf8mb4'a', _utf8mb4'b')` did not fold as `IN ('a', 'b')`).
const CHARSET =
  /^(?:armscii8|ascii|big5|binary|cp1250|cp1251|cp1256|cp1257|cp850|cp852|cp866|cp932|dec8|eucjpms|euckr|gb18030|gb2312|gbk|geostd8|greek|hebrew|hp8|keybcs2|koi8r|koi8u|latin1|latin2|latin5|latin7|macce|macroman|sjis|swe7|tis620|ucs2|ujis|utf16|utf16le|utf32|utf8|utf8mb3|utf8mb4)$/i;
// PostgreSQL: U&'d!0061t' UESCAPE '!' is one constant, its escape character included.
const UESCAPE = /\s*uescape\s*'[^']*'/iy;

/**
 * The index past the literal that the word sql[i, j) opens, or -1 when it opens none: `E'…'` (backslash escapes),
 * `N'…'`, `X'…'`, `B'…'`; in PostgreSQL `U&'…'` and its `UESCAPE '…'`; in MySQL a charset introducer (`_utf8mb4`,
 * `_binary`, …) and the string, `X'…'`, `B'…'`, `0x…` or `0b…` literal after it, spaces between allowed.
 */
export function prefixedLiteralEnd(sql: string, i: number, j: number, mysql: boolean): number {
  const c = sql.charCodeAt(i) | 32;
  const next = sql.charCodeAt(j);
  if (j - i === 1) {
    if (next === QUOTE && (c === 101 || c === 110 || c === 120 || c === 98))
      return skipQuoted(sql, j, QUOTE, c === 101 || mysql);
    if (c === 117 && !mysql && next === 38 && sql.charCodeAt(j + 1) === QUOTE) {
      const end = skipQuoted(sql, j + 1, QUOTE, false);
      UESCAPE.lastIndex = end;
      return UESCAPE.test(sql) ? UESCAPE.lastIndex : end;
    }
    return -1;
  }
  if (!mysql || sql.charCodeAt(i) !== 95 || j - i > 9 || !CHARSET.test(sql.slice(i + 1, j))) return -1;
  const n = sql.length;
  let k = j;
  while (k < n && isSpace(sql.charCodeAt(k))) k++;
  const d = sql.charCodeAt(k);
  if (d === QUOTE || d === DQUOTE) return skipQuoted(sql, k, d, true);
  const e = d | 32;
  if ((e === 120 || e === 98) && sql.charCodeAt(k + 1) === QUOTE) return skipQuoted(sql, k + 1, QUOTE, true);
  const f = sql.charCodeAt(k + 1) | 32;
  if (d === 48 && (f === 120 || f === 98)) {
    let m = k + 2;
    while (m < n && isWordChar(sql.charCodeAt(m))) m++;
    return m;
  }
  return -1;
}
