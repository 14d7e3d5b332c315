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
