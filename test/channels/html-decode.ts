// A test oracle: how an HTML parser reads character references (WHATWG HTML, tokenization: "character reference
// state", "named character reference state", "numeric character reference end state"), written from the spec's
// text, independently of src/ and of the `entities` package src/ uses. The named references are the WHATWG list
// (https://html.spec.whatwg.org/entities.json) as character-entities and character-entities-legacy (wooorm) ship
// it: every name with its `;`, and the legacy ones also without.

import { characterEntities } from 'character-entities';
import { characterEntitiesLegacy } from 'character-entities-legacy';

/** The spec's identifiers (`copy;`, `copy`, `fjlig;`…) and the characters each stands for. */
export const IDENTIFIERS: ReadonlyMap<string, string> = new Map([
  ...Object.entries(characterEntities).map(([name, value]): [string, string] => [`${name};`, value]),
  ...characterEntitiesLegacy.map((name): [string, string] => [name, characterEntities[name] as string]),
]);
const LONGEST = Math.max(...[...IDENTIFIERS.keys()].map((id) => id.length));

/** A numeric reference: `&#x` and hex digits or `&#` and decimal ones, then an optional `;`. */
const NUMERIC = /&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));?/y;

/** The spec's replacement table for code points 0x80 to 0x9F, in order (a code point it does not name is kept). */
export const C1 = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];

/**
 * `text` as an HTML parser reads its character references: in an element's `text` (the default, where `&quotK`
 * reads `"K`) or in an `attribute` value (where a name read without `;` before a letter, a digit or `=` is left as
 * written).
 */
export function htmlDecoded(text: string, context: 'text' | 'attribute' = 'text'): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '&') {
      out += text[i];
      i++;
      continue;
    }
    NUMERIC.lastIndex = i;
    const numeric = NUMERIC.exec(text);
    if (numeric !== null) {
      const [ref, hex, dec] = numeric;
      const c = Number.parseInt((hex ?? dec) as string, hex !== undefined ? 16 : 10);
      if (c === 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) out += '\ufffd';
      else out += String.fromCodePoint(c >= 0x80 && c <= 0x9f ? (C1[c - 0x80] as number) : c);
      i += ref.length;
      continue;
    }
    // "Consume the maximum number of characters possible, where the consumed characters are one of the
    // identifiers in the named character references table."
    let id: string | undefined;
    for (let k = Math.min(LONGEST, text.length - i - 1); k > 0; k--) {
      if (IDENTIFIERS.has(text.slice(i + 1, i + 1 + k))) {
        id = text.slice(i + 1, i + 1 + k);
        break;
      }
    }
    const next = id === undefined ? undefined : text[i + 1 + id.length];
    if (
      id === undefined ||
      (context === 'attribute' && !id.endsWith(';') && next !== undefined && /[=A-Za-z0-9]/.test(next))
    ) {
      out += '&';
      i++;
      continue;
    }
    out += IDENTIFIERS.get(id) as string;
    i += 1 + id.length;
  }
  return out;
}
