// The Express example on a private Redis under request load: Redis killed and restarted, then frozen.

import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpressExample, start } from '../../examples/express.js';
import { parsePoint } from '../../src/history/point-codec.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { ComponentStatus, MetricsSnapshot } from '../../src/types.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { orHung, recordSamples, startLoad, waitUntil } from './harness.js';

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

async function startApp(store: RedisStore, groupTimeoutMs?: number): Promise<ExpressExample> {
  return start({
    port: 0,
    host: '127.0.0.1',
    monitor: {
      store,
      ...(groupTimeoutMs === undefined ? {} : { groupTimeoutMs }),
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

/** The history bucket a snapshot falls in (the monitor's clock is the real one here). */
const bucketOf = (s: MetricsSnapshot) => Math.floor(Date.parse(s.timestamp) / RESOLUTION_MS);

/** How many history points Redis holds under `key`, through a connection of its own (0 when Redis is down). */
async function pointsIn(url: string, key: string): Promise<number> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await admin.connect();
    return await admin.zcard(key);
  } catch {
    return 0;
  } finally {
    admin.disconnect();
  }
}

describe.skipIf(!haveRedis)('Redis outages under request load (Express example, RedisStore)', () => {
  // Every wait below is on a condition (buckets in Redis, statuses, samples); the guards are hang guards only.
  it('SIGKILL then restart: no failed request, redis critical then healthy, every bucket in Redis once', async () => {
    // AOF fsynced on every write: what Redis acknowledged before the kill survives it, so every
    // bucket of the run can be counted afterwards, not only those written after the restart.
    redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const server = redis;
    const prefix = `outage-${process.pid}`;
    const pointsKey = `{${prefix}}:points:web-1`;
    const store = new RedisStore({
      url: server.url,
      prefix,
      instanceId: 'web-1',
      resolutionMs: RESOLUTION_MS,
      // Generous: a loaded machine must not read a slow answer as an outage (the kill is a refused connection).
      commandTimeoutMs: 2000,
      logger: silentLogger,
    });
    example = await startApp(store);
    const app = example;
    const samples = recordSamples(app.monitor);
    const statuses = () => samples.snapshots.map((s) => s.redis.status);
    const load = startLoad(app.url, APP_PATHS);

    // A couple of buckets written while Redis is up.
    await waitUntil(async () => (await pointsIn(server.url, pointsKey)) >= 2, 'two buckets in Redis');
    // Redis answers: its samples read healthy, or warning when a loaded machine made the PING slower than
    // db_latency's warning level (every sample before the kill read warning once at load ~18): an answer, not an
    // outage, which is what this part checks.
    expect(statuses().some((s) => s === 'healthy' || s === 'warning')).toBe(true);

    await server.kill('SIGKILL');
    const okAtKill = load.ok;
    const atKill = samples.snapshots.length;
    await waitUntil(
      async () => (await redisStatus(app)) === 'critical',
      'the admin API reports redis critical',
    );
    // From the first critical sample after the kill on, samples until the restart: three more buckets closed,
    // buffered in memory, and requests served meanwhile. After the kill: one before it is critical when its check
    // was slow (a PING, and the flush of a bucket ahead of it, over db_latency's critical 1500 ms: a loaded machine),
    // and the healthy samples after it failed "every sample critical" (a clean-clone CI run at load ~30).
    const firstCritical = statuses().indexOf('critical', atKill);
    expect(firstCritical).toBeGreaterThan(-1);
    await waitUntil(
      () => new Set(samples.snapshots.slice(firstCritical).map(bucketOf)).size >= 4 && load.ok > okAtKill,
      'three buckets closed and requests answered while Redis is down',
    );
    expect(await historyAnswer(app)).toEqual({ status: 503, code: 'unavailable', retryAfter: '5' });
    const atRestart = samples.snapshots.length;
    await server.restart();

    await waitUntil(
      async () => (await redisStatus(app)) === 'healthy',
      'the admin API reports redis healthy',
    );
    // A bucket closed after the recovery, with a healthy sample in it.
    const recovered = samples.snapshots.length;
    await waitUntil(
      () => new Set(samples.snapshots.slice(recovered).map(bucketOf)).size >= 2,
      'a bucket closed after the restart',
    );
    const result = await load.stop();
    samples.stop();
    await app.close(); // writes the last bucket
    example = undefined;

    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    // Every sample from the first critical one to the restart says critical; the last one says healthy.
    const during = statuses().slice(firstCritical, atRestart);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s === 'critical')).toBe(true);
    expect(statuses().at(-1)).toBe('healthy');

    const admin = new Redis(server.url);
    try {
      const members = await admin.zrange(pointsKey, 0, -1);
      const points = members.map((m) => parsePoint(m)!);
      const perBucket = new Map<number, number>();
      for (const p of points) perBucket.set(p.t, (perBucket.get(p.t) ?? 0) + 1);
      // Buckets partition time: no bucket written twice. Not "one point per resolution step": a flush that
      // waits on the store longer than resolutionMs (a loaded machine, an outage) closes a longer bucket.
      expect([...perBucket.values()].every((n) => n === 1)).toBe(true);
      expect(points.length).toBeGreaterThanOrEqual(3); // 2 before the kill, at least 1 after
      // Every application request the server answered is in some bucket, those answered while Redis was down
      // (buffered, written after the restart) too: nothing lost, nothing counted twice.
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
  }, 240_000);

  it('SIGSTOP: commands time out, requests and samples keep coming, close() gives up and returns', async () => {
    redis = await startRedis();
    const store = new RedisStore({
      url: redis.url,
      prefix: `frozen-${process.pid}`,
      resolutionMs: RESOLUTION_MS,
      commandTimeoutMs: 300,
      logger: silentLogger,
    });
    // The collector's own deadline for a group far beyond the hang guard below: the probe's bound is the only one.
    example = await startApp(store, 600_000);
    const app = example;
    await waitUntil(
      async () => (await redisStatus(app)) === 'healthy',
      'the admin API reports redis healthy',
    );
    const load = startLoad(app.url, APP_PATHS);

    await redis.kill('SIGSTOP'); // frozen until the test ends: it never answers again
    const okAtFreeze = load.ok;
    const samples = recordSamples(app.monitor);
    // Each sample probes the frozen server, and each of these completes: the probe gives up (it is bounded) and
    // samples do not wait on one another. A probe waiting on the frozen server would stop them here.
    await waitUntil(
      () =>
        samples.snapshots.filter((s) => s.redis.status === 'critical').length >= 5 &&
        load.ok >= okAtFreeze + 50,
      'five samples with redis critical and fifty requests answered while Redis is frozen',
    );
    samples.stop();

    // A read from the admin API does not hang either: history from the frozen store fails, as a dependency
    // outage (503, retry later), not as an internal error of the admin API. The 30 s is a hang guard only.
    const history = await orHung(historyAnswer(app), 30_000);
    expect(history).toEqual({ status: 503, code: 'unavailable', retryAfter: '5' });

    // close() gives up on the frozen store after its command timeout; the 30 s is a hang guard only.
    const closed = await orHung(app.monitor.close(), 30_000);
    const result = await load.stop();

    expect(closed).not.toBe('hung');
    expect(result.failures).toEqual([]);
    expect(store.health()).toMatchObject({ status: 'critical', working: false });
  }, 240_000);
});
