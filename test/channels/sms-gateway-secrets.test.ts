// An SMS gateway that echoes the request it refused (many do) must not put the credentials written in the
// channel's body template or URL query, nor the recipient's number, into `last_error` (channels/, health/) or the
// failure log (outside review 13, F5): every literal value of the template is a secret, and a recipient is shown
// masked (`+44…89`). Recipients written or echoed in other forms: sms-gateway-recipients.test.ts; the run each echo
// case shares and the oracle's decodings: gateway-echo.ts.

import { describe, expect, it } from 'vitest';
import type { ChannelOptions } from '../../src/channels/index.js';
import { templateSecrets } from '../../src/channels/template-secrets.js';
import { answeringReceiver, serveAlerted } from './admin-server.js';
import { decodings, type Echo, expectNoneShown, fieldsOf, shows, xmlValues } from './gateway-echo.js';
import { htmlDecoded } from './html-decode.js';
import type { Received } from './receiver.js';

const FORM_KEY = 'Gw7kP2xQ9mZ4vR8t';
/** A plain word as password, under a name (`pw`) that does not say secret. */
const FORM_PW = 'sunshine';
const JSON_USER = 'acme-alerts';
/** Punctuation a JSON body escapes (`"`, `\`) or a URL encodes (`/`, `&`, `!`). */
const JSON_PASSWORD = 'pa55/Word&x!"q\\z';
const XML_LOGIN = 'acmecorp';
/** Under 6 characters: redacted as a whole word only. */
const XML_PIN = '90210';
const URL_USER = 'gwuser42';
const URL_PW = 'moonlight';
const SECRETS = [FORM_KEY, FORM_PW, JSON_USER, JSON_PASSWORD, XML_LOGIN, XML_PIN, URL_USER, URL_PW];
const NUMBERS = ['+447700900189', '+15551230001', '+4915112345678', '+33612345678'];

function channelsAt(o: string): ChannelOptions[] {
  const common = { type: 'sms-gateway', retries: 0 } as const;
  return [
    {
      ...common,
      name: 'form',
      url: `${o}/form`,
      to: NUMBERS[0]!,
      contentType: 'application/x-www-form-urlencoded',
      body: `api_key=${FORM_KEY}&pw=${FORM_PW}&to={{to}}&text={{text}}`,
    },
    {
      ...common,
      name: 'json',
      url: `${o}/json`,
      to: NUMBERS[1]!,
      body: `{"auth":{"username":"${JSON_USER}","password":${JSON.stringify(JSON_PASSWORD)}},"to":"{{to}}","text":"{{text}}"}`,
    },
    {
      ...common,
      name: 'xml',
      url: `${o}/xml`,
      to: NUMBERS[2]!,
      contentType: 'application/xml',
      body: `<sms><login>${XML_LOGIN}</login><pin>${XML_PIN}</pin><to>{{to}}</to><msg>{{text}}</msg></sms>`,
    },
    {
      ...common,
      name: 'get',
      url: `${o}/get?user=${URL_USER}&pw=${URL_PW}&to={{to}}&text={{text}}`,
      method: 'GET',
      to: NUMBERS[3]!,
    },
  ];
}

const html = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
/** How a gateway's error answer echoes the request it refused. */
const FORMS: Record<string, (r: Received) => string> = {
  'raw request': (r) => `invalid request ${r.url} ${r.raw}`,
  'JSON error': (r) => JSON.stringify({ error: 'invalid request', url: r.url, body: r.raw }),
  'decoded fields': (r) => `invalid fields ${fieldsOf(r).join(' ')}`,
  'percent-encoded': (r) => `invalid request ${encodeURIComponent(`${r.url} ${r.raw}`)}`,
  'HTML entities': (r) => `invalid request ${html(`${r.url} ${r.raw}`)}`,
  'upper case': (r) => `INVALID REQUEST ${fieldsOf(r).join(' ').toUpperCase()}`,
};

