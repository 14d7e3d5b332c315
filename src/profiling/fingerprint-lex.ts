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

// One list item as the scan leaves it: `?` or `$n`, with an optional cast (`::int`, `::varchar(?)`, `::text[]`).
const ITEM = String.raw`(?:\?|\$\d+)(?: ?:: ?[A-Za-z_][\w.]*(?:\(\?(?:, ?\?)*\))?(?:\[\])*)?`;
// A row of items: (?, ?) in `(a, b) IN ((?, ?), (?, ?))`.
const ROW = String.raw`\(${ITEM}(?:, ?${ITEM})*\)`;
const LIST_ITEM = `(?:${ITEM}|${ROW})`;
// IN (?, ?) / IN ($1::int, $2::int) / IN ((?, ?), (?, ?)) -> IN (...); ARRAY[?, ?] -> ARRAY[...];
// VALUES (?, ?), (?, ?) -> VALUES (?, ?): one fingerprint whatever the list's length (outside review 9b, F9).
// Tested on the text a close ends (from its open) and on the few characters before the open: the scan folds
// each list as it closes, so the length limits apply to the folded text (outside review 10, F3).
export const IN_SEG = new RegExp(String.raw`^\(${LIST_ITEM}(?:, ?${LIST_ITEM})*\)$`);
export const ARRAY_SEG = new RegExp(String.raw`^\[${LIST_ITEM}(?:, ?${LIST_ITEM})*\]$`);
export const ROW_SEG = /^\((?:[^()']|\([^()]*\))*\)$/;
export const IN_BEFORE = /(?:^|\W)in $/i;
export const ARRAY_BEFORE = /(?:^|\W)array ?$/i;
export const VALUES_BEFORE = /(?:^|\W)(?:values|VALUES|Values) $/;
