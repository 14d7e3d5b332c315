// The Express example on a private Redis under request load: Redis killed and restarted, then frozen.

import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ExpressExample, start } from '../../examples/express.js';
import { parsePoint } from '../../src/history/point-codec.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { ComponentStatus, MetricsSnapshot } from '../../src/types.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { gaps, orHung, recordSamples, sleep, startLoad } from './harness.js';

const haveRedis = requireRedis();
const TOKEN = 'reliability-token';
const RESOLUTION_MS = 1000;
const SAMPLE_MS = 200;
const APP_PATHS = ['/', '/users/7', '/users/42'];

let redis: RedisServer | undefined;
let example: ExpressExample | undefined;

afterEach(async () => {
  await example?.close();
  example = undefined;
  await redis?.stop(); // continues a frozen server first
  redis = undefined;
});

async function startApp(store: RedisStore): Promise<ExpressExample> {
  return start({
    port: 0,
    host: '127.0.0.1',
    monitor: {
      store,
      adminToken: TOKEN,
      resolutionMs: RESOLUTION_MS,
      sampleIntervalMs: SAMPLE_MS,
      metricsMaxAgeMs: 0,
      rateLimit: false,
      logger: silentLogger,
    },
  });
}

/** The `redis` group as the admin API reports it now. */
async function redisStatus(app: ExpressExample): Promise<ComponentStatus> {
  const res = await fetch(`${app.adminUrl}/metrics/`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json()) as { data: MetricsSnapshot };
  return body.data.redis.status;
}

/** The history route's status and error code (reads from the store, so it meets the outage). */
async function historyAnswer(app: ExpressExample) {
  const res = await fetch(`${app.adminUrl}/history/?period=1h`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after') };
}

describe.skipIf(!haveRedis)('Redis outages under request load (Express example, RedisStore)', () => {
  it('SIGKILL then restart: no failed request, redis critical then healthy, every bucket in Redis once', async () => {
    // AOF fsynced on every write: what Redis acknowledged before the kill survives it, so every
    // bucket of the run can be counted afterwards, not only those written after the restart.
    redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const prefix = `outage-${process.pid}`;
    const store = new RedisStore({
      url: redis.url,
      prefix,
      instanceId: 'web-1',
      resolutionMs: RESOLUTION_MS,
      commandTimeoutMs: 300,
      logger: silentLogger,
    });
    example = await startApp(store);
    const statuses: { at: number; status: ComponentStatus }[] = [];
    example.monitor.on('metrics', (s) => statuses.push({ at: performance.now(), status: s.redis.status }));
    const load = startLoad(example.url, APP_PATHS);

    await vi.waitFor(() => expect(statuses.some((s) => s.status === 'healthy')).toBe(true), {
      timeout: 5000,
    });
    await sleep(2 * RESOLUTION_MS); // a couple of buckets written while Redis is up

    await redis.kill('SIGKILL');
    const killedAt = performance.now();
    const okAtKill = load.ok;
    await vi.waitFor(async () => expect(await redisStatus(example!)).toBe('critical'), {
      timeout: 5000,
      interval: 100,
    });
    await sleep(3 * RESOLUTION_MS); // three more buckets, buffered in memory
    expect(await historyAnswer(example)).toEqual({ status: 503, code: 'unavailable', retryAfter: '5' });
    const restartAt = performance.now();
    const okDuringOutage = load.ok - okAtKill;
    await redis.restart();

    await vi.waitFor(async () => expect(await redisStatus(example!)).toBe('healthy'), {
      timeout: 10_000,
      interval: 100,
    });
    await sleep(RESOLUTION_MS);
    const result = await load.stop();
    await example.close(); // writes the last bucket
    example = undefined;

    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(okDuringOutage).toBeGreaterThan(0);
    const during = statuses.filter((s) => s.at > killedAt + SAMPLE_MS * 3 && s.at < restartAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s.status === 'critical')).toBe(true);
    expect(statuses.at(-1)?.status).toBe('healthy');

    const admin = new Redis(redis.url);
    try {
      const members = await admin.zrange(`{${prefix}}:points:web-1`, 0, -1);
      const points = members.map((m) => parsePoint(m)!);
      const perBucket = new Map<number, number>();
      for (const p of points) perBucket.set(p.t, (perBucket.get(p.t) ?? 0) + 1);
      const ts = [...perBucket.keys()].sort((a, b) => a - b);
      // One point per bucket, no bucket missing from the first to the last (load never paused).
      expect([...perBucket.values()].every((n) => n === 1)).toBe(true);
      const expected = Array.from(
        { length: (ts.at(-1)! - ts[0]!) / RESOLUTION_MS + 1 },
        (_, i) => ts[0]! + i * RESOLUTION_MS,
      );
      expect(ts).toEqual(expected);
      expect(ts.length).toBeGreaterThanOrEqual(6);
      // Every application request the server answered is in some bucket, outage or not.
      expect(points.reduce((n, p) => n + p.requests, 0)).toBe(result.ok);
      // The outage's own alert, raised while Redis was down (buffered) and cleared after, is there too.
      const alerts = (await admin.lrange(`{${prefix}}:alerts`, 0, -1)).map(
        (a) => JSON.parse(a) as { rule: string; event: string; instance: string },
      );
      expect(alerts.filter((a) => a.rule === 'redis').map((a) => [a.event, a.instance])).toEqual([
        ['cleared', 'web-1'],
        ['raised', 'web-1'],
      ]);
    } finally {
      admin.disconnect();
    }
  });

  it('SIGSTOP: commands time out, requests and samples keep coming, close() gives up and returns', async () => {
    redis = await startRedis();
    const store = new RedisStore({
      url: redis.url,
      prefix: `frozen-${process.pid}`,
      resolutionMs: RESOLUTION_MS,
      commandTimeoutMs: 300,
      logger: silentLogger,
    });
    example = await startApp(store);
    const app = example;
    await vi.waitFor(async () => expect(await redisStatus(app)).toBe('healthy'), { timeout: 5000 });
    const load = startLoad(app.url, APP_PATHS);

    await redis.kill('SIGSTOP');
    const samples = recordSamples(app.monitor);
    const redisSeen: ComponentStatus[] = [];
    app.monitor.on('metrics', (s) => redisSeen.push(s.redis.status));
    await sleep(3 * RESOLUTION_MS); // bucket flushes and probes meet the frozen server
    const okWhileFrozen = load.ok;
    samples.stop();

    // A read from the admin API does not hang either: history from the frozen store fails fast, as
    // a dependency outage (503, retry later), not as an internal error of the admin API.
    const history = await orHung(historyAnswer(app), 5000);
    expect(history).toEqual({ status: 503, code: 'unavailable', retryAfter: '5' });

    // close() gives up on the frozen store after its command timeout; the 10 s is a hang guard only.
    const closed = await orHung(app.monitor.close(), 10_000);
    const result = await load.stop();

    expect(closed).not.toBe('hung');
    expect(result.failures).toEqual([]);
    expect(okWhileFrozen).toBeGreaterThan(50);
    expect(redisSeen).toContain('critical');
    expect(store.health()).toMatchObject({ status: 'critical', working: false });
    // The redis probe is bounded (2 × commandTimeoutMs), so no sample waits on the frozen server longer.
    expect(samples.times.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...gaps(samples.times))).toBeLessThan(SAMPLE_MS + 2 * 300 + 1000);
  });
});
