// Outside review 39, RT39-9: a process that closed before it had read its saved state from Redis (a crash loop,
// a short-lived worker: lives of 0.3 s with a 100 ms Redis) wrote no route history: the route-history save waited
// for the read, and the close did not. The close now waits (bounded) for that read, then saves the merge. The
// oracle is the exact count of requests each life recorded; the delay is injected into the store's reads (100 ms
// each, as over a 100 ms round trip). Real: a private redis-server and RedisStore.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const warnings: string[] = [];
const quiet = {
  info() {},
  warn: (...a: unknown[]) => void warnings.push(String(a.at(-1))),
  error: (...a: unknown[]) => void warnings.push(String(a.at(-1))),
  debug() {},
};
const READ_DELAY_MS = 100;

const stateLoaded = (m: SystemMonitor) =>
  (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;

describe.skipIf(!requireRedis())('a close before the saved state was read (private redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  function life(prefix: string): SystemMonitor {
    // A close bound (commandTimeoutMs) well past the reads: this test is about the wait, not the bound, which a
    // loaded machine could spend on its own.
    const store = new RedisStore({
      url: server.url,
      prefix,
      instanceId: 'api-1',
      logger: quiet,
      commandTimeoutMs: 5000,
    });
    const load = store.loadState.bind(store);
    store.loadState = async (instance: string, name: string) => {
      await new Promise((r) => setTimeout(r, READ_DELAY_MS));
      return load(instance, name);
    };
    return createMonitor({ sampleIntervalMs: 0, instanceId: 'api-1', logger: quiet, store });
  }

  it('three lives closed at once each keep their route history: the sums are what they recorded', async () => {
    const prefix = `svcl:${process.pid}:`;
    const lives: [ok: number, failed: number][] = [
      [40, 10],
      [10, 2],
      [5, 3],
    ];
    for (const [ok, failed] of lives) {
      const m = life(prefix);
      for (let i = 0; i < ok + failed; i++) {
        m.recordRequest({ method: 'GET', route: '/orders', status: i < ok ? 200 : 500, durationMs: 3 });
      }
      expect(stateLoaded(m)).toBe(false); // closed before its read of the saved state could finish
      await m.close();
    }
    const reader = life(prefix);
    try {
      await expect.poll(() => stateLoaded(reader), { timeout: 5000 }).toBe(true);
      const points = reader.series.route('/orders', 'GET')?.points ?? [];
      const sum = (k: 'count' | 'count_5xx') => points.reduce((s, p) => s + p[k], 0);
      expect([sum('count'), sum('count_5xx')], warnings.join('\n')).toEqual([70, 15]);
    } finally {
      await reader.close();
    }
  });
});
