// Outside review 12, F4: cluster mode with `sampleIntervalMs: 0`. Every cluster metrics/ read and scrape ran the
// aggregator's probe and plugin (no throttle: 1,103 probe checks in 5 s), `instance=` reads ran the worker's gauge
// collect(), and the cluster's callback gauge read 0 (the cluster read collected nothing of the workers). README
// (Alerts, "Reads change nothing"; Cluster mode, "That sync is a transfer"): with `sampleIntervalMs: 0` a read
// collects at most once per `maxAgeMs` (1 s), concurrent reads share one; a per-worker read runs nothing; the cluster
// gauge is the sum over live workers of each one's last value. Real node:cluster processes (2 workers); oracle: each
// process's own count of its callbacks' calls (fixture PROBE=1, GAUGE_CB=1: a gauge that reads its own call count).

import { describe, expect, it } from 'vitest';
import { BASE, everyWorker, get, metricsOf, until, useCluster } from './helpers.js';

interface Calls {
  pid: number;
  role: string;
  probeCalls: number;
  pluginCalls: number;
  gaugeCalls: number;
}

describe('cluster mode with sampleIntervalMs: 0: reads collect at most once per maxAgeMs', () => {
  const c = useCluster({ SAMPLE_MS: '0', PROBE: '1', GAUGE_CB: '1', CLUSTER_BYTES: '0' }, 2);
  const calls = () => everyWorker<Calls>(c.port, c.pids);

  it("the cluster's callback gauge is the sum of the workers' last values, with no per-worker read", async () => {
    // Guard: a cluster read collected since both workers were connected (one does in each second it is read; the
    // start-up wait's first may have found one worker). Unfixed: no read ran a worker's gauge, this guard timed out.
    // /whoami runs no callback: each worker's count is the value its gauge last read.
    const { m, sum } = await until(async () => {
      const read = await metricsOf(c.port);
      const w = [...(await calls()).values()];
      return w.every((x) => x.gaugeCalls > 0) && { m: read, sum: w.reduce((a, x) => a + x.gaugeCalls, 0) };
    }, 30_000);
    expect(m.custom.cb_gauge.value).toBe(sum);
  }, 60_000);

  it('reads of every kind, one after another and 10 at once: each process runs its callbacks at most once per second', async () => {
    const before = await calls();
    const t0 = Date.now();
    for (let round = 0; round < 4; round++) {
      for (const q of ['', '/prometheus', ...c.pids.map((pid) => `?instance=${pid}`)])
        expect((await get(c.port, `${BASE}/metrics${q}`)).status).toBe(200);
      await Promise.all(Array.from({ length: 10 }, () => get(c.port, `${BASE}/metrics`)));
    }
    const elapsed = Date.now() - t0;
    const after = await calls();
    // One collection per 1,000 ms of the window at most, whatever the reads (plus one at its start, and one for the
    // processes' clock granularity): unfixed, the aggregator's probe ran once per cluster read (48 here) and each
    // worker's gauge once per instance= read of it.
    const bound = Math.floor(elapsed / 1000) + 2;
    for (const pid of c.pids) {
      const [b, a] = [before.get(pid) as Calls, after.get(pid) as Calls];
      const d = {
        probe: a.probeCalls - b.probeCalls,
        plugin: a.pluginCalls - b.pluginCalls,
        gauge: a.gaugeCalls - b.gaugeCalls,
      };
      const why = `${pid} (${a.role}): ${JSON.stringify(d)} in ${elapsed} ms, bound ${bound}`;
      expect(d.gauge, why).toBeLessThanOrEqual(bound);
      if (a.role === 'aggregator') {
        expect(d.probe, why).toBeLessThanOrEqual(bound);
        expect(d.plugin, why).toBeLessThanOrEqual(bound);
      } else {
        // The probes and plugins run on the aggregator alone.
        expect({ probe: d.probe, plugin: d.plugin }, why).toEqual({ probe: 0, plugin: 0 });
      }
    }
    // The cluster gauge: the sum of the last values again, after all those reads.
    const m = await metricsOf(c.port);
    const sum = [...(await calls()).values()].reduce((s, x) => s + x.gaugeCalls, 0);
    expect(m.custom.cb_gauge.value).toBe(sum);
  }, 120_000);
});
