import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ContainerCollector,
  parseCgroupPath,
  parseCpuMax,
  parseKeyedValue,
  parseMemoryMax,
} from '../../src/collector/container.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { FakeClock, makeProcRoot, meminfoText, type ProcRoot, statText } from './helpers/proc-root.js';

const MIB = 1024 * 1024;

describe('cgroup v2 file parsing', () => {
  it('reads memory.max, cpu.max and keyed stat files', () => {
    expect(parseMemoryMax('536870912\n')).toBe(536870912);
    expect(parseMemoryMax('max\n')).toBeNull();
    expect(parseCpuMax('50000 100000\n')).toBe(0.5);
    expect(parseCpuMax('200000 100000\n')).toBe(2);
    expect(parseCpuMax('max 100000\n')).toBeNull();
    const stat = 'usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n';
    expect(parseKeyedValue(stat, 'usage_usec')).toBe(123456);
    expect(parseKeyedValue(stat, 'system_usec')).toBe(23456);
    expect(parseKeyedValue(stat, 'nr_throttled')).toBeNull();
    expect(parseKeyedValue('anon 1\ninactive_file 4096\n', 'inactive_file')).toBe(4096);
    expect(parseCgroupPath('0::/kubepods/pod1/abc\n')).toBe('/kubepods/pod1/abc');
    expect(parseCgroupPath('4:memory:/x\n1:cpu:/\n')).toBeNull();
  });
});

describe('container limits from a sys root', () => {
  let proc: ProcRoot;
  let sys: ProcRoot;
  const collectors: MetricsCollector[] = [];
  beforeEach(() => {
    proc = makeProcRoot();
    sys = makeProcRoot();
  });
  afterEach(() => {
    for (const c of collectors.splice(0)) c.close();
    proc.cleanup();
    sys.cleanup();
  });

  function cgroup(dir: string, files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) sys.write(`fs/cgroup${dir}/${name}`, text);
  }

  it('takes memory and CPU percentages against the limits and keeps the machine figures', async () => {
    const clock = new FakeClock();
    proc.write('self/cgroup', '0::/docker/abc\n');
    // The machine: 16 GiB, 4 GiB available (75 % used); 2 cores busy 10 % between the samples.
    proc.write('meminfo', meminfoText(16 * 1024 * 1024, 4 * 1024 * 1024));
    proc.write('stat', statText(1000, 9000));
    cgroup('/docker/abc', {
      'memory.max': `${512 * MIB}\n`,
      'memory.current': `${300 * MIB}\n`,
      'memory.stat': `anon ${200 * MIB}\nfile ${100 * MIB}\ninactive_file ${44 * MIB}\n`,
      'cpu.max': '50000 100000\n',
      'cpu.stat': 'usage_usec 1000000\nuser_usec 800000\nsystem_usec 200000\n',
    });
    const c = new MetricsCollector({ procRoot: proc.root, sysRoot: sys.root, clock });
    collectors.push(c);
    clock.advance(10_000);
    proc.write('stat', statText(1200, 10800));
    cgroup('/docker/abc', { 'cpu.stat': 'usage_usec 3500000\nuser_usec 3000000\nsystem_usec 500000\n' });
    const s = await c.collect();
    // (300 − 44) MiB of 512 MiB; 2.5 s of CPU in 10 s against half a core.
    expect(s.memory.limit_gb).toBe(0.5);
    expect(s.memory.used_percent).toBe(50);
    expect(s.memory.total_gb).toBe(0.5);
    expect(s.memory.used_gb).toBe(0.25);
    expect(s.memory.machine_used_percent).toBe(75);
    expect(s.memory.machine_total_gb).toBe(16);
    expect(s.cpu.limit_cores).toBe(0.5);
    expect(s.cpu.current_percent).toBe(50);
    expect(s.cpu.machine_percent).toBe(10);
    expect(s.cpu.status).toBe('healthy');
  });

  it('reports no limit (and machine figures only) under `max`', async () => {
    proc.write('self/cgroup', '0::/\n');
    proc.write('meminfo', meminfoText(16 * 1024 * 1024, 4 * 1024 * 1024));
    cgroup('', { 'memory.max': 'max\n', 'cpu.max': 'max 100000\n', 'memory.current': `${MIB}\n` });
    const c = new MetricsCollector({ procRoot: proc.root, sysRoot: sys.root });
    collectors.push(c);
    const s = await c.collect();
    expect(s.memory.limit_gb).toBeNull();
    expect(s.memory.used_percent).toBe(75);
    expect(s.memory.machine_used_percent).toBe(75);
    expect(s.cpu.limit_cores).toBeNull();
  });

  it('falls back to process.constrainedMemory() with the process RSS when the cgroup files are missing', () => {
    const reader = new ContainerCollector({
      procRoot: proc.root,
      sysRoot: sys.root,
      now: () => 0,
      constrainedMemory: () => 256 * MIB,
      machineMemory: 16 * 1024 * MIB,
    });
    const r = reader.read();
    expect(r.memoryLimitBytes).toBe(256 * MIB);
    expect(r.memoryUsedBytes).toBeGreaterThan(0);
    expect(r.cpuLimitCores).toBeNull();
    // A "limit" at or above the machine's memory is no limit (what Node reports when unconstrained).
    const none = new ContainerCollector({
      procRoot: proc.root,
      sysRoot: sys.root,
      now: () => 0,
      constrainedMemory: () => 2 ** 64,
      machineMemory: 16 * 1024 * MIB,
    });
    expect(none.read().memoryLimitBytes).toBeNull();
  });
});
