// Regression (outside review F16): the anomaly detector's `error_rate` series read 5xx only, so a timeout storm
// (every request aborted after its client waited: failed, no 5xx) scored 0 while the point's own
// error_rate_percent read 100 %. The series is now the rule every error rate uses: (5xx + failed aborted) ÷
// requests. The oracle is the point's own figures and the 5xx storm of the same size, which scored 1 before.

import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../src/history/point.js';
import { anomalyAnalytics } from '../helpers/anomaly-minutes.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;

function point(i: number, storm: 'none' | 'timeouts' | '5xx'): HistoryPoint {
  const seed = (i * 7919) % 97;
  const requests = 1000 + seed;
  // A healthy service: no failures in a normal minute; every request fails in the storm.
  const failed = storm === 'none' ? 0 : requests;
  return {
    t: T0 + i * MIN,
    timestamp: new Date(T0 + i * MIN).toISOString(),
    samples: 12,
    cpu_avg_percent: 30 + (seed % 5),
    cpu_max_percent: 40,
    memory_avg_percent: 50,
    memory_max_percent: 50,
    disk_max_percent: 40,
    network_bytes_in_per_sec: 1,
    network_bytes_out_per_sec: 1,
    event_loop_p99_ms: 10,
    heap_used_mb: 50,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests,
    errors_4xx: storm === 'timeouts' ? failed : 0,
    errors_5xx: storm === 'timeouts' ? 0 : failed,
    errors_aborted: storm === 'timeouts' ? failed : 0,
    errors_aborted_failed: storm === 'timeouts' ? failed : 0,
    error_rate_percent: (100 * failed) / requests,
    latency_p50_ms: 20 + (seed % 3),
    latency_p95_ms: 40 + (seed % 5),
    latency_p99_ms: 60,
    latency_avg_ms: 25,
    latency_max_ms: 80,
    histogram: '',
  };
}

function stormScore(storm: 'timeouts' | '5xx'): number | undefined {
  const a = anomalyAnalytics();
  for (let i = 0; i < 2000; i++) a.scorePoint(point(i, 'none'));
  return a.scorePoint(point(2000, storm)).error_rate;
}

describe('the anomaly error_rate series counts failed aborted requests', () => {
  it('a timeout storm scores as a 5xx storm of the same size', () => {
    const fivexx = stormScore('5xx');
    const timeouts = stormScore('timeouts');
    expect(fivexx).toBeGreaterThanOrEqual(0.995);
    expect(timeouts).toBe(fivexx);
  });
});
