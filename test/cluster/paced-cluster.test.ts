// node:cluster with reports paced to a small byte budget (cluster.bytesPerSecond 256): workers send one frame
// for several intervals, and the cluster's answers stay exact against the load generator and every logged duration.

import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/latency/histogram.js';
import { microsOf } from '../../src/latency/latency-ring.js';
import { metricsOf as cluster, completeRead, load, untilLogged, useCluster } from './helpers.js';

describe('node:cluster, 2 workers, reports paced to 256 B/s', () => {
  const c = useCluster({ CLUSTER_BYTES: '256' }, 2, { readyMs: 20_000, setupMs: 60_000 });

  it('totals, error counts and percentiles stay exact when intervals are coalesced', async () => {
    const result = await load(c.port, 600, 8, 11);
    expect(result.failed).toBe(0);
    const logged = await untilLogged(c.logDir, 600);
    const by = (s: number) => result.byStatus[s] ?? 0;
    const oracle = createHistogram();
    for (const r of logged) oracle.recordValue(microsOf(r.ms));
    for (let i = 0; i < 4; i++) {
      // A read with every worker's answer (a worker late for its sync round is left out of it: helpers.ts).
      const m = await completeRead(
        () => cluster(c.port),
        (x) => x.cluster.complete,
      );
      expect(m.cluster.complete).toBe(true);
      expect(m.requests.total).toBe(600);
      expect(m.errors.count_4xx).toBe(by(404));
      expect(m.errors.count_5xx).toBe(by(500));
      for (const [p, key] of [
        [50, 'p50_ms'],
        [99, 'p99_ms'],
      ] as const) {
        const expected = oracle.getValueAtPercentile(p) / 1000;
        expect(Math.abs(m.latency[key] - expected)).toBeLessThanOrEqual(expected * 0.01 + 0.001);
      }
    }
  });
});
