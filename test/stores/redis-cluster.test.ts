import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryHistory } from '../../src/history/query.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisCluster, requireRedis, startRedisCluster } from '../helpers/redis-server.js';
import { clockAt, describeStoreContract } from './contract.js';
import { makePoint } from './points.js';

const haveRedis = requireRedis();
let cluster: RedisCluster;
let client: Cluster;
let prefixes = 0;

describe.skipIf(!haveRedis)('RedisStore on a Redis Cluster (3 masters)', () => {
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    client = new Cluster(cluster.startupNodes);
  });
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  describeStoreContract('RedisStore(Cluster)', async (options) => {
    const store = new RedisStore({
      client,
      prefix: `cluster-${++prefixes}`,
      logger: { warn() {}, error() {} },
      ...options,
    });
    await store.init();
    return store;
  });

  it('multi-key pipelines and the fleet read work unchanged across the cluster', async () => {
    const now = Date.UTC(2025, 0, 6, 1, 0, 0);
    const prefix = `cluster-fleet-${++prefixes}`;
    const stores = ['a', 'b'].map(
      (instanceId) => new RedisStore({ client, prefix, instanceId, clock: clockAt(now) }),
    );
    await Promise.all(stores.map((s) => s.init()));
    for (const s of stores)
      await s.appendPoint(s.instanceId, makePoint({ t: now - 120_000, latencies: [1, 2] }));
    const fleet = await queryHistory(stores[0]!, { period: '1h', instance: 'all', now });
    expect(fleet.instances).toEqual(['a', 'b']);
    expect(fleet.points[0]!.requests).toBe(4);
    expect(stores[0]!.health().status).toBe('healthy');
    await Promise.all(stores.map((s) => s.close()));
  });

  it('two stores claiming one instanceId on a Cluster: the first holds its saved state, the second once the first closed (RT48-3)', async () => {
    const now = Date.UTC(2025, 0, 6, 1, 0, 0);
    const prefix = `cluster-claim-${++prefixes}`;
    const [a, b] = [0, 1].map(() => new RedisStore({ client, prefix, instanceId: 'web-1' }));
    const first = await a!.claim('web-1', now);
    const second = await b!.claim('web-1', now + 1000);
    expect(first).toEqual({ holds: true, others: [] });
    expect(second.holds).toBe(false);
    expect(second.others).toHaveLength(1);
    const again = await a!.claim('web-1', now + 60_000);
    expect(again.holds).toBe(true);
    expect(again.others).toHaveLength(1); // b's token, not a's own (the one b saw)
    expect(again.others).not.toEqual(second.others);
    await a!.close();
    expect(await b!.claim('web-1', now + 61_000)).toEqual({ holds: true, others: [] });
    await b!.close();
  });
});
