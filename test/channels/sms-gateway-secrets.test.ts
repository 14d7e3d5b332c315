// An SMS gateway that echoes the request it refused (many do) must not put the credentials written in the
// channel's body template or URL query, nor the recipient's number, into `last_error` (channels/, health/) or the
// failure log (outside review 13, F5): every literal value of the template is a secret, and a recipient is shown
// masked (`+44…89`).

import { describe, expect, it } from 'vitest';
import type { ChannelOptions } from '../../src/channels/index.js';
import { templateSecrets } from '../../src/channels/template-secrets.js';
import { answeringReceiver, serveAlerted } from './admin-server.js';
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

/** The values the gateway read from the request (query, then form, JSON leaves or XML element texts). */
function fieldsOf(r: Received): string[] {
  const out = [...new URL(r.url, 'http://x').searchParams.values()];
  const leaves = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [];
  if (r.json !== undefined) out.push(...leaves(r.json));
  else if (r.raw.startsWith('<')) out.push(...[...r.raw.matchAll(/>([^<]+)</g)].map((m) => m[1]!));
  else out.push(...new URLSearchParams(r.raw).values());
  return out;
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

/** `text` with JSON escapes, HTML entities and percent-encoding undone, in any order, up to three steps. */
function decodings(text: string): string[] {
  const json = (s: string) =>
    s.replace(
      /\\u([0-9a-f]{4})|\\(["\\/])/gi,
      (_, u: string, c: string | undefined) => c ?? String.fromCharCode(Number.parseInt(u, 16)),
    );
  const entities = (s: string) =>
    s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  const pct = (s: string) =>
    s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  let all = new Set([text]);
  for (let step = 0; step < 3; step++) {
    all = new Set([...all].flatMap((s) => [s, json(s), entities(s), pct(s)]));
  }
  return [...all];
}

/** Whether `secret` shows in `text`: anywhere (any case) from 8 characters, as a whole word when shorter. */
function shows(text: string, secret: string): boolean {
  if (secret.length >= 8) return text.toUpperCase().includes(secret.toUpperCase());
  return new RegExp(`(?<![A-Za-z0-9])${secret}(?![A-Za-z0-9])`).test(text);
}

describe.each(Object.entries(FORMS))(
  'an SMS gateway echoing the request it refused (%s)',
  (_form, answer) => {
    it('shows no credential of the template and no recipient number in channels/, health/ or the log', async () => {
      // A 4xx and a 5xx, in turn.
      const rx = await answeringReceiver((n) => (n % 2 === 1 ? 400 : 502), answer);
      const { call, logger, readChannels } = await serveAlerted(channelsAt(rx.origin));
      expect(rx.received).toHaveLength(4);
      // The gateway did get them (the oracle's premise): each secret and number is in what it echoed.
      const echoed = rx.received.map((r) => decodings(answer(r)).join('\n')).join('\n');
      for (const s of [...SECRETS, ...NUMBERS]) expect(shows(echoed, s), s).toBe(true);
      const channels = await readChannels();
      const health = (await call('health/?detailed=true')).body.data.channels as Array<{
        last_error: string;
      }>;
      const failing = logger.lines.filter((l) => l.includes('is failing'));
      expect(failing).toHaveLength(4);
      for (const c of channels)
        expect(c.last_error, c.name).toMatch(/^HTTP (400|502): (invalid|\{"error"|INVALID)/i);
      const outputs = [...channels.map((c) => c.last_error), ...health.map((c) => c.last_error), ...failing];
      for (const text of outputs) {
        for (const decoded of decodings(text)) {
          for (const s of SECRETS) expect(shows(decoded, s), `${s} in ${decoded}`).toBe(false);
          for (const number of NUMBERS) {
            expect(decoded, number).not.toContain(number);
            expect(decoded, number).not.toContain(number.slice(1));
          }
        }
      }
    });
  },
);

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

describe("a Twilio channel's recipient", () => {
  it('is shown masked when Twilio names it in its refusal', async () => {
    const rx = await answeringReceiver(
      400,
      (r) => {
        const to = new URLSearchParams(r.raw).get('To');
        return JSON.stringify({ code: 21211, message: `The 'To' number ${to} is not a valid phone number.` });
      },
      'application/json',
    );
    const { logger, readChannels } = await serveAlerted([
      {
        type: 'twilio',
        accountSid: `AC${'a'.repeat(32)}`,
        authToken: 'tw-auth-token-0123456789',
        from: '+15005550006',
        to: NUMBERS[0]!,
        apiUrl: rx.origin,
        retries: 0,
      },
    ]);
    const [status] = await readChannels();
    const shown = `HTTP 400: {"code":21211,"message":"The 'To' number +44…89 is not a valid phone number."}`;
    expect(status?.last_error).toBe(shown);
    expect(logger.lines.filter((l) => l.includes('is failing'))[0]).toContain(shown);
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

/** XML 1.0's references (its five named entities, decimal and hex character references): how a gateway reads a value. */
const xmlDecoded = (s: string) =>
  s.replace(/&(?:#[xX]([0-9A-Fa-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/g, (_, hex, dec, name) =>
    name !== undefined
      ? ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name as string]!
      : String.fromCodePoint(Number.parseInt((hex ?? dec) as string, hex !== undefined ? 16 : 10)),
  );

/** What an XML gateway reads of a request: its attribute values and element texts resolved, CDATA as it stands. */
function xmlValues(raw: string): string[] {
  return [...raw.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>|="([^"]*)"|>([^<]+)</g)].map(
    (m) => m[1] ?? xmlDecoded((m[2] ?? m[3]) as string),
  );
}

describe('an XML body whose literals are written with references (outside review 15, F1)', () => {
  // Each literal, as the template writes it and as the gateway reads it (the oracle: xmlDecoded).
  const XML: Array<[name: string, body: string, read: string[]]> = [
    ['named', '<r><password>p&amp;ssw0rd</password>', ['p&ssw0rd']],
    ['attribute', '<r><auth user="acme" password="s3cr&quot;t99"/>', ['acme', 's3cr"t99']],
    ['decimal', '<r><apikey>Zk&#50;9Qm7x</apikey>', ['Zk29Qm7x']],
    ['hex', '<r><secret>k&#x3C;9&#x3e;mQ2vX</secret>', ['k<9>mQ2vX']],
    ['CDATA', '<r><pass><![CDATA[sunshine&amp;rain]]></pass>', ['sunshine&amp;rain']],
  ];
  const ANSWERS: Record<string, (values: string[]) => string> = {
    'decoded fields': (values) => `invalid fields ${values.join(' ')} END`,
    'JSON error': (values) => JSON.stringify({ error: 'invalid', fields: values }),
  };

  it.each(Object.entries(ANSWERS))(
    'shows none of them as the gateway echoes them read (%s)',
    async (_form, answer) => {
      // Every value it read but the text: the literal(s), then the recipient.
      const rx = await answeringReceiver(400, (r) => answer(xmlValues(r.raw).slice(0, -1)));
      const { call, logger, readChannels } = await serveAlerted(
        XML.map(([name, body]) => ({
          type: 'sms-gateway' as const,
          name,
          retries: 0,
          url: `${rx.origin}/${name}`,
          to: NUMBERS[2]!,
          contentType: 'application/xml',
          body: `${body}<to>{{to}}</to><text>{{text}}</text></r>`,
        })),
      );
      // The oracle's premise: the gateway read each literal resolved and echoed it.
      const read = rx.received.map((r) => xmlValues(r.raw).slice(0, -2));
      expect(read).toEqual(XML.map(([, , values]) => values));
      const channels = await readChannels();
      const health = (await call('health/?detailed=true')).body.data.channels as Array<{
        last_error: string;
      }>;
      const failing = logger.lines.filter((l) => l.includes('is failing'));
      expect(failing).toHaveLength(XML.length);
      // Exactly the gateway's answer with each literal replaced and the number masked.
      expect(channels.map((c) => c.last_error)).toEqual(
        XML.map(([, , values]) => `HTTP 400: ${answer([...values.map(() => '[redacted]'), '+49…78'])}`),
      );
      const secrets = XML.flatMap(([, , values]) => values);
      for (const text of [...channels, ...health].map((c) => c.last_error).concat(failing)) {
        for (const decoded of decodings(text)) {
          for (const s of secrets) expect(shows(decoded, s), `${s} in ${decoded}`).toBe(false);
        }
      }
    },
  );
});

describe('a recipient written with separators or 00 (outside review 15, F2)', () => {
  /** Each recipient as written, and its number in E.164 as a gateway normalises it. */
  const WRITTEN: Array<[to: string, e164: string, shown: string]> = [
    ['+44 7911 123489', '+447911123489', '+44…89'],
    ['00447911123489', '+447911123489', '004…89'],
    ['+1 (555) 123-0001', '+15551230001', '+1 …01'],
    ['+49.151.1234.5678', '+4915112345678', '+49…78'],
  ];

  it('is shown masked when the gateway echoes it normalised, with or without the +', async () => {
    const rx = await answeringReceiver(400, (r) => {
      // The gateway normalises what it got (the JSON body's `to`, as written) to E.164 and echoes it three ways.
      const to = (r.json as { to: string }).to;
      const e164 = `+${to.replace(/^\s*00/, '').replace(/\D/g, '')}`;
      return `bad number ${e164} (${e164.slice(1)}, 00${e164.slice(1)}) from ${to} END`;
    });
    const { call, logger, readChannels } = await serveAlerted(
      WRITTEN.map(([to], i) => ({
        type: 'sms-gateway' as const,
        name: `sms${i}`,
        retries: 0,
        url: `${rx.origin}/send`,
        to,
      })),
    );
    expect(rx.received.map((r) => (r.json as { to: string }).to)).toEqual(WRITTEN.map(([to]) => to));
    const channels = await readChannels();
    const health = (await call('health/?detailed=true')).body.data.channels as Array<{ last_error: string }>;
    const failing = logger.lines.filter((l) => l.includes('is failing'));
    expect(failing).toHaveLength(WRITTEN.length);
    expect(channels.map((c) => c.last_error)).toEqual(
      WRITTEN.map(([, , m]) => `HTTP 400: bad number ${m} (${m}, ${m}) from ${m} END`),
    );
    for (const text of [...channels, ...health].map((c) => c.last_error).concat(failing)) {
      for (const decoded of decodings(text)) {
        for (const [to, e164] of WRITTEN) {
          for (const form of [to, e164, e164.slice(1)]) expect(decoded, form).not.toContain(form);
        }
      }
    }
  });
});

describe('a recipient echoed in a national or grouped form', () => {
  /**
   * Each recipient as configured, how it is shown (first 3 and last 2 characters as written), the digit strings it
   * is known by (international without `+`, national with its trunk 0), and the forms a gateway echoes it in.
   */
  const ECHOED: Array<[to: string, shown: string, digits: string[], echoed: string[]]> = [
    [
      '+447700900123',
      '+44…23',
      ['447700900123', '07700900123'],
      ['07700 900123', '07700-900-123', '(07700) 900123', '+44 (0)7700 900123', '0044 7700 900 123'],
    ],
    [
      '+442079460958',
      '+44…58',
      ['442079460958', '02079460958'],
      [
        '(020) 7946 0958',
        '+44 (0)20 7946 0958',
        '020-7946-0958',
        '+44 20 7946 0958',
        '20 7946 0958',
        encodeURIComponent('+44 (0)20 7946 0958'),
        '+44&#x20;20&#x20;7946&#x20;0958',
      ],
    ],
    [
      '+1 (415) 555-0132',
      '+1 …32',
      ['14155550132'],
      [
        '+1 (415) 555-0132',
        '415.555.0132',
        '(415) 555-0132',
        '1-415-555-0132',
        '+1.415.555.0132',
        '4155550132',
      ],
    ],
    [
      '07700 900123',
      '077…23',
      ['07700900123', '447700900123'],
      ['07700900123', '07700 900 123', '+44 7700 900123', '+44 (0)7700 900123', '447700900123'],
    ],
    [
      '+33 6 12 34 56 78',
      '+33…78',
      ['33612345678', '0612345678'],
      ['06 12 34 56 78', '06.12.34.56.78', '+33 (0)6 12 34 56 78', '0033 612345678'],
    ],
  ];
  const CASES = ECHOED.flatMap(([to, shown, digits, echoed]) =>
    echoed.map((e) => ({ to, shown, digits, e })),
  );

  /** The recipient's runs of 3 digits or more in `section` once `shown` is taken out (separators ignored). */
  function runsLeft(section: string, shown: string, digits: string[]): string[] {
    const left = section.split(shown).join('').replace(/\D/g, '');
    const runs = new Set<string>();
    for (const d of digits) for (let i = 0; i + 3 <= d.length; i++) runs.add(d.slice(i, i + 3));
    return [...runs].filter((r) => left.includes(r));
  }

  it('shows none of its digits but the masked form, in channels/, health/ and the log', async () => {
    const rx = await answeringReceiver(
      400,
      (r) => `no route to ${CASES[Number(r.url.split('/').at(-1))]?.e} END`,
    );
    const { call, logger } = await serveAlerted(
      CASES.map(({ to }, i) => ({
        type: 'sms-gateway' as const,
        name: `sms-${'abcdefghijklmnopqrstuvwxyz'[i]}`,
        retries: 0,
        url: `${rx.origin}/send/${i}`,
        to,
      })),
    );
    expect(rx.received).toHaveLength(CASES.length);
    const channels = (await call('channels/')).body.data.channels as Array<{
      name: string;
      last_error: string;
    }>;
    const health = (await call('health/?detailed=true')).body.data.channels as Array<{
      name: string;
      last_error: string;
    }>;
    const failing = logger.lines.filter((l) => l.includes('is failing'));
    expect(failing).toHaveLength(CASES.length);
    const byName = (name: string) => [
      ...[...channels, ...health].filter((c) => c.name === name).map((c) => c.last_error),
      ...failing.filter((l) => l.includes(`"${name}"`) || l.includes(` ${name} `) || l.includes(`'${name}'`)),
    ];
    CASES.forEach(({ shown, digits, e }, i) => {
      const texts = byName(`sms-${'abcdefghijklmnopqrstuvwxyz'[i]}`);
      expect(texts.length, e).toBeGreaterThanOrEqual(3);
      for (const text of texts) {
        for (const decoded of decodings(text)) {
          const section = /no route to (.*) END/.exec(decoded)?.[1];
          expect(section, `${e}: ${decoded}`).toBeDefined();
          expect(section, e).toContain(shown);
          expect(runsLeft(section as string, shown, digits), `${e}: ${decoded}`).toEqual([]);
        }
      }
    });
  });
});

describe('a text body or URL query whose pairs are separated by `;` (outside review 16, F6)', () => {
  const USER = 'acme';
  const PASS = 'hunter2hunter';
  const QUERY_PASS = 'qpass7seven';
  const BODIES = [
    `user=${USER};pass=${PASS};to={{to}};msg={{text}}`,
    `user=${USER}&pass=${PASS};to={{to}}&msg={{text}}`,
    `user=${USER}\npass=${PASS}\nto={{to}}\nmsg={{text}}`,
  ];

  it('shows neither the user nor the password when the gateway echoes the body and URL it got', async () => {
    const rx = await answeringReceiver(400, (r) => `rejected request ${r.url} body: ${r.raw}`);
    const { call, logger, readChannels, bodies } = await serveAlerted(
      BODIES.map((body, i) => ({
        type: 'sms-gateway' as const,
        name: `sms${i}`,
        retries: 0,
        url: `${rx.origin}/send?login=${USER};pw=${QUERY_PASS}`,
        to: NUMBERS[2]!,
        contentType: 'text/plain',
        body,
      })),
    );
    // The oracle's premise: the gateway got (and echoed) the password in the body and in the query.
    expect(rx.received.map((r) => r.raw.includes(PASS) && r.url.includes(QUERY_PASS))).toEqual(
      BODIES.map(() => true),
    );
    const channels = await readChannels();
    await call('health/?detailed=true');
    const failing = logger.lines.filter((l) => l.includes('is failing'));
    expect(failing).toHaveLength(BODIES.length);
    for (const c of channels) expect(c.last_error, c.name).toMatch(/^HTTP 400: rejected request /);
    for (const text of [...bodies, ...logger.lines]) {
      for (const decoded of decodings(text)) {
        for (const s of [PASS, QUERY_PASS, USER]) expect(shows(decoded, s), `${s} in ${decoded}`).toBe(false);
      }
    }
  });
});

describe('a literal whose references HTML reads specially (outside review 17, F2 and F5)', () => {
  // Each literal as the template writes it; a gateway that reads its body as HTML echoes htmlDecoded of it.
  const LITERALS: Array<[name: string, written: string, read: string]> = [
    ['c1-euro', 'Zk&#128;9Qm7xW', 'Zk\u20ac9Qm7xW'],
    ['c1-trade-mark', 'Zk&#x99;9Qm7xW', 'Zk\u21229Qm7xW'],
    ['zero', 'Zk&#0;9Qm7xW', 'Zk\ufffd9Qm7xW'],
    ['surrogate', 'Zk&#xD800;9Qm7xW', 'Zk\ufffd9Qm7xW'],
    ['past-10ffff', 'Zk&#x110000;9Qm7xW', 'Zk\ufffd9Qm7xW'],
    ['legacy-name', 'Zk&quotQm7&ampxW', 'Zk"Qm7&xW'],
    ['numeric-no-semicolon', 'Zk&#36Qm7&#x21xW', 'Zk$Qm7!xW'],
  ];

  it('shows none of them as the gateway echoes them read', async () => {
    const rx = await answeringReceiver(400, (r) => {
      const key = /<apikey>([^<]*)<\/apikey>/.exec(r.raw)?.[1] ?? '';
      return `bad apikey ${htmlDecoded(key)} END`;
    });
    const { call, logger, readChannels } = await serveAlerted(
      LITERALS.map(([name, written]) => ({
        type: 'sms-gateway' as const,
        name,
        retries: 0,
        url: `${rx.origin}/${name}`,
        to: NUMBERS[2]!,
        contentType: 'application/xml',
        body: `<r><apikey>${written}</apikey><to>{{to}}</to><text>{{text}}</text></r>`,
      })),
    );
    // The oracle's premise: HTML reads each literal as `read`, and the gateway echoed that.
    expect(LITERALS.map(([, written]) => htmlDecoded(written))).toEqual(LITERALS.map(([, , read]) => read));
    expect(rx.received).toHaveLength(LITERALS.length);
    const channels = await readChannels();
    expect(channels.map((c) => c.last_error)).toEqual(
      LITERALS.map(() => 'HTTP 400: bad apikey [redacted] END'),
    );
    const health = (await call('health/?detailed=true')).body.data.channels as Array<{ last_error: string }>;
    const failing = logger.lines.filter((l) => l.includes('is failing'));
    expect(failing).toHaveLength(LITERALS.length);
    for (const text of [...channels, ...health].map((c) => c.last_error).concat(failing)) {
      for (const decoded of [...decodings(text), htmlDecoded(text)]) {
        for (const [, , read] of LITERALS) expect(shows(decoded, read), `${read} in ${decoded}`).toBe(false);
      }
    }
  });
});
