// Redis passwords left shown after outside review 32: a command printed whole by its client (ioredis' ReplyError
// `command: { name, args }` in util.inspect and JSON, its debug log `auth([ … ])`, node-redis v3's `command: 'AUTH',
// args: [ … ]`, `Command AUTH failed with args [default, pw]`, Redis's MONITOR line), `CONFIG SET` with parameters
// before the password one, Sentinel's `auth-pass`/`sentinel-pass`, the TLS key pass phrases, `AUTH2 user pw`; and
// `.auth("local")` of other code (Passport, an app's router) masked although no password. Oracles: the text a real
// redis-server and ioredis print (captured here, its random wrong password replaced by `[redacted]`, everything else
// as printed), Redis's command pages (which argument is the password), and hand-written expected texts.

import { inspect } from 'node:util';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { errorSurfaces } from './error-surfaces.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';
const PW = 'S3cretP4ss';

describe('Redis commands printed whole (hand-written oracle)', () => {
  it.each([
    // The review's shapes.
    [`Command AUTH failed with args [default, ${PW}]`, `Command AUTH failed with args [default, ${R}]`],
    [`Command AUTH failed with args [${PW}]`, `Command AUTH failed with args [${R}]`],
    [`{ command: 'AUTH', args: ['default', '${PW}'] }`, `{ command: 'AUTH', args: ['default', '${R}'] }`],
    [`{"command":"AUTH","args":["default","${PW}"]}`, `{"command":"AUTH","args":["default","${R}"]}`],
    [`{"name":"auth","args":["default","${PW}"]}`, `{"name":"auth","args":["default","${R}"]}`],
    [
      `ReplyError: WRONGPASS invalid username-password pair or user is disabled. command: { name: 'auth', args: [ '${PW}' ] }`,
      `ReplyError: WRONGPASS invalid username-password pair or user is disabled. command: { name: 'auth', args: [ '${R}' ] }`,
    ],
    [`AUTH2 bob ${PW}`, `AUTH2 bob ${R}`],
    // node-redis v3's ReplyError (its `command` and `args` properties), inspected and serialised.
    [
      `ReplyError: ERR invalid password\n    at parseError (x.js:1:1) {\n  command: 'AUTH',\n  args: [ 'default', '${PW}' ],\n  code: 'ERR'\n}`,
      `ReplyError: ERR invalid password\n    at parseError (x.js:1:1) {\n  command: 'AUTH',\n  args: [ 'default', '${R}' ],\n  code: 'ERR'\n}`,
    ],
    [`{"command":"AUTH","args":["${PW}"],"code":"ERR"}`, `{"command":"AUTH","args":["${R}"],"code":"ERR"}`],
    // Commands whose password is not AUTH's, as ioredis prints them.
    [
      `command: { name: 'config', args: [ 'SET', 'maxmemory', 'bogus', 'requirepass', '${PW}' ] }`,
      `command: { name: 'config', args: [ 'SET', 'maxmemory', 'bogus', 'requirepass', '${R}' ] }`,
    ],
    [
      `{"command":{"name":"HELLO","args":["3","AUTH","bob","${PW}"]}}`,
      `{"command":{"name":"HELLO","args":["3","AUTH","bob","${R}"]}}`,
    ],
    [
      `{"command":{"name":"acl","args":["SETUSER","bob","on",">${PW}","~*"]}}`,
      `{"command":{"name":"acl","args":["SETUSER","bob","on",">${R}","~*"]}}`,
    ],
    [
      `0 -> migrate([ '127.0.0.1', '1', '',          '0', '100',       'AUTH2', 'bob',       '${PW}', 'KEYS',      'a' ])`,
      `0 -> migrate([ '127.0.0.1', '1', '',          '0', '100',       'AUTH2', 'bob',       '${R}', 'KEYS',      'a' ])`,
    ],
    [`0 -> auth([ 'default', '${PW}' ])`, `0 -> auth([ 'default', '${R}' ])`],
    // Argument lists and calls that name the command first.
    [
      `client.sendCommand(['CONFIG', 'SET', 'masterauth', '${PW}'])`,
      `client.sendCommand(['CONFIG', 'SET', 'masterauth', '${R}'])`,
    ],
    [
      `client.send_command('config', ['set', 'requirepass', '${PW}'])`,
      `client.send_command('config', ['set', 'requirepass', '${R}'])`,
    ],
    [`redis.call('HELLO', '3', 'AUTH', 'app', '${PW}')`, `redis.call('HELLO', '3', 'AUTH', 'app', '${R}')`],
    // Redis's MONITOR (servers before 6 and other tools print the password; 6 and later print "(redacted)").
    [
      `1796615262.214045 [0 127.0.0.1:36366] "AUTH" "default" "${PW}"`,
      `1796615262.214045 [0 127.0.0.1:36366] "AUTH" "default" "${R}"`,
    ],
    [
      `1796615262.3 [0 127.0.0.1:36366] "CONFIG" "SET" "requirepass" "${PW}"`,
      `1796615262.3 [0 127.0.0.1:36366] "CONFIG" "SET" "requirepass" "${R}"`,
    ],
    // Commands and config lines as words.
    [`CONFIG SET maxmemory 1gb requirepass ${PW}`, `CONFIG SET maxmemory 1gb requirepass ${R}`],
    [`CONFIG SET masteruser app masterauth "${PW}"`, `CONFIG SET masteruser app masterauth "${R}"`],
    [`CONFIG SET tls-key-file-pass ${PW}`, `CONFIG SET tls-key-file-pass ${R}`],
    [`tls-client-key-file-pass ${PW}`, `tls-client-key-file-pass ${R}`],
    [`SENTINEL SET mymaster auth-pass ${PW}`, `SENTINEL SET mymaster auth-pass ${R}`],
    [`SENTINEL CONFIG SET sentinel-pass ${PW}`, `SENTINEL CONFIG SET sentinel-pass ${R}`],
    [
      `>>> 'sentinel auth-pass mymaster ${PW}'\nUnrecognized sentinel configuration statement`,
      `>>> 'sentinel auth-pass mymaster ${R}'\nUnrecognized sentinel configuration statement`,
    ],
    [`sentinel sentinel-pass ${PW}`, `sentinel sentinel-pass ${R}`],
    // redis-server's command line (a process's, as sysvitals lists it): any redis.conf directive is an option.
    [
      `redis-server /etc/redis.conf --masterauth ${PW} --port 6380`,
      `redis-server /etc/redis.conf --masterauth ${R} --port 6380`,
    ],
    [`[ 'valkey-server', '--masterauth', '${PW}' ]`, `[ 'valkey-server', '--masterauth', '${R}' ]`],
    // node-redis v3's documented `client.auth(password, callback)`.
    [`client.auth('${PW}', (err) => done(err))`, `client.auth('${R}', (err) => done(err))`],
    [`client.auth("hunter", cb)`, `client.auth("${R}", cb)`],
    // On a receiver named as a Redis client any value goes (RT32-3); on another, one that looks like a credential.
    [`this.redis.auth('hunter')`, `this.redis.auth('${R}')`],
    [`r.auth('${PW}')`, `r.auth('${R}')`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    expect(redactCredentials(shown)).toBe(shown); // redacting twice changes nothing
  });

  staysWhole('%j stays', [
    // Other code's `.auth(…)` (not Redis's AUTH): a strategy's or scheme's name is no password.
    'passport.auth("local")',
    "app.auth('basic')",
    "router.auth('oauth2')",
    'passport.auth("google-oauth20")',
    "app.auth('jwt', { session: false })",
    'req.auth.user',
    'passport.authenticate("local")',
    // Commands without a password, and Redis's own redaction.
    "{ command: 'GET', args: [ 'auth' ] }",
    "[ 'GET', 'config' ]",
    "config([ 'GET', 'requirepass' ])",
    "[ 'config', 'set', 'requirepass', password ]",
    '1796615262.214045 [0 127.0.0.1:36366] "AUTH" "(redacted)" "(redacted)"',
    'SENTINEL SET mymaster quorum 2',
    'sentinel auth-pass is required',
    'use CONFIG SET requirepass to change it',
    'run config set requirepass value first',
    'the sentinel is down',
    'ACL SETUSER bob on #e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ]);
});

describe.skipIf(!requireRedis())('what a real redis-server and ioredis print', () => {
  // A wrong password of the shape ioredis users have; random per run would make the test differ: fixed.
  const WRONG = 'Wr0ngPassQ7x';
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    // startRedis waits for an unauthenticated PING: the password is set once it answers (this connection stays
    // authenticated as the default user).
    server = await startRedis();
    client = new Redis({ port: server.port, lazyConnect: true });
    await client.connect();
    await client.config('SET', 'requirepass', 'RightPass9z');
  }, 20_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  /** The error a client call rejects with. */
  async function rejection(call: () => Promise<unknown>): Promise<Error> {
    try {
      await call();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the call to fail');
  }

  /** The error a connection with a wrong password emits. */
  async function connectionError(options: { username?: string; password: string }): Promise<Error> {
    const bad = new Redis({
      port: server.port,
      ...options,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    const emitted = new Promise<Error>((resolve) => bad.once('error', resolve));
    await bad.connect().catch(() => undefined);
    const error = await emitted;
    bad.disconnect();
    return error;
  }

  const printed = (error: Error) => [inspect(error), JSON.stringify(error), String(error), error.stack ?? ''];

  it.each([
    ['a connection with a wrong password', () => connectionError({ password: WRONG })],
    [
      'a connection with a user and a wrong password',
      () => connectionError({ username: 'default', password: WRONG }),
    ],
    ['auth(user, password)', () => rejection(() => client.auth('bob', WRONG))],
    ['call("AUTH", …)', () => rejection(() => client.call('AUTH', 'bob', WRONG))],
    ['HELLO 3 AUTH', () => rejection(() => client.call('HELLO', '3', 'AUTH', 'bob', WRONG))],
    [
      'CONFIG SET with a bad parameter before requirepass',
      () => rejection(() => client.config('SET', 'maxmemory', 'bogus', 'requirepass', WRONG)),
    ],
    [
      'ACL SETUSER with a bad rule after the password',
      () => rejection(() => client.acl('SETUSER', 'bob', 'on', `>${WRONG}`, 'bogusrule')),
    ],
  ])('%s: the password goes, the rest stays as printed', async (_, fail) => {
    const error = await fail();
    const texts = printed(error);
    // The real client printed the password somewhere (else this case would test nothing).
    expect(texts.some((t) => t.includes(WRONG))).toBe(true);
    for (const text of texts) expect(redactCredentials(text)).toBe(text.split(WRONG).join(R));
  });

  it('a serialised ReplyError thrown by a probe and a job: jobs/, health/ and the webhook show it redacted', async () => {
    const error = await rejection(() => client.config('SET', 'maxmemory', 'bogus', 'requirepass', WRONG));
    const text = JSON.stringify(error);
    expect(text).toContain(WRONG);
    const { jobError, health, sent, bodies } = await errorSurfaces(text);
    expect(jobError).toBe(text.split(WRONG).join(R));
    expect(health).toContain(text.split(WRONG).join(R).replaceAll('"', '\\"'));
    for (const body of [...bodies, ...sent]) expect(body).not.toContain(WRONG);
  });
});

/**
 * A password as Redis takes one: letters, digits and symbols, no blank or quote, with a digit; a letter or digit
 * first (after an option, a value starting with `-` reads as the next option: docs/redaction.md).
 */
const password = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.~+-]{4,23}$/), fc.integer({ min: 0, max: 9 }))
  .map(([s, d]) => `${s}${d}`);
const userName = fc.stringMatching(/^u[a-z0-9_]{0,10}$/);

/** The spellings above: (user, password) to text. */
const SPELLINGS: Array<(u: string, p: string) => string> = [
  (u, p) => `Command AUTH failed with args [${u}, ${p}]`,
  (_, p) => `Command AUTH failed with args [${p}]`,
  (u, p) => `{ command: 'AUTH', args: [ '${u}', '${p}' ] }`,
  (u, p) => `{"command":"AUTH","args":["${u}","${p}"]}`,
  (u, p) => `command: {\n    name: 'auth',\n    args: [ '${u}', '${p}' ]\n  }`,
  (u, p) => `{"command":{"name":"HELLO","args":["3","AUTH","${u}","${p}"]}}`,
  (_, p) => `{ name: 'config', args: [ 'SET', 'maxmemory', '1gb', 'requirepass', '${p}' ] }`,
  (u, p) => `{ name: 'acl', args: [ 'SETUSER', '${u}', 'on', '>${p}' ] }`,
  (u, p) => `0 -> migrate([ 'h', '1', '', '0', '100', 'AUTH2', '${u}', '${p}', 'KEYS', 'a' ])`,
  (u, p) => `0 -> auth([ '${u}', '${p}' ])`,
  (u, p) => `redis.call('HELLO', '3', 'AUTH', '${u}', '${p}')`,
  (u, p) => `1796615262.2 [0 127.0.0.1:36366] "AUTH" "${u}" "${p}"`,
  (_, p) => `CONFIG SET maxmemory 1gb requirepass ${p}`,
  (_, p) => `CONFIG SET tls-key-file-pass ${p}`,
  (u, p) => `SENTINEL SET ${u} auth-pass ${p}`,
  (u, p) => `sentinel auth-pass ${u} ${p}`,
  (u, p) => `AUTH2 ${u} ${p}`,
  (_, p) => `client.auth('${p}', cb)`,
  (_, p) => `redis-server --port 6380 --masterauth ${p} --daemonize no`,
];
const AROUND = [' ', '\n', ': ', ' (', '; ', '\t'];

describe('generated Redis passwords (fixed seeds)', () => {
  it('a password never survives in any spelling, and the user stays', async () => {
    await assertProperty(
      fc.property(
        fc.constantFrom(...SPELLINGS),
        userName,
        password,
        fc.constantFrom(...AROUND),
        (spell, u, p, around) => {
          fc.pre(!u.includes(p) && !p.includes(u));
          const text = `ERR x${around}${spell(u, p)}${around}done`;
          const shown = redactCredentials(text);
          expect(shown).not.toContain(p);
          expect(shown).toBe(text.split(p).join(R));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("other code's .auth(…) calls (fixed seeds)", () => {
  it("a strategy's name on a receiver not named as a Redis client stays", async () => {
    await assertProperty(
      fc.property(
        fc.constantFrom('passport', 'app', 'router', 'this.server', 'api', 'fastify'),
        fc.stringMatching(/^[a-z]{2,12}(?:-[a-z]{2,10})?\d{0,2}$/),
        fc.constantFrom("'", '"'),
        (receiver, name, q) => {
          const text = `${receiver}.auth(${q}${name}${q})`;
          expect(redactCredentials(text)).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('the new Redis patterns on adversarial text, 100 KB', () => {
  it.each([
    ['object heads', fill("name:'auth',args:[")],
    ['object heads with open elements', fill("name:'auth',args:['a")],
    ['one open element', `name:'auth',args:['${fill('a')}`],
    ['debug heads', fill('auth([')],
    ['debug heads with elements', fill("auth([ 'a', ")],
    ['Command heads', fill('Command AUTH args [')],
    ['Command heads, blanks', `Command AUTH ${fill(' ')}args [`],
    ['list heads', fill("['config', ")],
    ['MONITOR words', fill('"AUTH" ')],
    ['MONITOR words, open', `"AUTH" "${fill('a')}`],
    ['CONFIG SET words', `CONFIG SET${fill(' requirepass')}`],
    ['CONFIG SET lines', fill('CONFIG SET ')],
    ['sentinel words', fill('sentinel auth-pass ')],
    ['auth calls', fill(".auth('a'")],
    ['receivers before auth calls', `${fill('a')}.auth('b')`],
  ])('%s: cost under 20 times as much prose', (_, text) => {
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
