// An HTTP client's error names the request it failed on: its Authorization header, an API-key header, a cookie, a
// signed URL's signature, a JWT or a prefixed token, a webhook URL whose path is the secret. sysvitals must not put
// them into jobs/, health/ or the alert messages sent to the channels (outside review 18, F7); ordinary words that
// look like the names (`code=200`, "the key") stay as written.
// Oracles: the published formats (RFC 7235/7617/6750/7616 for the header grammar, RFC 6265 for cookies, RFC 7519
// and 7515 for JWT's compact form, GitHub's, Stripe's and Slack's token formats, AWS SigV4's and Azure SAS's query
// parameter names); each expected text is written out by hand.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { errorSurfaces } from './error-surfaces.js';

const S = 'S3CRETVALUE';
const JWT = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTM0NSRVRWQUxVRSJ9.${S}sig`;
const GHP = `ghp_${S}0123456789abcdefghijklmnop`; // ghp_ and 36 base62 characters
const BASIC = 'dXNlcjpTM0NSRVRWQUxVRQ=='; // base64("user:S3CRETVALUE"), RFC 7617

/** [error text, what every surface must show]: each secret kind, then texts that hold none and must stay. */
const CASES: Array<[string, string]> = [
  // RFC 6750 Bearer in a JSON headers object, RFC 7617 Basic in a raw header line, any case.
  [`headers: {"Authorization":"Bearer ${S}"}`, 'headers: {"Authorization":"Bearer [redacted]"}'],
  [`fetch failed: authorization: Basic ${BASIC}`, 'fetch failed: authorization: Basic [redacted]'],
  // RFC 7616 Digest auth-params, in Node's inspect of a headers object; Proxy-Authorization as name=value.
  [
    `{ 'proxy-authorization': 'Digest username="u", response="${S}"' }`,
    "{ 'proxy-authorization': 'Digest [redacted]' }",
  ],
  [`GET /x?AUTHORIZATION=Bearer%20${S} 401`, 'GET /x?AUTHORIZATION=Bearer%20[redacted] 401'],
  [`x-api-key: ${S} refused`, 'x-api-key: [redacted] refused'],
  [`cookie: sid=${S}; theme=dark`, 'cookie: [redacted]'],
  [`JWT ${JWT} expired`, 'JWT [redacted] expired'],
  [`GitHub token ${GHP} rejected`, 'GitHub token [redacted] rejected'],
  [`Invalid API Key provided: sk_live_${S}0123456789abcdef`, 'Invalid API Key provided: [redacted]'],
  [`slack: xoxb-1234-5678-${S} invalid_auth`, 'slack: [redacted] invalid_auth'],
  [
    `GET https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${S} 403`,
    'GET https://b.s3.amazonaws.com/k?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted] 403',
  ],
  [
    `PUT https://a.blob.core.windows.net/c/b?sv=2022-11-02&sig=${S} 403`,
    'PUT https://a.blob.core.windows.net/c/b?sv=2022-11-02&sig=[redacted] 403',
  ],
  [
    `GET https://maps.example.com/api?key=${S}&q=x 400`,
    'GET https://maps.example.com/api?key=[redacted]&q=x 400',
  ],
  [`GET /cb?code=${S}&state=abc 500`, 'GET /cb?code=[redacted]&state=abc 500'],
  [
    `POST https://hooks.slack.com/services/T000/B000/${S} 404`,
    'POST https://hooks.slack.com/services/[redacted] 404',
  ],
  // Nothing secret: each stays as written.
  [
    'upstream answered status code 401 (code=200 expected)',
    'upstream answered status code 401 (code=200 expected)',
  ],
  ['the key was not found; key=value pairs only', 'the key was not found; key=value pairs only'],
  [
    'GET https://api.example.com/x?sv=2022-11-02&page=2 500',
    'GET https://api.example.com/x?sv=2022-11-02&page=2 500',
  ],
  ['AWS key id AKIAIOSFODNN7EXAMPLE not allowed', 'AWS key id AKIAIOSFODNN7EXAMPLE not allowed'],
  ['cannot parse cookie: invalid format', 'cannot parse cookie: invalid format'],
  ['the eyJ prefix and ghp_short are not tokens', 'the eyJ prefix and ghp_short are not tokens'],
];

describe('an HTTP credential in a job, probe or alert error', () => {
  // One monitor per text: its database probe fails with it (health/, the alert sent to a webhook), and so does a job.
  it.each(CASES)('%s', async (text, shown) => {
    const { jobError, health, sent, bodies } = await errorSurfaces(text);
    expect(jobError).toBe(shown);
    // The texts hold no character JSON escapes but `"`.
    const json = JSON.stringify(shown).slice(1, -1);
    expect(health).toContain(json);
    expect(sent.join('\n')).toContain(json);
    for (const body of [...bodies, ...sent]) {
      for (const secret of [S, BASIC, 'eyJzdWIi', 'xoxb-']) expect(body, secret).not.toContain(secret);
    }
  });
});

