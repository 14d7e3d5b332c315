import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMeminfo, toMemoryMetrics } from '../../src/collector/memory.js';
import { EDGE_FIXTURES, HOST_FIXTURE, meminfoText } from './helpers/proc-root.js';

const GB_KB = 1024 * 1024;

describe('parseMeminfo', () => {
  it('reads a captured /proc/meminfo', () => {
    const m = parseMeminfo(readFileSync(join(HOST_FIXTURE, 'meminfo'), 'latin1'));
    expect(m.total).toBe(24731708 * 1024);
    expect(m.available).toBe(23642920 * 1024);
    expect(m.swapTotal).toBe(0);
  });

  it('estimates available memory on kernels without MemAvailable', () => {
    const m = parseMeminfo(readFileSync(join(EDGE_FIXTURES, 'meminfo-old-kernel'), 'latin1'));
    // MemFree + Buffers + Cached + SReclaimable
    expect(m.available).toBe((1000000 + 500000 + 1500000 + 200000) * 1024);
    expect(m.swapTotal).toBe(2000000 * 1024);
    expect(m.swapFree).toBe(1500000 * 1024);
  });

  it('rejects a file without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 10 kB\n')).toThrow(/MemTotal/);
  });
});

describe('toMemoryMetrics', () => {
  it('reports GB, percentages and swap in the seed names', () => {
    const m = toMemoryMetrics(parseMeminfo(meminfoText(16 * GB_KB, 7.5 * GB_KB, 8 * GB_KB, 7 * GB_KB)), 85);
    expect(m).toEqual({
      total_gb: 16,
      used_gb: 8.5,
      available_gb: 7.5,
      used_percent: 53.1,
      swap_total_gb: 8,
      swap_used_percent: 12.5,
      limit_gb: null,
      machine_used_percent: 53.1,
      machine_total_gb: 16,
      total_bytes: 16 * 1024 ** 3,
      used_bytes: 8.5 * 1024 ** 3,
      available_bytes: 7.5 * 1024 ** 3,
      swap_total_bytes: 8 * 1024 ** 3,
      status: 'healthy',
      threshold: 85,
    });
  });

  it('maps used_percent to the 70/85 health bands', () => {
    const at = (usedPercent: number) =>
      toMemoryMetrics(parseMeminfo(meminfoText(1000_000, 1000_000 * (1 - usedPercent / 100))), 85).status;
    expect(at(69.9)).toBe('healthy');
    expect(at(70)).toBe('warning');
    expect(at(85)).toBe('warning');
    expect(at(85.2)).toBe('critical');
  });

  it('reports 0 % swap used when there is no swap', () => {
    expect(toMemoryMetrics(parseMeminfo(meminfoText(1000, 500)), 85).swap_used_percent).toBe(0);
  });
});
