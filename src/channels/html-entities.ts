// HTML's named character references for the characters of URLs, tokens and passwords: one table read both ways, by
// template-secrets.ts to resolve a template's literal as a gateway's parser reads it, and by redact.ts to match a
// secret a receiver echoes with them. Each pair is as the WHATWG list gives it
// (https://html.spec.whatwg.org/multipage/named-characters.html, entities.json): every name of an ASCII
// punctuation character, XML's five among them, and the no-break space. `-` and `~` have none: `&hyphen;` and
// `&dash;` are U+2010 HYPHEN, `&tilde;` is U+02DC SMALL TILDE (kept, so that a template reads as HTML reads it).

/** Each name (without `&` and `;`) and the character it stands for. */
export const HTML_ENTITIES: Readonly<Record<string, string>> = Object.freeze({
  excl: '!',
  quot: '"',
  QUOT: '"',
  num: '#',
  dollar: '$',
  percnt: '%',
  amp: '&',
  AMP: '&',
  apos: "'",
  lpar: '(',
  rpar: ')',
  ast: '*',
  midast: '*',
  plus: '+',
  comma: ',',
  period: '.',
  sol: '/',
  colon: ':',
  semi: ';',
  lt: '<',
  LT: '<',
  equals: '=',
  gt: '>',
  GT: '>',
  quest: '?',
  commat: '@',
  lsqb: '[',
  lbrack: '[',
  bsol: '\\',
  rsqb: ']',
  rbrack: ']',
  Hat: '^',
  lowbar: '_',
  UnderBar: '_',
  grave: '`',
  DiacriticalGrave: '`',
  lcub: '{',
  lbrace: '{',
  verbar: '|',
  vert: '|',
  VerticalLine: '|',
  rcub: '}',
  rbrace: '}',
  nbsp: '\u00a0',
  NonBreakingSpace: '\u00a0',
  hyphen: '\u2010',
  dash: '\u2010',
  tilde: '\u02dc',
});

/** The names of each character (HTML_ENTITIES read the other way): `|` → `['verbar', 'vert', 'VerticalLine']`. */
export const HTML_ENTITY_NAMES: ReadonlyMap<string, readonly string[]> = (() => {
  const names = new Map<string, string[]>();
  for (const [name, ch] of Object.entries(HTML_ENTITIES)) names.set(ch, [...(names.get(ch) ?? []), name]);
  return names;
})();

/**
 * The names of HTML_ENTITIES that HTML also reads without their `;` (the WHATWG list's legacy entries, `&amp`,
 * `&quot`, `&lt`, `&gt`, `&nbsp` and their upper-case forms): `a&quotb` reads `a"b` (outside review 17, F2).
 */
export const HTML_LEGACY_NAMES: readonly string[] = Object.freeze([
  'quot',
  'QUOT',
  'amp',
  'AMP',
  'lt',
  'LT',
  'gt',
  'GT',
  'nbsp',
]);

/**
 * HTML's replacements for a numeric character reference's code points 0x80–0x9F (the windows-1252 characters, the
 * table of the "numeric character reference end state"): `&#128;` reads `€`. Code points it does not name are read
 * as they are.
 */
export const HTML_C1_REPLACEMENTS: ReadonlyMap<number, string> = new Map(
  (
    [
      [0x80, 0x20ac],
      [0x82, 0x201a],
      [0x83, 0x0192],
      [0x84, 0x201e],
      [0x85, 0x2026],
      [0x86, 0x2020],
      [0x87, 0x2021],
      [0x88, 0x02c6],
      [0x89, 0x2030],
      [0x8a, 0x0160],
      [0x8b, 0x2039],
      [0x8c, 0x0152],
      [0x8e, 0x017d],
      [0x91, 0x2018],
      [0x92, 0x2019],
      [0x93, 0x201c],
      [0x94, 0x201d],
      [0x95, 0x2022],
      [0x96, 0x2013],
      [0x97, 0x2014],
      [0x98, 0x02dc],
      [0x99, 0x2122],
      [0x9a, 0x0161],
      [0x9b, 0x203a],
      [0x9c, 0x0153],
      [0x9e, 0x017e],
      [0x9f, 0x0178],
    ] as const
  ).map(([from, to]) => [from, String.fromCodePoint(to)]),
);

/**
 * The character HTML reads for a numeric character reference's code point (outside review 17, F5): U+FFFD for 0, a
 * surrogate (U+D800–U+DFFF) or one past U+10FFFF, the windows-1252 character for 0x80–0x9F (HTML_C1_REPLACEMENTS),
 * the code point itself otherwise.
 */
export function htmlCodePoint(code: number): string {
  if (!(code > 0) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
  return HTML_C1_REPLACEMENTS.get(code) ?? String.fromCodePoint(code);
}
