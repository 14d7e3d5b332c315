import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import type { CollectorOptions } from '../../src/collector/config.js';
import { CpuCollector } from '../../src/collector/cpu.js';
import { DiskCollector } from '../../src/collector/disk.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { NetworkCollector } from '../../src/collector/network.js';
import { SysvitalsError } from '../../src/errors.js';
import type { Logger, MetricsSnapshot } from '../../src/types.js';
import {
  EDGE_FIXTURES,
  FakeClock,
  makeProcRoot,
  meminfoText,
  netDevText,
  type ProcRoot,
  statText,
} from './helpers/proc-root.js';

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const logger: Logger = {
    warn: (_o, msg) => lines.push({ level: 'warn', msg: msg ?? '' }),
    error: (_o, msg) => lines.push({ level: 'error', msg: msg ?? '' }),
    info: (_o, msg) => lines.push({ level: 'info', msg: msg ?? '' }),
  };
  return { logger, lines };
}

let proc: ProcRoot;
const collectors: MetricsCollector[] = [];

function create(options: CollectorOptions = {}): MetricsCollector {
  const c = new MetricsCollector({ procRoot: proc.root, logger: recordingLogger().logger, ...options });
  collectors.push(c);
  return c;
}

beforeEach(() => {
  proc = makeProcRoot();
});

/**
 * The captured host's CPU counters, moved on after a collector took its baseline: with a static copy the
 * first collection measures no CPU time and reports cpu `unknown` with an error.
 */
function cpuMoved(): void {
  proc.write('stat', statText(60_000, 120_000));
}

afterEach(() => {
  for (const c of collectors.splice(0)) c.close();
  proc.cleanup();
});

