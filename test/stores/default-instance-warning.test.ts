// Regression (outside review 1, F4): a RedisStore created without `instanceId` names the series `host:pid`, so
// every restart started a new series (history, dashboard charts, capacity and anomaly models empty after each
// deploy; per-pid keys left behind), silently. A monitor with a persistent store whose instanceId was defaulted
// now warns once at setup, naming the consequence and the fix; not with an instanceId given (to the monitor or
// the store), not with a MemoryStore, not in cluster mode (the cluster names its own series). Private
// redis-server; the oracle is the injected logger's lines.

import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

function recording(): { warnings: string[]; logger: MonitorOptions['logger'] } {
  const warnings: string[] = [];
  const push = (_o: unknown, m?: string) => void warnings.push(String(m));
  return { warnings, logger: { warn: push, error: push, info() {}, debug() {} } };
}

const perProcess = (warnings: string[]) => warnings.filter((w) => w.includes('instanceId defaulted'));

describe.skipIf(!requireRedis())('a persistent store under the default instanceId', () => {
  let server: RedisServer;
  const monitors: SystemMonitor[] = [];
  const stores: RedisStore[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const m of monitors.splice(0)) await m.close();
    for (const s of stores.splice(0)) await s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const redis = (instanceId?: string) => {
    const store = new RedisStore({
      url: server.url,
      prefix: `dflt${n++}`,
      logger: quiet,
      ...(instanceId ? { instanceId } : {}),
    });
    stores.push(store);
    return store;
  };
  const start = (options: MonitorOptions) => {
    const { warnings, logger } = recording();
    monitors.push(createMonitor({ sampleIntervalMs: 0, logger, ...options }));
    return warnings;
  };

  it('RedisStore without instanceId: one warning naming the consequence and the fix', async () => {
    const warnings = start({ store: redis() });
    const m = monitors[0] as SystemMonitor;
    await m.sample();
    await m.sample();
    expect(m.instanceId).toBe(`${hostname()}:${process.pid}`);
    const lines = perProcess(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(JSON.stringify(m.instanceId));
    expect(lines[0]).toContain('every restart starts a new series');
    expect(lines[0]).toContain("instanceId: 'api-1'");
    expect(lines[0]).toContain("new RedisStore({ instanceId: 'api-1' })");
  });

  it('no warning with an instanceId given to the monitor or to the store, nor with a MemoryStore', async () => {
    expect(perProcess(start({ store: redis(), instanceId: 'api-1' }))).toEqual([]);
    expect(perProcess(start({ store: redis('api-2') }))).toEqual([]);
    expect(perProcess(start({ store: new MemoryStore() }))).toEqual([]);
    expect(perProcess(start({}))).toEqual([]);
  });

  it('no warning in cluster mode: the cluster monitor names its series host:<cluster name>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sv-dflt-'));
    try {
      const name = `dflt-${process.pid}-${n}`;
      const warnings = start({
        store: redis(),
        cluster: { name, socketDir: join(dir, 'sock'), intervalMs: 100 },
      });
      const m = monitors[0] as SystemMonitor;
      const until = Date.now() + 30_000;
      while (m.cluster?.role !== 'aggregator' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      expect(m.cluster?.role).toBe('aggregator');
      await m.getMetrics({ maxAgeMs: 0 }); // the cluster's monitor is built and serves
      const clusterMonitor = m.cluster?.clusterMonitor as { instanceId?: string } | null | undefined;
      expect(clusterMonitor?.instanceId).toBe(`${hostname()}:${name}`);
      expect(perProcess(warnings)).toEqual([]);
    } finally {
      for (const m of monitors.splice(0)) await m.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
