// What the fingerprint scans share: character classes of the SQL lexer, and the tests that tell a list that folds
// (`IN (…)`, `ARRAY[…]`, a VALUES row) from the text the scan leaves and the few characters before its bracket.

export const SPACE = 32;
export const QUOTE = 39; // '
export const DQUOTE = 34; // "
export const BACKTICK = 96; // `
export const DOLLAR = 36; // $
export const DASH = 45;
export const SLASH = 47;
export const STAR = 42;
export const HASH = 35;
export const DOT = 46;

export function isSpace(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === DOLLAR || c >= 128;
}
export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

// Constants a list holds besides literals (outside review 27, RT27-7: `IN (NULL, 1)`, `IN (TRUE, FALSE)` and
// `IN (DATE '…', DATE '…')` read one fingerprint per length), tested without regard to case.
const LIST_WORD = 'null|true|false';
const TYPED = '(?:date|time|timestamp|timestamptz|interval)';
// An interval's unit: MySQL's `INTERVAL 1 DAY`, `INTERVAL '1:30' HOUR_MINUTE`; PostgreSQL's `INTERVAL '1' DAY`,
// `INTERVAL '1-2' YEAR TO MONTH` (outside review 28, RT28-2).
const UNIT_WORD = 'year|quarter|month|week|day|hour|minute|second|microsecond';
const UNIT = `(?:${UNIT_WORD})(?:_(?:${UNIT_WORD}))?(?: to (?:${UNIT_WORD}))?`;
/** A word that can be part of a list item (scanSql's `words` test). */
export const LIST_ITEM_WORD = new RegExp(
  `^(?:${LIST_WORD}|${TYPED.slice(3, -1)}|to|(?:${UNIT_WORD})(?:_(?:${UNIT_WORD}))?)$`,
  'i',
);
// One list item as the scan leaves it: `?` or `$n` (a placeholder may be signed, `-$1`), `NULL`, `TRUE`, `FALSE` or a
// typed literal (`DATE ?`, `INTERVAL ? DAY`), with an optional cast (`::int`, `::varchar(?)`, `::text[]`); a number's
// sign is already part of its `?` (UNARY_SIGN).
const ITEM = String.raw`(?:(?:[-+] ?)?(?:\?|\$\d+)|${LIST_WORD}|${TYPED} \?|interval \? ${UNIT})(?: ?:: ?[A-Za-z_][\w.]*(?:\(\?(?:, ?\?)*\))?(?:\[\])*)?`;
// A row of items: (?, ?) in `(a, b) IN ((?, ?), (?, ?))`.
const ROW = String.raw`\(${ITEM}(?:, ?${ITEM})*\)`;
const LIST_ITEM = `(?:${ITEM}|${ROW})`;
// IN (?, ?) / IN ($1::int, $2::int) / IN ((?, ?), (?, ?)) -> IN (...); ARRAY[?, ?] -> ARRAY[...];
// VALUES (?, ?), (?, ?) -> VALUES (?, ?): one fingerprint whatever the list's length (outside review 9b, F9).
// Tested on the text a close ends (from its open) and on the few characters before the open: the scan folds
// each list as it closes, so the length limits apply to the folded text (outside review 10, F3).
export const IN_SEG = new RegExp(String.raw`^\(${LIST_ITEM}(?:, ?${LIST_ITEM})*\)$`, 'i');
export const ARRAY_SEG = new RegExp(String.raw`^\[${LIST_ITEM}(?:, ?${LIST_ITEM})*\]$`, 'i');
export const ROW_SEG = /^\((?:[^()']|\([^()]*\))*\)$/;
export const IN_BEFORE = /(?:^|\W)in $/i;
export const ARRAY_BEFORE = /(?:^|\W)array ?$/i;
export const VALUES_BEFORE = /(?:^|\W)(?:values|VALUES|Values) $/;

// A sign before a number is part of its literal, as PostgreSQL reads `-1` (one constant: pg_stat_statements shows
// `id = $1` for `id = -1`): unary after an operator, a bracket, a comma, the start or a keyword below; after an
// operand (`a - 1`, `? - 1`, `) - 1`) it is an operator and stays (outside review 27, RT27-7). Tested on the last
// characters of the text written before the number, which end with the sign.
export const UNARY_SIGN =
  /(?:^|[([,=<>!*/%+\-|&^~]|(?:^|[^\w$])(?:select|where|and|or|not|then|else|when|between|like|is|case|return|returning|limit|offset|by|on|having|interval)) ?[-+]$/i;

// NULL, TRUE and FALSE where an operand begins are constants, as a number there is: PostgreSQL parses them as
// constants (pg_stat_statements: `VALUES ($1, $2)` for `VALUES (1, NULL)`, one query id for `flag = TRUE` and
// `flag = FALSE`) and MySQL's digest reads a NULL literal as `?` (outside review 28, RT28-1: they made one
// fingerprint per value). After anything else they are syntax and stay: `IS NULL`, `IS NOT TRUE`, `NOT NULL`,
// `SET NULL`, a column's `int NULL`, `DEFAULT NULL`. Tested on the last characters written before the word.
const OPERAND_START =
  /(?:^|[([,=<>!*/%+\-|&^~]|(?:^|[^\w$])(?:select|where|and|or|then|else|when|between|like|case|return|returning|limit|offset|by|on|having)) ?$/i;

/** Whether the word `w` is NULL, TRUE or FALSE in any case (a constant where an operand begins: startsOperand). */
export function isConstantWord(w: string): boolean {
  // Compared by character codes: every word of every statement is tested, and a regex test costs more.
  const n = w.length;
  if (n !== 4 && n !== 5) return false;
  const a = w.charCodeAt(0) | 32;
  const b = w.charCodeAt(1) | 32;
  const c = w.charCodeAt(2) | 32;
  const d = w.charCodeAt(3) | 32;
  if (n === 5) return a === 102 && b === 97 && c === 108 && d === 115 && (w.charCodeAt(4) | 32) === 101; // false
  if (a === 110) return b === 117 && c === 108 && d === 108; // null
  return a === 116 && b === 114 && c === 117 && d === 101; // true
}

/** Whether an operand begins after `before` (the text written, or at least its last 16 characters). */
export function startsOperand(before: string): boolean {
  const last = before.charCodeAt(before.length - 1);
  // `(`, `,`, `=`: most constants follow one of these; the keywords need the regex.
  if (last === 40 || last === 44 || last === 61) return true;
  return OPERAND_START.test(before.length > 16 ? before.slice(-16) : before);
}
