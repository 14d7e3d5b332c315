// The `store` option is checked at setup (outside review 33, RT33-3): a Redis URL, `{ url }`, `{}` or a number was
// taken, every history point was lost, getHistory() rejected with an uncoded TypeError and `GET history/` answered
// 500. Now each is refused with ERR_SYSVITALS_INVALID_OPTION naming `store`, the methods a store must implement
// (the MetricsStore interface, src/stores/store.ts) and the Redis hint; stores that implement it are still taken.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import type { SysvitalsError } from '../../src/errors.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { MetricsStore, StoredAlertRecord } from '../../src/stores/store.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const quiet = { sampleIntervalMs: 0, logger: silentLogger } as const;
/** The interface's required methods, as src/stores/store.ts declares them (not optional). */
const REQUIRED = ['appendPoint', 'readPoints', 'readAllInstances', 'appendAlert', 'readAlerts', 'close'];

function refusal(make: () => { close(): Promise<unknown> }): SysvitalsError | undefined {
  try {
    void make().close();
    return undefined;
  } catch (e) {
    return e as SysvitalsError;
  }
}

/** A minimal store of one's own: the six required methods, nothing else. */
function ownStore(): MetricsStore & { points: HistoryPoint[] } {
  const points: HistoryPoint[] = [];
  const alerts: StoredAlertRecord[] = [];
  return {
    points,
    async appendPoint(_instance, point) {
      points.push(point);
    },
    async readPoints(_instance, fromMs, toMs) {
      return points.filter((p) => p.t >= fromMs && p.t < toMs);
    },
    async readAllInstances() {
      return new Map();
    },
    async appendAlert(record) {
      alerts.unshift(record);
    },
    async readAlerts(limit) {
      return alerts.slice(0, limit);
    },
    async close() {},
  };
}

const BAD: [string, unknown][] = [
  ['a Redis URL string', 'redis://user:secret@127.0.0.1:6379'],
  ['{ url }', { url: 'redis://user:secret@127.0.0.1:6379' }],
  ['{}', {}],
  ['42', 42],
];

describe('store option', () => {
  for (const [name, store] of BAD) {
    it(`refuses ${name} at setup with a coded error naming store, the required methods and the Redis hint`, () => {
      const e = refusal(() => createMonitor({ ...quiet, store: store as MetricsStore }));
      expect(e?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(e?.message).toContain('`store`');
      for (const m of REQUIRED) expect(e?.message).toContain(m);
      expect(e?.message).toContain('new RedisStore({ url })');
      // The URL's password is not echoed into a log line.
      expect(e?.message).not.toContain('secret');
    });
  }

  it('refuses a store missing one required method, naming it', () => {
    for (const m of REQUIRED) {
      const store = ownStore() as unknown as Record<string, unknown>;
      delete store[m];
      const e = refusal(() => createMonitor({ ...quiet, store: store as unknown as MetricsStore }));
      expect(e?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(e?.message).toContain(`missing ${m}`);
    }
  });

  it('refuses the bad values on an adapter too (before any route is served)', () => {
    for (const [, store] of BAD) {
      const e = refusal(() => createExpressMonitor({ ...quiet, store: store as MetricsStore }));
      expect(e?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    }
  });

  it('takes a store of its own with the required methods, and writes history to it', async () => {
    const store = ownStore();
    const monitor = createMonitor({ ...quiet, store });
    monitor.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 3 });
    await monitor.flush();
    await monitor.close();
    // The flushed minute holds the request; close() may write the idle stretch after it as a point of its own
    // (0 requests: outside review 33, RT33-1), never another request.
    expect(store.points[0]?.requests).toBe(1);
    expect(store.points.slice(1).every((p) => p.requests === 0)).toBe(true);
    expect(store.points.length).toBeLessThanOrEqual(2);
  });

  it('takes a MemoryStore instance', async () => {
    const monitor = createMonitor({ ...quiet, store: new MemoryStore() });
    await monitor.getHistory({ period: '1h' });
    await monitor.close();
  });
});

const haveRedis = requireRedis();
describe.skipIf(!haveRedis)('store option: RedisStore', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('takes a RedisStore instance', async () => {
    const store = new RedisStore({
      url: server.url,
      prefix: `sv-store-option-${process.pid}`,
      logger: silentLogger,
    });
    const monitor = createMonitor({ ...quiet, store });
    await monitor.getHistory({ period: '1h' });
    await monitor.close();
  });
});
