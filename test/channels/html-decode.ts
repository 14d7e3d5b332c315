// A test oracle: how an HTML parser reads character references in text (WHATWG HTML, tokenization: "character
// reference state", "named character reference state", "numeric character reference end state"), written from the
// spec's tables, independently of src/. Only the names the tests use are listed.

/** Named references the tests use, each as the WHATWG list (entities.json) gives it. */
const NAMES: Record<string, string> = {
  quot: '"',
  QUOT: '"',
  amp: '&',
  AMP: '&',
  lt: '<',
  LT: '<',
  gt: '>',
  GT: '>',
  nbsp: '\u00a0',
  dollar: '$',
  excl: '!',
};
/** Those of NAMES the WHATWG list also gives without `;` (its legacy entries). */
const LEGACY = new Set(['quot', 'QUOT', 'amp', 'AMP', 'lt', 'LT', 'gt', 'GT', 'nbsp']);
/** The spec's replacement table for code points 0x80 to 0x9F, in order (a code point it does not name is kept). */
const C1 = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];

/** `text` as an HTML parser reads its character references (in text content, where `&quotK` reads `"K`). */
export function htmlDecoded(text: string): string {
  return text.replace(
    /&(?:#[xX]([0-9A-Fa-f]+);?|#([0-9]+);?|([A-Za-z][A-Za-z0-9]*;?))/g,
    (ref, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (name === undefined) {
        const c = Number.parseInt((hex ?? dec) as string, hex !== undefined ? 16 : 10);
        if (c === 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return '\ufffd';
        return String.fromCodePoint(c >= 0x80 && c <= 0x9f ? (C1[c - 0x80] as number) : c);
      }
      // The longest name that the text begins with: any name with its `;`, a legacy one without.
      for (let k = name.length; k > 0; k--) {
        const p = name.slice(0, k);
        const bare = p.endsWith(';') ? p.slice(0, -1) : p;
        if (Object.hasOwn(NAMES, bare) && (p.endsWith(';') || LEGACY.has(p)))
          return `${NAMES[bare] as string}${name.slice(k)}`;
      }
      return ref;
    },
  );
}
