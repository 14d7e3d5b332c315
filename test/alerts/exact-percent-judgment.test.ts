// Levels and health bands judge the measured share, not the rounded display (outside review 33, RT33-2). The
// snapshot shows `used_percent` / `current_percent` rounded to 0.1; judging that figure put a host at 94.99 % memory
// over the 95 % critical level, one at 84.99 % over the 85 % warning level, and one at 85.04 % under README's
// "above 85 % critical" health band. Oracle: README's wording (Health: "below 70 % healthy, 70–85 % warning, above
// 85 % critical"; Alerts: "raised at or above warning … critical at or above critical") applied literally to the
// exact ratio of the raw inputs (meminfo kB, statfs blocks, CPU ticks), computed here; the display stays rounded.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertSystem } from '../../src/alerts/engine.js';
import { cpuInContainer, memoryInContainer } from '../../src/collector/container.js';
import { CpuCollector, type CpuSource } from '../../src/collector/cpu.js';
import { DiskCollector } from '../../src/collector/disk.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { silentLogger } from '../../src/logger.js';
import type { MetricsSnapshot } from '../../src/types.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** README Health bands, literally. */
function band(p: number): string {
  if (p > 85) return 'critical';
  if (p >= 70) return 'warning';
  return 'healthy';
}
/** README Alerts: at or above warning, critical at or above critical. */
function level(p: number, warning: number, critical: number): string | undefined {
  if (p >= critical) return 'critical';
  if (p >= warning) return 'warning';
  return undefined;
}
/** The documented display: rounded to 0.1. */
const shown = (p: number) => Math.round(p * 10) / 10;

/** hundredths of a percent: exact in the raw inputs below (10,000,000 kB; 10,000 blocks; 10,000 ticks). */
const CASES = [6999, 7000, 7999, 8000, 8499, 8500, 8504, 8999, 9000, 9499, 9500];

/** A snapshot whose memory is read from a fake /proc/meminfo with MemTotal 10,000,000 kB and `used` hundredths. */
async function memorySnapshot(hundredths: number): Promise<MetricsSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), 'sv-exact-'));
  dirs.push(dir);
  const total = 10_000_000;
  const available = total - hundredths * 1000; // kB: 0.01 % of 10,000,000 kB is 1000 kB
  writeFileSync(
    join(dir, 'meminfo'),
    `MemTotal:       ${total} kB\nMemFree:        ${available} kB\nMemAvailable:   ${available} kB\n` +
      'SwapTotal:      0 kB\nSwapFree:       0 kB\n',
  );
  const collector = new MetricsCollector({ procRoot: dir, logger: silentLogger });
  try {
    return await collector.collect();
  } finally {
    await collector.close?.();
  }
}

function memoryAlerts(s: MetricsSnapshot, component: string) {
  return new AlertSystem()
    .checkThresholds(s)
    .filter((a) => a.component === component)
    .map((a) => a.severity);
}

describe('memory: judged on used_bytes ÷ total_bytes, shown rounded', () => {
  for (const h of CASES) {
    it(`${h / 100} %`, async () => {
      const s = await memorySnapshot(h);
      const m = s.memory;
      const exact = (100 * (m.used_bytes as number)) / (m.total_bytes as number);
      expect(exact).toBeCloseTo(h / 100, 10);
      expect(m.used_percent).toBe(shown(h / 100));
      expect(m.status).toBe(band(exact));
      expect(new AlertSystem().getHealthStatus(s).components.memory).toBe(band(exact));
      const expected = level(exact, 85, 95);
      expect(memoryAlerts(s, 'memory')).toEqual(expected ? [expected] : []);
    });
  }
});

describe('disk: judged on used ÷ (used + available), shown rounded', () => {
  for (const h of CASES) {
    it(`${h / 100} %`, async () => {
      const blocks = 10_000;
      const free = blocks - h; // used = blocks - bfree = h of 10,000 (bavail = bfree)
      const disk = await new DiskCollector(
        async () => [{ device: '/dev/sda1', mount: '/', type: 'ext4' }],
        async () => ({ bsize: 4096, blocks, bfree: free, bavail: free }),
        () => 0,
        90,
        1000,
      ).collect();
      const p = disk.partitions[0];
      if (!p) throw new Error('no partition');
      const exact = (100 * h) / blocks;
      expect(p.used_percent).toBe(shown(exact));
      expect(p.status).toBe(band(exact));
      const s = { ...(await memorySnapshot(5000)), disk };
      expect(new AlertSystem().getHealthStatus(s).components.disk).toBe(band(exact));
      const expected = level(exact, 90, 95);
      expect(memoryAlerts(s, 'disk')).toEqual(expected ? [expected] : []);
    });
  }
});

describe('cpu: judged on the busy ticks ÷ all ticks, shown rounded', () => {
  for (const h of CASES) {
    it(`${h / 100} %`, async () => {
      let now = 0;
      let times = { busy: 0, total: 0, cores: 1 };
      const source: CpuSource = {
        times: () => times,
        ticksPerSecond: 100,
        facts: async () => ({ model: 'test', mhz: 0 }),
        loadAverage: () => [0, 0, 0],
      };
      const cpu = new CpuCollector(source, () => now, 80);
      cpu.prime();
      now = 100_000; // 100 s of one core: 10,000 ticks
      times = { busy: h, total: 10_000, cores: 1 };
      const group = await cpu.collect(true);
      const exact = (100 * h) / 10_000;
      expect(group.current_percent).toBe(shown(exact));
      expect(group.status).toBe(band(exact));
      const s = { ...(await memorySnapshot(5000)), cpu: group };
      expect(new AlertSystem().getHealthStatus(s).components.cpu).toBe(band(exact));
      const expected = level(exact, 80, 95);
      expect(memoryAlerts(s, 'cpu')).toEqual(expected ? [expected] : []);
    });
  }
});

describe('in a container: judged on the working set ÷ limit and the exact quota share', () => {
  for (const h of CASES) {
    it(`${h / 100} %`, async () => {
      const base = await memorySnapshot(5000);
      const limit = 1_000_000_000; // 0.01 % of it: 100,000 bytes
      const memory = memoryInContainer(base.memory, {
        memoryLimitBytes: limit,
        memoryUsedBytes: h * 100_000,
        cpuLimitCores: null,
        cpuPercent: null,
      });
      const { error: _unmeasured, ...machineCpu } = base.cpu; // no /proc/stat in the fake procRoot
      const cpu = cpuInContainer(machineCpu, {
        memoryLimitBytes: null,
        memoryUsedBytes: null,
        cpuLimitCores: 2,
        cpuPercent: h / 100,
      });
      const exact = h / 100;
      expect(memory.used_percent).toBe(shown(exact));
      expect(cpu.current_percent).toBe(shown(exact));
      expect(memory.status).toBe(band(exact));
      expect(cpu.status).toBe(band(exact));
      const s = { ...base, memory, cpu };
      const health = new AlertSystem().getHealthStatus(s).components;
      expect(health.memory).toBe(band(exact));
      expect(health.cpu).toBe(band(exact));
      const expected = level(exact, 85, 95);
      expect(memoryAlerts(s, 'memory')).toEqual(expected ? [expected] : []);
      const cpuExpected = level(exact, 80, 95);
      expect(memoryAlerts(s, 'cpu')).toEqual(cpuExpected ? [cpuExpected] : []);
    });
  }
});
