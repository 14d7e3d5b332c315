// The dashboard's chart definitions and anomaly bands, in Node (no browser): a step with nothing
// measured is a gap (null), never a 0; bands cover exactly the runs of points at or above the level.

import { afterEach, describe, expect, it } from 'vitest';
import { parseAnomalyRule } from '../../src/analytics/rule-options.js';
import type { HistoryPointView } from '../../src/history/point.js';
import {
  bandsOf,
  DEFAULT_ANOMALY_THRESHOLD,
  isAnomalous,
  setAnomalyThreshold,
} from '../../src/http/dashboard/anomaly.js';
import { CHARTS } from '../../src/http/dashboard/panels/charts.js';

function view(over: Partial<HistoryPointView> = {}): HistoryPointView {
  return {
    t: 0,
    timestamp: new Date(0).toISOString(),
    samples: 12,
    cpu_avg_percent: 10,
    cpu_max_percent: 10,
    memory_avg_percent: 20,
    memory_max_percent: 20,
    disk_max_percent: 30,
    network_bytes_in_per_sec: 0,
    network_bytes_out_per_sec: 0,
    event_loop_p99_ms: 5,
    heap_used_mb: 50,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests: 60,
    errors_4xx: 0,
    errors_5xx: 6,
    latency_p50_ms: 10,
    latency_p95_ms: 20,
    latency_p99_ms: 30,
    latency_avg_ms: 12,
    latency_max_ms: 40,
    ...over,
  };
}

const chart = (id: string) => {
  const def = CHARTS.find((c) => c.id === id);
  if (!def) throw new Error(id);
  return def;
};
const historyOf = (id: string, p: HistoryPointView) => chart(id).series.map((s) => s.history(p, 60));

afterEach(() => {
  setAnomalyThreshold(DEFAULT_ANOMALY_THRESHOLD);
});

describe('dashboard charts from history points', () => {
  it('draws latency and error rate as gaps in a step without requests, whether the point says 0 or null', () => {
    expect(historyOf('latency', view())).toEqual([10, 20, 30]);
    expect(
      historyOf('latency', view({ requests: 0, latency_p50_ms: 0, latency_p95_ms: 0, latency_p99_ms: 0 })),
    ).toEqual([null, null, null]);
    // The null-latency point shape (minutes with no request carry null).
    const nullLatency = { requests: 0, latency_p50_ms: null, latency_p95_ms: null, latency_p99_ms: null };
    expect(historyOf('latency', view(nullLatency as unknown as Partial<HistoryPointView>))).toEqual([
      null,
      null,
      null,
    ]);
    expect(historyOf('errors', view())).toEqual([10]);
    expect(historyOf('errors', view({ requests: 0, errors_5xx: 0 }))).toEqual([null]);
    expect(historyOf('requests', view({ requests: 0 }))).toEqual([0]); // no request is a rate of 0
  });

  it('draws the error rate as metrics/ computes it: (5xx + aborted) ÷ requests', () => {
    // 100 requests, 5 failing with 5xx and 20 aborted: 25 % (the chart read 5 % before the rule).
    expect(
      historyOf('errors', view({ requests: 100, errors_5xx: 5, errors_aborted: 20, error_rate_percent: 25 })),
    ).toEqual([25]);
    // A point stored before the rule: its counts, aborted included when it has them.
    expect(historyOf('errors', view({ requests: 100, errors_5xx: 5, errors_aborted: 20 }))).toEqual([25]);
  });

  it('reads the runtime series of a point, and null where the point has none', () => {
    const p = view({
      series: {
        'process.event_loop_delay_max_ms': { kind: 'gauge', avg: 7, max: 9, n: 12 },
        'process.event_loop_utilization_percent': { kind: 'gauge', avg: 35, max: 60, n: 12 },
        'process.rss_mb': { kind: 'gauge', avg: 120, max: 130, n: 12 },
        'process.external_mb': { kind: 'gauge', avg: 3, max: 4, n: 12 },
      },
    });
    expect(historyOf('event_loop', p)).toEqual([null, 5, 9]);
    expect(historyOf('elu', p)).toEqual([35]);
    expect(historyOf('process_memory', p)).toEqual([50, 120, 3]);
    expect(historyOf('process_memory', view())).toEqual([50, null, null]);
  });

  it('plots the request rate over the seconds a step covers, or the whole step for points that do not say', () => {
    const rate = (p: HistoryPointView, step: number) => chart('requests').series[0]?.history(p, step);
    // 1 200 requests in a 5-minute step recorded for 2 minutes (red-team 18, F3): 10 req/s, not 4.
    expect(rate(view({ requests: 1200, covered_seconds: 120 }), 300)).toBe(10);
    expect(rate(view({ requests: 1200 }), 300)).toBe(4); // earlier versions' points: the whole step
    expect(rate(view({ requests: 0, covered_seconds: 1800 }), 1800)).toBe(0);
  });

  it('shades the charts of the default anomaly series', () => {
    expect(Object.fromEntries(CHARTS.filter((c) => c.anomaly).map((c) => [c.id, c.anomaly]))).toEqual({
      cpu: 'cpu',
      memory: 'memory',
      requests: 'request_rate',
      errors: 'error_rate',
      latency: 'latency_p95',
      event_loop: 'event_loop_delay',
    });
  });
});

describe('anomaly bands', () => {
  it('takes a score at or above the level as anomalous, as the anomaly rule does', () => {
    expect(DEFAULT_ANOMALY_THRESHOLD).toBe(parseAnomalyRule({}).warning); // the rule's default warning
    expect(isAnomalous(0.995)).toBe(true);
    expect(isAnomalous(0.9949)).toBe(false);
    expect(isAnomalous(null)).toBe(false);
    expect(setAnomalyThreshold(0.9)).toBe(true);
    expect(isAnomalous(0.9)).toBe(true);
    expect(setAnomalyThreshold(1.5)).toBe(false); // not a score: ignored
    expect(isAnomalous(0.9)).toBe(true);
  });

  it('covers runs of anomalous points up to halfway to their neighbours, and half a step at the ends', () => {
    const times = [0, 60, 120, 180, 240, 300, 330, 360];
    const scores = [1, 0.996, 0.5, null, 0.995, 0.2, 1, 1];
    expect(bandsOf(times, scores, 60)).toEqual([
      { from: -30, to: 90, score: 1 },
      { from: 210, to: 270, score: 0.995 },
      { from: 315, to: 390, score: 1 },
    ]);
    expect(
      bandsOf(
        times,
        times.map(() => 0.5),
        60,
      ),
    ).toEqual([]);
  });
});
