// HTML's character references as a browser or an HTML parser reads them, for redact.ts (a secret a receiver echoes
// with them) and template-secrets.ts (a template's literal as a gateway's parser reads it). The reading is the
// `entities` package's (fb55/entities, the decoder of htmlparser2, cheerio and markdown-it), generated from the WHATWG
// list (https://html.spec.whatwg.org/multipage/named-characters.html): all 2,231 names, the 106 read without `;`,
// and numeric references with the spec's windows-1252 and U+FFFD rules. It is loaded on first use: the redactor
// is built on a channel's first failed delivery, the template resolver when an SMS gateway channel is set up, so a
// monitor without channels never loads it.

import { createRequire } from 'node:module';
import type * as Entities from 'entities';

let entities: typeof Entities | undefined;
/** require() from this module: CJS build: __filename; ESM (vitest, tsx): import.meta.url. */
function lib(): typeof Entities {
  entities ??= createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(
    'entities',
  ) as typeof Entities;
  return entities;
}

/**
 * Where the references stand: in `text` (an element's content, where a name HTML knows without `;` is read
 * whatever follows it: `&notit;` is `¬it;`) or in an `attribute` value (where such a name is left as written
 * before a letter, a digit or `=`: `?a=1&copy=2` keeps `&copy`).
 */
export type HtmlContext = 'text' | 'attribute';

const mode = (context: HtmlContext) =>
  context === 'text' ? lib().DecodingMode.Legacy : lib().DecodingMode.Attribute;

/** `text` with its character references read as HTML reads them in `context` (the `text` of an element by default). */
export function htmlDecoded(text: string, context: HtmlContext = 'text'): string {
  return text.includes('&') ? lib().decodeHTML(text, mode(context)) : text;
}

/** `&name;` as HTML reads it when it is one of the WHATWG list's names (with its `;`), undefined otherwise. */
export function namedReference(ref: string): string | undefined {
  const out = lib().decodeHTMLStrict(ref);
  return out === ref ? undefined : out;
}

/** What a reference may span: `&#x…;`, `&#…;` or `&name;` (each `;` optional), and the character after it. */
const EXTENT = /&(?:#[xX][0-9A-Fa-f]*;?|#[0-9]*;?|[A-Za-z][A-Za-z0-9]*;?)[\s\S]?/y;

/**
 * The character reference at `text[at]` (a `&`) as HTML reads it in `context`: the characters it stands for
 * (two for some names: `&fjlig;` is `fj`) and where it ends (`&notit;` ends after `&not` in text); undefined where
 * HTML reads the `&` as itself.
 */
export function referenceAt(
  text: string,
  at: number,
  context: HtmlContext = 'text',
): { value: string; end: number } | undefined {
  EXTENT.lastIndex = at;
  const extent = EXTENT.exec(text)?.[0];
  if (extent === undefined) return undefined;
  const read = htmlDecoded(extent, context);
  if (read === extent) return undefined;
  // `read` is the value and then what the reference did not take of `extent` (its tail): the longest such tail
  // that leaves a value (the values of the names read without `;` are no letter, digit or `;`, so it is unique).
  for (let taken = 2; taken <= extent.length; taken++) {
    const tail = extent.slice(taken);
    if (read.length > tail.length && read.endsWith(tail)) {
      return { value: read.slice(0, read.length - tail.length), end: at + taken };
    }
  }
  return undefined;
}

/**
 * `text` as HTML reads it in `context` (htmlDecoded), with, for each of its UTF-16 units, where the text it was read
 * from begins and ends in `text` (a reference's characters all span the whole reference); undefined when HTML
 * reads `text` as it is.
 */
export function htmlView(
  text: string,
  context: HtmlContext,
): { view: string; starts: number[]; ends: number[] } | undefined {
  if (!text.includes('&')) return undefined;
  let view = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let changed = false;
  for (let i = 0; i < text.length; ) {
    const ref = text[i] === '&' ? referenceAt(text, i, context) : undefined;
    const end = ref === undefined ? i + 1 : ref.end;
    const value = ref === undefined ? (text[i] as string) : ref.value;
    changed ||= ref !== undefined;
    view += value;
    for (let k = 0; k < value.length; k++) {
      starts.push(i);
      ends.push(end);
    }
    i = end;
  }
  return changed ? { view, starts, ends } : undefined;
}
