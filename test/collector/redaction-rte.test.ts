// Review E's forms that still showed a secret in admin output (a probe's check() threw the text; all three
// frameworks): a credential's name that labels the next value (a plist's `<key>password</key><string>…</string>`,
// `<entry><key>password</key><value>…</value></entry>`, Hadoop's `<name>…</name><value>…</value>`), markup written
// with JSON's escapes (Gson's `\u003cpassword\u003e…`), `=` as an HTML reference without its `;` (`password&#61…`)
// and Gson's `\u003d` one JSON level deeper (`password\\u003d…`). Expected texts are written by hand from
// docs/redaction.md's rules; the escaped forms are also checked by the reader that decodes them (JSON.parse, the
// `entities` package's HTML decoder): what it reads is the plain form redacted. Cost on 100 KB hostile texts:
// bench/redaction-rte.ts (a bench, no timed assertion).

import { decodeHTML } from 'entities';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';

const R = '[redacted]';

/** Each [input, expected] row redacted exactly so, and redacting the result again changes nothing. */
function table(rows: [string, string][]): void {
  it.each(rows)('%j', (input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
    expect(redactCredentials(expected)).toBe(expected);
  });
}

describe('a credential name labels the next value', () => {
  table([
    ['<key>password</key><string>S3cr3tVal</string>', `<key>password</key><string>${R}</string>`],
    [
      '<dict>\n\t<key>Password</key>\n\t<string>S3cr3tVal</string>\n</dict>',
      `<dict>\n\t<key>Password</key>\n\t<string>${R}</string>\n</dict>`,
    ],
    ['<key>api_token</key><data>UzNjcjN0VmFs</data>', `<key>api_token</key><data>${R}</data>`],
    [
      '<entry><key>password</key><value>S3cr3tVal</value></entry>',
      `<entry><key>password</key><value>${R}</value></entry>`,
    ],
    [
      '<entry>\n  <key><value>db.password</value></key>\n  <value> S3cr3tVal </value>\n</entry>',
      `<entry>\n  <key><value>db.password</value></key>\n  <value> ${R} </value>\n</entry>`,
    ],
    [
      '<property><name>javax.jdo.option.ConnectionPassword</name><value>S3cr3tVal</value></property>',
      `<property><name>javax.jdo.option.ConnectionPassword</name><value>${R}</value></property>`,
    ],
    [
      '&lt;key&gt;password&lt;/key&gt;&lt;string&gt;S3cr3tVal&lt;/string&gt;',
      `&lt;key&gt;password&lt;/key&gt;&lt;string&gt;${R}&lt;/string&gt;`,
    ],
    [
      '&lt;property name=&quot;password&quot;&gt;&lt;value&gt;S3cr3tVal&lt;/value&gt;&lt;/property&gt;',
      `&lt;property name=&quot;password&quot;&gt;&lt;value&gt;${R}&lt;/value&gt;&lt;/property&gt;`,
    ],
    [
      '&lt;setting name=&quot;DbPassword&quot; serializeAs=&quot;String&quot;&gt;\n &lt;value&gt;S3cr3tVal&lt;/value&gt;\n&lt;/setting&gt;',
      `&lt;setting name=&quot;DbPassword&quot; serializeAs=&quot;String&quot;&gt;\n &lt;value&gt;${R}&lt;/value&gt;\n&lt;/setting&gt;`,
    ],
    // Covered before (the name in an attribute): kept so.
    [
      '<setting name="DbPassword" serializeAs="String"><value>S3cr3tVal</value></setting>',
      `<setting name="DbPassword" serializeAs="String"><value>${R}</value></setting>`,
    ],
    [
      '<property name="password"><value>S3cr3tVal</value></property>',
      `<property name="password"><value>${R}</value></property>`,
    ],
    ['<property name="password" value="S3cr3tVal"/>', `<property name="password" value="${R}"/>`],
    [
      '<entry key="password"><value>S3cr3tVal</value></entry>',
      `<entry key="password"><value>${R}</value></entry>`,
    ],
    // Stay: another name, a name that only begins as a secret's, no value element next, an empty value, a reference.
    ['<key>username</key><string>bob</string>', '<key>username</key><string>bob</string>'],
    ['<key>passwordPolicy</key><string>strict</string>', '<key>passwordPolicy</key><string>strict</string>'],
    [
      '<name>db.password</name><description>The password</description>',
      '<name>db.password</name><description>The password</description>',
    ],
    ['<key>password</key><dict><key>a</key></dict>', '<key>password</key><dict><key>a</key></dict>'],
    ['<key>password</key><string></string>', '<key>password</key><string></string>'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a `${VAR}` reference, no template
    ['<key>password</key><string>${PW}</string>', '<key>password</key><string>${PW}</string>'],
    ['<key>password</key> and <string>x</string>', '<key>password</key> and <string>x</string>'],
  ]);
});

describe("markup written with JSON's or JS's escapes", () => {
  const rows: [string, string][] = [
    [
      String.raw`{"body":"\u003cpassword\u003eS3cr3tVal\u003c/password\u003e"}`,
      String.raw`{"body":"\u003cpassword\u003e${R}\u003c/password\u003e"}`,
    ],
    [
      String.raw`{"b":"\u003Cwsse:Password\u003ES3cr3tVal\u003C/wsse:Password\u003E"}`,
      String.raw`{"b":"\u003Cwsse:Password\u003E${R}\u003C/wsse:Password\u003E"}`,
    ],
    [
      String.raw`{"b":"\u003cpassword\u003eS3\u0026cr3t\u003c\/password\u003e"}`,
      String.raw`{"b":"\u003cpassword\u003e${R}\u003c\/password\u003e"}`,
    ],
    [
      String.raw`{"line":"{\"b\":\"\\u003cpassword\\u003eS3cr3tVal\\u003c/password\\u003e\"}"}`,
      String.raw`{"line":"{\"b\":\"\\u003cpassword\\u003e${R}\\u003c/password\\u003e\"}"}`,
    ],
    [
      String.raw`{"b":"\u003cadd key\u003d\"DbPassword\" value\u003d\"S3cr3tVal\"/\u003e"}`,
      String.raw`{"b":"\u003cadd key\u003d\"DbPassword\" value\u003d\"${R}\"/\u003e"}`,
    ],
    [
      String.raw`{"b":"\u003ckey\u003epassword\u003c/key\u003e\n\t\u003cstring\u003eS3cr3tVal\u003c/string\u003e"}`,
      String.raw`{"b":"\u003ckey\u003epassword\u003c/key\u003e\n\t\u003cstring\u003e${R}\u003c/string\u003e"}`,
    ],
    [
      String.raw`{"b":"\u003cproperty name\u003d\"password\"\u003e\u003cvalue\u003eS3cr3tVal\u003c/value\u003e\u003c/property\u003e"}`,
      String.raw`{"b":"\u003cproperty name\u003d\"password\"\u003e\u003cvalue\u003e${R}\u003c/value\u003e\u003c/property\u003e"}`,
    ],
    // Stay: other names.
    [
      String.raw`{"b":"\u003cproperty name\u003d\"url\"\u003e\u003cvalue\u003ejdbc:x\u003c/value\u003e\u003c/property\u003e"}`,
      String.raw`{"b":"\u003cproperty name\u003d\"url\"\u003e\u003cvalue\u003ejdbc:x\u003c/value\u003e\u003c/property\u003e"}`,
    ],
    [
      String.raw`{"b":"\u003cpasswordPolicy\u003estrict\u003c/passwordPolicy\u003e"}`,
      String.raw`{"b":"\u003cpasswordPolicy\u003estrict\u003c/passwordPolicy\u003e"}`,
    ],
    [
      String.raw`{"b":"\u003cuser\u003ebob\u003c/user\u003e\u003ckey\u003euser\u003c/key\u003e\u003cstring\u003ebob\u003c/string\u003e"}`,
      String.raw`{"b":"\u003cuser\u003ebob\u003c/user\u003e\u003ckey\u003euser\u003c/key\u003e\u003cstring\u003ebob\u003c/string\u003e"}`,
    ],
  ];
  table(rows);
  table([
    [
      String.raw`\x3cpassword\x3eS3cr3tVal\x3c/password\x3e`,
      String.raw`\x3cpassword\x3e${R}\x3c/password\x3e`,
    ],
    [
      String.raw`\u{3c}password\u{3e}S3cr3tVal\u{3c}/password\u{3e}`,
      String.raw`\u{3c}password\u{3e}${R}\u{3c}/password\u{3e}`,
    ],
  ]);
  /** A JSON text's strings, read as JSON.parse reads them, down to a string that holds no JSON text. */
  const plain = (json: string): string => {
    const value = Object.values(JSON.parse(json) as Record<string, string>)[0] as string;
    return value.startsWith('{') ? plain(value) : value;
  };
  it.each(rows)('as JSON.parse reads it, %j reads as its plain form redacted', (input, expected) => {
    expect(plain(redactCredentials(input))).toBe(plain(expected));
    expect(plain(expected)).toBe(redactCredentials(plain(input)));
  });
});

describe('`=` as an HTML reference without `;`, and `\\u003d` one JSON level deeper', () => {
  const html: [string, string][] = [
    ['form: password&#61S3cr3tVal', `form: password&#61${R}`],
    ['password&#x3dS3cr3tVal', `password&#x3d${R}`],
    ['password&#0061S3cr3tVal&amp;user=bob', `password&#0061${R}&amp;user=bob`],
    ['password&#61&#34S3 cr3t&#34 user=bob', `password&#61&#34${R}&#34 user=bob`],
    ['password&#61;&quotS3 cr3t&quot user=bob', `password&#61;&quot${R}&quot user=bob`],
    // Stay: a digit after `&#61` makes another character (`&#6123` is U+17EB).
    ['password&#6123', 'password&#6123'],
  ];
  table(html);
  it.each(html)('as an HTML reader decodes it, %j reads as its plain form redacted', (input, expected) => {
    expect(decodeHTML(redactCredentials(input))).toBe(decodeHTML(expected));
    expect(decodeHTML(expected)).toBe(redactCredentials(decodeHTML(input)));
  });
  table([
    [String.raw`password\\u003dS3cr3tVal`, String.raw`password\\u003d${R}`],
    [String.raw`password\\\\u003dS3cr3tVal x`, String.raw`password\\\\u003d${R} x`],
    [
      String.raw`password\\u003d\\u0027S3;cr3t\\u0027 host=db`,
      String.raw`password\\u003d\\u0027${R}\\u0027 host=db`,
    ],
    [
      String.raw`password\\u003dS3cr3t\\u0026user\\u003dbob`,
      String.raw`password\\u003d${R}\\u0026user\\u003dbob`,
    ],
  ]);
  it('a logged JSON line: the value ends at the escaped quote, and JSON.parse twice reads [redacted]', () => {
    const input = String.raw`{"line":"{\"msg\":\"cfg password\\u003dS3cr3tVal\"}"}`;
    const out = redactCredentials(input);
    expect(out).toBe(String.raw`{"line":"{\"msg\":\"cfg password\\u003d${R}\"}"}`);
    const { line } = JSON.parse(out) as { line: string };
    expect((JSON.parse(line) as { msg: string }).msg).toBe(`cfg password=${R}`);
  });
});
