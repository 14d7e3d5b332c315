// Regression (issue 12, figures 2): a history bucket whose every sample failed holds null, not 0 %: nothing
// was measured. Merged steps leave such points out of their averages and maxima.

import { afterEach, describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../src/collector/index.js';
import { BucketAggregator } from '../../src/history/bucket-aggregator.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const B = Date.UTC(2026, 0, 1, 12, 0, 0);
const R = 60_000;
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('a bucket whose every sample failed', () => {
  it('stores null for the host figures, and a step merged with a measured bucket keeps the measured values', async () => {
    let now = B + 1_000;
    const store = new MemoryStore({ clock: { now: () => now } });
    // A procfs root that does not exist: every host group fails, as in a locked-down container.
    const failing = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      procRoot: '/nonexistent-proc',
      clock: { now: () => now },
      store,
      instanceId: 'a',
    });
    monitors.push(failing);
    await failing.sample();
    await failing.sample();
    now = B + R - 1;
    await failing.flush();
    const [point] = await store.readPoints('a', B - R, B + 2 * R);
    expect(point?.samples).toBe(2);
    for (const field of [
      'cpu_avg_percent',
      'cpu_max_percent',
      'memory_avg_percent',
      'memory_max_percent',
      'disk_max_percent',
      'network_bytes_in_per_sec',
      'network_bytes_out_per_sec',
    ] as const) {
      expect(point?.[field], field).toBeNull();
    }

    // The next minute is measured (the real /proc): the 24h step holding both averages only the measured one.
    const measured = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock: { now: () => now },
      store,
      instanceId: 'a2',
    });
    monitors.push(measured);
    // The CPU counters tick in real time, not on this test's clock: a sample right after construction on a quiet
    // machine sees no tick since the collector's baseline and reads CPU unknown (its history figure null), so the
    // step would not hold a measured CPU value. 300 ms of real time lets them move (ticks of 10 ms per core).
    await new Promise((r) => setTimeout(r, 300));
    now = B + R + 1_000;
    const s = await measured.sample();
    expect(s.cpu.status).not.toBe('unknown');
    now = B + 2 * R - 1;
    await measured.flush();
    const history = await measured.getHistory({ period: '24h', instance: 'all' });
    const step = history.points.find((p) => p.t <= B && B < p.t + history.step_seconds * 1000);
    expect(step?.cpu_avg_percent).toBe(s.cpu.current_percent);
    expect(step?.memory_max_percent).toBe(s.memory.used_percent);
  });
});

describe('a bucket of a cluster worker whose own monitor does not collect host metrics', () => {
  it('stores null for the host figures (not measured here), not 0 %, and the process figures as usual', async () => {
    const collector = new MetricsCollector({ hostMetrics: false, logger: silentLogger });
    try {
      const agg = new BucketAggregator();
      agg.add(await collector.collect());
      agg.add(await collector.collect());
      const point = agg.close(B);
      expect(point.samples).toBe(2);
      for (const field of [
        'cpu_avg_percent',
        'cpu_max_percent',
        'memory_avg_percent',
        'memory_max_percent',
        'disk_max_percent',
        'network_bytes_in_per_sec',
        'network_bytes_out_per_sec',
      ] as const) {
        expect(point[field], field).toBeNull();
      }
      expect(point.heap_used_mb).toBeGreaterThan(0);
    } finally {
      collector.close();
    }
  });
});
