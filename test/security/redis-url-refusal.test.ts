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
