// Leaks and over-masking left after outside review 30: `npm config set` with more than 4 of npm's options before
// the key, and a bare `token:` before a number (an id, masked). Oracles: npm's config definitions (`npm config set
// [--location …] [-g] … <key> <value>`: any number of options), a fixed-seed property over them, and the rule the
// README states (digits only, under 20, after the bare word `token`, stay; after a password-like name, go); the cost
// of a hostile input against prose of the same size (linear, as the other redaction rules).

import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';

const R = '[redacted]';
const KEY = '//registry.npmjs.org/:_authToken';

describe('npm config set with more than 4 options before the key', () => {
  it.each([
    `npm config set --location=project -g --no-workspaces --foo --bar ${KEY} S3cretTok3n`,
    `Command failed: npm set -g -g -g -g -g -g -g -g -g -g ${KEY} S3cretTok3n`,
    `npm config set --userconfig ./ci/.npmrc --registry https://r.example/ -g --location user --no-audit -L project ${KEY} S3cretTok3n`,
    'yarn config set -H -a -b -c -d npmAuthToken S3cretTok3n',
  ])('%j', (text) => {
    expect(redactCredentials(text)).toBe(text.replace('S3cretTok3n', R));
  });

  it('as a spawn error prints the argument list (util.inspect one to a line, JSON)', () => {
    const args = ['npm', 'config', 'set', '-g', '--location', 'user', '-a', '-b', '-c', KEY, 'S3cretTok3n'];
    const inspected = inspect(args);
    expect(inspected).toContain('\n'); // more than 6 strings: util.inspect breaks the list
    expect(redactCredentials(inspected)).toBe(inspected.replace('S3cretTok3n', R));
    const json = JSON.stringify(args);
    expect(redactCredentials(json)).toBe(json.replace('S3cretTok3n', R));
  });

  it.each([
    `npm config set -a -b -c -d -e -f ${KEY} \${NPM_TOKEN}`,
    `npm config set -a -b -c -d -e -f ${KEY} is missing`,
    `npm config set -a -b -c -d -e -f ${KEY} --json`,
    'npm config set -a -b -c -d -e -f color false',
  ])('%j stays', (text) => {
    expect(redactCredentials(text)).toBe(text);
  });

  it('any number of options of these shapes before any key (fixed seed)', async () => {
    const option = fc.constantFrom(
      '-g',
      '--global',
      '--location=user',
      '--location project',
      '-L global',
      '--userconfig /tmp/x/.npmrc',
      '--registry=https://r.example/',
      '--no-workspaces',
      '--foo',
    );
    await assertProperty(
      fc.property(
        fc.array(option, { minLength: 5, maxLength: 40 }),
        fc.constantFrom(KEY, '//npm.pkg.github.com/:_auth', '_password', '_auth'),
        fc.stringMatching(/^[A-Za-z0-9+/=_][A-Za-z0-9+/=_-]{11,39}$/),
        fc.constantFrom('npm config set', 'npm set', 'Command failed: npm config set'),
        (options, key, secret, command) => {
          const head = [command, ...options, key].join(' ');
          expect(redactCredentials(`${head} ${secret}`)).toBe(`${head} ${R}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['options', (n: number) => `npm set${fill(' -g', n)} ${KEY} x`],
    ['option values named set', (n: number) => `npm set${fill(' --userconfig set', n)}`],
    ['flags named -set', (n: number) => `set${fill(' -set', n)}`],
    ['set and options', (n: number) => fill('set -g --location user ', n)],
  ])('%s, 100 KB: cost under 20 times as much prose', (_, make) => {
    expect(costOverProse(make(100_000))).toBeLessThan(20);
  });
});

describe('a bare token: before digits only is an id; a password-like name still goes', () => {
  it.each([
    'token: 12345678 expired',
    'invalid token: 12345678.',
    'Token: 1234567890123456789 not found',
    'token 12345678 of 99999999',
  ])('%j stays', (text) => {
    expect(redactCredentials(text)).toBe(text);
  });

  it.each([
    ['password: 12345678', `password: ${R}`],
    ['pwd: 12345678 rejected', `pwd: ${R} rejected`],
    ['secret: 12345678', `secret: ${R}`],
    ['token: 12345678901234567890', `token: ${R}`], // 20 digits: as long as a token
    ['token: 1234a5678', `token: ${R}`],
    ['token=12345678', `token=${R}`], // a pair (a query string's `?token=`)
    ['{"token":"12345678"}', `{"token":"${R}"}`],
    ["{ token: '12345678' }", `{ token: '${R}' }`],
    ['Bearer 12345678', `Bearer ${R}`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  it("a Telegram bot token's id (digits, then `:` and the secret) is no id in prose: it goes as before", () => {
    expect(redactCredentials('token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw')).not.toContain(
      '123456789',
    );
  });
});
