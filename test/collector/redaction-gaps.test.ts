// Leaks and over-masking left after outside review 30: `npm config set` with more than 4 of npm's options before
// the key; Redis `AUTH` after a word (`ERR AUTH <pw> …`, `redis AUTH <pw>`), `auth` in small letters where a command
// starts, and after more than 8 of redis-cli's options; and a bare `token:` before a number (an id, masked).
// Oracles: npm's config definitions (`npm config set [--location …] [-g] … <key> <value>`: any number of options),
// Redis's `AUTH [username] password` and redis-cli's `redis-cli [options] [cmd [arg …]]` (its real `Command failed`
// message with 11 options, and a real redis-server's replies, which must stay readable), a fixed-seed property, and
// the rules docs/redaction.md states (after a word, `AUTH`'s value goes where it looks like a credential as `password:
// <value>`'s must; digits only, under 20, after the bare word `token`, stay; after a password-like name, go); the
// cost of a hostile input against prose of the same size (linear, as the other redaction rules).

import { execFile } from 'node:child_process';
import { inspect, promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { expectCommandRedacted } from './error-surfaces.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { staysWhole } from './helpers/redaction-table.js';

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

  staysWhole('%j stays', [
    `npm config set -a -b -c -d -e -f ${KEY} \${NPM_TOKEN}`,
    `npm config set -a -b -c -d -e -f ${KEY} is missing`,
    `npm config set -a -b -c -d -e -f ${KEY} --json`,
    'npm config set -a -b -c -d -e -f color false',
  ]);

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
    ['options with a value word', (n: number) => `npm set${fill(' --scope @acme', n)} ${KEY} x`],
    ['option value words named set', (n: number) => `set${fill(' -w set', n)}`],
    ['set and options', (n: number) => fill('set -g --location user ', n)],
  ])('%s, 100 KB: cost under 20 times as much prose', (_, make) => {
    expect(costOverProse(make(100_000))).toBeLessThan(20);
  });
});

describe('npm config set: an option that takes a value as the next word (outside review 32, RT32-10)', () => {
  // Oracle: npm's option parser (nopt) reads an option's next word as its value unless it is an option; the key is
  // the first word after the options. The reviewer's exact strings, then more of npm's value-taking options.
  const R_KEY = '//r.example/:_authToken';
  it.each([
    [
      'npm set --scope @acme //r.example/:_authToken 5f2b9c1e-3a4d-4e6f-8a7b-9c0d1e2f3a4b',
      '5f2b9c1e-3a4d-4e6f-8a7b-9c0d1e2f3a4b',
    ],
    [
      'npm config set --scope @acme //registry.npmjs.org/:_authToken 5f2b9c1e-3a4d-4e6f-8a7b-9c0d1e2f3a4b',
      '5f2b9c1e-3a4d-4e6f-8a7b-9c0d1e2f3a4b',
    ],
    ['npm config set --loglevel silent //r.example/:_password cGFzc3dvcmQxMjM=', 'cGFzc3dvcmQxMjM='],
    ...[
      '--workspace a',
      '-w a',
      '--cache /tmp/c',
      '--prefix /tmp/p',
      '--auth-type legacy',
      '--otp 123456',
      '--foo bar',
      '--scope @acme -g --loglevel warn',
      '--userconfig ./ci/.npmrc --scope=@acme -w pkg-a --workspace pkg-b --fetch-retries 5',
      '--umask 0022 --node-options --max-old-space-size=4096',
    ].map((options) => [`npm config set ${options} ${R_KEY} tok_Ab12Cd34Ef56`, 'tok_Ab12Cd34Ef56']),
  ])('%j', (text, secret) => {
    expect(redactCredentials(text)).toBe(text.replace(secret, R));
  });

  it('as a spawn error prints the argument list (util.inspect, JSON)', () => {
    const args = ['npm', 'config', 'set', '--scope', '@acme', '-w', 'a', R_KEY, 'tok_Ab12Cd34Ef56'];
    for (const printed of [inspect(args), JSON.stringify(args)]) {
      expect(redactCredentials(printed)).toBe(printed.replace('tok_Ab12Cd34Ef56', R));
    }
  });

  staysWhole('%j stays', [
    'npm config set init-author-name "Jane Doe"',
    'npm config set --global cache /tmp/npm-cache',
    'npm config set --scope @acme registry https://r.example/',
    `npm config set --loglevel silent ${R_KEY} \${NPM_TOKEN}`,
  ]);
});

