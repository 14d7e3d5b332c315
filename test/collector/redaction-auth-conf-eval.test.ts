// Redis passwords left shown after review 35's fixes: an `.auth('…')` call on a receiver not named as a Redis client
// (`conn.auth('pw')`, `this.cache.auth("pw")`, `r.auth('hunter2')`) while a strategy's name on an app or Passport
// (`passport.auth("local")`) stays; redis.conf's password directives written as keys (`requirepass: pw`, a YAML
// file's, which redis-server itself echoes in its config error); a password among an EVAL/EVALSHA/FCALL script's
// arguments (`EVAL "…" 0 AUTH pw`). Oracles: the texts a real redis-server 7 prints (its config error, its MONITOR
// line, ioredis' ReplyError of a failed EVAL), Redis's command pages (EVAL's `script numkeys [key …] [arg …]`,
// AUTH's `[username] password`), and hand-written expected texts.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

describe('.auth(…) calls on any receiver (hand-written oracle)', () => {
  it.each([
    [`conn.auth('pw')`, `conn.auth('${R}')`],
    [`this.cache.auth("pw")`, `this.cache.auth("${R}")`],
    [`r.auth('hunter2')`, `r.auth('${R}')`],
    [`store.auth("hunter")`, `store.auth("${R}")`],
    [`await db.auth("admin", "pw")`, `await db.auth("admin", "${R}")`],
    [`db.auth(user, 'pw')`, `db.auth(user, '${R}')`],
    [`agent.auth('bob', 'pw', { type: 'basic' })`, `agent.auth('bob', '${R}', { type: 'basic' })`],
    [`x.auth('hunter2', () => {})`, `x.auth('${R}', () => {})`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    expect(redactCredentials(shown)).toBe(shown);
  });

  staysWhole('%j stays', [
    'passport.auth("local")',
    'this.passport.auth("google-oauth20")',
    "app.auth('basic')",
    "router.auth('jwt')",
    "x.auth('bearer')",
    "r.auth('oauth2')",
    'conn.auth(callback)',
    "x.auth('')",
    "conn.auth('failed')",
  ]);
});

describe('redis.conf password directives written as keys (hand-written oracle)', () => {
  it.each([
    ['masterauth: pw', `masterauth: ${R}`],
    ['requirepass: pw', `requirepass: ${R}`],
    ['redis:\n  requirepass: pw\n  port: 6379', `redis:\n  requirepass: ${R}\n  port: 6379`],
    ['  masterauth: "p w"', `  masterauth: "${R}"`],
    ['REQUIREPASS=pw', `REQUIREPASS=${R}`],
    ["{ masterauth: 'pw' }", `{ masterauth: '${R}' }`],
    ['requirepass: pw # prod', `requirepass: ${R} # prod`],
    ['tls-key-file-pass: pw', `tls-key-file-pass: ${R}`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    expect(redactCredentials(shown)).toBe(shown);
  });

  staysWhole('%j stays', [
    'requirepass: none',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML reference, no template
    'requirepass: ${REDIS_PASSWORD}',
    'requirepass: <password>',
    'requirepass:',
    'the requirepass directive is not set',
  ]);
});

describe("a password among a script's arguments (Redis's EVAL page, hand-written oracle)", () => {
  it.each([
    ['EVAL "..." 0 AUTH pw', `EVAL "..." 0 AUTH ${R}`],
    ['EVAL "return 1" 1 k AUTH default pw', `EVAL "return 1" 1 k AUTH ${R} ${R}`],
    [`eval "redis.call('x'); return 1" 0 AUTH pw`, `eval "redis.call('x'); return 1" 0 AUTH ${R}`],
    [
      'EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff831 0 AUTH2 bob pw',
      `EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff831 0 AUTH2 bob ${R}`,
    ],
    ['FCALL myfn 0 requirepass pw', `FCALL myfn 0 requirepass ${R}`],
    [`await redis.eval("return 1", 0, "AUTH", "pw")`, `await redis.eval("return 1", 0, "AUTH", "${R}")`],
    [
      `redis.evalsha(sha, 1, "k", "password", "pw", cb)`,
      `redis.evalsha(sha, 1, "k", "password", "${R}", cb)`,
    ],
    [`[ 'EVAL', 'return 1', '0', 'AUTH', 'pw' ]`, `[ 'EVAL', 'return 1', '0', 'AUTH', '${R}' ]`],
    [
      `command: { name: 'evalsha', args: [ 'abc', '0', 'AUTH', 'pw' ] }`,
      `command: { name: 'evalsha', args: [ 'abc', '0', 'AUTH', '${R}' ] }`,
    ],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    expect(redactCredentials(shown)).toBe(shown);
  });

  staysWhole('%j stays', ['the eval failed', 'EVAL "return 1" 0 a b', 'EVAL "return 1" 1 AUTHORS x']);
});

/** Runs redis-server with `conf` as its configuration file; its output (it refuses the file and exits). */
function refusedConfig(conf: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-conf-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, conf);
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve(out);
    });
  });
}

describe.skipIf(!requireRedis())('what a real redis-server prints', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
  }, 20_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it.each(['requirepass: Zq', 'masterauth: Zq', '  requirepass: "Zq"'])(
    'its config error echoing a YAML-style line %j: the password goes, the rest stays',
    async (line) => {
      const out = await refusedConfig(`port 0\n${line}\n`);
      expect(out).toContain('FATAL CONFIG FILE ERROR');
      expect(out).toContain('Zq');
      expect(redactCredentials(out)).toBe(out.split('Zq').join(R));
    },
  );

  it("its MONITOR line of an EVAL with AUTH among the script's args: the password goes", async () => {
    // MONITOR's raw line (Redis 6 and later hide AUTH's own argument, not a script's).
    const line = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ port: server.port, host: '127.0.0.1' });
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no MONITOR line: ${JSON.stringify(text)}`));
      }, 10_000);
      socket.once('error', reject);
      socket.once('connect', () => socket.write('MONITOR\r\n'));
      socket.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.startsWith('+OK\r\n') && text.length === 5) {
          void client.call('EVAL', 'return 1', '0', 'AUTH', 'default', 'Zq7');
        }
        const found = text.split('\r\n').find((l) => l.includes('"EVAL"'));
        if (found !== undefined) {
          clearTimeout(timer);
          socket.destroy();
          resolve(found);
        }
      });
    });
    expect(line).toContain('"AUTH" "default" "Zq7"');
    // A script's AUTH args have no arity: the user goes with the password.
    expect(redactCredentials(line)).toBe(line.replace('"default" "Zq7"', `"${R}" "${R}"`));
  });

  it("ioredis' ReplyError of a failed EVAL, inspected: the password among its args goes", async () => {
    const error = await client.call('EVAL', "return redis.call('nosuchcommand')", '0', 'AUTH', 'Zq7').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    const text = inspect(error);
    expect(text).toContain("'Zq7'");
    expect(redactCredentials(text)).toBe(text.split('Zq7').join(R));
  });
});

describe('the new patterns on adversarial text, 100 KB', () => {
  it.each([
    ['YAML keys', fill('requirepass: ')],
    ['YAML keys, quoted open', `requirepass: "${fill('a')}`],
    ['script words', fill('EVAL "')],
    ['script words, AUTH', `EVAL "x" 0 ${fill('AUTH ')}`],
    ['eval calls', fill('.eval(')],
    ['auth calls, first argument a name', fill('.auth(a, ')],
  ])('%s: cost under 20 times as much prose', (_, text) => {
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
