// Issue #13: host metrics are collected once per host, not once per worker. On real node:cluster processes,
// the fixture counts each process's host reads (CPU, disk, network baselines and collections, through
// COUNT_HOST=1 wrappers in the fixture, not in sysvitals): only the aggregator reads them; after it is
// SIGKILLed the new aggregator does, and the cluster's metrics/ still has host figures.

import { describe, expect, it } from 'vitest';
import {
  aggregatorPid,
  BASE,
  everyWorker,
  getJson,
  metricsOf as metrics,
  signalPid,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

interface Whoami {
  pid: number;
  role: string;
  id: string;
  hostReads: Record<string, number>;
}

const total = (reads: Record<string, number>) => Object.values(reads).reduce((a, b) => a + b, 0);

/** The host groups as a cluster snapshot must carry them: measured, with figures of this machine. */
function expectHostFigures(m: {
  cpu: { status: string; core_count: number; current_percent: number };
  memory: { status: string; total_gb: number };
  disk: { status: string };
  network: { status: string; bytes_in_per_sec: number; bytes_out_per_sec: number };
}): void {
  expect(m.cpu.status).not.toBe('unknown');
  expect(m.cpu.core_count).toBeGreaterThan(0);
  expect(m.cpu.current_percent).toBeGreaterThanOrEqual(0);
  expect(m.cpu.current_percent).toBeLessThanOrEqual(100);
  expect(m.memory.status).not.toBe('unknown');
  expect(m.memory.total_gb).toBeGreaterThan(0);
  expect(m.network.status).toBe('healthy');
  for (const rate of [m.network.bytes_in_per_sec, m.network.bytes_out_per_sec]) {
    expect(Number.isFinite(rate) && rate >= 0).toBe(true);
  }
}

describe('node:cluster: host metrics once per host', () => {
  // Start-up guard only (tsx workers on a loaded machine), no timed assertion.
  const c = useCluster({ COUNT_HOST: '1', SAMPLE_MS: '300' }, 3);

  it('only the aggregator reads host metrics; after a SIGKILL of it, the new aggregator does, and metrics/ keeps host figures', async () => {
    const before = await metrics(c.port);
    expectHostFigures(before);
    const aggPid = aggregatorPid(before.cluster);
    // A few of the aggregator's samples (300 ms) and of every worker's own samples.
    await new Promise((r) => setTimeout(r, 1500));
    const workers = await everyWorker<Whoami>(c.port, c.pids);
    for (const [pid, w] of workers) {
      if (pid === aggPid) {
        expect(w.role).toBe('aggregator');
        // Its cluster monitor primed the baselines once and has collected every sample since.
        expect(w.hostReads['cpu.prime']).toBe(1);
        expect(w.hostReads['network.prime']).toBe(1);
        expect(w.hostReads['cpu.collect']).toBeGreaterThanOrEqual(3);
        expect(w.hostReads['disk.collect']).toBe(w.hostReads['cpu.collect']);
        expect(w.hostReads['network.collect']).toBe(w.hostReads['cpu.collect']);
      } else {
        expect(w.role).toBe('worker');
        expect(w.hostReads, `worker ${pid}`).toEqual({
          'cpu.prime': 0,
          'cpu.collect': 0,
          'disk.collect': 0,
          'network.prime': 0,
          'network.collect': 0,
        });
      }
    }
    // A worker's own view: process figures of its own, host groups filled from the aggregator's latest host
    // snapshot (marked `host_from`), never read by the worker (no health penalty, no `unknown_reasons`).
    const other = [...workers.keys()].find((p) => p !== aggPid) as number;
    const own = (await getJson(c.port, `${BASE}/metrics?instance=${other}`)).data.data;
    expect(own.process.pid).toBe(other);
    expect(own.host_from).toBe(before.cluster.aggregator);
    expectHostFigures(own);
    expect(own.cpu.core_count).toBe(before.cpu.core_count);
    expect(own.memory.total_gb).toBe(before.memory.total_gb);
    const ownHealth = (await getJson(c.port, `${BASE}/health?instance=${other}`)).data.data;
    expect(ownHealth.unknown_reasons).toBeUndefined();

    signalPid(aggPid, 'SIGKILL');
    const after = await untilNewAggregator(c.port, before.cluster.aggregator, 2);
    // The new aggregator's first cluster snapshot: host figures measured since its baselines.
    expectHostFigures(after);
    const newAggPid = aggregatorPid(after.cluster);
    const survivors = c.pids.filter((p) => p !== aggPid);
    expect(survivors).toContain(newAggPid);
    await new Promise((r) => setTimeout(r, 1500));
    const later = await everyWorker<Whoami>(c.port, survivors);
    for (const [pid, w] of later) {
      if (pid === newAggPid) {
        expect(w.role).toBe('aggregator');
        expect(w.hostReads['cpu.prime']).toBe(1);
        expect(w.hostReads['network.prime']).toBe(1);
        expect(w.hostReads['cpu.collect']).toBeGreaterThanOrEqual(3);
      } else {
        expect(w.role).toBe('worker');
        expect(total(w.hostReads), `worker ${pid}`).toBe(0);
      }
    }
    expectHostFigures(await metrics(c.port));
  }, 180_000);
});