describe('a bare token: before digits only is an id; a password-like name still goes', () => {
  staysWhole('%j stays', [
    'token: 12345678 expired',
    'invalid token: 12345678.',
    'Token: 1234567890123456789 not found',
    'token 12345678 of 99999999',
  ]);

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

describe("Redis AUTH after a word, in small letters, after more than 8 of redis-cli's options", () => {
  it.each([
    [
      'ERR AUTH S3cretPw1 called without any password configured',
      `ERR AUTH ${R} called without any password configured`,
    ],
    ['ReplyError: ERR AUTH S3cretPw1: denied', `ReplyError: ERR AUTH ${R}: denied`],
    ['redis AUTH S3cretPw1', `redis AUTH ${R}`],
    ['redis AUTH default S3cretPw1 failed', `redis AUTH default ${R} failed`],
    ["sent AUTH 'my secret phrase' to 10.0.0.5:6379", `sent AUTH '${R}' to 10.0.0.5:6379`],
    ['10:00:01 AUTH hunter2hunter2', `10:00:01 AUTH ${R}`],
    ['smtp AUTH PLAIN AGpvZQBTM2NyZXRQdzE=', `smtp AUTH PLAIN ${R}`],
    // `auth` in small letters where a command starts: after a prompt, anything but prose; elsewhere, a credential's look.
    ['redis-cli> auth S3cretPw1', `redis-cli> auth ${R}`],
    ['127.0.0.1:6379> auth mypassword', `127.0.0.1:6379> auth ${R}`],
    ['auth S3cretPw1', `auth ${R}`],
    ['command: auth app S3cretPw1 rejected', `command: auth app ${R} rejected`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  staysWhole('%j stays', [
    'redis AUTH blocked',
    'redis AUTH blocked by ACL',
    'redis AUTH hunter', // a word: after a word, AUTH is as likely prose (docs/redaction.md)
    'AUTH failed for app_user1',
    'the AUTH step took 1500ms',
    'redis AUTH 10.0.0.5:6379 failed',
    'ERR AUTH <password> called without any password configured for the default user.',
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used',
    'SMTP AUTH XOAUTH2 failed',
    "Invalid login: 535 Authentication failed { code: 'EAUTH', command: 'AUTH CRAM-MD5' }",
    "callback(this._formatError(err, 'EAUTH', false, 'AUTH XOAUTH2'))",
    "this._sendCommand('AUTH PLAIN ' +",
    'auth middleware',
    'auth failed',
    'error: auth token expired',
    'basic auth required',
  ]);

  const OPTIONS = '-h 127.0.0.1 -p 1 -n 0 -r 1 -i 0 --user app --no-auth-warning --no-raw -e -c -3';

  it("redis-cli's real failure with 11 options before AUTH: the password goes on every surface", async () => {
    // A password that looks like a word: only the command line says it is one.
    await expectCommandRedacted(`redis-cli ${OPTIONS} AUTH app hunterpass`, 'hunterpass', 'hunterpass');
  });

  it.each([
    [`redis-cli ${OPTIONS} AUTH hunterpass`, `redis-cli ${OPTIONS} AUTH ${R}`],
    [`redis-cli ${OPTIONS} auth app hunterpass; echo`, `redis-cli ${OPTIONS} auth app ${R}; echo`],
    [`redis-cli ${OPTIONS} AUTH 'hunter pass'`, `redis-cli ${OPTIONS} AUTH '${R}'`],
    [`redis-cli ${OPTIONS} -a hunterpass ping`, `redis-cli ${OPTIONS} -a ${R} ping`],
    [`redis-cli ${OPTIONS} --pass hunterpass ping`, `redis-cli ${OPTIONS} --pass ${R} ping`],
    // Stay: prose, a placeholder, more words than AUTH takes.
    [`redis-cli ${OPTIONS} AUTH failed`, `redis-cli ${OPTIONS} AUTH failed`],
    [`redis-cli ${OPTIONS} AUTH <password>`, `redis-cli ${OPTIONS} AUTH <password>`],
    [`redis-cli ${OPTIONS} AUTH is disabled here`, `redis-cli ${OPTIONS} AUTH is disabled here`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  it('as an argument list (util.inspect one to a line, JSON): the password goes', () => {
    const args = ['redis-cli', ...OPTIONS.split(' '), 'AUTH', 'app', 'hunterpass'];
    const inspected = inspect(args);
    expect(inspected).toContain('\n');
    expect(redactCredentials(inspected)).toBe(inspected.replace("'hunterpass'", `'${R}'`));
    const json = JSON.stringify(args);
    expect(redactCredentials(json)).toBe(json.replace('"hunterpass"', `"${R}"`));
  });

  it('any number of options before AUTH, any password (fixed seed)', async () => {
    const option = fc.constantFrom(
      '-h db',
      '-p 6379',
      '-n 2',
      '--tls',
      '--cacert /etc/ca.pem',
      '-c',
      '--no-raw',
      '-3',
    );
    await assertProperty(
      fc.property(
        fc.array(option, { minLength: 9, maxLength: 40 }),
        fc.constantFrom('AUTH', 'auth', 'Auth'),
        fc.option(fc.constantFrom('default', 'app'), { nil: undefined }),
        fc.stringMatching(/^[A-Za-z0-9+/=_!@#$%^*~][A-Za-z0-9+/=_!@#$%^*~.-]{3,30}$/),
        (options, auth, user, password) => {
          fc.pre(!/\.$/.test(password)); // a final dot ends the sentence
          const head = ['redis-cli', ...options, auth, ...(user === undefined ? [] : [user])].join(' ');
          expect(redactCredentials(`Command failed: ${head} ${password}`)).toBe(
            `Command failed: ${head} ${R}`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['options before AUTH', (n: number) => `redis-cli${fill(' -h db', n)} AUTH x`],
    ['AUTH words', (n: number) => `redis-cli ${fill('AUTH ', n)}`],
    ['AUTH after words', (n: number) => fill('redis AUTH S3cretPw1 ', n)],
    ['small auth at starts', (n: number) => fill('; auth a b ', n)],
    ['redis-cli names', (n: number) => fill('redis-cli -a AUTH ', n)],
  ])('%s, 100 KB: cost under 20 times as much prose', (_, make) => {
    expect(costOverProse(make(100_000))).toBeLessThan(20);
  });
});

describe.skipIf(!requireRedis())("a real redis-server's replies stay readable", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('the replies to AUTH (no password set, a wrong user): no word of them is taken', async () => {
    const run = promisify(execFile);
    for (const args of [
      ['AUTH', 'S3cretPw1'],
      ['AUTH', 'app', 'S3cretPw1'],
    ]) {
      const { stdout } = await run('redis-cli', ['-p', String(server.port), ...args], { timeout: 20_000 });
      const reply = stdout.trim();
      expect(reply).toMatch(/^(ERR AUTH <password> called without|WRONGPASS)/);
      expect(redactCredentials(reply)).toBe(reply);
    }
  });
});
