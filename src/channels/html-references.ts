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

/** referenceAt's reading of each extent lately met (error pages repeat `&amp;`, `&nbsp;`, `&quot;`), bounded. */
const READ = new Map<string, { value: string; taken: number } | null>();
const READ_MAX = 512;

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
  const key = `${context === 'text' ? 't' : 'a'}${extent}`;
  let read = READ.get(key);
  if (read === undefined) {
    read = readExtent(extent, context);
    if (READ.size >= READ_MAX) READ.clear();
    READ.set(key, read);
  }
  return read === null ? undefined : { value: read.value, end: at + read.taken };
}

/**
 * What HTML reads of `extent` (EXTENT) in `context`: the value of the reference it begins with and how many of
 * its characters that reference takes; null where the `&` is read as itself.
 */
function readExtent(extent: string, context: HtmlContext): { value: string; taken: number } | null {
  const read = htmlDecoded(extent, context);
  if (read === extent) return null;
  // `read` is the value and then what the reference did not take of `extent` (its tail): the longest such tail
  // that leaves a value (the values of the names read without `;` are no letter, digit or `;`, so it is unique).
  for (let taken = 2; taken <= extent.length; taken++) {
    const tail = extent.slice(taken);
    if (read.length > tail.length && read.endsWith(tail)) {
      return { value: read.slice(0, read.length - tail.length), taken };
    }
  }
  return null;
}

/**
 * `text` as HTML reads it in `context` (htmlDecoded), with, for each of its UTF-16 units, where the text it was read
 * from begins and ends in `text` (a reference's characters all span the whole reference); undefined when HTML
 * reads `text` as it is. The view is never longer than `text` (no reference is shorter than what it stands for).
 */
export function htmlView(
  text: string,
  context: HtmlContext,
): { view: string; starts: Int32Array; ends: Int32Array } | undefined {
  let amp = text.indexOf('&');
  if (amp < 0) return undefined;
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  const parts: string[] = [];
  let n = 0;
  let from = 0;
  const span = (to: number) => {
    parts.push(text.slice(from, to));
    for (let k = from; k < to; k++, n++) {
      starts[n] = k;
      ends[n] = k + 1;
    }
  };
  while (amp >= 0) {
    const ref = referenceAt(text, amp, context);
    if (ref === undefined) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    span(amp);
    parts.push(ref.value);
    for (let k = 0; k < ref.value.length; k++, n++) {
      starts[n] = amp;
      ends[n] = ref.end;
    }
    from = ref.end;
    amp = text.indexOf('&', from);
  }
  if (from === 0) return undefined;
  span(text.length);
  return { view: parts.join(''), starts, ends };
}
