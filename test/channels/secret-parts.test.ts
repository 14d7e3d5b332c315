// A channel secret that is part of its URL or a header value (a `?token=` value, Slack's and Discord's secret path
// segment, a Bearer token, an API key as the URL's user name) is redacted when a receiver echoes it alone, in the
// forms receivers use (outside review 12, F1); the ordinary words of an error answer stay readable.

import { describe, expect, it } from 'vitest';
import type { ChannelOptions } from '../../src/channels/index.js';
import { redactor } from '../../src/channels/redact.js';
import { headerSecrets, looksLikeCredential } from '../../src/channels/secret-parts.js';
import { rng } from '../helpers/random.js';
import { answeringReceiver, serveAlerted } from './admin-server.js';
import { htmlDecoded } from './html-decode.js';
import type { Received } from './receiver.js';

const QUERY_TOKEN = 'Zq8kR2vLp9XwT4mN';
const SLACK = 'xQ3bN7mK1pR8sT2vW5yZ9aC4';
const DISCORD = 'dS5gH8jK2lP9qW4e-R7tY1uI0oA3sD6fG_h';
const TEAMS_FLOW = 'a3f29c0b7e1d45f68a2b9c3d4e5f6071';
/** Base64 with `/`, `+` and `=` inside: punctuation within the secret, encoded every way the answer encodes it. */
const TEAMS_SIG = 'k3J9sLq0/Wm2Xb7+Yc5Zd1Ve8=';
const BEARER = 'hT9vK2mQ7xR4pL8wZ3nB';
const USER_KEY = 'skLiveA1b2C3d4E5f6G7';
const AM_PASSWORD = 'pW9xY8zV7uT6sR5q';
const SMS_KEY = 'k7Hx2Lm9Pq4Rt8Vw';
const SECRETS = [QUERY_TOKEN, SLACK, DISCORD, TEAMS_FLOW, TEAMS_SIG, BEARER, USER_KEY, AM_PASSWORD, SMS_KEY];
/** How the Basic headers carrying them read (`user:` when the key is the user name). */
const BASIC = [`${USER_KEY}:`, `svc-monitor:${AM_PASSWORD}`].map((s) => Buffer.from(s).toString('base64'));

/** One channel of each kind whose URL or header holds a secret part, all sending to `o`. */
function channelsAt(o: string): ChannelOptions[] {
  const common = { retries: 0 };
  const teams = `${o}/workflows/${TEAMS_FLOW}/triggers/manual/paths/invoke`;
  return [
    { type: 'webhook', name: 'query', url: `${o}/hook?token=${QUERY_TOKEN}&format=json`, ...common },
    { type: 'slack', webhookUrl: `${o}/services/T000/B000/${SLACK}`, ...common },
    { type: 'discord', webhookUrl: `${o}/api/webhooks/123456789012345678/${DISCORD}`, ...common },
    {
      type: 'teams',
      webhookUrl: `${teams}?api-version=2016-06-01&sv=1.0&sig=${encodeURIComponent(TEAMS_SIG)}`,
      ...common,
    },
    {
      type: 'webhook',
      name: 'bearer',
      url: `${o}/notify`,
      headers: { authorization: `Bearer ${BEARER}` },
      ...common,
    },
    // An API key as the user name (Stripe, Mailgun): sent as `Authorization: Basic base64("<key>:")`.
    {
      type: 'webhook',
      name: 'user',
      url: `${o.replace('//', `//${USER_KEY}@`)}/hooks/IncomingWebhook`,
      ...common,
    },
    { type: 'alertmanager', url: o, headers: { authorization: `Basic ${BASIC[1]}` }, ...common },
    {
      type: 'sms-gateway',
      url: `${o}/sms/send?api_key=${SMS_KEY}`,
      to: '+15551230001',
      body: '{"to":"{{to}}","text":"{{text}}"}',
      ...common,
    },
  ];
}

/** What the receiver got, part by part: query values, path segments, the Authorization token and Basic's user/pass. */
function partsOf(r: Received): string[] {
  const url = new URL(r.url, 'http://x');
  const parts = [...url.pathname.split('/').map(decodeURIComponent), ...url.searchParams.values()];
  const [scheme, token] = String(r.headers.authorization ?? '').split(' ');
  if (scheme === 'Bearer' && token) parts.push(token);
  if (scheme === 'Basic' && token) parts.push(...Buffer.from(token, 'base64').toString().split(':'));
  return parts.filter((p) => p !== '');
}

