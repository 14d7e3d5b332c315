// Leaks left after outside review C (RTC-3): a scheme-relative URL's user-info password (`//svc:<pw>@api.internal/v1`)
// while `user:<pw>@host` was redacted, and a pair whose `=` is written as JSON's escape `\u003d` (Gson writes `=` so:
// `client_secret\u003d<pw>`, `?password\u003d<pw>`). Oracles: the WHATWG URL parser (the password it reads from a
// scheme-relative URL against a base), JSON.parse (the escaped text read as the writer meant it, whose plain `=` pair
// is redacted), the job/health/webhook surfaces, and hand-written texts that are no credential.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { errorSurfaces } from './error-surfaces.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

describe('a scheme-relative URL with a password', () => {
  it.each([
    '//user:SchemeLess9@host/path',
    'Invalid URL: //admin:Adm1nPw99@db.internal:5432/app',
    'fetch failed for //svc:S3rvicePw@api/health',
    'GET //svc:J0bSecret99@api.internal/v1 failed',
    '("//u:Pw0rd9x@h")',
  ])('%j', (text) => {
    const url = /\/\/\S*?@[\w.:]+/.exec(text)?.[0] as string;
    const parsed = new URL(url, 'http://base.example');
    expect(parsed.password).not.toBe(''); // the oracle's premise: a browser reads a password there
    const shown = redactCredentials(text);
    expect(shown).not.toContain(parsed.password);
    const shownUrl = new URL(/\/\/\S*?@[\w.:]+/.exec(shown)?.[0] as string, 'http://base.example');
    expect(shownUrl.username).toBe(parsed.username);
    expect(shownUrl.host).toBe(parsed.host);
    expect(decodeURIComponent(shownUrl.password)).toBe(R);
    expect(shown).toBe(text.replace(`:${parsed.password}@`, `:${R}@`));
    expect(redactCredentials(shown)).toBe(shown);
  });

  staysWhole('%j stays', [
    'see https://a.example/x//y:z@w',
    'file:///etc/u:v@w',
    'C:\\\\share//a:b@c',
    '// note: see a@b',
    'http://host//p',
    // A grammar file's JSON (node_modules/@shikijs/langs/dist/move.mjs): its `//` runs to no later `@`.
    '{"line-comments":{"begin":"//","end":"$","name":"comment.line"},"addr":{"match":"@[A-Za-z][0-9A-Z_a-z]*"}}',
  ]);
});

describe('a pair whose = is written \\u003d', () => {
  it.each([
    ['{"error":"bad request","detail":"?password\\u003dGs0nEsc9"}', 'Gs0nEsc9'],
    ['{"detail":"client_secret\\u003dGs0nEsc9\\u0026x\\u003d1"}', 'Gs0nEsc9'],
    ['{"m":"token\\u003dUnicEsc9Pw"}', 'UnicEsc9Pw'],
    ['{"u":"https://h/x?token\\u003dUnicEsc9Pw"}', 'UnicEsc9Pw'],
    ['{"u":"https://h/x?a=1\\u0026password\\u003dUnicEsc9Pw"}', 'UnicEsc9Pw'],
    ['{"u":"PASSWORD\\u003DUpperEsc9\\u003bHost\\u003ddb"}', 'UpperEsc9'],
    // A value in escaped quotes (Gson writes `password='…'` so; outside review D, RTD-3): it stayed whole.
    ['{"m":"login failed: password\\u003d\\u0027SecrC1x\\u0027 rejected"}', 'SecrC1x'],
    ['{"m":"password\\u003d\\u0022SecrQ2x\\u0022, user\\u003dbob"}', 'SecrQ2x'],
  ])('%j', (text, secret) => {
    const meant = JSON.parse(text) as Record<string, string>;
    const shown = redactCredentials(text);
    expect(shown).not.toContain(secret);
    // Read as its writer meant it, the redacted text is the plain text's redaction.
    const shownMeant = JSON.parse(shown) as Record<string, string>;
    for (const key of Object.keys(meant)) {
      expect(shownMeant[key]).toBe(redactCredentials(meant[key] as string));
      expect(shownMeant[key]).toBe((meant[key] as string).replace(secret, R));
    }
    expect(redactCredentials(shown)).toBe(shown);
  });

  staysWhole('%j stays', ['see \\u003d in the spec', 'tokenizer\\u003dfast', 'a\\u003dpassword']);
});

describe('the surfaces', () => {
  it('jobs/ last_failure, health/ and the webhook show neither password', async () => {
    const text = 'GET //svc:J0bSecret99@api.internal/v1 failed (client_secret\\u003dGs0nEsc9xy)';
    const { jobError, sent, bodies } = await errorSurfaces(text);
    expect(jobError).toBe(`GET //svc:${R}@api.internal/v1 failed (client_secret\\u003d${R}`);
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of [...bodies, ...sent]) {
      expect(body).not.toContain('J0bSecret99');
      expect(body).not.toContain('Gs0nEsc9xy');
    }
  });
});
