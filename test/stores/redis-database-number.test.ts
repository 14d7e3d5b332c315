// Outside review 46, RT46-3: the path of a Redis URL is its database number (the IANA `redis` URI scheme:
// redis://[[user]:password@]host[:port][/db-number], db-number a decimal integer; Redis SELECT takes an integer index
// from 0 to `databases` - 1). `/notanumber` passed setup and ioredis sent SELECT NaN on connect, whose rejection no
// listener can catch: the host process died. `/1.5` and `/-1` likewise passed. `/99` on a 16-database server logged one
// line, kept the `redis` component healthy and wrote the history to database 0. Oracles: the URI scheme's grammar
// (refused at setup, without the value) and the real redis-server's own key counts per database (INFO keyspace).

import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { createMonitor } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { Logger } from '../../src/types.js';
import { bundled } from '../helpers/bundled.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const PW = 'Sup3rSecretPW';
const NOT_A_NUMBER: readonly string[] = [
  `redis://:${PW}@cache:6379/notanumber`,
  `redis://:${PW}@cache:6379/sessions`,
  `redis://:${PW}@cache:6379/1.5`,
  `redis://:${PW}@cache:6379/-1`,
  `redis://:${PW}@cache:6379/%31`,
  `redis://:${PW}@cache:6379/1/`,
  `rediss://:${PW}@cache:6380/0x1`,
  `redis://:${PW}@cache:6379/99999999999`, // over a C int: no server has it
  `redis://:${PW}@cache:6379?db=notanumber`, // ioredis reads a db query parameter when the path has none
];

function refusal(url: string): SysvitalsError {
  try {
    new RedisStore({ url, instanceId: 'api-1' });
  } catch (e) {
    return e as SysvitalsError;
  }
  throw new Error('accepted');
}

describe('RedisStore({ url }) refuses a database path that is not a database number', () => {
  it.each(NOT_A_NUMBER)('%s', (url) => {
    const error = refusal(url);
    expect(error).toBeInstanceOf(SysvitalsError);
    expect(error.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(error.message).toMatch(/database (path|number)|db query parameter/);
    expect(error.message).not.toContain(PW);
    expect(String(error.stack)).not.toContain(PW);
  });

  it.each([
    `redis://:${PW}@cache:6379`,
    `redis://:${PW}@cache:6379/`,
    `redis://:${PW}@cache:6379/0`,
    `redis://:${PW}@cache:6379/15`,
    `redis://:${PW}@cache:6379?db=3`,
  ])('accepts %s', async (url) => {
    const store = new RedisStore({ url, instanceId: 'api-1' });
    await store.close();
  });

  it('sysvitals serve exits 2 on it, without printing the URL', async () => {
    const child = spawn(process.execPath, [bundled('cli'), 'serve', '--port', '0', '--instance-id', 'w1'], {
      env: { ...process.env, SYSVITALS_REDIS_URL: NOT_A_NUMBER[0] },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000); // accepted by mistake: it would serve for ever
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(guard);
    expect(code).toBe(2);
    expect(stderr).toMatch(/SYSVITALS_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(stderr).toMatch(/database path/);
    expect(stderr).not.toContain(PW);
  });
});

const haveRedis = requireRedis();

describe.skipIf(!haveRedis)('a database number the server does not have (16 databases)', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis({ args: ['--databases', '16'] });
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  /** Keys per database, from the server (`db0:keys=9,...` lines of INFO keyspace). */
  async function keyspace(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const line of (await admin.info('keyspace')).split('\n')) {
      const m = /^(db\d+):keys=(\d+)/.exec(line.trim());
      if (m) out[m[1]!] = Number(m[2]);
    }
    return out;
  }

  async function run(url: string) {
    const lines: { level: string; msg: string }[] = [];
    const logger: Logger = {
      warn: (_o, msg) => lines.push({ level: 'warn', msg: msg ?? '' }),
      error: (_o, msg) => lines.push({ level: 'error', msg: msg ?? '' }),
      info: (_o, msg) => lines.push({ level: 'info', msg: msg ?? '' }),
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    const store = new RedisStore({ url, instanceId: 'rt46-3', prefix: `rt46-3-${process.pid}` });
    const monitor = createMonitor({ sampleIntervalMs: 0, instanceId: 'rt46-3', logger, store });
    try {
      await store.init(); // connected (SELECT answered) or given up within commandTimeoutMs
      for (let i = 0; i < 5; i++)
        monitor.recordRequest({ method: 'GET', route: '/r', status: 200, durationMs: 3 });
      await monitor.flush();
      await monitor.sample();
      const snapshot = await monitor.getMetrics();
      const read = await store.readPoints('rt46-3', 0, Date.now() + 60_000).then(
        (points) => ({ points }),
        (err: unknown) => ({ err }),
      );
      return { snapshot, lines, read, keys: await keyspace(), unhandled };
    } finally {
      await monitor.close();
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
    }
  }

  it('/99: nothing written to another database, the redis component critical, an error line', async () => {
    await admin.flushall();
    const { snapshot, lines, read, keys, unhandled } = await run(`${server.url}/99`);
    expect(keys).toEqual({}); // the oracle: no database of the server holds a key
    expect(snapshot.redis?.status).toBe('critical');
    expect(snapshot.redis?.error).toMatch(/refused the database number/);
    expect(
      lines.filter((l) => l.level === 'error' && /refused the database number/.test(l.msg)),
    ).toHaveLength(1);
    expect('err' in read).toBe(true); // not database 0's keys read as the history
    expect(unhandled).toEqual([]);
  });

  it('/3, a database it has: written there, healthy (control)', async () => {
    await admin.flushall();
    const { snapshot, read, keys, unhandled } = await run(`${server.url}/3`);
    expect(Object.keys(keys)).toEqual(['db3']);
    expect(snapshot.redis?.status).toBe('healthy');
    expect('points' in read && read.points.length).toBe(1);
    expect(unhandled).toEqual([]);
  });
});
