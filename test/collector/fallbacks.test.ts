// The paths for platforms without /proc (os + systeminformation), exercised here on Linux, where
// both sources exist, by making the collector believe it runs elsewhere.

import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { CpuCollector, osCpuSource } from '../../src/collector/cpu.js';
import { siMountSource, siNetworkSource } from '../../src/collector/fallbacks.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { osMemorySource } from '../../src/collector/memory.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from './helpers/proc-root.js';

const realPlatform = process.platform;
afterEach(() => {
  Object.defineProperty(process, 'platform', { value: realPlatform });
});

describe('fallback sources', () => {
  it('os.cpus() gives cumulative times over every core', async () => {
    const times = osCpuSource(async () => 0).times();
    expect(times.cores).toBe(os.cpus().length);
    expect(times.total).toBeGreaterThan(times.busy);
    const m = await new CpuCollector(
      osCpuSource(async () => 1234),
      new FakeClock().now,
      80,
    ).collect();
    expect(m.core_count).toBe(os.cpus().length);
    expect(m.current_percent).toBeGreaterThanOrEqual(0);
    expect(m.current_percent).toBeLessThanOrEqual(100);
  });

  it('memory from os, swap from a cached slower source', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const source = osMemorySource(async () => {
      calls++;
      return { swaptotal: 1000, swapfree: 250 };
    }, clock.now);
    const m = await source();
    await source();
    expect(m.total).toBe(os.totalmem());
    expect(m.swapTotal).toBe(1000);
    expect(calls).toBe(1);
    clock.advance(60_000);
    await source();
    expect(calls).toBe(2);
  });

  it('systeminformation lists the root file system and the interfaces', async () => {
    const mounts = await siMountSource();
    expect(mounts.map((m) => m.mount)).toContain('/');
    const interfaces = await siNetworkSource();
    expect(interfaces.size).toBeGreaterThan(0);
  });

  it('a collector on a platform without /proc fills every host group', async () => {
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    const c = new MetricsCollector({ logger: silentLogger, groupTimeoutMs: 10_000 });
    try {
      expect(c.config.useProcfs).toBe(false);
      const s = await c.collect();
      for (const g of ['cpu', 'memory', 'disk', 'network'] as const) expect(s[g].error).toBeUndefined();
      expect(s.cpu.core_count).toBe(os.cpus().length);
      expect(s.memory.total_gb).toBeGreaterThan(0);
      expect(s.disk.partitions.map((p) => p.mount)).toContain('/');
    } finally {
      c.close();
    }
  });
});
