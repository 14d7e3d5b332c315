// Outside review 31, RT31-12: the review's harness fed 400 closed minutes to the public `monitor.analytics.scorePoint()`
// (and observe() + sample() + flush()) and never saw a score, even for a 20 -> 95 % CPU jump at minute 380: a series is
// scored from its 1,441st point (ANOMALY_LEARNING_POINTS, docs/anomaly.md "no score during its first day"), which
// the README's Anomaly detection section and the doc comments of scorePoint/observe/getScores did not say (docs/
// anomaly.md's "first 150 minutes ... score 0" was the detector's own warm-up, not the monitor's). This runs the
// review's scenario past the first day through the same public surface. Oracles: the README (no score, not 0, during
// the first day; a score in the snapshot after it) and the injected jump (a value beyond the range seen scores 1).

import { afterEach, describe, expect, it } from 'vitest';
import { ANOMALY_LEARNING_POINTS } from '../../src/analytics/analytics.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { minutePoint } from '../helpers/anomaly-minutes.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { prng } from '../helpers/random.js';

const T0 = Date.UTC(2026, 11, 1);
const MIN = 60_000;
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe("the review's scenario through monitor.analytics.scorePoint(), past the first day", () => {
  it('no key (not 0) during the first day; then scores, and a 20 -> 95 % CPU jump scores 1', async () => {
    let now = T0;
    const monitor = createMonitor({
      ...NO_HOST_FILES,
      sampleIntervalMs: 0,
      clock: { now: () => now },
      alerts: { anomaly: { enabled: true } },
      logger: silentLogger,
    });
    monitors.push(monitor);
    const r = prng(3);
    const JUMP = ANOMALY_LEARNING_POINTS + 40; // as the review's minute 380, after the first day
    let last: Record<string, number> = {};
    for (let m = 0; m < JUMP + 3; m++) {
      now = T0 + (m + 1) * MIN + 100;
      const cpu = m < JUMP ? 20 + r.u() * 4 : 95;
      monitor.analytics.observe('q', m < JUMP ? 50 + r.u() : 500);
      const point = minutePoint(T0 + m * MIN, {
        cpu_avg_percent: cpu,
        memory_avg_percent: 40,
        event_loop_p99_ms: 1,
        requests: 600,
        errors_5xx: 0,
        latency_p95_ms: 20,
      });
      last = monitor.analytics.scorePoint(point);
      if (m < ANOMALY_LEARNING_POINTS) {
        // README: during the first day a series has no score (not yet known): no key, never 0.
        if (Object.keys(last).length > 0) throw new Error(`minute ${m}: scored during the first day`);
      } else expect(Object.keys(last)).toEqual(expect.arrayContaining(['cpu', 'q']));
      if (m === JUMP - 1) {
        expect(last.cpu).toBeLessThan(0.995);
        expect(last.q).toBeLessThan(0.995);
      }
    }
    expect(last.cpu).toBe(1); // beyond the range seen
    expect(last.q).toBe(1);
    const snapshot = await monitor.getMetrics();
    expect(snapshot.anomaly?.scores.cpu).toBe(1);
    expect(snapshot.anomaly?.scored_at).toBe(new Date(T0 + (JUMP + 2) * MIN).toISOString());
  });

  it("observe() + flush() on an injected clock (the review's other path): the minute after the first day is scored", async () => {
    const clock = { t: T0, now: () => clock.t };
    const monitor = createMonitor({ ...NO_HOST_FILES, clock, sampleIntervalMs: 0, logger: silentLogger });
    monitors.push(monitor);
    const seen: number[] = [];
    for (let m = 0; m < ANOMALY_LEARNING_POINTS + 2; m++) {
      clock.t = T0 + m * MIN + 1000;
      monitor.analytics.observe('q', m === ANOMALY_LEARNING_POINTS + 1 ? 80 : 50);
      clock.t = T0 + (m + 1) * MIN;
      await monitor.flush();
      const q = monitor.analytics.getScores().scores.q;
      if (q !== undefined) seen.push(m);
    }
    // Scored from its 1,441st minute: the first two minutes after the first day, the second a jump from a constant.
    expect(seen).toEqual([ANOMALY_LEARNING_POINTS, ANOMALY_LEARNING_POINTS + 1]);
    expect(monitor.analytics.getScores().scores.q).toBe(1);
  });
});
