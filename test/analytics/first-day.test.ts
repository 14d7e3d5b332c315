// A new series' first day: the detector has not seen its daily cycle yet, so the anomaly rule must
// not page on it (outside review: a normal first day raised eight anomaly alerts, each new daily high
// being a range record), and the score is absent (not yet known), never 0 or 1.

import { describe, expect, it } from 'vitest';
import { ANOMALY_LEARNING_POINTS } from '../../src/analytics/analytics.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { testClock } from '../alerts/snapshot.js';
import { anomalyAlerts, anomalyAnalytics, DAY, MIN, minutePoint, START } from '../helpers/anomaly-minutes.js';
import { prng } from '../helpers/random.js';

/** The review's normal series: a request rate with a daily cycle and count noise, nothing injected. */
function point(t: number, r: ReturnType<typeof prng>): HistoryPoint {
  const daily = Math.sin((2 * Math.PI * (t % DAY)) / DAY);
  const mean = 300 * (1 + 0.6 * daily);
  const requests = Math.max(0, Math.round(mean + r.n() * Math.sqrt(mean)));
  return minutePoint(t, {
    cpu_avg_percent: 30 + 10 * daily + r.n() * 5,
    memory_avg_percent: 50 + r.n() * 2,
    event_loop_p99_ms: 15 + Math.abs(r.n() * 3),
    requests,
    errors_5xx: 0,
    latency_p95_ms: 180 + 30 * daily + r.n() * 10,
  });
}

describe('anomaly detection on a new series', () => {
  it('raises no anomaly alert and reports no score during its first day of a normal noisy cycle', () => {
    const analytics = anomalyAnalytics();
    const clock = testClock(START);
    const alerts = anomalyAlerts(clock, analytics);
    const raised: number[] = [];
    const r = prng(5);
    for (let m = 0; m < 2 * 1440; m++) {
      const scores = analytics.scorePoint(point(clock.now(), r));
      if (m < ANOMALY_LEARNING_POINTS)
        expect(Object.keys(scores)).toEqual([]); // not yet known
      else expect(Object.keys(scores).sort()).toContain('request_rate');
      clock.advance(MIN);
      for (const _ of alerts.check()) raised.push(m);
    }
    expect(raised.filter((m) => m < 1440)).toEqual([]);
  });
});