describe('redactCredentials on HTTP credentials', () => {
  it.each([
    // RFC 7235 auth-params: AWS SigV4's Authorization header, the scheme kept.
    [
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123 denied',
      'Authorization: AWS4-HMAC-SHA256 [redacted] denied',
    ],
    ["{ authorization: 'token ghp_x' }", "{ authorization: 'token [redacted]' }"],
    [`Authorization: ${S}`, 'Authorization: [redacted]'],
    ['"Proxy-Authorization": "Negotiate YIIabc=="', '"Proxy-Authorization": "Negotiate [redacted]"'],
    ['Set-Cookie: sid=abc; Path=/; HttpOnly; Secure', 'Set-Cookie: [redacted]'],
    ['{"cookie":"sid=abc; x=1"}', '{"cookie":"[redacted]"}'],
    [
      "{ 'api-key': 'abc', 'x-auth-token': 'def' }",
      "{ 'api-key': '[redacted]', 'x-auth-token': '[redacted]' }",
    ],
    // RFC 7519: a JWT with alg none (empty signature), and a JWE's five parts.
    ['token eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. bad', 'token [redacted] bad'],
    ['jwe eyJhbGciOiJSU0EifQ.a1.b2.c3.d4 bad', 'jwe [redacted] bad'],
    [`pat github_pat_11ABCDEFG0123456789_${S}abc bad`, 'pat [redacted] bad'],
    [`stripe rk_test_${S}0123456789abcdef / whsec_${S}`, 'stripe [redacted] / [redacted]'],
    [
      `https://x.s3.amazonaws.com/k?X-Amz-Security-Token=${S}&X-Amz-Date=20260101T000000Z`,
      'https://x.s3.amazonaws.com/k?X-Amz-Security-Token=[redacted]&X-Amz-Date=20260101T000000Z',
    ],
    [
      `https://x/cb#access_token=${S}&id_token=${S}&token_type=bearer`,
      'https://x/cb#access_token=[redacted]&id_token=[redacted]&token_type=bearer',
    ],
    [
      `https://x/?auth=${S}&session=${S}&jwt=${S}`,
      'https://x/?auth=[redacted]&session=[redacted]&jwt=[redacted]',
    ],
    [
      `https://x/?signature=${S}&refresh_token=${S}`,
      'https://x/?signature=[redacted]&refresh_token=[redacted]',
    ],
    [
      `https://discord.com/api/webhooks/123456/${S}?wait=true`,
      'https://discord.com/api/webhooks/123456/[redacted]?wait=true',
    ],
    [
      `https://acme.webhook.office.com/webhookb2/${S}/IncomingWebhook/x`,
      'https://acme.webhook.office.com/webhookb2/[redacted]',
    ],
    // Nothing secret.
    ['Bearer tokens are required; see docs', 'Bearer tokens are required; see docs'],
    ['authorization failed for user app', 'authorization failed for user app'],
    ['error code=ECONNRESET, signature mismatch', 'error code=ECONNRESET, signature mismatch'],
    ['the session expired and the keyboard broke', 'the session expired and the keyboard broke'],
    ['https://hooks.slack.com/ is down', 'https://hooks.slack.com/ is down'],
    ['sk_live_ keys only; task_live_x', 'sk_live_ keys only; task_live_x'],
    ['a.b.c eyJ.x version 1.2.3', 'a.b.c eyJ.x version 1.2.3'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('redactCredentials on adversarial text', () => {
  // Each of these made a pattern rescan the rest of the text from every later start (the URL scheme's `\b` start
  // took 9 s on `a.a.a.…://` before); linear, 100 KB take milliseconds. The bound is very generous (a loaded
  // shared machine), far below what a quadratic pattern takes on 100 KB.
  const N = 100_000;
  const fill = (s: string) => s.repeat(Math.ceil(N / s.length)).slice(0, N);
  it.each([
    ['scheme run', `${fill('a.')}://`],
    ['open quotes', fill(`"password":"\\"`)],
    ['open single quotes', fill("password='\\'")],
    ['authorization names', fill('authorization:"\\"')],
    ['auth-params', fill('Authorization: Digest a="x", b="')],
    ['cookie names', fill('cookie:')],
    ['cookie pairs', fill('cookie: a=b;c')],
    ['JWT parts', fill('eyJa.')],
    ['schemes', fill('Bearer ')],
    ['user info', fill('a://:@')],
    ['webhook hosts', fill('a-')],
  ])('%s: 100 KB in under 5 s of CPU', (_, text) => {
    // CPU time, not wall (a loaded CI machine waits, it does not compute more): linear patterns take 2-70 ms, the
    // backtracking URL-password pattern before took 9-12 s; the bound only has to tell the two apart.
    const start = process.cpuUsage();
    redactCredentials(text);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(5000);
  });
});
