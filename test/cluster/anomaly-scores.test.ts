// Cluster mode scores anomalies once, on the cluster's figures: the cluster's monitor (what the aggregator
// builds, fed only by the workers' reports) scores each minute exactly as one monitor that recorded every
// request of every worker would, not as one worker's own monitor. Unit level: two worker monitors, their
// reports merged with applyReport (what the aggregator's Merger does), and an oracle monitor.

import { describe, expect, it } from 'vitest';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { rng as prng } from '../helpers/random.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MIN = 60_000;

describe('cluster anomaly scores', () => {
  it("scores the cluster's merged minutes exactly as one monitor of every request, not one worker's", async () => {
    const clock = { t: T0, now: () => clock.t };
    const logger = { warn: () => {}, error: () => {} };
    const make = () => createMonitor({ sampleIntervalMs: 0, clock, logger });
    const [a, b, cluster, oracle] = [make(), make(), make(), make()] as SystemMonitor[];
    a!.requests.trackRouteLatency();
    b!.requests.trackRouteLatency();
    const reporters = [new Reporter(a as never), new Reporter(b as never)];
    const r = prng(13);
    // A day to learn, then a latency shift and a traffic surge on worker b only.
    for (let m = 0; m < 1500; m++) {
      clock.t = T0 + m * MIN + 30_000;
      const daily = Math.sin((2 * Math.PI * m) / 1440);
      const n = Math.round(20 + 8 * daily + r() * 4);
      for (let i = 0; i < n; i++) {
        const w = i % 2 === 0 ? a! : b!;
        const slow = m >= 1470 && w === b ? 3 : 1;
        const q = {
          method: 'GET',
          route: '/r',
          status: r() < 0.02 ? 500 : 200,
          durationMs: (20 + r() * 30) * slow,
        };
        w.recordRequest(q);
        oracle!.recordRequest(q);
      }
      for (const rep of reporters) applyReport(cluster as never, decodeReport(rep.take()), true);
      clock.t = T0 + (m + 1) * MIN;
      await Promise.all([a!.flush(), cluster!.flush(), oracle!.flush()]);
    }
    const got = cluster!.analytics.getScores();
    const want = oracle!.analytics.getScores();
    expect(Object.keys(want.scores)).toEqual(expect.arrayContaining(['request_rate', 'latency_p95']));
    expect(got).toEqual(want);
    // One worker's own model saw half the requests and none of b's shift: not the cluster's scores.
    expect(a!.analytics.getScores().scores.latency_p95).not.toBe(want.scores.latency_p95);
    // The snapshot (JSON and Prometheus read it) carries the cluster's scores.
    const snap = await cluster!.getMetrics();
    expect(snap.anomaly?.scores).toEqual(want.scores);
    await Promise.all([a, b, cluster, oracle].map((m) => m!.close()));
  }, 120_000);
});