describe('MetricsCollector snapshot', () => {
  it('has every group in the seed field names', async () => {
    const c = create();
    cpuMoved();
    const s = await c.collect();
    expect(Object.keys(s)).toEqual([
      'timestamp',
      'cpu',
      'memory',
      'disk',
      'network',
      'database',
      'redis',
      'websocket',
      'requests',
      'errors',
      'latency',
      'process',
      'functions',
      'routes',
      'custom',
      'plugins',
    ]);
    // The seed's "Metrics Collected" and "API Response Examples", field by field.
    expect(s.cpu).toEqual(
      expect.objectContaining({
        current_percent: expect.any(Number),
        avg_5min_percent: null, // until the collector's own samples cover 5 minutes
        avg_15min_percent: null,
        core_count: 2,
        frequency_mhz: 2100,
        status: expect.stringMatching(/^(healthy|warning|critical)$/),
        threshold: 80,
      }),
    );
    expect(Object.keys(s.memory).sort()).toEqual(
      [
        'total_gb',
        'used_gb',
        'available_gb',
        'used_percent',
        'swap_total_gb',
        'swap_used_percent',
        'limit_gb',
        'machine_used_percent',
        'machine_total_gb',
        'total_bytes',
        'used_bytes',
        'available_bytes',
        'swap_total_bytes',
        'status',
        'threshold',
      ].sort(),
    );
    expect(s.disk.partitions.length).toBeGreaterThan(0);
    for (const p of s.disk.partitions) {
      expect(Object.keys(p).sort()).toEqual(
        [
          'mount',
          'filesystem',
          'type',
          'total_gb',
          'used_gb',
          'free_gb',
          'total_bytes',
          'used_bytes',
          'free_bytes',
          'used_percent',
          'status',
        ].sort(),
      );
    }
    expect(s.disk).toEqual(expect.objectContaining({ status: expect.any(String), threshold: 90 }));
    for (const k of ['bytes', 'packets', 'errors', 'dropped']) {
      expect(s.network).toHaveProperty(`${k}_in`);
      expect(s.network).toHaveProperty(`${k}_out`);
    }
    expect(s.database).toEqual(expect.objectContaining({ response_time_ms: null, pool_size: null }));
    expect(s.redis).toEqual(expect.objectContaining({ response_time_ms: null, working: null }));
    expect(s.websocket).toEqual({ active_connections: 0, status: 'healthy' });
    expect(s.requests).toEqual({ per_second: 0, per_minute: 0, total: 0, status: 'healthy' });
    expect(s.errors).toEqual(
      expect.objectContaining({
        count_4xx: 0,
        count_5xx: 0,
        count_aborted: 0,
        error_rate_percent: null,
        threshold: 5,
      }),
    );
    expect(s.latency).toEqual(
      // Nothing measured (no request source): null figures and unknown, never "healthy, 0 ms".
      expect.objectContaining({
        status: 'unknown',
        p50_ms: null,
        p95_ms: null,
        p99_ms: null,
        avg_ms: null,
        threshold: 2000,
      }),
    );
    expect(s.process.pid).toBe(process.pid);
    expect(s.functions).toEqual({});
    expect(s.routes).toEqual([]);
    expect(new Date(s.timestamp).toISOString()).toBe(s.timestamp);
  });

  it('reads every host group from the procfs tree it is given', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    proc.write('stat', statText(1000, 9000));
    proc.write('meminfo', meminfoText(16 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024, 512 * 1024));
    proc.write('net/dev', netDevText([['eth0', 1000, 10, 2000, 20]]));
    const c = create({ clock });
    proc.write('stat', statText(1000 + 720, 9000 + 280));
    proc.write('net/dev', netDevText([['eth0', 1000 + 50_000, 10 + 50, 2000 + 5000, 20 + 5]]));
    clock.advance(5000);
    const s = await c.collect();
    expect(s.timestamp).toBe('2026-01-01T12:00:05.000Z');
    const loadavg = readFileSync(join(proc.root, 'loadavg'), 'latin1').split(' ').slice(0, 3).map(Number);
    expect(s.cpu).toMatchObject({ current_percent: 72, status: 'warning', load_average: loadavg });
    expect(s.memory).toMatchObject({
      total_gb: 16,
      used_gb: 12,
      used_percent: 75,
      swap_used_percent: 50,
      status: 'warning',
    });
    expect(s.network).toMatchObject({
      interfaces: ['eth0'],
      bytes_in: 51_000,
      bytes_in_per_sec: 10_000,
      bytes_out_per_sec: 1000,
      packets_in_per_sec: 10,
      packets_out_per_sec: 1,
    });
    expect(s.disk.partitions.map((p) => p.mount)).toEqual(['/']);
  });

  it('a collect() right after construction measures its own first CPU window, not the share since boot', async () => {
    vi.useFakeTimers();
    try {
      const clock = new FakeClock();
      proc.write('stat', statText(900_000, 100_000)); // 90 % busy since boot
      const c = create({ clock });
      const s = c.collect();
      await vi.advanceTimersByTimeAsync(0); // the first read: no CPU time since the baseline
      proc.write('stat', statText(900_000 + 9, 100_000 + 41)); // the window: 9 of 50 ticks busy
      await vi.advanceTimersByTimeAsync(250);
      const cpu = (await s).cpu;
      expect(cpu).toMatchObject({ current_percent: 18, avg_5min_percent: null, avg_15min_percent: null });
      expect(cpu.error).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the configured warning levels as thresholds', async () => {
    const s = await create({
      levels: { cpu: { warning: 60 }, memory: { warning: 50, critical: 60 }, db_latency: { warning: 100 } },
    }).collect();
    expect(s.cpu.threshold).toBe(60);
    expect(s.memory.threshold).toBe(50);
    expect(s.disk.threshold).toBe(DEFAULT_LEVELS.disk.warning);
    expect(s.database.threshold).toBe(100);
    expect(s.redis.threshold).toBe(100);
  });

  it('rates and averages follow the injected clock', async () => {
    const clock = new FakeClock();
    proc.write('stat', statText(0, 0));
    proc.write('net/dev', netDevText([['eth0', 0, 0, 0, 0]]));
    const c = create({ clock });
    let busy = 0;
    let idle = 0;
    let bytes = 0;
    for (let i = 0; i < 90; i++) {
      const hot = i >= 60; // 10 minutes at 10 %, then 5 minutes at 90 %
      busy += hot ? 900 : 100;
      idle += hot ? 100 : 900;
      bytes += 10_000;
      proc.write('stat', statText(busy, idle));
      proc.write('net/dev', netDevText([['eth0', bytes, 0, 0, 0]]));
      clock.advance(10_000);
      await c.collect();
    }
    const s = await c.collect();
    expect(s.cpu.current_percent).toBe(90);
    expect(s.cpu.avg_5min_percent).toBe(90);
    expect(s.cpu.avg_15min_percent).toBe(36.7); // (10 × 10 + 5 × 90) / 15
    expect(s.cpu.status).toBe('critical');
    // No time passed since the previous collect: its rate is repeated (10 kB in 10 s), as CPU's is.
    expect(s.network.bytes_in_per_sec).toBe(1000);
    proc.write('net/dev', netDevText([['eth0', bytes + 4000, 0, 0, 0]]));
    clock.advance(2000);
    expect((await c.collect()).network.bytes_in_per_sec).toBe(2000);
  });
});

