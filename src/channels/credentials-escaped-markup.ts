// Markup escaped in two ways the XML rules (credentials-xml.ts) do not read (red3, outside review H): a secret
// element's CDATA section inside HTML-escaped markup (`&lt;password&gt;&lt;![CDATA[…]]&gt;&lt;/password&gt;`, as an
// error page shows a SOAP body), and markup HTML-escaped twice (`&amp;lt;password&amp;gt;…&amp;lt;/password&amp;gt;`,
// a page that escapes an escaped log line). redactEscapedMarkup replaces the secret by `[redacted]`; credentials-
// escaped.ts calls it. Linear: each match starts at a secret element's escaped start tag and reads at most 1,000
// characters of its content on one line.

import { SECRET_PAIR_NAME } from './credentials-spellings.js';
import { redactedText } from './credentials-xml.js';

/** A secret's element name, a namespace prefix kept (`db:password`), then its attributes (no markup in them). */
const NAME = String.raw`((?<![\w.-])(?:[\w.-]+:)?${SECRET_PAIR_NAME})(?![\w.-])`;

/** `&lt;password&gt;&lt;![CDATA[…]]&gt;&lt;/password&gt;`: the section's content, to its `]]&gt;`. */
const ESCAPED_CDATA = new RegExp(
  String.raw`(&lt;${NAME}(?:\s(?:[^&<>\r\n]|&(?!(?:lt|gt);)){0,500})?&gt;[ \t]*&lt;!\[CDATA\[)((?:[^\]\r\n]|\](?!\]&gt;)){1,1000})(\]\]&gt;[ \t]*&lt;\/\2\s*&gt;)`,
  'gi',
);
/** `&amp;lt;password&amp;gt;…&amp;lt;/password&amp;gt;`: the element's text, to its end tag. */
const TWICE_ESCAPED = new RegExp(
  String.raw`(&amp;lt;${NAME}(?:\s(?:[^&<>\r\n]|&(?!amp;(?:lt|gt);)){0,500})?&amp;gt;)((?:[^&<\r\n]|&(?!amp;lt;)){1,1000})(&amp;lt;\/\2\s*&amp;gt;)`,
  'gi',
);

/** A match's content redacted, its blanks kept, unless it holds nothing to hide (credentials-xml.ts' redactedText). */
function redacted(_: string, open: string, _name: string, content: string, close: string): string {
  return `${open}${redactedText(content)}${close}`;
}

/** `text` with the secrets of the two escaped spellings above replaced by `[redacted]`. */
export function redactEscapedMarkup(text: string): string {
  let out = text;
  if (out.includes('&lt;![CDATA[') || out.includes('&lt;![cdata['))
    out = out.replace(ESCAPED_CDATA, redacted);
  if (out.includes('&amp;lt;')) out = out.replace(TWICE_ESCAPED, redacted);
  return out;
}
