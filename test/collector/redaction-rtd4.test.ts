// Escaped forms of credentials whose plain forms are redacted (outside review D, RTD-4): a URL's password behind
// JSON's escaped slashes (`https:\/\/user:pw@host`), a JSON text inside a JSON string (`{\"password\":\"pw\"}`), a
// pair whose `=` is an HTML character reference (`&#61;`, `&#x3d;`, `&equals;`), a redirect parameter
// percent-encoded (`?next=https%3A%2F%2Fu%3Apw%40host`, `redirect=%2Flogin%3Fpassword%3Dpw`) and JS's hex escape
// (`password\x3dpw`). Oracles: the decoder each form is written for (JSON.parse, the `entities` package that reads
// HTML as a browser does, URLSearchParams, V8's own string literal) gives the plain text, whose redaction is the
// premise; the escaped text shows no secret, the rest of it as written, and decoded reads as the plain redaction.

import { decodeHTML } from 'entities';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { cheapAgainstProse, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

/** The escaped text's redaction: no secret, everything else as written, and redacting again changes nothing. */
function expectRedacted(text: string, secret: string): string {
  const shown = redactCredentials(text);
  expect(shown).not.toContain(secret);
  expect(shown).toBe(text.replace(secret, R));
  expect(redactCredentials(shown)).toBe(shown);
  return shown;
}

/** The premise: the plain text (the escaped one decoded) holds `secret`, and its redaction does not. */
function expectPlainRedacted(plain: string, secret: string): void {
  expect(plain).toContain(secret);
  const shown = redactCredentials(plain);
  expect(shown).not.toContain(secret);
  expect(shown).toContain(R);
}

/** What is shown, decoded as the plain text was, shows no secret either. */
function expectDecodedRedacted(decoded: string, secret: string): void {
  expect(decoded).not.toContain(secret);
  expect(decoded).toContain(R);
}

describe("a URL's password behind JSON's escaped slashes", () => {
  it.each([
    ['{"url":"https:\\/\\/user:Pw0rdEsc9@host.example\\/x"}', 'Pw0rdEsc9'],
    ['{"error":"connect failed: postgres:\\/\\/app:Pg5ecretX@db:5432\\/app"}', 'Pg5ecretX'],
    ['{"m":"fetch https:\\/\\/u:Pw0rdEsc9@h\\/ failed"}', 'Pw0rdEsc9'],
    ['{"m":"GET \\/\\/svc:Rel5ecretX@api.internal\\/v1 failed"}', 'Rel5ecretX'],
  ])('%j', (text, secret) => {
    const meant = (JSON.parse(text) as Record<string, string>)[
      Object.keys(JSON.parse(text))[0] as string
    ] as string;
    expectPlainRedacted(meant, secret);
    const shown = expectRedacted(text, secret);
    expect(Object.values(JSON.parse(shown))[0]).toBe(meant.replace(secret, R));
  });

  staysWhole('%j stays', [
    '{"a":"https:\\/\\/host\\/a:b"}',
    '{"re":"https:\\/\\/[^\\/:]+:\\/\\/"}',
    '"a:\\/\\/b"',
  ]);
});

/** `text` read by JSON.parse `depth` times, each time taking the first value of the object read. */
function decodeJson(text: string, depth: number): string {
  let s = text;
  for (let i = 0; i < depth; i++) s = Object.values(JSON.parse(s) as Record<string, string>)[0] as string;
  return s;
}

describe('a JSON text inside a JSON string', () => {
  it.each([
    // [text, levels of JSON around the object with the pair, secret as written]
    ['{"msg":"{\\"password\\":\\"S3cretJj9\\"}"}', 1, 'S3cretJj9'],
    ['{"body":"{\\"user\\":\\"bob\\",\\"password\\": \\"S3cretJj9\\",\\"db\\":\\"app\\"}"}', 1, 'S3cretJj9'],
    ['{"body":"{\\"client_secret\\":\\"S3cretJj9\\"}"}', 1, 'S3cretJj9'],
    ['{"body":"{\\"token\\":\\"S3cret \\\\\\"quoted\\\\\\" Jj9\\"}"}', 1, 'S3cret \\\\\\"quoted\\\\\\" Jj9'],
    // Three levels: a JSON text in a JSON string in a JSON string.
    ['{"outer":"{\\"inner\\":\\"{\\\\\\"password\\\\\\":\\\\\\"S3cretJj9\\\\\\"}\\"}"}', 2, 'S3cretJj9'],
  ] as [string, number, string][])('%j', (text, depth, secret) => {
    const plain = decodeJson(text, depth);
    const value = Object.values(JSON.parse(plain) as Record<string, string>).find((v) =>
      v.includes('S3cret'),
    );
    expectPlainRedacted(plain, JSON.stringify(value).slice(1, -1));
    const shown = expectRedacted(text, secret);
    // Decoded, what is shown is the plain text redacted, a valid JSON text again.
    expect(decodeJson(shown, depth)).toBe(redactCredentials(plain));
    expect(JSON.stringify(JSON.parse(decodeJson(shown, depth)))).toContain(`"${R}"`);
  });

  it('an unquoted value', () => {
    const text = '{"body":"{\\"password\\":123456789,\\"db\\":\\"app\\"}"}';
    expectPlainRedacted(decodeJson(text, 1), '123456789');
    expectRedacted(text, '123456789');
  });

  staysWhole('%j stays', [
    '{"m":"{\\"passwordless\\":true}"}',
    '{"m":"{\\"min_length\\":\\"8\\"}"}',
    '{"m":"{\\"token_type\\":\\"bearer\\"}"}',
    '{"m":"\\"password\\" is required"}',
    // A grammar's JSON inside a string (node_modules/@shikijs/langs): an object's value holds no secret.
    '"\\"else_token\\":{\\"begin\\":\\"(x)\\"},\\"token\\":[\\"a\\"]"',
  ]);
});

describe('a pair whose = is an HTML character reference', () => {
  it.each([
    ['login failed: password&#61;S3cretHt9', 'S3cretHt9'],
    ['<a href="/x?user=bob&amp;password&#61;S3cretHt9&amp;y=1">', 'S3cretHt9'],
    ['password&equals;S3cretHt9 rejected', 'S3cretHt9'],
    ['client_secret&#x3d;S3cretHt9&amp;grant_type=x', 'S3cretHt9'],
    ['PASSWORD&#X3D;S3cretHt9', 'S3cretHt9'],
    ['password&#061;S3cretHt9', 'S3cretHt9'],
    ['<p>password&#61;&quot;S3cret Ht9&quot; rejected</p>', 'S3cret Ht9'],
    ['<p>password&equals;&#39;S3cretHt9&#39;</p>', 'S3cretHt9'],
  ])('%j', (text, secret) => {
    const plain = decodeHTML(text);
    expectPlainRedacted(plain, decodeHTML(secret));
    expectDecodedRedacted(decodeHTML(expectRedacted(text, secret)), decodeHTML(secret));
  });

  staysWhole('%j stays', ['a&#61;b', 'passwordless&#61;true', 'the pass &equals; ok']);
});

describe('a percent-encoded redirect parameter', () => {
  it.each([
    ['GET /login?next=https%3A%2F%2Fu%3APw0rdPct9%40host/x', 'next', 'Pw0rdPct9'],
    ['GET /login?next=https%3a%2f%2fuser%3aPw0rdPct9%40host.example%2Fapp&x=1', 'next', 'Pw0rdPct9'],
    ['GET /cb?redirect=%2Flogin%3Fpassword%3DS3cretPct9', 'redirect', 'S3cretPct9'],
    ['GET /cb?redirect=%2Flogin%3Fuser%3Dbob%26password%3DS3cretPct9%26x%3D1', 'redirect', 'S3cretPct9'],
    ['GET /cb?redirect=%2Fx%3Fclient_secret%3DS3cretPct9&state=abc', 'redirect', 'S3cretPct9'],
    // Encoded twice: a redirect inside a redirect.
    ['GET /a?next=%2Fb%3Fnext%3D%252Flogin%253Fpassword%253DS3cretPct9', 'next', 'S3cretPct9'],
    ['GET /a?next=%2Fb%3Fnext%3Dhttps%253A%252F%252Fu%253APw0rdPct9%2540host', 'next', 'Pw0rdPct9'],
  ])('%j', (text, name, secret) => {
    const query = text.slice(text.indexOf('?') + 1);
    let plain = new URLSearchParams(query).get(name) as string;
    while (plain.includes('%')) plain = decodeURIComponent(plain);
    expectPlainRedacted(plain, secret);
    const shown = expectRedacted(text, secret);
    let shownPlain = new URLSearchParams(shown.slice(shown.indexOf('?') + 1)).get(name) as string;
    while (/%[0-9a-f]{2}/i.test(shownPlain)) shownPlain = decodeURIComponent(shownPlain);
    expectDecodedRedacted(shownPlain, secret);
  });

  staysWhole('%j stays', [
    'GET /login?next=https%3A%2F%2Fhost%2Fa%3Ab%40c',
    'GET /search?q=password%3D',
    'GET /search?q=100%25%3Dfull',
    'GET /cb?redirect=%2Fhome%3Fmode%3Dtrue',
    'GET /cb?redirect=%2Fhome%3Fpasswordless%3Dtrue',
  ]);
});

describe("JS's hex escape of =", () => {
  it.each([
    ["throw new Error('password\\x3dS3cretHx9')", 'S3cretHx9'],
    ['"client_secret\\x3dS3cretHx9\\x26grant_type\\x3dx"', 'S3cretHx9'],
    ["'?token\\x3dS3cretHx9'", 'S3cretHx9'],
    ["'password\\x3d\\x27S3cretHx9\\x27 rejected'", 'S3cretHx9'],
  ])('%j', (text, secret) => {
    const literal = /(['"]).*\1/.exec(text)?.[0] as string;
    const plain = new Function(`return ${literal};`)() as string; // V8 reads the literal
    expectPlainRedacted(plain, secret);
    const shown = expectRedacted(text, secret);
    const shownLiteral = /(['"]).*\1/.exec(shown)?.[0] as string;
    expectDecodedRedacted(new Function(`return ${shownLiteral};`)() as string, secret);
  });

  staysWhole('%j stays', ['"a\\x3db"', '"tokenizer\\x3dfast"']);
});

describe('linear on 100 KB of adversarial text', () => {
  cheapAgainstProse('cost against prose: %j', [
    'https:\\/\\/a:',
    '\\"password\\":\\"',
    '\\"password\\":\\"\\\\',
    '\\\\\\\\\\"',
    'password&#61;&quot;',
    'a%3A%2F%2Fa%3Aa%40',
    'password%3D%27',
    '%2525252525',
    'password\\x3d\\x27',
    'a:b@c.d',
    'a:b@c.',
  ]);
});
