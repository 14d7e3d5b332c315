// Leaks left by outside review 30 (RT30-4, RT30-7's redaction part, RT30-5). Oracles: a POSIX shell's word splitting
// (`sh -c` prints what one word is: `S3cret'Hunter2x'` and `''S3cret` are one word, its text the secret), npm's and
// Yarn Berry's documented config commands (`npm config set <key> <value>`, `yarn config set npmAuthToken <value>`,
// `npmRegistries["//r"].npmAuthToken`, `npmAuthIdent`), RFC 3986's userinfo (a DSN's key is its user part) and Redis's
// command table (`AUTH [username] password`, `HELLO protover AUTH username password`, `MIGRATE … AUTH password` /
// `AUTH2 username password`, `CONFIG SET requirepass|masterauth value`, `ACL SETUSER user >password`).

import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';

const R = '[redacted]';
const S = 'S3cretHunter2x';

/** What `sh` reads `word` as: its words, one to a line. */
function shellWords(word: string): string[] {
  return execFileSync('sh', ['-c', `printf '%s\\n' ${word}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);
}

describe('RT30-4: npm/yarn config set and one shell word', () => {
  it.each([
    [`npm config set "//r/:_authToken" ${S}`, `npm config set "//r/:_authToken" ${R}`],
    [`npm config set '//r/:_authToken' '${S}'`, `npm config set '//r/:_authToken' '${R}'`],
    [`npm config set -g "_auth" ${S}`, `npm config set -g "_auth" ${R}`],
    [`npm config set //r/:_authToken=S3cret'Hunter2x'`, `npm config set //r/:_authToken=${R}`],
    [`npm config set //r/:_authToken \\'${S}`, `npm config set //r/:_authToken ${R}`],
    [`password=''${S}`, `password=${R}`],
    [`password=''''''${S}`, `password=${R}`],
    [`yarn config set npmAuthToken ${S}`, `yarn config set npmAuthToken ${R}`],
    [`yarn config set -H npmAuthIdent user:${S}`, `yarn config set -H npmAuthIdent ${R}`],
    [
      `yarn config set 'npmRegistries["//npm.pkg.github.com"].npmAuthToken' "${S}"`,
      `yarn config set 'npmRegistries["//npm.pkg.github.com"].npmAuthToken' "${R}"`,
    ],
    [`yarn config set npmScopes.acme.npmAuthToken ${S}`, `yarn config set npmScopes.acme.npmAuthToken ${R}`],
    // Stay: a reference, prose, and a JSON text after a pair's value.
    ['npm config set "//r/:_authToken" ${NPM_TOKEN}', 'npm config set "//r/:_authToken" ${NPM_TOKEN}'],
    ['yarn config set npmAuthToken is required', 'yarn config set npmAuthToken is required'],
    ['{"url":"db?password=abc","host":"x"}', `{"url":"db?password=${R}","host":"x"}`],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  it.each([`S3cret'Hunter2x'`, `''${S}`, `''''''${S}`, `\\'${S}`])('sh reads %s as one word', (word) => {
    expect(shellWords(word)).toHaveLength(1);
  });

  it('a value written as quoted and unquoted pieces of one shell word: no piece shown (fixed seed)', async () => {
    const piece = fc.tuple(fc.constantFrom('', "'", '"'), fc.stringMatching(/^[A-Za-z0-9]{4,10}$/));
    await assertProperty(
      fc.property(
        fc.array(piece, { minLength: 2, maxLength: 4 }),
        // (A lone `password=` runs to its line's end: docs/redaction.md.)
        fc.constantFrom(
          'client_secret=',
          '//r/:_authToken=',
          'npm config set //r/:_authToken ',
          'npm set _auth ',
        ),
        fc.constantFrom('', ' next', '; ls'),
        (pieces, head, after) => {
          const word = pieces.map(([q, t]) => `${q}${t}${q}`).join('');
          const shown = redactCredentials(`${head}${word}${after}`);
          for (const [, t] of pieces) expect(shown).not.toContain(t);
          expect(shown.startsWith(head)).toBe(true);
          expect(shown.endsWith(after)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RT30-7: a bare `name: value` and a DSN key', () => {
  it.each([
    [`throw 'password: S3cret'`, `throw 'password: ${R}'`],
    ['config password: S3cret', `config password: ${R}`],
    ['api_key: Ab1dEfGhIjKl, retrying', `api_key: ${R}, retrying`],
    ['https://abc123def@o123.ingest.sentry.io/456', `https://${R}@o123.ingest.sentry.io/456`],
    ['https://0123456789abcdef0123456789abcdef@sentry.example.com/2', `https://${R}@sentry.example.com/2`],
    ["{ dsn: 'https://abc123@o1.ingest.sentry.io/1' }", `{ dsn: 'https://${R}@o1.ingest.sentry.io/1' }`],
    // Stay: prose after a name, a reference, a user alone that is no key.
    ['invalid token: missing', 'invalid token: missing'],
    ['password: too short', 'password: too short'],
    ['token: expired', 'token: expired'],
    ['password: ${DB_PASSWORD}', 'password: ${DB_PASSWORD}'],
    ['ssh://git@github.com/org/repo', 'ssh://git@github.com/org/repo'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  it('random credential-shaped values after a bare secret name: redacted (fixed seed)', async () => {
    await assertProperty(
      fc.property(
        fc.constantFrom('password', 'secret', 'api_key', 'client_secret', 'passwd', 'DB_PASSWORD'),
        fc.stringMatching(/^[A-Za-z0-9+/_~]{5,39}[0-9]$/),
        fc.constantFrom('', ' at connect', ', retrying'),
        (name, value, after) => {
          expect(redactCredentials(`failed: ${name}: ${value}${after}`)).toBe(
            `failed: ${name}: ${R}${after}`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RT30-5: Redis AUTH as clients print it, other password commands, prose', () => {
  it.each([
    [`[ 'AUTH', '${S}' ]`, `[ 'AUTH', '${R}' ]`],
    [`client.call("AUTH", "${S}")`, `client.call("AUTH", "${R}")`],
    [`"AUTH", "${S}"`, `"AUTH", "${R}"`],
    [`["AUTH","default","${S}"]`, `["AUTH","default","${R}"]`],
    [`client.sendCommand(['AUTH', 'default', '${S}'])`, `client.sendCommand(['AUTH', 'default', '${R}'])`],
    [`send_command('AUTH', ['${S}'])`, `send_command('AUTH', ['${R}'])`],
    [`Command { name: 'auth', args: [ '${S}' ] }`, `Command { name: 'auth', args: [ '${R}' ] }`],
    [`HELLO 3 AUTH default ${S}`, `HELLO 3 AUTH default ${R}`],
    [`MIGRATE db 6379 "" 0 5000 AUTH ${S} KEYS a b`, `MIGRATE db 6379 "" 0 5000 AUTH ${R} KEYS a b`],
    [`MIGRATE db 6379 "" 0 5000 AUTH2 app ${S} KEYS a`, `MIGRATE db 6379 "" 0 5000 AUTH2 app ${R} KEYS a`],
    [`CONFIG SET requirepass ${S}`, `CONFIG SET requirepass ${R}`],
    [`config set masterauth "${S}"`, `config set masterauth "${R}"`],
    [`ACL SETUSER alice on >${S} ~* +@all`, `ACL SETUSER alice on >${R} ~* +@all`],
    [`ACL SETUSER alice <${S} >${S}2`, `ACL SETUSER alice <${R} >${R}`],
    [`AUTH ${S}`, `AUTH ${R}`],
    [`AUTH default ${S}`, `AUTH default ${R}`],
    [`AUTH "done"`, `AUTH "${R}"`],
    // Prose: the last word is a status or a name, no secret.
    ['AUTH done', 'AUTH done'],
    ['AUTH Timeout', 'AUTH Timeout'],
    ['AUTH = none', 'AUTH = none'],
    ['AUTH mode; AUTH default', 'AUTH mode; AUTH default'],
    ['(AUTH default user)', '(AUTH default user)'],
    ["[ 'GET', 'AUTH', 'x' ]", "[ 'GET', 'AUTH', 'x' ]"],
    [
      'ACL SETUSER alice on #9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'ACL SETUSER alice on #9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  it('a password in an AUTH argument list, one or two elements, util.inspect or JSON: redacted (fixed seed)', async () => {
    await assertProperty(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9!#%+/=_-]{1,40}$/),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/), { nil: undefined }),
        fc.constantFrom('inspect', 'json'),
        (password, user, spelling) => {
          const args = user === undefined ? ['AUTH', password] : ['AUTH', user, password];
          const shown = user === undefined ? ['AUTH', R] : ['AUTH', user, R];
          const write = (a: string[]) =>
            spelling === 'json' ? JSON.stringify(a) : `[ ${a.map((x) => `'${x}'`).join(', ')} ]`;
          expect(redactCredentials(write(args))).toBe(write(shown));
        },
      ),
      { numRuns: 300 },
    );
  });
});
