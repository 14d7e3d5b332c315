// Credential headers in the spellings Node and JSON produce themselves (outside review 19, F1/F2/F6/F7): each text
// is built from real objects by node:util inspect, JSON.stringify or a template string, so the oracle for what
// appears is Node's own output; the token must be gone from jobs/, health/ and the webhook, ordinary text stays.

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { errorSurfaces } from './error-surfaces.js';

const T = 'Zq8vK2mP9xR4tLw7Yb3N';
const B = `Bearer ${T}`;
const rawHeader = `GET / HTTP/1.1\r\nAuthorization: ${B}\r\nHost: h\r\n\r\n`;
const json2 = JSON.stringify(JSON.stringify({ authorization: B }));

const LEAKS: Array<[string, string]> = [
  ['rawHeaders inspected', inspect(['Authorization', B, 'Host', 'h'])],
  [
    'header entries inspected',
    inspect([
      ['authorization', B],
      ['x-api-key', T],
      ['Cookie', `sid=${T}`],
    ]),
  ],
  ['raw header in JSON', JSON.stringify({ header: rawHeader })],
  ['folded header', `Authorization:\r\n ${B}`],
  ['folded after scheme', `Authorization: Bearer\n ${T}`],
  ['tab separator', `Authorization\t${B}`],
  ['JSON in JSON', json2],
  ['JSON in JSON u0022', json2.replaceAll('\\"', '\\u0022')],
  ['Map inspected', inspect(new Map([['authorization', B]]))],
  ['HeadersList-like Map', inspect(new Map([['authorization', { name: 'Authorization', value: B }]]))],
  ['set-cookie array', inspect({ 'set-cookie': [`sid=${T}; Path=/; HttpOnly`] })],
  ['cookie pair', inspect(['cookie', `sid=${T}`])],
  [
    'Headers entries',
    inspect([
      ...(new Headers({ authorization: B, 'x-api-key': T }) as unknown as Iterable<[string, string]>),
    ]),
  ],
  ['URL object', inspect(new URL(`https://u:${T}@h.example/p?sig=${T}`))],
  ['URLSearchParams', inspect(new URLSearchParams({ access_token: T, api_key: T }))],
  ['rawHeaders in JSON', JSON.stringify({ rawHeaders: ['Authorization', B] })],
  ['template pair', `failed: ${['authorization', B]}`],
  ['joined', `headers: ${['Authorization', B].join(',')}`],
  ['Slack :443', `POST https://hooks.slack.com:443/services/T0/B0/${T} failed`],
  ['Slack //', `POST https://hooks.slack.com//services/T0/B0/${T} failed`],
  ['Office 365 legacy', `POST https://outlook.office.com/webhook/abc@def/IncomingWebhook/123/${T} failed`],
];

describe('a credential header in a Node or JSON spelling, through jobs/, health/ and a webhook', () => {
  it.each(LEAKS)('%s', async (_, text) => {
    const { jobError, sent, bodies } = await errorSurfaces(text);
    expect(jobError).not.toContain(T);
    expect(jobError).toContain('[redacted]');
    expect(sent.length).toBeGreaterThan(0);
    for (const body of [...bodies, ...sent]) expect(body).not.toContain(T);
  });
});

describe('redactCredentials twice', () => {
  // Each surface may redact a text already redacted (a job error, then its alert): the second pass changes nothing.
  it.each(LEAKS)('%s', (_, text) => {
    const once = redactCredentials(text);
    expect(redactCredentials(once)).toBe(once);
  });
});

describe('redactCredentials keeps the arrow, the scheme and ordinary text', () => {
  it.each([
    [inspect(new Map([['authorization', B]])), "Map(1) { 'authorization' => 'Bearer [redacted]' }"],
    ['route GET /a => 502 (token => expired)', 'route GET /a => 502 (token => expired)'],
    ["password => 's3cr3tPassw0rd9x'", "password => '[redacted]'"],
    [`Authorization\t${B}`, 'Authorization\tBearer [redacted]'],
    ['missing column sk_test_results_id', 'missing column sk_test_results_id'],
    ['column xoxb-legacy-mode', 'column xoxb-legacy-mode'],
    ['xapp-level tokens disabled', 'xapp-level tokens disabled'],
    ['expected Authorization: Basic or Bearer', 'expected Authorization: Basic or Bearer'],
    ['the token= parameter is required', 'the token= parameter is required'],
    ['authorization failed for user app', 'authorization failed for user app'],
    ['invalid token: missing', 'invalid token: missing'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('the spelling patterns on adversarial text', () => {
  const N = 100_000;
  const fill = (s: string) => s.repeat(Math.ceil(N / s.length)).slice(0, N);
  it.each([
    ['quoted names', fill("'authorization', ")],
    ['escaped quotes', fill('\\"authorization\\":\\"')],
    ['u0022 quotes', fill('\\u0022cookie\\u0022:\\u0022')],
    ['separator runs', fill('authorization => , \t')],
    ['escaped CR LF', fill('\\r\\nAuthorization: Bearer\\r\\n')],
    ['arrows', fill("'password' => ")],
    ['webhook slashes', fill('hooks.slack.com:443//')],
    ['open array values', fill("cookie: [ 'a")],
    ['schemes after bare names', fill('authorization Bearer ')],
    ['tab-separated names', fill('x-api-key\t')],
    ['encoded scheme spaces', fill('authorization=Bearer%20')],
  ])('%s: 100 KB in under 5 s of CPU', (_, text) => {
    const start = process.cpuUsage();
    redactCredentials(text);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(5000);
  });
});
