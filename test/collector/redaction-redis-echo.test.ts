// Redis's echo of a command it refuses (outside review 35, RT35-3): `ERR unknown command 'HELLO', with args beginning
// with: '3' 'AUTH' 'default' '<pw>' ` (Redis 6.2 and later; Redis 5 and 6.0 quote with backticks, `` `a`, ``), for a
// disabled or renamed HELLO, AUTH or MIGRATE, a Sentinel command sent to a server, a module's command: the password
// must go, the other arguments stay. Oracles: the texts a real redis-server 7 prints (captured here through ioredis,
// each compared with its hand-written form, the password then replaced by `[redacted]`), Redis's command pages
// (which argument is the password) and the echo's format in redis-server's source (processCommand).

import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { redactsTo } from './helpers/redaction-table.js';

const R = '[redacted]';
const PW = 'Zx9!sup3rS3cretPw';

describe.skipIf(!requireRedis())('what a real redis-server prints for a refused command', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis({
      args: [
        '--rename-command',
        'HELLO',
        '',
        '--rename-command',
        'MIGRATE',
        '',
        '--rename-command',
        'AUTH',
        '',
      ],
    });
    const admin = new Redis({ port: server.port, lazyConnect: true });
    await admin.connect();
    await admin.config('SET', 'requirepass', 'RightPass9z');
    admin.disconnect();
    // Not authenticated: Redis refuses an unknown command before it asks for a password.
    client = new Redis({
      port: server.port,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
    });
    await client.connect();
  }, 20_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  const refused = async (args: string[]): Promise<string> => {
    const error = await client.call(args[0] as string, ...args.slice(1)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  };

  it.each([
    [
      ['HELLO', '3', 'AUTH', 'default', PW],
      `ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' '${PW}' `,
    ],
    [['AUTH', PW], `ERR unknown command 'AUTH', with args beginning with: '${PW}' `],
    [['AUTH', 'default', PW], `ERR unknown command 'AUTH', with args beginning with: 'default' '${PW}' `],
    [
      ['SENTINEL', 'SET', 'mymaster', 'auth-pass', PW],
      `ERR unknown command 'SENTINEL', with args beginning with: 'SET' 'mymaster' 'auth-pass' '${PW}' `,
    ],
    [
      ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', PW],
      `ERR unknown command 'SENTINEL', with args beginning with: 'CONFIG' 'SET' 'sentinel-pass' '${PW}' `,
    ],
    [
      ['MIGRATE', '10.0.0.2', '6379', '', '0', '5000', 'AUTH', PW],
      `ERR unknown command 'MIGRATE', with args beginning with: '10.0.0.2' '6379' '' '0' '5000' 'AUTH' '${PW}' `,
    ],
    [
      ['MYMOD.CONNECT', 'host', 'AUTH', PW],
      `ERR unknown command 'MYMOD.CONNECT', with args beginning with: 'host' 'AUTH' '${PW}' `,
    ],
    [
      ['MYMOD.SET', 'requirepass', PW],
      `ERR unknown command 'MYMOD.SET', with args beginning with: 'requirepass' '${PW}' `,
    ],
    [
      ['MYMOD.X', 'masterauth', PW],
      `ERR unknown command 'MYMOD.X', with args beginning with: 'masterauth' '${PW}' `,
    ],
  ])('%j: the password goes, the rest stays', async (args, printed) => {
    const message = await refused(args);
    expect(message).toBe(printed);
    expect(redactCredentials(message)).toBe(printed.replace(PW, R));
  });

  it('an unknown subcommand and a syntax error echo no argument; they stay as printed', async () => {
    const sub = await refused(['CONFIG', 'SETX', 'requirepass', PW]);
    expect(sub).toBe(`ERR unknown subcommand 'SETX'. Try CONFIG HELP.`);
    expect(redactCredentials(sub)).toBe(sub);
  });

  it('ordinary refused commands stay whole (quotes inside an argument too)', async () => {
    for (const [args, printed] of [
      [['GETX', "it's", 'a b'], `ERR unknown command 'GETX', with args beginning with: 'it's' 'a b' `],
      [
        ['FT.SEARCH', 'idx', '@title:hello'],
        `ERR unknown command 'FT.SEARCH', with args beginning with: 'idx' '@title:hello' `,
      ],
      [['SENTINEL', 'MASTERS'], `ERR unknown command 'SENTINEL', with args beginning with: 'MASTERS' `],
    ] as const) {
      const message = await refused([...args]);
      expect(message).toBe(printed);
      expect(redactCredentials(message)).toBe(printed);
    }
  });
});

