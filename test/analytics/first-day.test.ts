// A new series' first day: the detector has not seen its daily cycle yet, so the anomaly rule must
// not page on it (outside review: a normal first day raised eight anomaly alerts, each new daily high
// being a range record), and the score is absent (not yet known), never 0 or 1.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { ANOMALY_LEARNING_POINTS, Analytics } from '../../src/analytics/analytics.js';
import {
  parseAnomalyRule,
  parseDiskFullRule,
  parseMemoryLeakRule,
} from '../../src/analytics/rule-options.js';
import type { HistoryPoint } from '../../src/history/point.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { testClock } from '../alerts/snapshot.js';
import { prng } from '../helpers/random.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const START = Date.UTC(2026, 10, 2);

/** The review's normal series: a request rate with a daily cycle and count noise, nothing injected. */
function point(t: number, r: ReturnType<typeof prng>): HistoryPoint {
  const daily = Math.sin((2 * Math.PI * (t % DAY)) / DAY);
  const mean = 300 * (1 + 0.6 * daily);
  const requests = Math.max(0, Math.round(mean + r.n() * Math.sqrt(mean)));
  return {
    t,
    timestamp: new Date(t).toISOString(),
    samples: 12,
    cpu_avg_percent: 30 + 10 * daily + r.n() * 5,
    cpu_max_percent: 0,
    memory_avg_percent: 50 + r.n() * 2,
    memory_max_percent: 0,
    disk_max_percent: 40,
    network_bytes_in_per_sec: 0,
    network_bytes_out_per_sec: 0,
    event_loop_p99_ms: 15 + Math.abs(r.n() * 3),
    heap_used_mb: 120,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests,
    errors_4xx: 0,
    errors_5xx: 0,
    latency_p50_ms: 60,
    latency_p95_ms: 180 + 30 * daily + r.n() * 10,
    latency_p99_ms: 400,
    latency_avg_ms: 80,
    latency_max_ms: 900,
    histogram: '',
  };
}

describe('anomaly detection on a new series', () => {
  it('raises no anomaly alert and reports no score during its first day of a normal noisy cycle', () => {
    const analytics = new Analytics({
      anomaly: parseAnomalyRule({ enabled: true }),
      diskFull: parseDiskFullRule({ enabled: false }),
      memoryLeak: parseMemoryLeakRule({ enabled: false }),
      predict: [],
    });
    const clock = testClock(START);
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({
      clock,
      rules: { anomaly: { enabled: true } },
      onAlert: (e) => void events.push(e),
      logger: { warn: () => {}, error: () => {} },
    });
    alerts.addObservationSource((s) => analytics.observations(s) as never);
    const raised: number[] = [];
    const r = prng(5);
    for (let m = 0; m < 2 * 1440; m++) {
      const scores = analytics.scorePoint(point(clock.now(), r));
      if (m < ANOMALY_LEARNING_POINTS)
        expect(Object.keys(scores)).toEqual([]); // not yet known
      else expect(Object.keys(scores).sort()).toContain('request_rate');
      clock.advance(MIN);
      const before = events.length;
      alerts.checkThresholds({} as MetricsSnapshot);
      for (const e of events.slice(before))
        if (e.type === 'raised' && e.alert.rule === 'anomaly') raised.push(m);
    }
    expect(raised.filter((m) => m < 1440)).toEqual([]);
  });
});