const html = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
/** Each form is how a receiver's error answer echoes what it got; each ends with END (so it was shown whole). */
const FORMS: Record<string, (r: Received) => string> = {
  'JSON field': (r) => JSON.stringify({ error: 'invalid_token', got: partsOf(r), end: 'END' }),
  'plain text': (r) => `Not Found: ${partsOf(r).join(' ')} END`,
  'HTML entities': (r) => `invalid_token ${html(`${r.url} ${r.headers.authorization ?? ''}`)} END`,
  'double percent-encoding': (r) =>
    `invalid_token ${encodeURIComponent(encodeURIComponent(`${r.url} ${r.headers.authorization ?? ''}`))} END`,
  'Authorization header': (r) => `invalid_token auth was ${r.headers.authorization ?? 'none'} END`,
  'upper case': (r) => `invalid_token ${partsOf(r).join(' ').toUpperCase()} END`,
  hex: (r) =>
    `invalid_token ${partsOf(r)
      .map((p) => Buffer.from(p).toString('hex'))
      .join(' ')} END`,
};

/** `text`, and `text` with HTML entities, percent-encoding (once, twice, thrice) and hex runs decoded. */
function decodings(text: string): string[] {
  const hex = text.replace(/\b(?:[0-9a-f]{2}){4,}\b/gi, (run) => Buffer.from(run, 'hex').toString('latin1'));
  const entities = text.replace(/&#x([0-9a-f]+);/gi, (_, h: string) =>
    String.fromCharCode(Number.parseInt(h, 16)),
  );
  const pct = (s: string) =>
    s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return [text, entities, pct(entities), pct(text), pct(pct(text)), pct(pct(pct(text))), hex];
}

