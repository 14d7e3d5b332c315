// node:cluster with 2 real worker processes, each a Fastify app on HTTP/2 without TLS (h2c, `http2: true`) in cluster
// mode (fixtures/frameworks.ts): requests on several sessions at once (node:cluster hands each connection to the
// next worker), several streams per session. Any worker's admin API, read over HTTP/2, answers for the cluster
// exactly: against the client's counts per status class, and one histogram of every duration the workers logged.

import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/latency/histogram.js';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  BASE,
  CLUSTER_TEST_TOKEN,
  getH2,
  loadH2,
  metricsOfH2,
  promValue,
  untilLogged,
  useCluster,
  workPlan,
} from './helpers.js';

const SESSIONS = 6;
const STREAMS = 12;
const TOTAL = SESSIONS * STREAMS;

describe('node:cluster, 2 workers, Fastify on HTTP/2 (h2c)', () => {
  const c = useCluster({ APP: 'fastify-h2', ADMIN_TOKEN: CLUSTER_TEST_TOKEN }, 2, {
    readyMs: 30_000,
    setupMs: 60_000,
    read: metricsOfH2,
  });

  it('any worker answers for the cluster: exact totals per status class, percentiles of one histogram of every duration', async () => {
    const result = await loadH2(c.port, SESSIONS, STREAMS, 7);
    expect(result.failed).toBe(0);
    expect(result.sent).toBe(TOTAL);
    const by = (s: number) => result.byStatus[s] ?? 0;
    // The plan has every status of workPlan (seed 7): the classes below are not empty.
    expect(by(200) + by(201)).toBeGreaterThan(0);
    expect(by(404)).toBeGreaterThan(0);
    expect(by(500)).toBeGreaterThan(0);
    expect(by(200) + by(201) + by(404) + by(500)).toBe(TOTAL);
    // The client can see a stream end a moment before the worker recorded it.
    const logged = await untilLogged(c.logDir, TOTAL);
    const pids = [...new Set(logged.map((r) => r.pid))];
    // The sessions were spread over both workers.
    expect(pids.length).toBe(2);
    expect(logged.filter((r) => r.status === 404).length).toBe(by(404));
    expect(logged.filter((r) => r.status === 500).length).toBe(by(500));

    // Ask several times, a new session each: each reaches another worker, and every one answers the same totals.
    const answers = await Promise.all([0, 1, 2, 3].map(() => metricsOfH2(c.port, '?instance=all')));
    for (const m of answers) {
      expect(m.cluster.complete).toBe(true);
      expect(m.cluster.workers_connected).toBe(2);
      expect(m.requests.total).toBe(TOTAL);
      expect(m.requests.in_flight).toBe(0);
      expect(m.errors.count_4xx).toBe(by(404));
      expect(m.errors.count_5xx).toBe(by(500));
      expect(m.errors.count_aborted).toBe(0);
    }
    // The oracle: one HDR histogram of every duration the workers recorded.
    const oracle = createHistogram();
    for (const r of logged) oracle.recordValue(microsOf(r.ms));
    for (const m of answers) {
      for (const [p, key] of [
        [50, 'p50_ms'],
        [95, 'p95_ms'],
        [99, 'p99_ms'],
      ] as const) {
        const expected = oracle.getValueAtPercentile(p) / 1000;
        // Same slot as the oracle's: equal within the histogram's precision.
        expect(Math.abs(m.latency[key] - expected)).toBeLessThanOrEqual(expected * 0.01 + 0.001);
      }
      expect(m.latency.max_ms).toBeGreaterThanOrEqual(Math.round(oracle.maxValue) / 1000 - 0.001);
    }
    // The durations are the requests' own: each waited its planned delay (1 ms of timer rounding allowed), so the
    // k-th shortest recorded duration is at least the k-th shortest planned delay.
    const planned = workPlan(TOTAL, 7)
      .map((p) => p.ms)
      .sort((x, y) => x - y);
    const recorded = logged.map((r) => r.ms).sort((x, y) => x - y);
    expect(recorded.filter((ms, k) => ms < (planned[k] as number) - 1)).toEqual([]);
    // Per worker: instance=<pid> gives that worker alone, equal to what it logged.
    for (const pid of pids) {
      const one = await metricsOfH2(c.port, `?instance=${pid}`);
      expect(one.process.pid).toBe(pid);
      expect(one.requests.total).toBe(logged.filter((r) => r.pid === pid).length);
    }
    // One Prometheus scrape of any worker: the cluster's requests per status class.
    for (let i = 0; i < 2; i++) {
      const text = (await getH2(c.port, `${BASE}/metrics/prometheus`)).body;
      expect(promValue(text, 'sysvitals_http_requests_total')).toBe(TOTAL);
      expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="2xx"')).toBe(by(200) + by(201));
      expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="4xx"')).toBe(by(404));
      expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="5xx"')).toBe(by(500));
      expect(promValue(text, 'sysvitals_http_request_duration_seconds_count')).toBe(TOTAL);
      const sumUs = logged.reduce((a, r) => a + microsOf(r.ms), 0);
      expect(promValue(text, 'sysvitals_http_request_duration_seconds_sum')).toBeCloseTo(sumUs / 1e6, 5);
    }
  });
});
