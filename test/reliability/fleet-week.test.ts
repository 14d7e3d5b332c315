// Eight monitors writing to one Redis for a simulated week (injected clock): the fleet view's counts are
// the sums and its percentiles those of one histogram of every raw request duration.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../src/history/periods.js';
import type { HistoryResult } from '../../src/history/point.js';
import { createHistogram, recordMs, summarize } from '../../src/latency/histogram.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { clockAt } from '../stores/contract.js';
import { latencies, rng } from '../stores/points.js';

const haveRedis = requireRedis();
const INSTANCES = 8;
/**
 * Ten-minute buckets keep the week at 1 008 flushes per monitor (a second or two in all) while the 7d
 * view still reads the stores' 30-minute rollups and the 24h and 1h views the raw points.
 */
const RESOLUTION_MS = 10 * 60_000;
const WEEK_MS = 7 * 24 * 3_600_000;
const BUCKETS = WEEK_MS / RESOLUTION_MS;
const T0 = Date.UTC(2025, 0, 6); // a Monday, aligned to every step
/** The query time: the last millisecond of the week, so the 7d window is exactly the simulated week. */
const NOW = T0 + WEEK_MS - 1;

interface Recorded {
  durations: number[];
  e4: number;
  e5: number;
}

let redis: RedisServer;
let monitors: SystemMonitor[] = [];
/** Per bucket index, per instance: what was recorded. */
const recorded: Recorded[][] = [];

describe.skipIf(!haveRedis)(`fleet: ${INSTANCES} monitors, one Redis, a simulated week`, () => {
  beforeAll(async () => {
    redis = await startRedis();
    const clock = clockAt(T0);
    monitors = Array.from({ length: INSTANCES }, (_, i) => {
      const instanceId = `web-${i + 1}`;
      const store = new RedisStore({
        url: redis.url,
        prefix: 'fleet-week',
        instanceId,
        resolutionMs: RESOLUTION_MS,
        clock,
        logger: silentLogger,
      });
      return createMonitor({
        store,
        instanceId,
        resolutionMs: RESOLUTION_MS,
        sampleIntervalMs: 0,
        clock,
        logger: silentLogger,
      });
    });
    await Promise.all(monitors.map((m) => m.store.init?.()));

    const rand = rng(2025);
    for (let b = 0; b < BUCKETS; b++) {
      const t = T0 + b * RESOLUTION_MS;
      clock.set(t + 1000);
      const row: Recorded[] = [];
      for (const [i, monitor] of monitors.entries()) {
        // Half the fleet fast, half slow: averaged percentiles would be far from the merged ones.
        const durations = latencies(rand, 5 + Math.floor(rand() * 40), i % 2 === 0 ? 8 : 120);
        const r: Recorded = { durations, e4: 0, e5: 0 };
        for (const ms of durations) {
          const u = rand();
          const status = u < 0.02 ? 503 : u < 0.05 ? 404 : 200;
          if (status === 503) r.e5++;
          if (status === 404) r.e4++;
          monitor.recordRequest({ method: 'GET', route: '/items/:id', status, durationMs: ms });
        }
        row.push(r);
      }
      recorded.push(row);
      clock.set(t + RESOLUTION_MS - 1); // the bucket's last millisecond: flush closes exactly this bucket
      await Promise.all(monitors.map((m) => m.flush()));
    }
    clock.set(NOW);
  });

  afterAll(async () => {
    await Promise.all(monitors.map((m) => m.close()));
    await redis?.stop();
  });

  /** What the instances recorded in [fromMs, toMs), all of them or one. */
  function truth(fromMs: number, toMs: number, instance?: number) {
    const h = createHistogram();
    let requests = 0;
    let e4 = 0;
    let e5 = 0;
    for (
      let b = Math.max(0, (fromMs - T0) / RESOLUTION_MS);
      b < Math.min(BUCKETS, (toMs - T0) / RESOLUTION_MS);
      b++
    ) {
      for (const [i, r] of recorded[b]!.entries()) {
        if (instance !== undefined && i !== instance) continue;
        for (const ms of r.durations) recordMs(h, ms);
        requests += r.durations.length;
        e4 += r.e4;
        e5 += r.e5;
      }
    }
    return { requests, e4, e5, latency: summarize(h) };
  }

  function expectMatchesTruth(view: HistoryResult, instance?: number): void {
    const stepMs = view.step_seconds * 1000;
    for (const p of view.points) {
      const want = truth(p.t, p.t + stepMs, instance);
      const at = `${view.period} step ${p.timestamp}`;
      expect([p.requests, p.errors_4xx, p.errors_5xx], at).toEqual([want.requests, want.e4, want.e5]);
      expect([p.latency_p50_ms, p.latency_p95_ms, p.latency_p99_ms, p.latency_max_ms], at).toEqual([
        want.latency.p50_ms,
        want.latency.p95_ms,
        want.latency.p99_ms,
        want.latency.max_ms,
      ]);
      expect(p.latency_avg_ms, at).toBeCloseTo(want.latency.avg_ms, 0);
    }
  }

  it('7d fleet view: every step present, counts summed, percentiles from all raw values', async () => {
    const view = await monitors[0]!.getHistory({ period: '7d', instance: 'all' });
    expect(view.instances).toEqual(monitors.map((m) => m.instanceId).sort());
    expect(view.step_seconds).toBe(1800);
    expect(view.start).toBe(new Date(T0).toISOString());
    expect(view.end).toBe(new Date(T0 + WEEK_MS).toISOString());
    expect(view.points).toHaveLength(WEEK_MS / 1_800_000); // 336 half hours, none missing
    expect(view.points.map((p) => p.t)).toEqual(Array.from({ length: 336 }, (_, i) => T0 + i * 1_800_000));
    const total = view.points.reduce((n, p) => n + p.requests, 0);
    expect(total).toBe(truth(T0, T0 + WEEK_MS).requests);
    expect(total).toBe(monitors.reduce((n, m) => n + m.requests.total, 0));
    expectMatchesTruth(view);
  });

  it('24h and 1h fleet views (raw points merged across instances) are right too', async () => {
    for (const period of ['24h', '1h'] as const) {
      const view = await monitors[3]!.getHistory({ period: period, instance: 'all' });
      const w = historyWindow(period, NOW, RESOLUTION_MS);
      expect(view.step_seconds).toBe(RESOLUTION_MS / 1000);
      expect(view.points).toHaveLength(w.steps); // 144 and 6 ten-minute steps, every one filled
      expect(view.points[0]!.t).toBe(w.startMs);
      expect(view.instances).toHaveLength(INSTANCES);
      expectMatchesTruth(view);
    }
  });

  it('one instance of the fleet, read by another monitor, is that instance alone', async () => {
    const view = await monitors[0]!.getHistory({ period: '7d', instance: 'web-6' });
    expect(view.points).toHaveLength(336);
    expect(view.points.reduce((n, p) => n + p.requests, 0)).toBe(monitors[5]!.requests.total);
    expectMatchesTruth(view, 5);
  });
});
