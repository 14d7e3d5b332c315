// Review 38's redaction gaps (RT38-2, RT38-3, RT38-6, RT38-10): `.auth(…)` in other JS/JSON spellings and its
// placeholders kept; HELLO/MIGRATE/AUTH2 in small letters; a Buffer password (util.inspect, JSON); a YAML block
// scalar's requirepass; small whole numbers among a script's args kept. Oracles: hand-written expected texts,
// Node's own util.inspect/JSON.stringify of a Buffer, and a real redis-server accepting the small-letter commands.

import { createConnection } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { redactsTo, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

describe('.auth(…) in other spellings (RT38-2, hand-written oracle)', () => {
  redactsTo('%s', [
    ['r.auth(`hunter2`)', `r.auth(\`${R}\`)`],
    [`client.auth?.('hunter2')`, `client.auth?.('${R}')`],
    [`client.auth.call(client, 'hunter2')`, `client.auth.call(client, '${R}')`],
    [`client.auth.apply(client, ['default', 'hunter2'])`, `client.auth.apply(client, ['default', '${R}'])`],
    [`client.auth ( 'hunter2' )`, `client.auth ( '${R}' )`],
    [`client['auth']('hunter2')`, `client['auth']('${R}')`],
    [`client.auth(process.env.REDIS_PW || 'hunter2')`, `client.auth(process.env.REDIS_PW || '${R}')`],
    [`client.auth(env.PW ?? "hunter2")`, `client.auth(env.PW ?? "${R}")`],
    [
      JSON.stringify({ src: 'r.auth("default", "hunter2")' }),
      JSON.stringify({ src: `r.auth("default", "${R}")` }),
    ],
    [JSON.stringify({ src: 'r.auth("hunter2")' }), JSON.stringify({ src: `r.auth("${R}")` })],
  ]);

  staysWhole('a placeholder stays: %s', [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference in the text, no template
    "client.auth('${REDIS_PASSWORD}')",
    "call client.auth('<password>') first",
    "Error: client.auth('...') must be called before connect",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the text, no template here
    'r.auth(`${REDIS_PASSWORD}`)',
  ]);

  it('stays linear on 100 KB of adversarial calls', () => {
    for (const unit of [
      "x['auth'](",
      'x.auth.call(a, ',
      'x.auth?.(`a',
      'x.auth(a || ',
      '.auth(\\"a',
      '.auth(\'a\\"',
      '.auth("a\\',
    ])
      expect(costOverProse(fill(unit))).toBeLessThan(20);
  });
});

describe('HELLO, MIGRATE and AUTH2 in small letters (RT38-3)', () => {
  redactsTo('%s', [
    ['hello 3 auth default hunter2Secret setname x', `hello 3 auth default ${R} setname x`],
    ['migrate host 6379 "" 0 5000 auth hunter2Secret keys a', `migrate host 6379 "" 0 5000 auth ${R} keys a`],
    ['migrate h 6379 k 0 5000 auth2 bob hunter2XYZ', `migrate h 6379 k 0 5000 auth2 bob ${R}`],
  ]);

  staysWhole('prose stays: %s', [
    'say hello to the auth team',
    'we migrate the users to the new auth service today',
  ]);

  it('stays linear on 100 KB of adversarial commands', () => {
    for (const unit of ['migrate h 1 k 1 ', 'hello 3 auth ', 'migrate migrate 1 '])
      expect(costOverProse(fill(unit))).toBeLessThan(20);
  });
});

describe.skipIf(!requireRedis())(
  'a real redis-server accepts the small-letter commands (RT38-3 oracle)',
  () => {
    let server: RedisServer;
    beforeAll(async () => {
      // No requirepass: the default user is `nopass`, which takes any password, so a reply tells the command parsed.
      server = await startRedis();
    }, 20_000);
    afterAll(async () => {
      await server?.stop();
    });

    /** Sends `line` inline on a fresh connection; its first reply line. */
    const send = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = createConnection({ port: server.port, host: '127.0.0.1' });
        let text = '';
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no reply: ${JSON.stringify(text)}`));
        }, 10_000);
        socket.once('error', reject);
        socket.once('connect', () => socket.write(`${line}\r\n`));
        socket.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('\r\n')) {
            clearTimeout(timer);
            socket.destroy();
            resolve(text.split('\r\n')[0] as string);
          }
        });
      });

    it('hello 3 auth default <pw>: authenticated (a RESP3 map), and redacted', async () => {
      const line = 'hello 3 auth default hunter2Secret setname x';
      expect(await send(line)).toMatch(/^%\d+$/);
      expect(redactCredentials(line)).not.toContain('hunter2Secret');
    });

    it('migrate … auth <pw> and auth2 <user> <pw>: parsed as MIGRATE (NOKEY, no syntax error), and redacted', async () => {
      for (const line of [
        `migrate 127.0.0.1 ${server.port} "" 0 5000 auth hunter2Secret keys a`,
        `migrate 127.0.0.1 ${server.port} k 0 5000 auth2 default hunter2Secret`,
      ]) {
        expect(await send(line)).toBe('+NOKEY');
        expect(redactCredentials(line)).not.toContain('hunter2Secret');
      }
    });
  },
);

describe('a Buffer password and a YAML block scalar (RT38-6; oracle: Node prints the Buffer)', () => {
  const command = { command: { name: 'auth', args: ['default', Buffer.from('hunter2')] } };
  const hex = '68 75 6e 74 65 72 32';
  const bytes = '104,117,110,116,101,114,50';

  it('util.inspect of an AUTH command with a Buffer: the bytes go', () => {
    const text = inspect(command);
    expect(text).toContain(hex);
    expect(redactCredentials(text)).toBe(text.replace(`<Buffer ${hex}>`, `<Buffer ${R}>`));
  });

  it('JSON of an AUTH command with a Buffer: the bytes go', () => {
    const text = JSON.stringify(command);
    expect(text).toContain(bytes);
    expect(redactCredentials(text)).toBe(text.replace(`[${bytes}]`, `"${R}"`));
  });

  it('a byte list as an AUTH argument: the bytes go', () => {
    expect(redactCredentials(`sendCommand(['auth', [${bytes}]])`)).toBe(`sendCommand(['auth', ${R}])`);
  });

  it('a Buffer elsewhere stays', () => {
    const text = inspect({ command: { name: 'get', args: [Buffer.from('hunter2')] } });
    expect(redactCredentials(text)).toBe(text);
  });

  redactsTo('YAML block scalar %j: its lines go, the indicator stays', [
    [
      'redis:\n  config:\n    requirepass: >-\n      hunter2XYZ',
      `redis:\n  config:\n    requirepass: >-\n      ${R}`,
    ],
    ['requirepass: |\n  hunter2XYZ\nport: 6379', `requirepass: |\n  ${R}\nport: 6379`],
    ['masterauth: >\n  part one\n  part two\nport: 1', `masterauth: >\n  ${R}\nport: 1`],
  ]);

  it('stays linear on 100 KB of adversarial blocks', () => {
    for (const unit of ['requirepass: >-\n ', "['auth', <Buffer 00", "'auth', [1,"])
      expect(costOverProse(fill(unit))).toBeLessThan(20);
  });
});

describe("small whole numbers among a script's args stay (RT38-10)", () => {
  staysWhole('%s', [
    "{ name: 'evalsha', args: [ 'abc', '1', 'rl:42', 'auth', '60', '100' ] }",
    'EVAL "..." 1 rl:ip:1.2.3.4 login auth 60',
    'FCALL incr_counter 1 stats pass 17',
    '1700000000.1 [0 1.2.3.4:5] "EVALSHA" "abc" "1" "quota:auth" "auth" "3600"',
  ]);

  redactsTo('a longer number or a word still goes: %s', [
    ['EVAL "..." 1 k auth 123456', `EVAL "..." 1 k auth ${R}`],
    ['FCALL f 1 k pass hunter2', `FCALL f 1 k pass ${R}`],
    ['EVAL "..." 0 AUTH default 60x', `EVAL "..." 0 AUTH ${R} ${R}`],
  ]);
});
