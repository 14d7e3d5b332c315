// Dependency probes and collector plugins run once per cluster, in the aggregator (as host metrics do), not in
// every worker. On real node:cluster processes the fixture's probe and plugin count their calls in each process
// (PROBE=1): only the aggregator's grow; after it is SIGKILLed, only the new aggregator's.

import { describe, expect, it } from 'vitest';
import { parseProbeRules } from '../../src/lifecycle/options.js';
import { workerGroups } from '../../src/monitor/shared-groups.js';
import {
  aggregatorPid,
  BASE,
  everyWorker,
  get,
  getJson,
  metricsOf as metrics,
  signalPid,
  until,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

interface Whoami {
  pid: number;
  role: string;
  probeCalls: number;
  pluginCalls: number;
}

describe('node:cluster: probes and plugins once per cluster', () => {
  // Start-up guard only, no timed assertion.
  const c = useCluster({ PROBE: '1', SAMPLE_MS: '300' }, 3);

  it('reads run no probe: a burst of cluster and per-worker reads adds only the samples of its span (review 11, F6)', async () => {
    const first = await metrics(c.port);
    const aggPid = aggregatorPid(first.cluster);
    const other = c.pids.find((p) => p !== aggPid) as number;
    const t0 = performance.now();
    const p0 = (await everyWorker<Whoami>(c.port, c.pids)).get(aggPid) as Whoami;
    for (let i = 0; i < 20; i++) {
      await getJson(c.port, `${BASE}/metrics`);
      await getJson(c.port, `${BASE}/metrics?instance=${other}`);
      await getJson(c.port, `${BASE}/health?detailed=true`);
      const scrape = await get(c.port, `${BASE}/metrics/prometheus`);
      expect(scrape.status, scrape.body).toBe(200);
    }
    const workers = await everyWorker<Whoami>(c.port, c.pids);
    const span = performance.now() - t0;
    const p1 = workers.get(aggPid) as Whoami;
    // Oracle: the aggregator samples every 300 ms (SAMPLE_MS), one probe check and at most one plugin run each;
    // before, each of the 80 reads (fresh, maxAgeMs 0 in cluster mode) ran the probe again.
    const samples = Math.floor(span / 300) + 1;
    expect(p1.probeCalls - p0.probeCalls).toBeLessThanOrEqual(samples);
    expect(p1.pluginCalls - p0.pluginCalls).toBeLessThanOrEqual(samples);
    for (const [pid, w] of workers) if (pid !== aggPid) expect([w.probeCalls, w.pluginCalls]).toEqual([0, 0]);
  }, 60_000);

  it("only the aggregator calls the probe and the plugin; after its SIGKILL only the new one's calls grow", async () => {
    const before = await metrics(c.port);
    const aggPid = aggregatorPid(before.cluster);
    // The cluster's figures come from the aggregator's probe and plugin.
    expect(before.database.status).toBe('healthy');
    expect(before.database.response_time_ms).not.toBeNull();
    expect(before.plugins.queue).toEqual({ depth: 7, status: 'healthy' });
    await until(async () => {
      const w = await everyWorker<Whoami>(c.port, c.pids);
      return (w.get(aggPid)?.probeCalls ?? 0) >= 3 && w;
    }, 30_000);
    const workers = await everyWorker<Whoami>(c.port, c.pids);
    for (const [pid, w] of workers) {
      if (pid === aggPid) {
        expect(w.role).toBe('aggregator');
        expect(w.probeCalls).toBeGreaterThanOrEqual(3);
        expect(w.pluginCalls).toBeGreaterThanOrEqual(3);
      } else {
        expect(w.role).toBe('worker');
        expect([w.probeCalls, w.pluginCalls], `worker ${pid}`).toEqual([0, 0]);
      }
    }
    // A worker's own view shows the aggregator's dependency and plugin groups (marked host_from), not `unknown`.
    const other = c.pids.find((p) => p !== aggPid) as number;
    const own = (await getJson(c.port, `${BASE}/metrics?instance=${other}`)).data.data;
    expect(own.process.pid).toBe(other);
    expect(own.host_from).toBe(before.cluster.aggregator);
    expect(own.database.status).toBe('healthy');
    expect(own.plugins.queue.depth).toBe(7);

    signalPid(aggPid, 'SIGKILL');
    const after = await untilNewAggregator(c.port, before.cluster.aggregator, 2);
    const newAggPid = aggregatorPid(after.cluster);
    const survivors = c.pids.filter((p) => p !== aggPid);
    expect(survivors).toContain(newAggPid);
    const atTakeover = await everyWorker<Whoami>(c.port, survivors);
    const start = atTakeover.get(newAggPid) as Whoami;
    await until(async () => {
      const w = await everyWorker<Whoami>(c.port, survivors);
      return (w.get(newAggPid)?.probeCalls ?? 0) >= start.probeCalls + 3 && w;
    }, 30_000);
    const later = await everyWorker<Whoami>(c.port, survivors);
    for (const [pid, w] of later) {
      if (pid === newAggPid) {
        expect(w.role).toBe('aggregator');
        expect(w.probeCalls).toBeGreaterThanOrEqual(start.probeCalls + 3);
        expect(w.pluginCalls).toBeGreaterThan(start.pluginCalls);
      } else {
        expect(w.role).toBe('worker');
        expect([w.probeCalls, w.pluginCalls], `worker ${pid}`).toEqual([0, 0]);
      }
    }
    const m = await metrics(c.port);
    expect(m.database.status).toBe('healthy');
    expect(m.plugins.queue.depth).toBe(7);
  }, 180_000);
});

describe('workerGroups', () => {
  const probe = { check: async () => undefined };
  const plugin = { name: 'queue', collect: () => ({ depth: 1 }) };

  it("keeps no plugin and only the probes the worker's readiness requires", () => {
    const none = workerGroups({ database: probe, redis: probe }, [plugin], undefined, []);
    expect(none).toEqual({ probes: {}, plugins: [] });
    const rules = parseProbeRules({ required: ['database'] }, ['database', 'redis']);
    const kept = workerGroups({ database: probe, redis: probe }, [plugin], undefined, rules.required);
    expect(Object.keys(kept.probes)).toEqual(['database']);
  });

  it('still refuses a bad probe or plugin at setup in every worker', () => {
    expect(() => workerGroups({ database: {} as typeof probe }, [], undefined, [])).toThrow(/probe/);
    expect(() => workerGroups({}, [{ name: '1x', collect: () => ({}) }], undefined, [])).toThrow(
      /collectors/,
    );
  });
});