describe("Redis's echo format (redis-server's processCommand), hand-written oracle", () => {
  /** Redis 6.2+: `'%.*s' ` per argument while under 128 characters; Redis 5/6.0: `` `%.*s`, ``. */
  const echo = (name: string, args: readonly string[], old = false): string => {
    let list = '';
    for (const a of args) {
      if (list.length >= 128) break;
      const cut = a.slice(0, 128 - list.length);
      list += old ? `\`${cut}\`, ` : `'${cut}' `;
    }
    return old
      ? `ERR unknown command \`${name}\`, with args beginning with: ${list}`
      : `ERR unknown command '${name}', with args beginning with: ${list}`;
  };

  redactsTo('%s', [
    [echo('HELLO', ['3', 'AUTH', 'default', PW], true), echo('HELLO', ['3', 'AUTH', 'default', R], true)],
    [echo('AUTH', ['default', PW], true), echo('AUTH', ['default', R], true)],
    [echo('MYMOD.LINK', ['h', 'AUTH2', 'app', PW]), echo('MYMOD.LINK', ['h', 'AUTH2', 'app', R])],
    [
      `ReplyError: ${echo('SENTINEL', ['SET', 'm', 'auth-pass', PW])}\n    at x (/app/y.js:1:2)`,
      `ReplyError: ${echo('SENTINEL', ['SET', 'm', 'auth-pass', R])}\n    at x (/app/y.js:1:2)`,
    ],
    // Trimmed by whoever printed it: the last quote stays.
    [
      `ERR unknown command 'SENTINEL', with args beginning with: 'SET' 'm' 'auth-pass' '${PW}'`,
      `ERR unknown command 'SENTINEL', with args beginning with: 'SET' 'm' 'auth-pass' '${R}'`,
    ],
  ]);

  const SHAPES: ReadonlyArray<(pw: string) => [string, string[]]> = [
    (pw) => ['HELLO', ['3', 'AUTH', 'default', pw]],
    (pw) => ['HELLO', ['3', 'AUTH', 'default', pw, 'SETNAME', 'worker']],
    (pw) => ['AUTH', [pw]],
    (pw) => ['AUTH', ['app', pw]],
    (pw) => ['SENTINEL', ['SET', 'mymaster', 'auth-pass', pw]],
    (pw) => ['SENTINEL', ['CONFIG', 'SET', 'sentinel-pass', pw]],
    (pw) => ['MIGRATE', ['10.0.0.2', '6379', '', '0', '5000', 'AUTH', pw]],
    (pw) => ['MIGRATE', ['10.0.0.2', '6379', '', '0', '5000', 'AUTH2', 'app', pw]],
    (pw) => ['CONFIG', ['SET', 'maxmemory', '1gb', 'requirepass', pw]],
    (pw) => ['MYMOD.CONNECT', ['host', 'AUTH', pw]],
    (pw) => ['X.JOIN', ['masterauth', pw]],
  ];

  it('property: a random password (quotes, backticks, blanks inside) never stays, in either quoting', async () => {
    const password = fc
      .string({
        unit: fc.constantFrom(...'abcXYZ09!#$%^&*()-_=+[]{};:,.<>?/~\'` "'.split('')),
        minLength: 8,
        maxLength: 40,
      })
      .filter((p) => /[A-Za-z0-9]{2}/.test(p) && p.trim() === p);
    await assertProperty(
      fc.property(fc.constantFrom(...SHAPES), password, fc.boolean(), (shape, pw, old) => {
        const [name, args] = shape(pw);
        const text = echo(name, args, old);
        fc.pre(text.split(pw).length === 2);
        expect(redactCredentials(text)).not.toContain(pw);
        expect(redactCredentials(`ReplyError: ${text}\n    at f (/a.js:1:1)`)).not.toContain(pw);
      }),
      { numRuns: 400 },
    );
  });
});