describe('MetricsCollector failures', () => {
  const cases: [string, string, keyof MetricsSnapshot][] = [
    ['stat', 'cpu', 'cpu'],
    ['meminfo', 'memory', 'memory'],
    ['self/mounts', 'disk', 'disk'],
    ['net/dev', 'network', 'network'],
  ];

  for (const [file, label, group] of cases) {
    it(`${label}: a missing ${file} makes only that group unknown, with the error`, async () => {
      proc.remove(file);
      const c = create();
      if (file !== 'stat') cpuMoved();
      const s = await c.collect();
      const g = s[group] as { status: string; error?: string };
      expect(g.status).toBe('unknown');
      expect(g.error).toMatch(/ENOENT/);
      for (const [, , other] of cases) {
        if (other !== group) expect((s[other] as { error?: string }).error).toBeUndefined();
      }
    });
  }

  it('process: a throwing process.memoryUsage makes the process group unknown', async () => {
    const c = create();
    cpuMoved();
    const spy = vi.spyOn(process, 'memoryUsage').mockImplementation(() => {
      throw new Error('no memory figures');
    });
    try {
      const s = await c.collect();
      expect(s.process).toMatchObject({ status: 'unknown', error: 'no memory figures' });
      expect(s.cpu.error).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('never throws: with no procfs at all every host group is unknown', async () => {
    for (const f of ['stat', 'meminfo', 'self/mounts', 'net/dev', 'cpuinfo', 'loadavg']) proc.remove(f);
    const s = await create().collect();
    for (const g of ['cpu', 'memory', 'disk', 'network'] as const) {
      expect(s[g].status).toBe('unknown');
      expect(s[g].error).toBeTruthy();
    }
    expect(s.process.status).toBe('healthy');
  });

  it('hostMetrics: false reads no host group: zero, unknown, no error, no outage logged; the rest as usual', async () => {
    const spies = [
      vi.spyOn(CpuCollector.prototype, 'prime'),
      vi.spyOn(CpuCollector.prototype, 'collect'),
      vi.spyOn(DiskCollector.prototype, 'collect'),
      vi.spyOn(NetworkCollector.prototype, 'prime'),
      vi.spyOn(NetworkCollector.prototype, 'collect'),
    ];
    try {
      // Without these files a collector that read them would report errors and log outages.
      for (const f of ['stat', 'meminfo', 'self/mounts', 'net/dev', 'cpuinfo', 'loadavg']) proc.remove(f);
      const { logger, lines } = recordingLogger();
      const c = create({ hostMetrics: false, logger, sources: { websocketConnections: () => 3 } });
      const s = await c.collect();
      for (const g of ['cpu', 'memory', 'disk', 'network'] as const) {
        expect(s[g].status).toBe('unknown');
        expect(s[g]).not.toHaveProperty('error');
      }
      expect(s.cpu.current_percent).toBe(0);
      expect(s.cpu.threshold).toBe(DEFAULT_LEVELS.cpu.warning);
      expect(s.process.status).toBe('healthy');
      expect(s.process.pid).toBe(process.pid);
      expect(s.websocket.active_connections).toBe(3);
      expect(lines).toEqual([]);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      // The same collector with host metrics on reads them (the spies see it).
      await create().collect();
      for (const spy of spies) expect(spy).toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('logs an outage once when it starts and once when it ends', async () => {
    const { logger, lines } = recordingLogger();
    const clock = new FakeClock();
    const c = create({ logger, clock });
    const meminfo = readFileSync(join(proc.root, 'meminfo'), 'latin1');
    proc.remove('meminfo');
    for (let i = 0; i < 5; i++) await c.collect();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toMatch(/memory is failing: .*ENOENT/);
    proc.write('meminfo', meminfo);
    clock.advance(30_000);
    for (let i = 0; i < 3; i++) expect((await c.collect()).memory.status).toBe('healthy');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ level: 'info', msg: 'sysvitals: memory recovered after 30s' });
  });

  it('returns by the probe timeout when a dependency hangs, showing it critical', async () => {
    const c = create({
      groupTimeoutMs: 5000,
      levels: { db_latency: { warning: 20, critical: 40 } },
      probes: { database: { check: () => new Promise(() => {}), timeoutMs: 50 } },
    });
    cpuMoved();
    const s = await c.collect();
    expect(s.database).toMatchObject({
      status: 'critical',
      error: 'timed out after 50 ms',
      response_time_ms: null,
    });
    expect(s.cpu.error).toBeUndefined();
  });

  it('waits for a slow probe up to its own timeout, past groupTimeoutMs, so db_latency levels apply', async () => {
    const c = create({
      groupTimeoutMs: 5,
      levels: { db_latency: { warning: 30, critical: 9_000 } },
      probes: {
        database: { check: () => new Promise((resolve) => setTimeout(resolve, 40)), timeoutMs: 10_000 },
      },
    });
    const s = await c.collect();
    expect(s.database.status).toBe('warning');
    expect(s.database.response_time_ms).toBeGreaterThanOrEqual(39);
  });

  it('a request source that throws makes requests, errors and latency unknown', async () => {
    const c = create({
      sources: {
        requests: () => {
          throw new Error('recorder broke');
        },
      },
    });
    const s = await c.collect();
    for (const g of ['requests', 'errors', 'latency'] as const) {
      expect(s[g]).toMatchObject({ status: 'unknown', error: 'recorder broke' });
    }
    expect(s.errors.threshold).toBe(5);
    expect(s.routes).toEqual([]);
  });
});

describe('MetricsCollector sources and probes', () => {
  it('takes request groups and websocket connections from its sources', async () => {
    let connections = 3;
    const requests = {
      requests: { per_second: 2, per_minute: 120, total: 500, status: 'healthy' as const },
      errors: {
        count_4xx: 4,
        count_5xx: 1,
        count_aborted: 0,
        error_rate_percent: 1,
        status: 'healthy' as const,
        threshold: 5,
      },
      latency: {
        p50_ms: 10,
        p95_ms: 40,
        p99_ms: 90,
        avg_ms: 15,
        max_ms: 120,
        status: 'healthy' as const,
        threshold: 2000,
      },
      routes: [],
      functions: {},
    };
    const c = create({ sources: { requests: () => requests, websocketConnections: () => connections } });
    let s = await c.collect();
    expect(s.requests.total).toBe(500);
    expect(s.latency.p99_ms).toBe(90);
    expect(s.websocket).toEqual({ active_connections: 3, status: 'healthy' });
    connections = Number.NaN;
    s = await c.collect();
    expect(s.websocket.status).toBe('unknown');
  });

  it('rates a probe by the db_latency levels (timed with the latency clock) and shows pool size', async () => {
    const clock = new FakeClock();
    let latency = 50;
    const c = create({
      latencyClock: clock,
      levels: { db_latency: { warning: 100, critical: 300 } },
      probes: {
        database: {
          check: async () => clock.advance(latency),
          poolSize: () => ({ total: 10, idle: 7, waiting: 1 }),
        },
      },
    });
    let s = await c.collect();
    expect(s.database).toEqual({
      response_time_ms: 50,
      pool_size: 10,
      pool_idle: 7,
      pool_waiting: 1,
      pool_exhausted: false,
      pool_stuck: false,
      status: 'healthy',
      threshold: 100,
    });
    latency = 150;
    s = await c.collect();
    expect(s.database).toMatchObject({ response_time_ms: 150, status: 'warning' });
    latency = 300;
    expect((await c.collect()).database.status).toBe('critical');
  });

  it('setProbe adds, replaces and removes a probe at runtime', async () => {
    const c = create();
    expect((await c.collect()).redis.status).toBe('unknown');
    c.setProbe('redis', { check: async () => 'PONG' });
    let s = await c.collect();
    expect(s.redis).toMatchObject({ status: 'healthy', working: true });
    c.setProbe('redis', { check: () => Promise.reject(new Error('ECONNREFUSED')) });
    s = await c.collect();
    expect(s.redis).toMatchObject({ status: 'critical', working: false, error: 'ECONNREFUSED' });
    c.setProbe('redis', undefined);
    expect((await c.collect()).redis).toMatchObject({ status: 'unknown', working: null });
    expect(() => c.setProbe('redis', {} as never)).toThrow(SysvitalsError);
    expect(() => c.setProbe('mongo' as never, { check: async () => 1 })).toThrow(/'database' or 'redis'/);
  });

  it('concurrent collect() calls share one collection', async () => {
    const check = vi.fn(async () => 1);
    const c = create({ probes: { database: { check } } });
    const [a, b] = await Promise.all([c.collect(), c.collect()]);
    expect(a).toBe(b);
    expect(check).toHaveBeenCalledTimes(1);
  });
});

describe('MetricsCollector options', () => {
  it('rejects unknown options with a suggestion', () => {
    expect(() => new MetricsCollector({ groupTimeout: 5 } as never)).toThrow(
      /Unknown MetricsCollector option `groupTimeout`. Did you mean `groupTimeoutMs`\?/,
    );
    try {
      new MetricsCollector({ prober: {} } as never);
    } catch (err) {
      expect((err as SysvitalsError).code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    }
  });

  it('rejects bad values at setup', () => {
    const bad: [CollectorOptions, RegExp][] = [
      [{ groupTimeoutMs: 0 }, /groupTimeoutMs/],
      [{ groupTimeoutMs: Number.NaN }, /groupTimeoutMs/],
      [{ procRoot: '' }, /procRoot/],
      [{ clock: {} as never }, /clock/],
      [{ latencyClock: { now: 5 } as never }, /latencyClock/],
      [{ logger: { warn() {} } as never }, /logger/],
      [{ probes: { database: { check: 'SELECT 1' } as never } }, /probes.database must be a probe/],
      [{ probes: { postgres: { check: async () => 1 } } as never }, /Unknown probe `postgres`/],
      [{ sources: { requests: 5 } as never }, /sources.requests/],
      [{ eventLoopResolutionMs: -1 }, /eventLoopResolutionMs/],
      // monitorEventLoopDelay takes whole milliseconds: a fraction is refused here, with a coded error.
      [{ eventLoopResolutionMs: 12.5 }, /eventLoopResolutionMs.*whole number/],
      [{ hostMetrics: 'no' as never }, /hostMetrics/],
    ];
    for (const [options, message] of bad) {
      expect(() => new MetricsCollector(options), String(message)).toThrow(message);
    }
  });

  it('validates levels: known rules, 0–100 for percentages, warning not above critical', () => {
    const codeOf = (options: CollectorOptions) => {
      try {
        new MetricsCollector(options).close();
      } catch (err) {
        return (err as SysvitalsError).code;
      }
      return 'ok';
    };
    expect(codeOf({ levels: { cpuu: { warning: 1 } } as never })).toBe('ERR_SYSVITALS_UNKNOWN_RULE');
    expect(codeOf({ levels: { cpu: { warning: 101 } } })).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(codeOf({ levels: { memory: { warning: 90, critical: 80 } } })).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(codeOf({ levels: { db_latency: { warning: 5000 } } })).toBe('ok'); // critical follows
    expect(codeOf({ levels: { db_latency: { warning: -1 } } })).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(() => new MetricsCollector({ levels: { cpuu: {} } as never })).toThrow(/Did you mean `cpu`\?/);
  });

  it('exposes a frozen config with the defaults', () => {
    const c = new MetricsCollector();
    collectors.push(c);
    expect(c.config.procRoot).toBe('/proc');
    expect(c.config.groupTimeoutMs).toBe(1000);
    expect(c.config.eventLoopResolutionMs).toBe(50);
    expect(c.config.levels).toEqual(DEFAULT_LEVELS);
    expect(Object.isFrozen(c.config)).toBe(true);
  });

  it('reads a container host mount list from a procfs tree', async () => {
    proc.write('self/mounts', readFileSync(join(EDGE_FIXTURES, 'mounts-container-host'), 'latin1'));
    const s = await create().collect();
    // Mount points that do not exist on this machine cannot be statted and are left out.
    const listed = s.disk.partitions.map((p) => `${p.filesystem} ${p.mount}`);
    expect(listed).toContain('overlay /');
    const candidates = ['overlay /', '/dev/nvme0n1p1 /data', '/dev/nvme1n1 /mnt/My Backups'];
    candidates.push('nas.local:/export/media /mnt/media', '/dev/sda2 /home', '/dev/sdb1 /run/media/ana/USB');
    for (const entry of listed) expect(candidates).toContain(entry);
  });
});
