// Leaks left outside reviews 25 and 26: a connection string's quoted value with a doubled-quote escape (also the
// first pair's, also JSON-escaped), a malformed quote or brace (`""a;b"""`, `{}a;b}`), a lone `Password=` pass phrase
// with no `;`, a PEM key printed as the list of its lines or cut before its BEGIN line, `npm config set` as an
// argument list, and a legacy Vault `s.` token without a label. Oracles: Microsoft's connection-string syntax (a
// value quoted in `"` doubles its `"`, one in `{…}` doubles its `}`: ODBC's and ADO.NET's, as PHP's
// odbc_connection_string_quote and mssql-python write them), real PEM keys from crypto.generateKeyPairSync printed by
// the real util.inspect and JSON.stringify, npm's `.npmrc` keys (`//host/:_authToken`, `_password`) and Vault's token
// format from 1.0 to 1.9 (`s.` and 24 base62 characters, its "Token Format Change" upgrade note).

import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { errorSurfaces } from './error-surfaces.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';

const R = '[redacted]';
const KEY = (
  generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }) as unknown as { privateKey: string }
).privateKey;
const RSA = (
  generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }) as unknown as { privateKey: string }
).privateKey;
/** A key's body lines: all but its BEGIN and END lines. */
const body = (key: string) => key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
/** An npm token without the `npm_` prefix (a legacy one, a private registry's): only its place tells it. */
const NPM = 'Zk29Qm7xAb12Cd34Ef56Gh78Ij90';
const VAULT = 's.Ab1dEfGhIjKlMnOpQrStUvWx';
/** npm's documented `.npmrc` spelling: a reference to an environment variable, no secret. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the text as npm's docs write it, no template
const NPM_REF = '${NPM_TOKEN}';

// Each leak: the text, what every surface must show of it, and the secret parts that must not show.
const LEAKS: [string, string, string, string[]][] = [
  // 1. A doubled-quote escape: `"My ""q"" S3cret"` is the value `My "q" S3cret`, first, in JSON (after a `;` and
  // `{a}}b;c}` after it, already redacted before, stay as controls, and so does `npm config set …=` on one line).
  [
    'doubled quotes, after ;',
    'login failed: Server=db;Password="My ""q"" S3cret";Uid=app',
    `login failed: Server=db;Password=${R};Uid=app`,
    ['My', 'S3cret'],
  ],
  [
    'doubled quotes, first pair',
    'login failed: Password="My ""q"" S3cret";Server=db',
    `login failed: Password="${R}";Server=db`,
    ['My', 'S3cret'],
  ],
  [
    'doubled quotes, first pair in JSON',
    JSON.stringify({ cs: 'Password="My ""q"" S3cret";Server=db' }),
    JSON.stringify({ cs: `Password=${R};Server=db` }),
    ['My', 'S3cret'],
  ],
  [
    'doubled quotes, first pair in JSON twice',
    JSON.stringify(JSON.stringify({ cs: 'Password="My ""q"" S3cret";Server=db' })),
    JSON.stringify(JSON.stringify({ cs: `Password=${R};Server=db` })),
    ['My', 'S3cret'],
  ],
  // 2. A quote or brace followed by more of the value is no close: the malformed value goes whole.
  ['""a;b"""', 'Server=db;Password=""a;b""";Uid=x', `Server=db;Password=${R};Uid=x`, ['a;b']],
  ['""a;b""" first', 'Password=""a;b""";Uid=x', `Password="${R}";Uid=x`, ['a;b']],
  ['{}a;b}', 'Server=db;Password={}a;b};Uid=x', `Server=db;Password=${R};Uid=x`, ['a;b']],
  ['{}a;b} first', 'Password={}a;b};Uid=x', `Password=${R};Uid=x`, ['a;b']],
  ['{a}}b;c} first', 'PWD={a}}b;c};UID=sa', `PWD=${R};UID=sa`, ['a}', 'b;c']],
  // 3. A lone pass phrase with no `;`: to the end of the text or of its line.
  [
    'lone, end of text',
    'login failed: Password=My S3cret Pass',
    `login failed: Password=${R}`,
    ['S3cret', 'S3cret Pass'],
  ],
  [
    'lone, end of line',
    'login failed: Password=My S3cret Pass\nretrying in 5 s',
    `login failed: Password=${R}\nretrying in 5 s`,
    ['S3cret', 'S3cret Pass'],
  ],
  ['lone Pwd, CRLF', 'ODBC: Pwd=My S3cret Pass\r\nnext', `ODBC: Pwd=${R}\r\nnext`, ['S3cret', 'S3cret Pass']],
  // 5. npm config set as an argument list (util.inspect, one element to a line, JSON), and with `=` on one line.
  [
    'npm list',
    `spawn failed: ${inspect(['npm', 'config', 'set', '//registry.npmjs.org/:_authToken', NPM], { breakLength: Number.POSITIVE_INFINITY })}`,
    `spawn failed: [ 'npm', 'config', 'set', '//registry.npmjs.org/:_authToken', '${R}' ]`,
    [NPM],
  ],
  [
    'npm list, one to a line',
    inspect(['npm', 'config', 'set', '//registry.npmjs.org/:_authToken', 'Zk29Qm7xsecretvalue1'], {
      breakLength: 20,
    }),
    `[\n  'npm',\n  'config',\n  'set',\n  '//registry.npmjs.org/:_authToken',\n  '${R}'\n]`,
    ['Zk29Qm7x'],
  ],
  [
    'npm list, JSON',
    JSON.stringify(['npm', 'config', 'set', '//r.example/:_password', 'c2VjcmV0cGFzcw==']),
    JSON.stringify(['npm', 'config', 'set', '//r.example/:_password', R]),
    ['c2VjcmV0'],
  ],
  [
    'npm = on one line',
    'Command failed: npm config set //host/:_password=c2VjcmV0cGFzcw==',
    `Command failed: npm config set //host/:_password=${R}`,
    ['c2VjcmV0'],
  ],
  // 6. A legacy Vault token without a label.
  [
    'Vault s.',
    `vault read secret/db failed with ${VAULT}: permission denied`,
    `vault read secret/db failed with ${R}: permission denied`,
    [VAULT.slice(2)],
  ],
  ['Vault s. in JSON', `{"lease":{"id":"${VAULT}"}}`, `{"lease":{"id":"${R}"}}`, [VAULT.slice(2)]],
];

describe('through jobs/, health/ and a webhook: none of the secret parts shows', () => {
  it.each(LEAKS)('%s', async (_, text, shown, secrets) => {
    expect(redactCredentials(text)).toBe(shown);
    const { jobError, sent, bodies } = await errorSurfaces(text);
    expect(jobError).toBe(shown);
    expect(sent.length).toBeGreaterThan(0);
    for (const body of [jobError, ...bodies, ...sent]) for (const s of secrets) expect(body).not.toContain(s);
  });
  it.each(LEAKS)('%s: redacted twice, the same', (_, text) => {
    const once = redactCredentials(text);
    expect(redactCredentials(once)).toBe(once);
  });
});

describe("generated connection-string passwords, quoted as Microsoft's syntax quotes them", () => {
  const password = fc.stringMatching(/^[A-Za-z0-9 ;"{}=!#]{1,16}$/);
  it('a quoted ("" for ") or braced (}} for }) value never shows, first or after a pair, raw or in JSON', async () => {
    await assertProperty(
      fc.property(
        password,
        fc.constantFrom('quoted', 'braced'),
        fc.constantFrom('', 'Server=db;'),
        fc.constantFrom('', ';Uid=app'),
        fc.boolean(),
        (pw, form, before, after, json) => {
          const value = form === 'quoted' ? `"${pw.replaceAll('"', '""')}"` : `{${pw.replaceAll('}', '}}')}}`;
          const cs = `${before}Password=${value}${after}`;
          // The first pair keeps a closed quote as a pair does; in JSON the key opens a quoted string (after a quote).
          const kept = before === '' && form === 'quoted' && !json ? `"${R}"` : R;
          const shown = `${before}Password=${kept}${after}`;
          if (json) expect(redactCredentials(JSON.stringify({ cs }))).toBe(JSON.stringify({ cs: shown }));
          else expect(redactCredentials(`login failed: ${cs}`)).toBe(`login failed: ${shown}`);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('a lone pass phrase with no ; never shows, to the end of its line', async () => {
    const word = fc.stringMatching(/^[A-Za-z0-9!#$%*+./:?@^_~-][A-Za-z0-9!#$%*+./:?@^_~&-]{0,11}$/);
    await assertProperty(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('Password', 'PWD', 'pwd'),
        fc.constantFrom('', '\n', '\r\n'),
        (words, key, eol) => {
          const text = `login failed: ${key}=${words.join(' ')}${eol}${eol === '' ? '' : 'retrying'}`;
          expect(redactCredentials(text)).toBe(
            `login failed: ${key}=${R}${eol}${eol === '' ? '' : 'retrying'}`,
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('4 and 6. a PEM key as a list of its lines, or its body without its BEGIN line', () => {
  const cases: [string, string, string][] = [];
  for (const [name, key] of [
    ['EC PKCS#8', KEY],
    ['RSA PKCS#1', RSA],
  ] as const) {
    const lines = key.split('\n');
    cases.push(
      [name, 'util.inspect of the lines', `TLS reload failed: ${inspect(lines)}`],
      [name, 'util.inspect of the lines, no BEGIN', `TLS reload failed: ${inspect(lines.slice(1))}`],
      [name, 'JSON of the lines', `TLS reload failed: ${JSON.stringify(lines)}`],
      [name, 'JSON of the lines, no BEGIN', `TLS reload failed: ${JSON.stringify(lines.slice(2))}`],
      [name, 'cut before its BEGIN line', `…${lines.slice(2).join('\n')}\nretrying`],
      [name, 'cut in its first line', `…${key.slice(40)}retrying`],
      [name, 'cut, JSON-escaped', JSON.stringify({ msg: `…${lines.slice(1).join('\n')}` })],
    );
  }
  it.each(cases)('%s, %s: no body line in any surface, the END line stays', async (name, _, text) => {
    const key = name === 'EC PKCS#8' ? KEY : RSA;
    const out = redactCredentials(text);
    for (const line of body(key)) expect(out).not.toContain(line.slice(-16));
    expect(out).toContain(`${R}-----END`);
    const { jobError, sent, bodies } = await errorSurfaces(text);
    for (const b of [jobError, ...bodies, ...sent])
      for (const line of body(key)) expect(b).not.toContain(line.slice(-16));
  });
});

describe('prose near each new rule stays', () => {
  it.each([
    // A closed quote or brace before a blank ends the value: the prose after it stays.
    ['Password="a b" rejected by "server"', `Password="${R}" rejected by "server"`],
    ['Server=db;Pwd={a b} failed, {retry} next', `Server=db;Pwd=${R} failed, {retry} next`],
    // A lone password stops before the next pair (libpq, a query) and the `=` takes only what is right after it.
    ['host=db password=hunter2 dbname=app', `host=db password=${R} dbname=app`],
    ['GET /login?password=hunter2&user=bob', `GET /login?password=${R}&user=bob`],
    ['the Password= parameter is required', 'the Password= parameter is required'],
    ['account_key=Zm9vYmFy+/YmF6 is invalid', `account_key=${R} is invalid`],
    // An END line after prose, a BEGIN line in a list of words: no body.
    ['no key before -----END PRIVATE KEY----- in file', 'no key before -----END PRIVATE KEY----- in file'],
    ['internationalization\n-----END PRIVATE KEY-----', 'internationalization\n-----END PRIVATE KEY-----'],
    [
      inspect(['expected', '-----BEGIN PRIVATE KEY-----', 'got', 'nothing']),
      inspect(['expected', '-----BEGIN PRIVATE KEY-----', 'got', 'nothing']),
    ],
    // npm: a get, a reference, an option after the key.
    [
      inspect(['npm', 'config', 'get', '//registry.npmjs.org/:_authToken']),
      inspect(['npm', 'config', 'get', '//registry.npmjs.org/:_authToken']),
    ],
    [
      inspect(['npm', 'config', 'set', '//r/:_authToken', NPM_REF]),
      inspect(['npm', 'config', 'set', '//r/:_authToken', NPM_REF]),
    ],
    [
      inspect(['npm', 'config', 'set', '_authToken', '--global']),
      inspect(['npm', 'config', 'set', '_authToken', '--global']),
    ],
    // Vault: a property, one after a word or `.`, 23 or 25 characters, 24 letters with no digit.
    ['s.length is 0', 's.length is 0'],
    ['this.s.Ab1dEfGhIjKlMnOpQrStUvWx', 'this.s.Ab1dEfGhIjKlMnOpQrStUvWx'],
    ['its.Ab1dEfGhIjKlMnOpQrStUvWx', 'its.Ab1dEfGhIjKlMnOpQrStUvWx'],
    ['s.someLongPropertyNameABC', 's.someLongPropertyNameABC'],
    ['s.Ab1dEfGhIjKlMnOpQrStUvW short', 's.Ab1dEfGhIjKlMnOpQrStUvW short'],
    ['s.Ab1dEfGhIjKlMnOpQrStUvWxY long', 's.Ab1dEfGhIjKlMnOpQrStUvWxY long'],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('the new rules on adversarial text, 20, 40 and 100 KB', () => {
  const line = 'MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALKNq7ebAssHRNe6';
  const end = '-----END PRIVATE KEY-----';
  const shapes: [string, (n: number) => string][] = [
    ['doubled quotes, open', (n) => `Password="${fill('""', n)}`],
    ['quotes before letters, open', (n) => `Password="${fill('"a', n)}`],
    ['doubled quotes after ;, open', (n) => `x;Pwd="${fill('""', n)}`],
    ['first quoted pairs', (n) => fill('Password="a" ', n)],
    ['JSON doubled quotes, open', (n) => `Password=\\"${fill('\\"\\"', n)}`],
    ['JSON quotes before letters, open', (n) => `Password=\\"${fill('\\"a', n)}`],
    ['JSON backslash runs', (n) => `Password=\\"${fill('\\\\\\', n)}x`],
    ['braces, open', (n) => `Password={${fill('}a', n)}`],
    ['doubled braces, open', (n) => `Pwd={${fill('}}', n)}`],
    ['lone pass phrase words', (n) => `Password=x${fill(' a', n)}`],
    ['lone pass phrase, one long word', (n) => `Password=x ${fill('a', n)}`],
    ['lone pass phrase blanks then a pair', (n) => `Password=x${fill(' ', n)}a=b`],
    ['lone pass phrase ampersands', (n) => `Password=x${fill('&a', n)}`],
    ['lone keys', (n) => fill('Password=a b ', n)],
    ['blanks around =', (n) => `password${fill(' ', n)}= x`],
    ['PEM list elements, no END', (n) => `-----BEGIN PRIVATE KEY-----${fill(`',\n  '${line}`, n)}`],
    ['PEM list joins, no body', (n) => `-----BEGIN PRIVATE KEY-----${fill("', '", n)}`],
    ['PEM lines before an END line', (n) => `${fill(`${line}\n`, n)}${end}`],
    ['PEM list elements before an END line', (n) => `${fill(`'${line}',\n  `, n)}'${end}'`],
    ['PEM bodies and END lines', (n) => fill(`${line}\n${end}\n`, n)],
    ['END lines', (n) => fill(end, n)],
    ['prose before an END line', (n) => `${fill('the quick brown fox ', n)}${end}`],
    ['backslashes before an END line', (n) => `${fill('\\', n)}${end}`],
    ['short words and END lines', (n) => fill(`a\n${end}`, n)],
    ['npm list keys', (n) => fill("set', '//r/:_authToken', '", n)],
    ['npm list blanks', (n) => `set', ${fill(' ', n)}`],
    ['npm list line breaks', (n) => `set',${fill('\n', n)}'_auth'`],
    ['Vault s. tokens', (n) => fill(` ${VAULT}`, n)],
    ['s. prefixes', (n) => fill(' s.', n)],
    ['one long s. word', (n) => `s.${fill('a1B', n)}`],
    // Outside review 28 (RT28-10, RT28-11, Redis AUTH in prose, legacy r./b. tokens).
    ['npm options before a key', (n) => `npm config set${fill(' -g', n)} _auth x`],
    ['npm set, options and keys', (n) => fill('set -g -L user _auth ', n)],
    ['npm location words', (n) => fill(' --location user', n)],
    ['npm list options', (n) => fill("set', '-g', '", n)],
    ['npm option values', (n) => `set --userconfig ${fill('/', n)} _auth x`],
    ['doubled single quotes, open', (n) => `password='${fill("''", n)}`],
    ['triple quotes and lone quotes, open', (n) => `password='''${fill("'a", n)}`],
    ['triple quoted values', (n) => fill("password='''a''' ", n)],
    ['secret words before doubled quotes', (n) => fill("passphrase 'a''", n)],
    ['shell words of quoted strings', (n) => `npm set _auth ${fill("'a'", n)}`],
    ['glued quoted strings', (n) => `mysql -p${fill("''\"", n)}`],
    ['Vault tokens before dots', (n) => fill(` ${VAULT}.`, n)],
    ['one Vault token before dots', (n) => `${VAULT}${fill('.', n)}x`],
    ['r. frames', (n) => fill(' at r.Ab1dEfGhIjKlMnOpQrStUvWx (', n)],
    ['b. prefixes', (n) => fill(' b.', n)],
    ['one long b. word', (n) => ` b.${fill('a1B-', n)}.x`],
    ['AUTH after separators', (n) => fill('; AUTH ', n)],
    ['AUTH after quotes', (n) => fill("; AUTH '''", n)],
    ['redis-cli options before AUTH', (n) => `redis-cli${fill(' -h', n)} AUTH x`],
    ['redis-cli and AUTH', (n) => fill('redis-cli -a AUTH ', n)],
    // Outside review 30 (RT30-4, RT30-5, RT30-7).
    ['pair value, quoted tail, no word end', (n) => `client_secret=a${fill("'b'c", n)}(`],
    ['pair value, quotes then runs, open', (n) => `password=''${fill("a'", n)}`],
    ['pair values with quoted tails', (n) => fill("token=a'b' ", n)],
    ['pair values in one word, no word end', (n) => `${fill("token=a'b'", n)}(`],
    ['command values in one word, no word end', (n) => `sshpass${fill(" -p a'b'", n)}(`],
    ['command value, quoted tail, no word end', (n) => `sshpass -p a${fill('"b"c', n)}(`],
    ['command value, escapes', (n) => `sshpass -p ${fill("\\'", n)}`],
    ['quoted npm keys', (n) => `npm config set ${fill('"_auth" ', n)}`],
    ['yarn registry keys, open', (n) => `yarn config set npmRegistries${fill('[', n)}`],
    ['yarn keys', (n) => fill('set npmAuthToken ', n)],
    ['bare names and values', (n) => fill('password: a', n)],
    ['one long bare value', (n) => `password: ${fill('a', n)}`],
    ['URL users', (n) => `https://${fill('a', n)}@x`],
    ['URL users before sentry.io, open', (n) => fill('https://a@sentry', n)],
    ['AUTH list elements', (n) => fill("'AUTH', '", n)],
    ['AUTH list, open element', (n) => `'AUTH', '${fill('a', n)}`],
    ['MIGRATE without AUTH', (n) => fill('MIGRATE a ', n)],
    ['HELLO AUTH words', (n) => fill('HELLO 3 AUTH a ', n)],
    ['ACL SETUSER rules', (n) => `ACL SETUSER a${fill(' >a', n)}`],
    ['ACL SETUSER lines', (n) => fill('ACL SETUSER ', n)],
  ];
  const cases = shapes.flatMap(([name, make]) =>
    [20_000, 40_000, 100_000].map((n) => [name, n / 1000, make(n)] as const),
  );
  it.each(cases)('%s, %i KB: cost under 20 times as much prose', (_, __, text) => {
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