// Each literal of an XML body, as the template writes it and as the gateway reads it (the oracle: xmlValues).
const XML: Array<[name: string, body: string, read: string[]]> = [
  ['named', '<r><password>p&amp;ssw0rd</password>', ['p&ssw0rd']],
  ['attribute', '<r><auth user="acme" password="s3cr&quot;t99"/>', ['acme', 's3cr"t99']],
  ['decimal', '<r><apikey>Zk&#50;9Qm7x</apikey>', ['Zk29Qm7x']],
  ['hex', '<r><secret>k&#x3C;9&#x3e;mQ2vX</secret>', ['k<9>mQ2vX']],
  ['CDATA', '<r><pass><![CDATA[sunshine&amp;rain]]></pass>', ['sunshine&amp;rain']],
];
/** How a gateway echoes the values it read of an XML body (every one but the text: the literals, the recipient). */
const XML_ANSWERS: Record<string, (values: string[]) => string> = {
  'decoded fields': (values) => `invalid fields ${values.join(' ')} END`,
  'JSON error': (values) => JSON.stringify({ error: 'invalid', fields: values }),
};
/** Text bodies whose pairs are separated by `;` (and a URL query the same way): user, password, query password. */
const [USER, PASS, QUERY_PASS] = ['acme', 'hunter2hunter', 'qpass7seven'];
const BODIES = [
  `user=${USER};pass=${PASS};to={{to}};msg={{text}}`,
  `user=${USER}&pass=${PASS};to={{to}}&msg={{text}}`,
  `user=${USER}\npass=${PASS}\nto={{to}}\nmsg={{text}}`,
];
/** Literals whose references HTML reads specially, as the template writes them and as HTML reads them. */
const LITERALS: Array<[name: string, written: string, read: string]> = [
  ['c1-euro', 'Zk&#128;9Qm7xW', 'Zk\u20ac9Qm7xW'],
  ['c1-trade-mark', 'Zk&#x99;9Qm7xW', 'Zk\u21229Qm7xW'],
  ['zero', 'Zk&#0;9Qm7xW', 'Zk\ufffd9Qm7xW'],
  ['surrogate', 'Zk&#xD800;9Qm7xW', 'Zk\ufffd9Qm7xW'],
  ['past-10ffff', 'Zk&#x110000;9Qm7xW', 'Zk\ufffd9Qm7xW'],
  ['legacy-name', 'Zk&quotQm7&ampxW', 'Zk"Qm7&xW'],
  ['numeric-no-semicolon', 'Zk&#36Qm7&#x21xW', 'Zk$Qm7!xW'],
];
const sms = { type: 'sms-gateway', retries: 0 } as const;
/** An SMS gateway channel with an XML body per [name, start of the body] (sending to `${o}/${name}`). */
const xmlChannels = (o: string, starts: Array<[name: string, start: string]>): ChannelOptions[] =>
  starts.map(([name, start]) => ({
    ...sms,
    name,
    url: `${o}/${name}`,
    to: NUMBERS[2]!,
    contentType: 'application/xml',
    body: `${start}<to>{{to}}</to><text>{{text}}</text></r>`,
  }));

/**
 * The echo cases (describe, it, case): a gateway refuses every request and echoes what it got, and channels/,
 * health/ and the failure log show none of the secrets and numbers it echoed (expectNoneShown).
 */
