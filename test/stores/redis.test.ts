import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HistoryPoint } from '../../src/history/point.js';
import { queryHistory } from '../../src/history/query.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { RedisStoreOptions } from '../../src/stores/redis-options.js';
import type { Logger } from '../../src/types.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { alert, clockAt, describeStoreContract } from './contract.js';
import { latencies, makePoint, reference, rng } from './points.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 0, 0, 0);
const haveRedis = requireRedis();

let server: RedisServer;
let admin: Redis;
let prefixes = 0;
const nextPrefix = () => `sv-test-${process.pid}-${++prefixes}`;

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const logger: Logger = {
    warn: (_obj, msg) => lines.push({ level: 'warn', msg: msg ?? '' }),
    error: (_obj, msg) => lines.push({ level: 'error', msg: msg ?? '' }),
    info: (_obj, msg) => lines.push({ level: 'info', msg: msg ?? '' }),
  };
  return { logger, lines };
}

const quiet: Logger = { warn() {}, error() {} };

describe.skipIf(!haveRedis)('RedisStore', () => {
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  describe('with a URL (own client)', () => {
    describeStoreContract('RedisStore(url)', async (options) => {
      const store = new RedisStore({ url: server.url, prefix: nextPrefix(), logger: quiet, ...options });
      await store.init();
      return store;
    });
  });

  describe('with a user client', () => {
    let client: Redis;
    beforeAll(() => {
      client = new Redis(server.url);
    });
    afterAll(() => client.disconnect());

    describeStoreContract('RedisStore(client)', async (options) => {
      const store = new RedisStore({ client, prefix: nextPrefix(), logger: quiet, ...options });
      await store.init();
      return store;
    });

    it('does not quit the client it was given', async () => {
      const store = new RedisStore({ client, prefix: nextPrefix(), logger: quiet });
      await store.appendPoint('a', makePoint({ t: T0 }));
      await store.close();
      expect(await client.ping()).toBe('PONG');
    });
  });

  it('rejects bad options at setup, saying what to pass', () => {
    expect(() => new RedisStore({} as RedisStoreOptions)).toThrow(/client.*or.*url/);
    expect(() => new RedisStore({ url: server.url, client: admin })).toThrow(/either/);
    expect(() => new RedisStore({ url: 'localhost:6379' })).toThrow(/redis:\/\//);
    expect(() => new RedisStore({ url: server.url, prefix: 'a{b}' })).toThrow(/hash tag/);
    expect(() => new RedisStore({ url: server.url, retention: 5 } as never)).toThrow(
      /Did you mean `retentionMs`/,
    );
    expect(() => new RedisStore({ url: server.url, bufferLimit: 1.5 })).toThrow(/bufferLimit/);
    expect(() => new RedisStore({ url: server.url, clock: { now: 5 } } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_INVALID_OPTION',
        message: expect.stringMatching(/^RedisStore: `clock` must be a function returning milliseconds/),
      }),
    );
  });

  it('takes a clock function as the monitor does (`() => t`): writes, and trims to the retention by it', async () => {
    // Outside review 14: with `clock: () => t` every write threw "this.clock.now is not a function" inside
    // the pipeline and the store went down (critical) with Redis up.
    const prefix = nextPrefix();
    let now = T0;
    const store = new RedisStore({
      url: server.url,
      prefix,
      retentionMs: 10 * MIN,
      clock: () => now,
      logger: quiet,
    });
    await store.init();
    for (let i = 0; i < 20; i++) {
      now = T0 + i * MIN + MIN;
      await store.appendPoint('web-1', makePoint({ t: T0 + i * MIN, latencies: [i + 1] }));
    }
    expect(store.health().status).toBe('healthy');
    expect(await admin.zcard(`{${prefix}}:points:web-1`)).toBe(10); // t >= now − retention: the last 10 minutes
    await store.close();
  });

  it('hash-tags every key and gives every key the retention as TTL; trims old members on write', async () => {
    const prefix = nextPrefix();
    const clock = clockAt(T0);
    const retentionMs = 10 * MIN;
    const store = new RedisStore({ url: server.url, prefix, retentionMs, clock, logger: quiet });
    await store.init();
    for (let i = 0; i < 40; i++) {
      clock.set(T0 + i * MIN + MIN);
      await store.appendPoint('web-1', makePoint({ t: T0 + i * MIN, latencies: [i + 1] }));
    }
    await store.appendAlert(alert(1));
    const keys = (await admin.keys(`*${prefix}*`)).sort();
    expect(keys).toEqual(
      [
        `{${prefix}}:alerts`,
        `{${prefix}}:instances`,
        `{${prefix}}:points:web-1`,
        `{${prefix}}:rollup:1800:web-1`,
        `{${prefix}}:rollup:300:web-1`,
      ].sort(),
    );
    for (const key of keys) {
      const pttl = await admin.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(retentionMs);
    }
    const cutoff = clock.now() - retentionMs;
    for (const key of keys.filter((k) => !k.endsWith(':alerts') && !k.endsWith(':instances'))) {
      const scores = (await admin.zrange(key, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
      expect(Math.min(...scores)).toBeGreaterThanOrEqual(Math.floor(cutoff / 1_800_000) * 1_800_000);
    }
    expect(await admin.zcard(`{${prefix}}:points:web-1`)).toBe(10); // t >= cutoff: the last 10 minutes
    await store.close();
  });

  it('keeps 5-minute rollups only as long as the 24h view needs them, the rest 7 days', async () => {
    const prefix = nextPrefix();
    const store = new RedisStore({ url: server.url, prefix, logger: quiet });
    await store.init();
    await store.appendPoint('web-1', makePoint({ t: Date.now(), latencies: [3] }));
    const day = 24 * 3_600_000;
    expect(await admin.pttl(`{${prefix}}:points:web-1`)).toBeGreaterThan(7 * day - MIN);
    expect(await admin.pttl(`{${prefix}}:rollup:1800:web-1`)).toBeGreaterThan(7 * day - MIN);
    const fiveMinute = await admin.pttl(`{${prefix}}:rollup:300:web-1`);
    expect(fiveMinute).toBeGreaterThan(day);
    expect(fiveMinute).toBeLessThanOrEqual(day + 5 * MIN);
    await store.close();
  });

  it('nothing outlives the retention once the writer is gone', async () => {
    const prefix = nextPrefix();
    const store = new RedisStore({
      url: server.url,
      prefix,
      retentionMs: 300,
      resolutionMs: 10,
      logger: quiet,
    });
    await store.init();
    await store.appendPoint('gone', makePoint({ t: Date.now(), latencies: [3] }));
    await store.appendAlert(alert(1));
    await store.close();
    expect((await admin.keys(`*${prefix}*`)).length).toBeGreaterThan(0);
    await vi.waitFor(async () => expect(await admin.keys(`*${prefix}*`)).toEqual([]), {
      timeout: 5000,
      interval: 100,
    });
  });

  it('fleet view: two instances merged; percentiles equal those of one histogram of all raw values', async () => {
    const prefix = nextPrefix();
    const now = T0 + 2 * 60 * MIN + 30_000;
    const clock = clockAt(now);
    const stores = ['web-1', 'web-2'].map(
      (instanceId) => new RedisStore({ url: server.url, prefix, instanceId, clock, logger: quiet }),
    );
    await Promise.all(stores.map((s) => s.init()));
    const rand = rng(11);
    const raw = new Map<number, number[]>();
    for (let i = 0; i < 120; i++) {
      const t = T0 + i * MIN;
      for (const [k, store] of stores.entries()) {
        // one fast and one slow instance, so a wrong merge (averaged percentiles) shows
        const values = latencies(rand, 5 + Math.floor(rand() * 30), k === 0 ? 8 : 120);
        raw.set(t, [...(raw.get(t) ?? []), ...values]);
        await store.appendPoint(store.instanceId, makePoint({ t, latencies: values }));
      }
    }
    for (const period of ['1h', '24h'] as const) {
      const fleet = await queryHistory(stores[0]!, { period, instance: 'all', now });
      expect(fleet.instances).toEqual(['web-1', 'web-2']);
      expect(fleet.points.length).toBeGreaterThan(10);
      const stepMs = fleet.step_seconds * 1000;
      for (const point of fleet.points) {
        const values: number[] = [];
        for (let t = point.t; t < point.t + stepMs; t += MIN) values.push(...(raw.get(t) ?? []));
        const ref = reference(values);
        expect(point.requests).toBe(values.length);
        expect([
          point.latency_p50_ms,
          point.latency_p95_ms,
          point.latency_p99_ms,
          point.latency_max_ms,
        ]).toEqual([ref.p50_ms, ref.p95_ms, ref.p99_ms, ref.max_ms]);
      }
    }
    await Promise.all(stores.map((s) => s.close()));
  });

  it('probe() passes while Redis answers', async () => {
    const store = new RedisStore({ url: server.url, prefix: nextPrefix(), logger: quiet });
    await store.init();
    await expect(store.probe().check()).resolves.toBeUndefined();
    expect(store.health()).toMatchObject({ status: 'healthy', working: true });
    await store.close();
    await expect(store.probe().check()).rejects.toMatchObject({ code: 'ERR_SYSVITALS_CLOSED' });
  });
});

describe.skipIf(!haveRedis)('RedisStore through outages', () => {
  async function allPoints(url: string, prefix: string, instance: string): Promise<number[]> {
    const client = new Redis(url);
    try {
      const members = await client.zrange(`{${prefix}}:points:${instance}`, 0, -1);
      return members.map((m) => (JSON.parse(m) as number[])[1]!);
    } finally {
      client.disconnect();
    }
  }

  it('Redis killed mid-run and restarted: no throw, critical meanwhile, every point there afterwards', async () => {
    // AOF with fsync on every write, so what Redis acknowledged before the kill survives it.
    const redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const { logger, lines } = recordingLogger();
    const prefix = nextPrefix();
    const clock = clockAt(T0);
    const store = new RedisStore({
      url: redis.url,
      prefix,
      instanceId: 'web-1',
      clock,
      logger,
      commandTimeoutMs: 500,
    });
    try {
      await store.init();
      const points: HistoryPoint[] = [];
      const write = async (i: number) => {
        const p = makePoint({ t: T0 + i * MIN, latencies: [i + 1] });
        points.push(p);
        clock.set(p.t + MIN);
        await store.appendPoint('web-1', p);
      };
      for (let i = 0; i < 10; i++) await write(i);
      expect(store.health().status).toBe('healthy');

      await redis.kill('SIGKILL');
      for (let i = 10; i < 25; i++) await write(i);
      await store.appendAlert(alert(1));
      expect(store.health()).toMatchObject({ status: 'critical', working: false });
      expect(store.health().error).toBeTruthy();
      await expect(store.probe().check()).rejects.toThrow();
      expect(lines.filter((l) => l.msg.includes('is failing'))).toHaveLength(1);

      await redis.restart();
      await vi.waitFor(() => expect(store.health().status).toBe('healthy'), {
        timeout: 10_000,
        interval: 50,
      });
      expect(await allPoints(redis.url, prefix, 'web-1')).toEqual(points.map((p) => p.t));
      expect((await store.readAlerts(10)).map((a) => a.id)).toEqual(['alert-1']);
      expect(lines.filter((l) => l.msg.includes('recovered'))).toHaveLength(1);
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('a longer outage keeps the newest bufferLimit points and says how many it dropped', async () => {
    const redis = await startRedis();
    const { logger, lines } = recordingLogger();
    const prefix = nextPrefix();
    const clock = clockAt(T0);
    const store = new RedisStore({
      url: redis.url,
      prefix,
      clock,
      logger,
      bufferLimit: 3,
      commandTimeoutMs: 500,
    });
    try {
      await store.init();
      await redis.kill('SIGKILL');
      for (let i = 0; i < 7; i++) await store.appendPoint('web-1', makePoint({ t: T0 + i * MIN }));
      expect(lines.filter((l) => l.msg.includes('buffer'))).toHaveLength(1);
      await redis.restart();
      await vi.waitFor(() => expect(store.health().status).toBe('healthy'), {
        timeout: 10_000,
        interval: 50,
      });
      expect(await allPoints(redis.url, prefix, 'web-1')).toEqual([4, 5, 6].map((i) => T0 + i * MIN));
      expect(lines.some((l) => l.msg.includes('dropped 4 history points'))).toBe(true);
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('Redis frozen (SIGSTOP): writes time out without throwing, reads reject, close() returns', async () => {
    const redis = await startRedis();
    const prefix = nextPrefix();
    const store = new RedisStore({ url: redis.url, prefix, logger: quiet, commandTimeoutMs: 300 });
    const hang = (ms: number) => new Promise<string>((r) => setTimeout(() => r('hung'), ms).unref());
    try {
      await store.init();
      await store.appendPoint('web-1', makePoint({ t: T0 }));
      await redis.kill('SIGSTOP');
      await expect(
        Promise.race([store.appendPoint('web-1', makePoint({ t: T0 + MIN })), hang(5000)]),
      ).resolves.toBe(undefined);
      expect(store.health()).toMatchObject({ status: 'critical', working: false });
      expect(store.health().error).toMatch(/timed out/i);
      await expect(store.readPoints('web-1', 0, Number.MAX_SAFE_INTEGER)).rejects.toThrow(/timed out/i);
      await expect(Promise.race([store.close().then(() => 'closed'), hang(5000)])).resolves.toBe('closed');
    } finally {
      await redis.kill('SIGCONT');
      await redis.stop();
    }
  });
});
