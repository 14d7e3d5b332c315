// Credentials in XML in an error text (outside review C: a SOAP fault, a Maven or .NET config line a driver or a
// tool quotes): an element whose name says password or secret (`<password>…</password>`, `<ns:Password>…`,
// `<apiKey>…`, `<token>…`), and an element whose `key` or `name` attribute names one, its `value` attribute (.NET's
// `<add key="DbPassword" value="…"/>`, Spring's and Ant's `<property name="password" value="…"/>`) or else its text
// (Java's properties XML `<entry key="db.password">…</entry>`, Hibernate's `<property name="…password">…`). The
// text or the attribute's value becomes `[redacted]`; the markup, whitespace around the text and other attributes
// stay. Linear: a match starts only at `<` and reads to the next `<` at most (so a CDATA section holding `<`
// stays as written), and the attributes are read once each.

import { REDACTED, SECRET_PAIR_NAME } from './credentials-spellings.js';

/** `<` (`[cC]`) or `>` (`[eE]`) as JSON's or JS's escape, its backslashes a run read whole (once or more escaped). */
const JS_ESCAPE = (hex: string) => String.raw`\\+(?!\\)(?:u003${hex}|x3${hex}|u\{0*3${hex}\})`;
const JS_LT = String.raw`(?<!\\)${JS_ESCAPE('[cC]')}`;

/**
 * How markup is spelled in an error text: as written; with HTML's references (an error page, a web console: the
 * gaps after review 46, gap 4); with JSON's or JS's escapes, once or more (review E: Gson writes `<` `\u003c`, a
 * JSON text in a JSON string doubles the backslash, PHP writes `<\/`). Per spelling: `lt` and `gt`, a tag's
 * delimiters; `text`, one character of an element's text (never where an `lt` starts); `attr`, one of a start tag's
 * attributes (nor where a `gt` starts); `blank`, one between elements; `close`, an end tag's `</`.
 */
