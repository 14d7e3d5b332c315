// Escaped spellings of the pairs and URLs redactCredentials reads in plain text (outside review D, RTD-4): a JSON
// text inside a JSON string (`{\"password\":\"…\"}`, any depth), a pair whose `=` is an HTML character reference
// (`password&#61;…`, `&#x3d;`, `&equals;`: an HTML page or an e-mail echoing a query), and a redirect parameter
// percent-encoded once or more (`?next=https%3A%2F%2Fu%3A…%40host`, `redirect=%2Flogin%3Fpassword%3D…`). Each value
// ends where its plain form's would, written in the same escape (an escaped quote, `&`, `;`, `,`, blank), and each
// match starts at a name or a scheme that the escape follows right away, so that a text without one costs one scan.

import { redactEscapedMarkup } from './credentials-escaped-markup.js';
import { BARE_SECRET_VALUE, REDACTED, SECRET_PAIR_NAME } from './credentials-spellings.js';

/**
 * `\"password\":\"…\"` (JSON.stringify of a text that holds JSON: a request body in an error's JSON, a log line
 * logged as JSON): the name's quotes are a run of backslashes and `"`, the same run before the value's quotes. The
 * value ends at that run before a quote, not at a longer one (a quote escaped inside the value: `\\\"`), and one left
 * open runs to the outer string's end (a bare `"`). The run is taken whole (not after a `\`), so that a long run of
 * backslashes is read once. Unquoted (`\"password\":123456`), it ends at a blank, `,`, `\`, `"` or a
 * bracket or brace (an object's or array's value, `\"else_token\":{…}` in a grammar, holds no secret; nor does
 * `[redacted]` redacted again).
 */
const ESCAPED_QUOTED_PAIR = new RegExp(
  String.raw`(?<!\\)(\\+)"(${SECRET_PAIR_NAME})\1"(\s*:\s*)(?:(\1")((?:[^\\"]|(?!\1")\\+[^\\])*)(\1")?|([^\s,\\"{}[\]]+))`,
  'gi',
);

/**
 * `=` as an HTML character reference: decimal (`&#61;`, `&#061;`), hex (`&#x3d;`) or named (`&equals;`); a numeric
 * one also without its `;` where no digit follows (review E: `password&#61…`, which HTML reads as `=`).
 */
const EQUALS_REFERENCE = String.raw`&(?:#0*61(?!\d);?|#x0*3d(?![\da-f]);?|equals;)`;
/**
 * A quote as an HTML character reference: `&quot;`, `&#34;`, `&#x22;`, `&apos;`, `&#39;`, `&#x27;` (`&quot` and a
 * numeric one also without `;`, as HTML reads them).
 */
const QUOTE_REFERENCE = String.raw`&(?:quot;?|apos;|#0*3[49](?!\d);?|#x0*2[27](?![\da-f]);?)`;
/**
 * `password&#61;…`: the value ends as a PAIR's unquoted one and at any `&` (the next reference, `&amp;` between
 * query parameters); in quote references (`&#61;&quot;…&quot;`) it runs to the same reference or the line's end.
 * A plain `=` before a quote reference too (`password=&quot;…&quot;`, an attribute of escaped markup; the gaps after
 * review 46, gap 4). Blanks around the reference as around a PAIR's `=` (`password &#x3D; …`; red3, outside review H), then an
 * unquoted value only where it looks like a credential (BARE_SECRET_VALUE: `the pass &equals; ok` stays).
 */
const ENTITY_PAIR = new RegExp(
  String.raw`(?<![\w.-])(${SECRET_PAIR_NAME})([ \t]*${EQUALS_REFERENCE}[ \t]*|=(?=${QUOTE_REFERENCE}))(?:(?<q>${QUOTE_REFERENCE})(?:(?!\k<q>)[^\r\n<"])*(?<c>\k<q>)?|[^\s&;,'"<]+)`,
  'gi',
);

/**
 * `&quot;password&quot;:&quot;…&quot;` (a JSON text HTML-escaped: an error page, an e-mail or a template quoting
 * a request body; the gaps after review 46, gap 4): the name and the value in the same quote reference (`&quot;`,
 * `&#34;`, `&#x22;`, `&apos;`, `&#39;`, `&#x27;`). The value runs to that reference, or, left open, to the line's end
 * or a `<`; unquoted (`&quot;password&quot;:123456`) to a blank, `,`, `&`, `<` or a bracket or brace.
 */
const ENTITY_QUOTED_PAIR = new RegExp(
  String.raw`(?<q>${QUOTE_REFERENCE})(${SECRET_PAIR_NAME})\k<q>(\s*:\s*)(?:(?<o>\k<q>)(?:(?!\k<q>)[^\r\n<])*(?<c>\k<q>)?|[^\s,&<{}[\]"']+)`,
  'gi',
);
const QUOTE_REFERENCE_SEEN = new RegExp(QUOTE_REFERENCE, 'i');

/** `:` as an HTML character reference: `&#58;`, `&#x3a;`, `&colon;`. */
const COLON_REFERENCE = '&(?:#0*58|#x0*3a|colon);';
const COLON_REFERENCE_SEEN = new RegExp(COLON_REFERENCE, 'i');
/**
 * `password&#x3a; …`, `token&colon; …` (red3, outside review H: an HTML page echoing `password: …`): the bare
 * `name: value` rule with its `:` as a reference; the value (to a blank, `&`, `;`, `,`, a quote or `<`) goes only
 * where it looks like a credential (BARE_SECRET_VALUE), as the plain one's.
 */
