// Outside review 39, RT39-1: a Redis URL refused for its scheme or shape put the whole value, password included, in
// RedisStore's thrown error, and `sysvitals serve` masked the password only when the string parsed as scheme://…, so
// the commonest typos (`redis//…`, `redis:/…`) printed it on stderr. The oracle is the password itself: it must appear
// nowhere in the refusal, which still says what is wrong.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { RedisStore } from '../../src/stores/redis.js';
import { bundled } from '../helpers/bundled.js';

const PW = 'Sup3rSecretPW';
const REFUSED: readonly [string, RegExp][] = [
  [`redis//:${PW}@cache:6379`, /scheme is misspelled/],
  [`redis:/:${PW}@cache:6379`, /scheme is misspelled/],
  [`rediss//default:${PW}@cache:6380`, /scheme is misspelled/],
  [`rediss:/default:${PW}@cache`, /scheme is misspelled/],
  [`http://:${PW}@cache:6379`, /scheme is not redis:\/\/ or rediss:\/\//],
  [`default:${PW}@cache:6379`, /no redis:\/\/ or rediss:\/\/ scheme/],
  [`redis://default:${PW}@cache:63x9`, /does not parse as a URL/],
  [`redis://default:${PW} @cache:6379`, /whitespace/],
];

describe('RedisStore({ url }) refuses a bad URL without its value', () => {
  it.each(REFUSED)('%s', (url, reason) => {
    let error: unknown;
    try {
      new RedisStore({ url, instanceId: 'api-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SysvitalsError);
    expect((error as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    const message = (error as Error).message;
    expect(message).toMatch(/`url` must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).toMatch(reason);
    expect(message).not.toContain(PW);
    expect(String((error as Error).stack)).not.toContain(PW);
  });
});

function cliStderr(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bundled('cli'), 'serve', '--port', '0', '--instance-id', 'w1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A URL accepted by mistake serves for ever: stop it (the exit code is then null, not the refusal's 2).
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  child.once('exit', () => clearTimeout(guard));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('sysvitals serve refuses a bad SYSVITALS_REDIS_URL without printing it', () => {
  it.each(REFUSED.slice(0, 5))('%s', async (url, reason) => {
    const { code, stderr } = await cliStderr({ SYSVITALS_REDIS_URL: url });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/SYSVITALS_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(stderr).toMatch(reason);
    expect(stderr).not.toContain(PW);
  });
});

// Outside review 42, RT42-7: a password (or user name) with a raw `%` passed the check, then ioredis's
// decodeURIComponent failed on every connect ("URI malformed", for ever, the CLI likewise); and `REDIS://` was refused
// as "not redis://" though a URL's scheme is case-insensitive (RFC 3986 §3.1). The oracle is ioredis itself: its
// parseURL throws on the first kind and reads the second as redis://; with an upper-case `REDISS://`, ioredis (which
// turns TLS on only for a lower-case `rediss://`) must still get TLS.
const UNDECODABLE: readonly string[] = [
  `redis://:${PW}%zz@cache:6379`,
  `redis://default:%${PW}@cache:6379`,
  `rediss://us%er:${PW}@cache:6380/0`,
  `redis://:${PW}%E0%A4%A@cache`, // a truncated UTF-8 sequence: well-formed escapes, not decodable
];

async function ioredisParseURL(url: string): Promise<Record<string, unknown>> {
  const utils = (await import('ioredis/built/utils/index.js' as string)) as {
    parseURL?: (u: string) => Record<string, unknown>;
    default?: { parseURL: (u: string) => Record<string, unknown> };
  };
  const parse = utils.parseURL ?? utils.default?.parseURL;
  if (!parse) throw new Error('ioredis parseURL not found');
  return parse(url);
}

describe('RedisStore({ url }) refuses a user name or password that cannot be decoded, without the value', () => {
  it.each(UNDECODABLE)('%s', async (url) => {
    await expect(ioredisParseURL(url)).rejects.toThrow(/URI malformed/); // the oracle: it could never connect
    let error: unknown;
    try {
      new RedisStore({ url, instanceId: 'api-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SysvitalsError);
    expect((error as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    const message = (error as Error).message;
    expect(message).toMatch(/percent-encode/);
    expect(message).toMatch(/%25/);
    expect(message).not.toContain(PW);
    expect(message).not.toContain('us%er');
    expect(String((error as Error).stack)).not.toContain(PW);
  });

  it('accepts the same password percent-encoded (ioredis decodes it to the raw one)', async () => {
    const url = `redis://:${PW}%25zz@cache:6379`;
    expect((await ioredisParseURL(url)).password).toBe(`${PW}%zz`);
    const store = new RedisStore({ url, instanceId: 'api-1' });
    await store.close();
  });

  it('sysvitals serve exits 2 on it, saying to percent-encode, without printing it', async () => {
    const { code, stderr } = await cliStderr({ SYSVITALS_REDIS_URL: UNDECODABLE[0] });
    expect(code).toBe(2);
    expect(stderr).toMatch(/SYSVITALS_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(stderr).toMatch(/percent-encode/);
    expect(stderr).not.toContain(PW);
  });
});

describe('a Redis URL scheme in any case', () => {
  it.each([`REDIS://:${PW}@cache:6379`, `Redis://:${PW}@cache:6379/2`, `REDISS://default:${PW}@cache:6380`])(
    '%s is accepted',
    async (url) => {
      expect((await ioredisParseURL(url)).host).toBe('cache'); // ioredis reads it
      const store = new RedisStore({ url, instanceId: 'api-1' });
      await store.close();
    },
  );

  it('REDISS:// reaches ioredis with TLS on, as rediss:// does', async () => {
    const { createRedisClient } = await import('../../src/stores/redis-client.js');
    const tlsOf = async (url: string) => {
      const client = await createRedisClient(url, 1000); // lazyConnect: nothing is dialled
      const tls = (client.options as { tls?: unknown }).tls;
      client.disconnect();
      return tls;
    };
    const oracle = await tlsOf(`rediss://default:${PW}@cache:6380`);
    expect(oracle).toBeTruthy();
    expect(await tlsOf(`REDISS://default:${PW}@cache:6380`)).toEqual(oracle);
    expect(await tlsOf(`Rediss://default:${PW}@cache:6380`)).toEqual(oracle);
    expect(await tlsOf(`REDIS://default:${PW}@cache:6379`)).toBeUndefined();
  });
});