const ECHOES: Array<[string, string, Echo]> = [
  ...Object.entries(FORMS).map(([form, answer]): [string, string, Echo] => [
    `an SMS gateway echoing the request it refused (${form})`,
    'shows no credential of the template and no recipient number in channels/, health/ or the log',
    {
      channels: channelsAt,
      // A 4xx and a 5xx, in turn.
      status: (n) => (n % 2 === 1 ? 400 : 502),
      answer,
      premise: (received) => {
        expect(received).toHaveLength(4);
        // The gateway did get them (the oracle's premise): each secret and number is in what it echoed.
        const echoed = received.map((r) => decodings(answer(r)).join('\n')).join('\n');
        for (const s of [...SECRETS, ...NUMBERS]) expect(shows(echoed, s), s).toBe(true);
      },
      lastErrors: /^HTTP (400|502): (invalid|\{"error"|INVALID)/i,
      secrets: SECRETS,
      digits: NUMBERS.flatMap((n) => [n, n.slice(1)]),
    },
  ]),
  ...Object.entries(XML_ANSWERS).map(([form, answer]): [string, string, Echo] => [
    'an XML body whose literals are written with references (outside review 15, F1)',
    `shows none of them as the gateway echoes them read (${form})`,
    {
      channels: (o) =>
        xmlChannels(
          o,
          XML.map(([name, body]) => [name, body]),
        ),
      // Every value it read but the text: the literal(s), then the recipient.
      answer: (r) => answer(xmlValues(r.raw).slice(0, -1)),
      // The oracle's premise: the gateway read each literal resolved and echoed it.
      premise: (received) =>
        expect(received.map((r) => xmlValues(r.raw).slice(0, -2))).toEqual(XML.map(([, , values]) => values)),
      // Exactly the gateway's answer with each literal replaced and the number masked.
      lastErrors: XML.map(
        ([, , values]) => `HTTP 400: ${answer([...values.map(() => '[redacted]'), '+49…78'])}`,
      ),
      secrets: XML.flatMap(([, , values]) => values),
    },
  ]),
  [
    'a text body or URL query whose pairs are separated by `;` (outside review 16, F6)',
    'shows neither the user nor the password when the gateway echoes the body and URL it got',
    {
      channels: (o) =>
        BODIES.map((body, i) => ({
          ...sms,
          name: `sms${i}`,
          url: `${o}/send?login=${USER};pw=${QUERY_PASS}`,
          to: NUMBERS[2]!,
          contentType: 'text/plain',
          body,
        })),
      answer: (r) => `rejected request ${r.url} body: ${r.raw}`,
      // The oracle's premise: the gateway got (and echoed) the password in the body and in the query.
      premise: (received) =>
        expect(received.map((r) => r.raw.includes(PASS) && r.url.includes(QUERY_PASS))).toEqual(
          BODIES.map(() => true),
        ),
      lastErrors: /^HTTP 400: rejected request /,
      secrets: [PASS, QUERY_PASS, USER],
    },
  ],
  [
    'a literal whose references HTML reads specially (outside review 17, F2 and F5)',
    'shows none of them as the gateway echoes them read',
    {
      // A gateway that reads its body as HTML echoes htmlDecoded of each literal.
      channels: (o) =>
        xmlChannels(
          o,
          LITERALS.map(([name, written]) => [name, `<r><apikey>${written}</apikey>`]),
        ),
      answer: (r) => `bad apikey ${htmlDecoded(/<apikey>([^<]*)<\/apikey>/.exec(r.raw)?.[1] ?? '')} END`,
      premise: (received) => {
        // The oracle's premise: HTML reads each literal as `read`, and the gateway echoed that.
        expect(LITERALS.map(([, written]) => htmlDecoded(written))).toEqual(
          LITERALS.map(([, , read]) => read),
        );
        expect(received).toHaveLength(LITERALS.length);
      },
      lastErrors: LITERALS.map(() => 'HTTP 400: bad apikey [redacted] END'),
      secrets: LITERALS.map(([, , read]) => read),
    },
  ],
];

describe.each(ECHOES)('%s', (_describe, name, echo) => {
  it(name, () => expectNoneShown(echo));
});

describe('what an SMS gateway channel shows of the request it echoes', () => {
  it('replaces the credentials by [redacted] and the recipient by its masked form, the rest readable', async () => {
    const rx = await answeringReceiver(
      400,
      (r) => `invalid fields ${fieldsOf(r).slice(0, -1).join(' ')} END`,
    );
    const { readChannels } = await serveAlerted(channelsAt(rx.origin));
    const channels = await readChannels();
    // The oracle: the gateway's own answer (every field but the text) with each secret and number replaced.
    expect(channels.map((c) => c.last_error)).toEqual([
      'HTTP 400: invalid fields [redacted] [redacted] +44…89 END',
      'HTTP 400: invalid fields [redacted] [redacted] +15…01 END',
      'HTTP 400: invalid fields [redacted] [redacted] +49…78 END',
      'HTTP 400: invalid fields [redacted] [redacted] +33…78 END',
    ]);
  });
});

describe('which literals of a body template are secrets (the rule, case by case)', () => {
  it.each([
    ['form fields', 'api_key=k3y&user=acme&unicode=1&to={{to}}&text={{text}}', ['k3y', 'acme']],
    ['form-encoded value', 'pw=p%40ss+word&to={{to}}', ['p@ss word', 'p%40ss+word']],
    [
      'JSON leaves',
      '{"auth":{"token":"t1","login":"acme"},"flags":{"unicode":"1","n":2},"to":"{{to}}"}',
      ['t1', 'acme'],
    ],
    ['JSON escapes', '{"password":"a\\"b\\\\c","to":"{{to}}"}', ['a"b\\c', 'a\\"b\\\\c']],
    ['JSON number', '{"pin":1234,"flash":0,"to":"{{to}}"}', ['1234']],
    ['a value around a placeholder', '{"text":"ALERT {{text}}","to":"{{to}}"}', []],
    ['XML', '<sms><user>acme</user><pass>x1</pass><to>{{to}}</to></sms>', ['acme', 'x1']],
    [
      'XML references',
      '<sms><pass>p&amp;w&#33;</pass><key id="k&#x3d;&quot;1&quot;"/><to>{{to}}</to></sms>',
      ['p&w!', 'p&amp;w&#33;', 'k="1"', 'k&#x3d;&quot;1&quot;'],
    ],
    ['XML CDATA', '<sms><pass><![CDATA[a&amp;b]]></pass><to>{{to}}</to></sms>', ['a&amp;b']],
    // As the WHATWG list reads them: `&hyphen;` and `&dash;` are U+2010 HYPHEN and `&tilde;` U+02DC SMALL TILDE
    // (neither `-` nor `~`), `&vert;` is `|`; a name that is not an entity (`&constructor;`) stays as written.
    [
      'HTML names (WHATWG)',
      '<sms><pass>a&hyphen;b&dash;c&tilde;d&vert;e</pass><to>{{to}}</to></sms>',
      ['a\u2010b\u2010c\u02dcd|e', 'a&hyphen;b&dash;c&tilde;d&vert;e'],
    ],
    ['not an entity name', '<sms><pass>ab&constructor;cd</pass><to>{{to}}</to></sms>', ['ab&constructor;cd']],
    ['a text body', 'Kx9vR2mQ7pL4wZ8n {{to}} {{text}}', ['Kx9vR2mQ7pL4wZ8n']],
    // Pairs separated by `;` or by line ends, not only by `&` (outside review 16, F6).
    ['pairs split by ;', 'user=acme;pass=hunter2hunter;to={{to}};msg={{text}}', ['acme', 'hunter2hunter']],
    [
      'pairs split by & and ;',
      'user=acme&pass=hunter2hunter;to={{to}}&msg={{text}}',
      ['acme', 'hunter2hunter'],
    ],
    ['pairs on lines', 'user=acme\npass=hunter2hunter\nto={{to}}\nmsg={{text}}', ['acme', 'hunter2hunter']],
    ['the default template', '{"to":"{{to}}","text":"{{text}}"}', []],
  ])('%s', (_name, template, secrets) => {
    expect(templateSecrets(template).sort()).toEqual([...secrets].sort());
  });
});