const ENTITY_COLON_PAIR = new RegExp(
  String.raw`(?<![\w.-])(${SECRET_PAIR_NAME})([ \t]*${COLON_REFERENCE}[ \t]*)([^\s&;,'"<]+)`,
  'gi',
);

/**
 * `password%3D…` (a query inside a percent-encoded parameter), also encoded again (`%253D`: each `%` written
 * `%25`). The value ends at the blanks and separators of a PAIR's unquoted one and at their escapes at the `=`'s
 * level or an outer one (`%26`, `%3B`, `%2C`, `%20`, a quote's `%22`, `%27`); a deeper one (`%2526` under `%3D`)
 * is a character of the value. In quote escapes (`%3D%27…%27`) it runs to the same escape.
 */
const PERCENT_PAIR = new RegExp(
  String.raw`(?<![\w.-])(${SECRET_PAIR_NAME})((?<p>%(?:25)*)3d)(?:(?<q>\k<p>2[27])(?:(?!\k<q>)[^\s&])*(?<c>\k<q>)?|(?:(?!(?!\k<p>25)%(?:25)*(?:26|3b|2c|20|22|27))[^\s&;,'"])+)`,
  'gi',
);

/**
 * `https%3A%2F%2Fuser%3A…%40host` (a URL as a percent-encoded parameter: a redirect's `next=`), also encoded again:
 * the `:`, `//` and `@` escapes at one level. The user holds no escaped `:`, `@`, `/`, `?` or `#` of that level;
 * the password runs to the last escaped `@` before an escaped `/`, `?`, `#` or a blank, `&`, `/`, `?`, `#`, as
 * URL_PASSWORD's to the last `@`. The scheme starts after a character that is no scheme's or after an escape.
 */
const PERCENT_URL_PASSWORD =
  /((?:(?<![A-Za-z0-9+.-])|(?<=%[0-9a-f]{2}))[A-Za-z][A-Za-z0-9+.-]*(?<p>%(?:25)*)3a\k<p>2f\k<p>2f)((?:(?!\k<p>(?:3a|40|2f|3f|23))[^\s/?#@&:])*)(\k<p>3a)(?:(?!\k<p>(?:2f|3f|23))[^\s/?#&])+(\k<p>40)/gi;

/**
 * The escape each rule starts from (`\"`, an `=` reference, an escaped `=`, an escaped `:`): a rule runs only on a
 * text that holds it, as the pair rules would otherwise try every word of every text as a name.
 */
const EQUALS_REFERENCE_SEEN = new RegExp(EQUALS_REFERENCE, 'i');
const PERCENT_EQUALS_SEEN = /%(?:25)*3d/i;
const PERCENT_COLON_SEEN = /%(?:25)*3a/i;

/** A pair's match (name, escaped `=`, named groups `q` and `c`: the quotes) with its value `[redacted]`. */
function redactedPair(...m: unknown[]): string {
  const { q, c } = m[m.length - 1] as { q?: string; c?: string };
  return `${m[1] as string}${m[2] as string}${q === undefined ? REDACTED : `${q}${REDACTED}${c ?? ''}`}`;
}

/**
 * `text` with the values of the escaped pairs and the password of a percent-encoded URL above replaced by
 * `[redacted]`, the names, escapes, quotes and user as written. Linear in the text's length.
 */
export function redactEscapedCredentials(text: string): string {
  // Escaped markup the XML rules do not read: a CDATA section in `&lt;…&gt;`, markup escaped twice (review H).
  let out = redactEscapedMarkup(text);
  if (out.includes('\\"')) {
    out = out.replace(
      ESCAPED_QUOTED_PAIR,
      (_, bs: string, name: string, colon: string, open?: string, _value?: string, close?: string) =>
        `${bs}"${name}${bs}"${colon}${open === undefined ? REDACTED : `${open}${REDACTED}${close ?? ''}`}`,
    );
  }
  const quoteReference = QUOTE_REFERENCE_SEEN.test(out);
  if (quoteReference) {
    out = out.replace(ENTITY_QUOTED_PAIR, (...m: unknown[]) => {
      const { q, o, c } = m[m.length - 1] as { q: string; o?: string; c?: string };
      return `${q}${m[2] as string}${q}${m[3] as string}${o === undefined ? REDACTED : `${o}${REDACTED}${c ?? ''}`}`;
    });
  }
  if (quoteReference || EQUALS_REFERENCE_SEEN.test(out)) {
    out = out.replace(ENTITY_PAIR, (...m: unknown[]) =>
      // With blanks around the reference, an unquoted value only where it looks like a credential (`the pass
      // &equals; ok` stays).
      /^[ \t]|[ \t]$/.test(m[2] as string) &&
      (m[m.length - 1] as { q?: string }).q === undefined &&
      !BARE_SECRET_VALUE.test((m[0] as string).slice((m[1] as string).length + (m[2] as string).length))
        ? (m[0] as string)
        : redactedPair(...m),
    );
  }
  if (COLON_REFERENCE_SEEN.test(out)) {
    out = out.replace(ENTITY_COLON_PAIR, (all: string, name: string, colon: string, value: string) =>
      BARE_SECRET_VALUE.test(value.replace(/[.!?]+$/, '')) ? `${name}${colon}${REDACTED}` : all,
    );
  }
  if (PERCENT_EQUALS_SEEN.test(out)) out = out.replace(PERCENT_PAIR, redactedPair);
  if (PERCENT_COLON_SEEN.test(out)) {
    out = out.replace(
      PERCENT_URL_PASSWORD,
      (_, scheme: string, _p: string, user: string, colon: string, at: string) =>
        `${scheme}${user}${colon}${REDACTED}${at}`,
    );
  }
  return out;
}
