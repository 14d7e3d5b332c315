// fast-check arbitraries for hostile admin requests: methods, paths, queries and Authorization headers.

import { METHODS } from 'node:http';
import fc from 'fast-check';
import { BASE, routePaths, TOKEN } from './fixture.js';

/** Every method node's parser accepts, except CONNECT (a tunnel request, never routed to the app). */
export const ALL_METHODS = METHODS.filter((m) => m !== 'CONNECT');

export const methodArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('GET') },
  { weight: 1, arbitrary: fc.constant('HEAD') },
  { weight: 3, arbitrary: fc.constantFrom(...ALL_METHODS) },
);

/** Names that break code which uses plain objects as maps. */
export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];

/** Ways to say "go up a directory", raw, encoded, double-encoded, overlong UTF-8 and Windows style. */
export const TRAVERSALS = [
  '../',
  '..%2f',
  '..%2F',
  '%2e%2e/',
  '%2e%2e%2f',
  '.%2e/',
  '%2e./',
  '%252e%252e%252f',
  '..%252f',
  '%c0%ae%c0%ae/',
  '%c0%af',
  '..\\',
  '..%5c',
  '..%255c',
  '....//',
  '..;/',
  '%2e%2e%5c',
  '/..',
  '//',
  '%2f',
];

/** Files a traversal would aim for: this package, this machine, and the dashboard's own build. */
export const TRAVERSAL_TARGETS = [
  'package.json',
  'src/http/auth.ts',
  'etc/passwd',
  'proc/self/environ',
  'index.html',
  'app.js',
  'node_modules/.package-lock.json',
  '.git/config',
  '%00index.html',
  'index.html%00.js',
];

/** Content that must never leave the server through the admin API. */
export const SECRET_MARKERS = [
  /root:x?:0:0/,
  /"name":\s*"sysvitals"/,
  /\[core\]/,
  /timingSafeEqual/,
  /PATH=/,
];

/**
 * Drops what node's client refuses on a request line (controls, space) and percent-encodes non-ASCII, as
 * every client does: raw bytes above 0x7f are refused by node's HTTP parser before any JavaScript runs
 * (a separate test covers that).
 */
function pathSafe(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    if (code <= 0x20 || code === 0x7f) continue;
    out += code > 0x7e ? encodeURIComponent(c) : c;
  }
  return out;
}

/** What node's client refuses to put in a header value (controls but tab). */
function headerSafe(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) continue;
    out += c;
  }
  return out;
}

const segmentArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...routePaths()),
  fc.constantFrom(...PROTO_KEYS),
  fc.constantFrom(...TRAVERSALS),
  fc.constantFrom(...TRAVERSAL_TARGETS),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(pathSafe),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc
    .uint8Array({ maxLength: 6 })
    .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('.', '..', '', '%', '%zz', '%u002e', ';', '~', '*', '%20', 'index.html', 'app.js'),
);

/** A path below the base: a route (sometimes with a trailing slash), often followed by hostile segments. */
export const subpathArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', ...routePaths()), fc.array(segmentArb, { maxLength: 5 }), fc.boolean())
  .map(([route, segments, slash]) => {
    const parts = [route, ...segments].filter((p, i) => i === 0 || p !== '');
    return parts.join('/') + (slash ? '/' : '');
  });

/** Paths aimed at the dashboard's static files. */
export const dashboardPathArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.constantFrom(...TRAVERSALS), { minLength: 1, maxLength: 8 }),
    fc.constantFrom(...TRAVERSAL_TARGETS),
    fc.constantFrom('', 'assets/', 'x/'),
  )
  .map(([ups, target, prefix]) => `${BASE}/dashboard/${prefix}${ups.join('')}${target}`);

const knownParams = ['period', 'limit', 'history', 'detailed', 'instance', 'access_token'];

const valueArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('1h', '24h', '7d', 'all', 'true', 'false', '1', '0', '100', '1000'),
  fc.constantFrom(
    '-1',
    '0.5',
    '1.5',
    '-0',
    '1e3',
    '1e309',
    '0x10',
    ' 1',
    '1 ',
    '+5',
    'NaN',
    'Infinity',
    '-Infinity',
    '',
    '99999999999999999999999',
    '9007199254740993',
    '00000000000000000000001',
    'TRUE',
    '[]',
    '{}',
    'null',
    'undefined',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(...PROTO_KEYS),
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...knownParams) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('limit[]', 'limit[0]', 'history[__proto__]', 'a.b', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
);

/** A query string: known, unknown, prototype and repeated keys; raw or percent-encoded. */
export const queryArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.tuple(keyArb, valueArb, fc.boolean()), { maxLength: 5 }),
    fc.constantFrom('', '&', '&&', '='),
  )
  .map(([pairs, tail]) => {
    if (pairs.length === 0 && tail === '') return '';
    const parts = pairs.map(([k, v, encode]) =>
      encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${pathSafe(k)}=${pathSafe(v)}`,
    );
    return `?${parts.join('&')}${tail}`;
  });

/** Authorization headers: missing, right, wrong, malformed, non-ASCII, padded, long. */
export const authorizationArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Bearer  ',
      `bearer ${TOKEN}`,
      `BEARER ${TOKEN}`,
      TOKEN,
      `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
      `Bearer ${TOKEN} extra`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer\t${TOKEN}`,
      `Bearer ${' '.repeat(500)}${TOKEN}`,
      `${' '.repeat(200)}Bearer ${TOKEN}`,
      'Bearer tökén-ünïcode',
      'Bearer 令牌',
      `Bearer ${TOKEN}\u00a0`,
      'Bearer __proto__',
      'Bearer constructor',
      'Bearer sv1.zzzzzz.AAAA',
      'Digest username="admin"',
      ',,,,',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(headerSafe) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 4000, max: 12_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
  },
);

export const acceptArb: fc.Arbitrary<string | undefined> = fc.constantFrom(
  undefined,
  '*/*',
  'application/json',
  'application/health+json',
  'text/event-stream',
  'text/html',
  'application/health+json;q=0, */*',
  '\u00ff\u00fe',
);

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request under the base path with everything above mixed in. */
export const adminRequestArb: fc.Arbitrary<HostileRequest> = fc
  .record({
    method: methodArb,
    subpath: subpathArb,
    query: queryArb,
    authorization: authorizationArb,
    accept: acceptArb,
    forwarded: fc.option(
      fc.constantFrom('127.0.0.1', '203.0.113.9', '::1, 10.0.0.1', 'garbage', '', '__proto__'),
    ),
    body: fc.option(fc.string({ maxLength: 200 })),
  })
  .map(({ method, subpath, query, authorization, accept, forwarded, body }) => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (accept !== undefined) headers.accept = accept;
    if (forwarded !== null) headers['x-forwarded-for'] = forwarded;
    const withBody = body !== null && method !== 'GET' && method !== 'HEAD';
    return {
      method,
      path: `${BASE}/${subpath}${query}`,
      headers,
      ...(withBody ? { body } : {}),
    };
  });

/**
 * Whether an Authorization header carries the token as RFC 6750 allows: HTTP strips the spaces and tabs
 * around a header value, the scheme is case-insensitive (RFC 7235) and one or more spaces may follow it.
 */
export function carriesToken(authorization: string | undefined): boolean {
  if (authorization === undefined) return false;
  return /^[ \t]*bearer +(\S+)[ \t]*$/i.exec(authorization)?.[1] === TOKEN;
}

/** Short label for assertion messages. */
export function describeRequest(r: HostileRequest): string {
  const auth = r.headers.authorization;
  const a =
    auth === undefined
      ? ''
      : ` [authorization: ${auth.length > 60 ? `${auth.slice(0, 60)}…(${auth.length})` : auth}]`;
  const p = r.path.length > 300 ? `${r.path.slice(0, 300)}…(${r.path.length})` : r.path;
  return `${r.method} ${p}${a}`;
}