const SPELLINGS = [
  [/</, '<', '>', '[^<]', '[^<>]', String.raw`\s`, String.raw`<\/`],
  [
    /&lt;/,
    '&lt;',
    '&gt;',
    '(?:[^&<]|&(?!lt;))',
    '(?:[^&<>]|&(?!(?:lt|gt);))',
    String.raw`\s`,
    String.raw`&lt;\/`,
  ],
  [
    new RegExp(JS_LT),
    JS_LT,
    JS_ESCAPE('[eE]'),
    String.raw`(?:[^\\<]|(?!${JS_ESCAPE('[cC]')})\\+(?!\\))`,
    String.raw`(?:[^\\<>]|(?!${JS_ESCAPE('[cCeE]')})\\+(?!\\))`,
    String.raw`(?:\s|\\+[nrt])`,
    String.raw`${JS_LT}\\*\/`,
  ],
].map(([seen, lt, gt, text, attr, blank, close]) => ({
  seen: seen as RegExp,
  /**
   * An element's start tag (a namespace prefix kept in the name), its attributes, and then its text (as written, also
   * a CDATA section without `<`: one holding `<` stays as written) and its end tag when they follow.
   */
  element: new RegExp(
    String.raw`(${lt})([A-Za-z_][\w:.-]*)((?:\s${attr}*?)?)(\/?)(${gt})(?:(${lt === '<' ? String.raw`<!\[CDATA\[(?:[^\]<]|\](?!\]>))*\]\]>|` : ''}${text}+)(${close}\2\s*${gt}))?`,
    'g',
  ),
  /**
   * A credential's name that labels the next value (review E): a `<key>` or `<name>` element whose text (or its
   * `<value>` child's: Spring's map `<entry><key><value>password</value></key>…`) is a secret's name, then, after
   * blanks only, a `<value>`, `<string>` or `<data>` element's text: a plist's `<key>password</key><string>…</string>`,
   * Java's `<entry><key>password</key><value>…</value></entry>`, Hadoop's `<name>…password</name><value>…</value>`.
   * Each part reads to the next `lt` at most: linear.
   */
  labelled: new RegExp(
    String.raw`(${lt}(key|name)\s*${gt}(?:${blank}*${lt}value\s*${gt}(${text}*)${close}value\s*${gt}${blank}*|(${text}*))${close}\2\s*${gt}${blank}*${lt}(value|string|data)(?:\s${attr}*?)?${gt})(${text}*)(?=${close}\5\s*${gt})`,
    'gi',
  ),
  /**
   * A start tag, then after blanks only a `<value>` child's text, closed by `</value>` and the parent's end tag
   * (Spring's `<property name="password"><value>…</value></property>`, .NET's `<setting>`): redactWrapped's reading
   * of `<value>` for each spelling (review E: escaped with HTML's references or JSON's escapes).
   */
  wrapped: new RegExp(
    String.raw`(${lt}([A-Za-z_][\w:.-]*)((?:\s${attr}*?)?)${gt}${blank}*${lt}value\s*${gt})(${text}*)(?=${close}value\s*${gt}${blank}*${close}\2\s*${gt})`,
    'g',
  ),
}));
/** A name that says secret, with a namespace prefix (`ns:Password`) or a .NET or Java section before it. */
const SECRET_NAME = new RegExp(String.raw`^(?:[\w.-]*[:/])?${SECRET_PAIR_NAME}$`, 'i');
/** One attribute, its value in `"`, `'`, JSON's escaped `\"` or HTML's `&quot;` (escaped markup), `=` also `\u003d`. */
const ATTRIBUTE =
  /([\w:.-]+)(\s*(?:=|\\+(?:u003[dD]|x3[dD]|u\{0*3[dD]\}))\s*)(\\"(?:[^"\\]|\\(?!"))*\\"|&quot;(?:[^&"<>]|&(?!quot;))*&quot;|"[^"]*"|'[^']*')/g;
/** An attribute value's opening quote as written. */
const OPEN_QUOTE = /^(?:\\"|&quot;|["'])/;
/** The attributes that name the setting an element holds. */
const KEY_ATTRIBUTE = /^(?:key|name)$/i;
/** A variable's reference (`${DB_PASSWORD}`, `$(Password)`, `%PASSWORD%`) or a redacted text: nothing to hide. */
const NO_SECRET = /^(?:\$\{[\w.-]+\}|\$\([\w.-]+\)|%[\w.-]+%|\[redacted\])$/;

/** An attribute's quoted value without its quotes. */
function unquoted(value: string): string {
  const q = (OPEN_QUOTE.exec(value) as RegExpExecArray)[0].length;
  return value.slice(q, -q);
}

/** `value` (a text or an attribute's) with its non-blank part redacted, unless it holds nothing to hide. */
export function redactedText(value: string): string {
  const core = value.trim();
  if (core === '' || NO_SECRET.test(core)) return value;
  const at = value.indexOf(core);
  return `${value.slice(0, at)}${REDACTED}${value.slice(at + core.length)}`;
}

/** `attributes` with the value of the `value` attribute redacted; undefined when there is none. */
function redactValueAttribute(attributes: string): string | undefined {
  let found = false;
  const out = attributes.replace(ATTRIBUTE, (all: string, name: string, eq: string, quoted: string) => {
    if (name.toLowerCase() !== 'value') return all;
    found = true;
    const open = (OPEN_QUOTE.exec(quoted) as RegExpExecArray)[0];
    return `${name}${eq}${open}${redactedText(unquoted(quoted))}${open}`;
  });
  return found ? out : undefined;
}

/** Whether an element's `key` or `name` attribute names a secret. */
function keyedSecret(attributes: string): boolean {
  for (const m of attributes.matchAll(ATTRIBUTE)) {
    if (KEY_ATTRIBUTE.test(m[1] as string) && SECRET_NAME.test(unquoted(m[3] as string))) return true;
  }
  return false;
}

/**
 * A start tag followed by a CDATA section or a `<value>` child (the gaps after review 46, gap 3): read by
 * redactWrapped, as the plain `element` pattern reads to the next `<` only.
 */
const WRAPPER = /<([A-Za-z_][\w:.-]*)((?:\s[^<>]*?)?)>(?=(\s*)<(?:!\[CDATA\[|value\s*>))/g;
/** A `<value>` child's text and end tag, then the parent's end tag (read at the child's start, sticky). */
const VALUE_CHILD = /<value\s*>([^<]*)(<\/value\s*>\s*)<\/([A-Za-z_][\w:.-]*)\s*>/y;
/** The end tag after a CDATA section's `]]>` (sticky). */
const END_TAG = /\s*<\/([A-Za-z_][\w:.-]*)\s*>/y;

/** Whether an element of this name and attributes holds a secret as its text (not in a `value` attribute). */
function secretText(name: string, attributes: string): boolean {
  if (SECRET_NAME.test(name)) return true;
  return attributes !== '' && keyedSecret(attributes) && redactValueAttribute(attributes) === undefined;
}

/**
 * `text` with the content of a secret's CDATA section holding `<` (`<password><![CDATA[a<b]]></password>`: the
 * section runs to its `]]>`) and of a secret's `<value>` child (Spring's `<property name="password"><value>…</value>
 * </property>`) replaced by `[redacted]`. Linear: the next `]]>` is searched once and kept while it lies ahead.
 */
function redactWrapped(text: string): string {
  let out = '';
  let copied = 0;
  let nextCdataEnd = -2; // the first `]]>` at or after the last search's start; -1: none; -2: not searched yet
  WRAPPER.lastIndex = 0;
  for (let m = WRAPPER.exec(text); m !== null; m = WRAPPER.exec(text)) {
    const [tag, name, attributes, blank] = m as unknown as [string, string, string, string];
    if (!secretText(name, attributes)) continue;
    const inner = m.index + tag.length + blank.length;
    if (text.startsWith('<![CDATA[', inner)) {
      const from = inner + 9;
      if (nextCdataEnd !== -1 && nextCdataEnd < from) nextCdataEnd = text.indexOf(']]>', from);
      if (nextCdataEnd === -1) continue;
      END_TAG.lastIndex = nextCdataEnd + 3;
      const end = END_TAG.exec(text);
      if (end === null || end[1] !== name) continue;
      out += `${text.slice(copied, from)}${redactedText(text.slice(from, nextCdataEnd))}`;
      copied = nextCdataEnd;
      WRAPPER.lastIndex = END_TAG.lastIndex;
      continue;
    }
    VALUE_CHILD.lastIndex = inner;
    const child = VALUE_CHILD.exec(text);
    if (child === null || child[3] !== name) continue;
    const at = inner + child[0].indexOf('>') + 1;
    out += `${text.slice(copied, at)}${redactedText(child[1] as string)}`;
    copied = at + (child[1] as string).length;
    WRAPPER.lastIndex = VALUE_CHILD.lastIndex;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * An element match (SPELLINGS' `element`) with its secret redacted (its `value` attribute, else its text or CDATA
 * section's content); the markup as written.
 */
function redactElement(
  all: string,
  lt: string,
  name: string,
  attributes: string,
  slash: string,
  gt: string,
  body?: string,
  end?: string,
): string {
  const keyed = attributes !== '' && keyedSecret(attributes);
  const redacted = keyed ? redactValueAttribute(attributes) : undefined;
  if (redacted !== undefined) return `${lt}${name}${redacted}${slash}${gt}${body ?? ''}${end ?? ''}`;
  if (body === undefined || !(keyed || SECRET_NAME.test(name))) return all;
  const inner = body.startsWith('<![CDATA[')
    ? `<![CDATA[${redactedText(body.slice(9, -3))}]]>`
    : redactedText(body);
  return `${lt}${name}${attributes}${slash}${gt}${inner}${end}`;
}

/** A labelled match (SPELLINGS' `labelled`) with its value redacted when the label names a secret. */
function redactLabelled(
  all: string,
  head: string,
  _label: string,
  wrapped: string | undefined,
  bare: string | undefined,
  _tag: string,
  value: string,
): string {
  return SECRET_NAME.test((wrapped ?? bare ?? '').trim()) ? `${head}${redactedText(value)}` : all;
}

/**
 * `text` with the text of each XML element that holds a secret, the `value` attribute of one whose `key` or `name`
 * attribute names a secret, and a value a secret's name labels replaced by `[redacted]` (see the top of this file),
 * in markup as written, HTML-escaped or JSON-escaped.
 */
export function redactXmlCredentials(text: string): string {
  let out = text;
  for (const { seen, element, labelled, wrapped } of SPELLINGS) {
    if (!seen.test(out)) continue;
    out = out
      .replace(labelled, redactLabelled)
      .replace(wrapped, (all: string, head: string, name: string, attributes: string, value: string) =>
        secretText(name, attributes) ? `${head}${redactedText(value)}` : all,
      );
    out = (seen.source === '<' ? redactWrapped(out) : out).replace(element, redactElement);
  }
  return out;
}
