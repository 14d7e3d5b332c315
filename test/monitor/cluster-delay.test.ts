// Issue 13: the aggregator's process ran two event-loop delay histograms (its own monitor's and the cluster
// monitor's), ~0.85 ms CPU/s idle, for figures the workers' replace. Now the cluster's monitor reports the owning
// monitor's. The oracle: node:perf_hooks' own monitorEventLoopDelay, wrapped to count the histograms enabled and
// not disabled, in a real in-process cluster whose only monitor becomes the aggregator.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const live = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:perf_hooks', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:perf_hooks')>();
  const monitorEventLoopDelay: typeof real.monitorEventLoopDelay = (options) => {
    const h = real.monitorEventLoopDelay(options);
    const enable = h.enable.bind(h);
    const disable = h.disable.bind(h);
    h.enable = () => {
      const changed = enable();
      if (changed) live.count++;
      return changed;
    };
    h.disable = () => {
      const changed = disable();
      if (changed) live.count--;
      return changed;
    };
    return h;
  };
  return { ...real, default: { ...real, monitorEventLoopDelay }, monitorEventLoopDelay };
});

const { createMonitor } = await import('../../src/monitor.js');
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describe("a cluster's own monitor", () => {
  it("runs no second delay histogram in the aggregator's process and reports that process's figures", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sv-delay-'));
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: quiet,
      cluster: { name: `delay-${process.pid}`, socketDir: join(dir, 'sock'), intervalMs: 100 },
    });
    try {
      expect(live.count).toBe(1);
      const until = Date.now() + 30_000;
      while (m.cluster?.role !== 'aggregator' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      expect(m.cluster?.role).toBe('aggregator');
      const cluster = await m.getMetrics({ maxAgeMs: 0 }); // the cluster's monitor is built and serves
      expect(m.cluster?.clusterMonitor).toBeTruthy();
      expect(live.count).toBe(1);
      // Its process figures are this process's (the only worker's), as its own monitor measures them.
      const view = m.cluster?.clusterMonitor as unknown as { collector: { proc: { delayOf: unknown } } };
      const own = view.collector.proc.delayOf;
      expect(own).toBe((m.collector as unknown as { proc: unknown }).proc);
      expect(cluster.process?.status).toBeDefined();
    } finally {
      await m.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(live.count).toBe(0);
  });
});
