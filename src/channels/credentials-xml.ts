// Credentials in XML in an error text (outside review C: a SOAP fault, a Maven or .NET config line a driver or a
// tool quotes): an element whose name says password or secret (`<password>…</password>`, `<ns:Password>…`,
// `<apiKey>…`, `<token>…`), and an element whose `key` or `name` attribute names one, its `value` attribute (.NET's
// `<add key="DbPassword" value="…"/>`, Spring's and Ant's `<property name="password" value="…"/>`) or else its text
// (Java's properties XML `<entry key="db.password">…</entry>`, Hibernate's `<property name="…password">…`). The
// text or the attribute's value becomes `[redacted]`; the markup, whitespace around the text and other attributes
// stay. Linear: a match starts only at `<` and reads to the next `<` at most (so a CDATA section holding `<`
// stays as written), and the attributes are read once each.

import { REDACTED, SECRET_PAIR_NAME } from './credentials-spellings.js';

/**
 * An element's start tag (a namespace prefix kept in the name), its attributes, and then its text (or a CDATA
 * section without `<`: one holding `<` stays as written) and its end tag when they follow.
 */
const ELEMENT =
  /<([A-Za-z_][\w:.-]*)((?:\s[^<>]*?)?)(\/?)>(?:(<!\[CDATA\[(?:[^\]<]|\](?!\]>))*\]\]>|[^<]+)(<\/\1\s*>))?/g;
/** A name that says secret, with a namespace prefix (`ns:Password`) or a .NET or Java section before it. */
const SECRET_NAME = new RegExp(String.raw`^(?:[\w.-]*[:/])?${SECRET_PAIR_NAME}$`, 'i');
/** One attribute, its value in `"`, `'` or JSON's escaped `\"`. */
const ATTRIBUTE = /([\w:.-]+)(\s*=\s*)(\\"(?:[^"\\]|\\(?!"))*\\"|"[^"]*"|'[^']*')/g;
/** The attributes that name the setting an element holds. */
const KEY_ATTRIBUTE = /^(?:key|name)$/i;
/** A variable's reference (`${DB_PASSWORD}`, `$(Password)`, `%PASSWORD%`) or a redacted text: nothing to hide. */
const NO_SECRET = /^(?:\$\{[\w.-]+\}|\$\([\w.-]+\)|%[\w.-]+%|\[redacted\])$/;

/** An attribute's quoted value without its quotes. */
function unquoted(value: string): string {
  return value.startsWith('\\"') ? value.slice(2, -2) : value.slice(1, -1);
}

/** `value` (a text or an attribute's) with its non-blank part redacted, unless it holds nothing to hide. */
function redactedText(value: string): string {
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
    const open = quoted.startsWith('\\"') ? '\\"' : quoted.charAt(0);
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
 * `text` with the text of each XML element that holds a secret, and the `value` attribute of one whose `key` or
 * `name` attribute names a secret, replaced by `[redacted]` (see the top of this file).
 */
export function redactXmlCredentials(text: string): string {
  if (!text.includes('<')) return text;
  return text.replace(
    ELEMENT,
    (all: string, name: string, attributes: string, slash: string, body?: string, end?: string) => {
      const keyed = attributes !== '' && keyedSecret(attributes);
      if (keyed) {
        const redacted = redactValueAttribute(attributes);
        if (redacted !== undefined) return `<${name}${redacted}${slash}>${body ?? ''}${end ?? ''}`;
      }
      if (body === undefined || !(keyed || SECRET_NAME.test(name))) return all;
      const cdata = body.startsWith('<![CDATA[');
      const inner = cdata ? `<![CDATA[${redactedText(body.slice(9, -3))}]]>` : redactedText(body);
      return `<${name}${attributes}${slash}>${inner}${end}`;
    },
  );
}
