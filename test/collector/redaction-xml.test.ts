// Credentials in XML inside an error text (outside review C, rtC e1/e3): an element whose name says password or
// secret (`<password>…</password>`, `<ns:Password>…`, `<secret>`, `<apiKey>`, `<token>`) and a `value` attribute
// (or the text) of an element whose `key`/`name` attribute names one (.NET's `<add key="DbPassword" value="…"/>`)
// were left as written. Cost: CPU time against as much prose (helpers/redaction-cost.ts). Oracle: the text with each occurrence of the secret replaced by `[redacted]` and nothing
// else changed (the markup and the surrounding text intact), and a second redaction changes nothing.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { cheapAgainstProse, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';
const S = 'Hunter2x9';

/** The text as it must read once redacted: every occurrence of `secret` replaced, nothing else. */
function expected(text: string, secret: string): string {
  return text.split(secret).join(R);
}

describe('XML that holds a credential', () => {
  it.each([
    [`<password>${S}</password>`, S],
    [`<ns:Password>${S}</ns:Password>`, S],
    ['<Password>Hunter 2x9</Password>', 'Hunter 2x9'],
    ['<secret>abcDEF123456</secret>', 'abcDEF123456'],
    ['<apiKey>abcDEF123456</apiKey>', 'abcDEF123456'],
    ['<token>abcDEF1234567890xyz</token>', 'abcDEF1234567890xyz'],
    [`<db_pass>${S}</db_pass>`, S],
    [`<password attr="1">\n  ${S}\n</password>`, S],
    [`<password><![CDATA[${S}]]></password>`, S],
    [
      `SOAP fault: <soap:Body><Login><user>app</user><password>${S}</password></Login></soap:Body> (HTTP 500)`,
      S,
    ],
    [`<add key="DbPassword" value="${S}"/>`, S],
    [`<add value="${S}" key="DbPassword" />`, S],
    [`<add key='Smtp:Password' value='${S}'/>`, S],
    [`<property name="password" value="${S}"/>`, S],
    [`<entry key="db.password">${S}</entry>`, S],
    [`<property name="hibernate.connection.password">${S}</property>`, S],
    [JSON.stringify({ message: `bad config <add key="DbPassword" value="${S}"/>` }), S],
    [`config error near <appSettings><add key="ApiKey" value="${S}" /></appSettings> line 4`, S],
  ])('%s', (text, secret) => {
    const out = redactCredentials(text);
    expect(out).not.toContain(secret);
    expect(out).toBe(expected(text, secret));
    expect(redactCredentials(out)).toBe(out);
  });

  staysWhole('no credential: %s', [
    '<add key="PageSize" value="50"/>',
    '<passwordPolicy>strict</passwordPolicy>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a `${VAR}` reference, no template
    '<password>${DB_PASSWORD}</password>',
    '<password/> is empty',
    '<password></password>',
    '<bypass>true</bypass>',
    '<add key="Bypass" value="true"/>',
    '<user>app</user><host>db</host>',
    'expected a <token> element',
  ]);
});

describe('the XML rule stays linear on 100 KB of hostile text', () => {
  cheapAgainstProse('%j', [
    '<password><![CDATA[',
    '<password>x',
    '<a b="',
    '<add key="password" value="',
    '<add key="password" value="x" ',
    '<a ',
    '<ns:a:b:c',
    `<${'a'.repeat(50)}`,
  ]);
});