describe.each(Object.entries(FORMS))('a receiver echoing the secret parts (%s)', (_form, answer) => {
  it('shows none of them in channels/, health/ or the log, and leaves the rest readable', async () => {
    const rx = await answeringReceiver(403, answer);
    const { call, logger, readChannels } = await serveAlerted(channelsAt(rx.origin));
    expect(rx.received).toHaveLength(8);
    const channels = await readChannels();
    const outputs = [
      JSON.stringify(channels),
      JSON.stringify((await call('health/?detailed=true')).body),
      ...logger.lines,
    ];
    expect(logger.lines.filter((l) => l.includes('is failing'))).toHaveLength(8);
    for (const c of channels) {
      // Shown whole (not cut before a secret), its ordinary words readable.
      expect(c.last_error, c.name).toMatch(
        /^HTTP 403: (Not Found|invalid_token|\{"error":"invalid_token").*END/,
      );
    }
    for (const text of outputs) {
      for (const decoded of decodings(text)) {
        for (const secret of [...SECRETS, ...BASIC])
          expect(decoded.toUpperCase()).not.toContain(secret.toUpperCase());
      }
    }
  });
});

describe('redaction of the parts of a URL', () => {
  it('replaces exactly the secret parts: the words, ids, dates and versions around them stay', async () => {
    const rx = await answeringReceiver(404, (r) => FORMS['plain text']!(r));
    const { readChannels } = await serveAlerted(channelsAt(rx.origin));
    const channels = await readChannels();
    // The oracle: the receiver's own answer with each configured secret (and only those) replaced.
    expect(channels.map((c) => c.last_error)).toEqual([
      'HTTP 404: Not Found: hook [redacted] json END',
      'HTTP 404: Not Found: services T000 B000 [redacted] END',
      'HTTP 404: Not Found: api webhooks 123456789012345678 [redacted] END',
      'HTTP 404: Not Found: workflows [redacted] triggers manual paths invoke 2016-06-01 1.0 [redacted] END',
      'HTTP 404: Not Found: notify [redacted] END',
      'HTTP 404: Not Found: hooks IncomingWebhook [redacted] END',
      'HTTP 404: Not Found: api v2 alerts svc-monitor [redacted] END',
      'HTTP 404: Not Found: sms send [redacted] END',
    ]);
  });
});

describe("a secret echoed with HTML's named references", () => {
  // Each name as the WHATWG list gives it (html.spec.whatwg.org, named character references): `!` excl, `$` dollar,
  // `*` ast or midast, `(` lpar, `)` rpar, `\\` bsol, `|` verbar, vert or VerticalLine, U+00A0 nbsp or
  // NonBreakingSpace, `[` lsqb or lbrack, `]` rsqb or rbrack, `{` lcub or lbrace, `}` rcub or rbrace, `^` Hat,
  // `_` lowbar or UnderBar, `` ` `` grave or DiacriticalGrave; U+2010 HYPHEN hyphen or dash.
  const SECRET = 'Zk!9$Qm*7(x)\\p|w\u00a0q[1]{2}^_`';
  it.each([
    'Zk&excl;9&dollar;Qm&ast;7&lpar;x&rpar;&bsol;p&verbar;w&nbsp;q&lsqb;1&rsqb;&lcub;2&rcub;&Hat;&lowbar;&grave;',
    'Zk&excl;9&dollar;Qm&midast;7&lpar;x&rpar;&bsol;p&vert;w&NonBreakingSpace;q&lbrack;1&rbrack;&lbrace;2&rbrace;&Hat;&UnderBar;&DiacriticalGrave;',
    'Zk!9$Qm*7(x)\\p&VerticalLine;w\u00a0q[1]{2}^_`',
  ])('is masked written %s', (written) => {
    expect(redactor([SECRET])(`invalid key ${written} END`)).toBe('invalid key [redacted] END');
  });

  it('is masked with &hyphen; or &dash; for U+2010, which is not `-`', () => {
    expect(redactor(['pass\u2010word99'])('bad pass&hyphen;word99 pass&dash;word99 END')).toBe(
      'bad [redacted] [redacted] END',
    );
    expect(redactor(['pass-word99'])('bad pass&hyphen;word99 pass-word99 END')).toBe(
      'bad pass&hyphen;word99 [redacted] END',
    );
  });
});

describe('a secret echoed with references HTML reads without their `;` (outside review 17, F2)', () => {
  const SECRET = 'Zq8v"K2m<P9x&R4t>L7w$N3b!Q';
  /** How a receiver's hand-rolled escaper writes the header value it refuses; HTML reads each back as SECRET. */
  const ESCAPERS: Record<string, (s: string) => string> = {
    'legacy names': (s) =>
      s.replace(/&/g, '&amp').replace(/"/g, '&quot').replace(/</g, '&lt').replace(/>/g, '&gt'),
    'legacy names, upper case': (s) =>
      s.replace(/&/g, '&AMP').replace(/"/g, '&QUOT').replace(/</g, '&LT').replace(/>/g, '&GT'),
    'decimal without ;': (s) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.charCodeAt(0)}`),
    'hex without ;': (s) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)}`),
    'hex with zeros, without ;': (s) =>
      s.replace(/[^A-Za-z0-9]/g, (c) => `&#X00${c.charCodeAt(0).toString(16).toUpperCase()}`),
    'every character decimal, without ;': (s) => s.replace(/./g, (c) => `&#${c.charCodeAt(0)}`),
  };

  it.each(Object.entries(ESCAPERS))(
    'is shown redacted in channels/, health/ and the log (%s)',
    async (_form, escaper) => {
      const rx = await answeringReceiver(
        401,
        (r) => `<p>bad key ${escaper(String(r.headers['x-api-key']))} end</p>`,
        'text/html',
      );
      const { call, logger, readChannels } = await serveAlerted([
        { type: 'webhook', url: `${rx.origin}/h`, headers: { 'x-api-key': SECRET }, retries: 0 },
      ]);
      // The oracle's premise: the receiver got the secret and its answer reads as it in HTML.
      expect(rx.received).toHaveLength(1);
      expect(htmlDecoded(escaper(SECRET))).toBe(SECRET);
      const channels = await readChannels();
      expect(channels.map((c) => c.last_error)).toEqual(['HTTP 401: <p>bad key [redacted] end</p>']);
      const outputs = [
        JSON.stringify(channels),
        JSON.stringify((await call('health/?detailed=true')).body),
        ...logger.lines,
      ];
      for (const text of outputs) {
        for (const decoded of [text, htmlDecoded(text), htmlDecoded(htmlDecoded(text))])
          expect(decoded).not.toContain(SECRET);
      }
    },
  );

  it('is masked in each spelling of a name HTML reads without `;` (`&nbsp`, `&ampx;`)', () => {
    const secret = 'pa\u00a0ss&x;word"9';
    for (const written of [
      'pa&nbspss&ampx;word&quot9',
      'pa&nbsp;ss&amp;x;word&quot;9',
      'pa&#160ss&#38x;word&#x22;9',
    ]) {
      expect(htmlDecoded(written)).toBe(secret);
      expect(redactor([secret])(`bad ${written} END`)).toBe('bad [redacted] END');
    }
    // A short secret (whole words only) after a reference without `;`: HTML reads `"ab"`, `<ab>`.
    const short = 'bad &#34ab&#34 &ltab&gt &quotab&quot about END';
    expect(htmlDecoded(short)).toBe('bad "ab" <ab> "ab" about END');
    expect(redactor(['ab'])(short)).toBe(
      'bad &#34[redacted]&#34 &lt[redacted]&gt &quot[redacted]&quot about END',
    );
    // A numeric reference without `;` ends at its last digit: `&#349` is U+015D, not `"` and a 9.
    expect(redactor(['word"9'])('bad word&#349 END')).toBe('bad word&#349 END');
  });
});

describe('a secret whose characters HTML reads from other code points (outside review 17, F5)', () => {
  it.each([
    ['Zk\u20ac9Qm7xW', ['Zk&#128;9Qm7xW', 'Zk&#x80;9Qm7xW', 'Zk&#X0080;9Qm7xW']],
    ['Zk\u20acQm7xW', ['Zk&#128Qm7xW', 'Zk&#x80Qm7xW']],
    ['Zk\u21229Qm7xW', ['Zk&#x99;9Qm7xW', 'Zk&#153;9Qm7xW']],
    ['Zk\u20189Qm7xW', ['Zk&#145;9Qm7xW', 'Zk&#x91;9Qm7xW']],
    [
      'Zk\ufffd9Qm7xW',
      [
        'Zk&#0;9Qm7xW',
        'Zk&#x0000;9Qm7xW',
        'Zk&#xD800;9Qm7xW',
        'Zk&#57343;9Qm7xW',
        'Zk&#x110000;9Qm7xW',
        'Zk&#1114112;9Qm7xW',
        'Zk&#xFFFD;9Qm7xW',
      ],
    ],
  ])('%s is masked in each reference HTML reads as it', (secret, forms) => {
    for (const written of forms) {
      expect(htmlDecoded(written), written).toBe(secret);
      expect(redactor([secret])(`bad ${written} END`), written).toBe('bad [redacted] END');
    }
  });
});

describe('the rules: which path segments, header words and tokens are secrets', () => {
  it('takes generated tokens for credentials: Slack and Discord secrets, hex keys, UUIDs', () => {
    const u = rng(20261205);
    const draw = (alphabet: string, n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(u() * alphabet.length)]).join('');
    const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const hex = '0123456789abcdef';
    for (let i = 0; i < 500; i++) {
      const uuid = [8, 4, 4, 4, 12].map((n) => draw(hex, n)).join('-');
      for (const token of [draw(base62, 24), draw(`${base62}-_`, 68), draw(hex, 32), uuid]) {
        expect(looksLikeCredential(token), token).toBe(true);
      }
    }
  });

  it('leaves words, numeric ids, dates and versions alone', () => {
    const ordinary = [
      'services',
      'webhooks',
      'IncomingWebhook',
      'XMLHttpRequest',
      'invalid_token',
      'Not Found',
      'oauth2callback',
      'webhookb2',
      'base64url',
      'application/json',
      '123456789012345678',
      '2016-06-01',
      'T000',
      'api',
    ];
    expect(ordinary.filter(looksLikeCredential)).toEqual([]);
  });

  it("takes a scheme's token from authorization headers only; other headers' words stay", () => {
    expect(headerSecrets({ authorization: `Bearer ${BEARER}` })).toContain(BEARER);
    expect(headerSecrets({ 'x-api-key': 'Token abcd1234' })).toContain('abcd1234');
    expect(headerSecrets({ 'x-team': 'platform oncall' })).toEqual(['platform oncall']);
    expect(headerSecrets({ 'x-trace': `build ${USER_KEY}` })).toEqual([`build ${USER_KEY}`, USER_KEY]);
  });
});
