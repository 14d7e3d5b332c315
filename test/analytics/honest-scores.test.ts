// Scores that must not lie in product situations (outside review, issue 17, findings 4-6), on an injected
// clock with known answers: a constant series is no surprise; a return to the usual level after a blip is
// not a new anomaly; a series that never moved is not alerted on for a change far below its scale (and is
// for a real one).

import { describe, expect, it } from 'vitest';
import { ANOMALY_LEARNING_POINTS } from '../../src/analytics/analytics.js';
import { AnomalyDetector, ONSET_SCORE } from '../../src/analytics/anomaly-detector.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { testClock } from '../alerts/snapshot.js';
import { anomalyAlerts, anomalyAnalytics, MIN, normalFigures, START } from '../helpers/anomaly-minutes.js';
import { prng } from '../helpers/random.js';

/** The anomaly rule's default warning level (rule-options.ts). */
const WARNING = 0.995;

/** A minute of a service whose every figure is constant, except what `tweak` changes. */
function flatPoint(t: number): HistoryPoint {
  return {
    t,
    timestamp: new Date(t).toISOString(),
    samples: 12,
    cpu_avg_percent: 50,
    cpu_max_percent: 50,
    memory_avg_percent: 40,
    memory_max_percent: 40,
    disk_max_percent: 40,
    network_bytes_in_per_sec: 0,
    network_bytes_out_per_sec: 0,
    event_loop_p99_ms: 12,
    heap_used_mb: 120,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests: 10_000,
    errors_4xx: 0,
    errors_5xx: 0,
    latency_p50_ms: 60,
    latency_p95_ms: 180,
    latency_p99_ms: 400,
    latency_avg_ms: 80,
    latency_max_ms: 900,
    histogram: '',
  };
}

/** One minute of a normal noisy service with a daily cycle (as in scenarios.test.ts). */
function noisyPoint(t: number, r: ReturnType<typeof prng>): HistoryPoint {
  return { ...flatPoint(t), ...normalFigures(t, r) };
}

interface Minute {
  m: number;
  scores: Record<string, number>;
  raised: string[];
}

/**
 * Runs `minutes` minutes of `make` through the analytics and the default anomaly rule (warning 0.995,
 * pending 3 minutes) on an injected clock; `custom` feeds custom series. Returns each minute's reported
 * scores and the anomaly alerts raised.
 */
function run(
  minutes: number,
  make: (m: number, t: number) => HistoryPoint,
  custom?: (m: number) => Record<string, number>,
): Minute[] {
  const analytics = anomalyAnalytics();
  const clock = testClock(START);
  const alerts = anomalyAlerts(clock, analytics);
  const out: Minute[] = [];
  for (let m = 0; m < minutes; m++) {
    for (const [name, v] of Object.entries(custom?.(m) ?? {})) analytics.observe(name, v);
    const scores = analytics.scorePoint(make(m, clock.now()));
    clock.advance(MIN);
    out.push({ m, scores, raised: alerts.check() });
  }
  return out;
}

const alerted = (minutes: Minute[]) => minutes.flatMap((x) => x.raised.map((s) => [x.m, s] as const));
const maxScore = (minutes: Minute[], series: string) =>
  Math.max(...minutes.map((x) => x.scores[series] ?? 0));

describe('a constant series is no surprise (finding 4)', () => {
  it('scores 0 on every point at any level, the detector alone', () => {
    for (const level of [50, 0, -3.5, 1e9]) {
      const det = new AnomalyDetector();
      let max = 0;
      for (let i = 0; i < 3000; i++) max = Math.max(max, det.update(level), det.episodeScore);
      // Was 0.846 every point (the noise features sat at their record, ratio 1), above a noisy series' median.
      expect(max).toBeLessThan(0.5);
    }
  });

  it('a service whose every figure is constant reports low scores and raises nothing', () => {
    const minutes = run(
      2 * 1440,
      (_m, t) => flatPoint(t),
      () => ({ queue_depth: 7 }),
    );
    const scored = minutes.filter((x) => x.m >= ANOMALY_LEARNING_POINTS);
    expect(Object.keys(scored[0]?.scores ?? {}).sort()).toEqual([
      'cpu',
      'error_rate',
      'event_loop_delay',
      'latency_p95',
      'memory',
      'queue_depth',
      'request_rate',
    ]);
    for (const series of Object.keys(scored[0]?.scores ?? {}))
      expect(maxScore(scored, series)).toBeLessThan(0.5);
    expect(alerted(minutes)).toEqual([]);
  });
});

describe('a return to the usual level is not a new anomaly (finding 5)', () => {
  it('latency p95 blips for one minute on a noisy week: the return minute and the half hour after stay below the onset', () => {
    const r = prng(42);
    const at = 8 * 1440 + 15 * 60; // day 9, 3 p.m.
    const minutes = run(at + 40, (m, t) => {
      const p = noisyPoint(t, r);
      if (m === at) p.latency_p95_ms = (p.latency_p95_ms ?? 0) + 120; // ten times the noise, one minute
      return p;
    });
    expect(minutes[at]?.scores.latency_p95).toBe(1); // the blip itself: outside the range seen
    const after = minutes.slice(at + 1, at + 32).map((x) => x.scores.latency_p95 as number);
    // Was 0.9907 at the return (a new 30-minute episode started on the step back).
    expect(Math.max(...after)).toBeLessThan(ONSET_SCORE);
    expect(alerted(minutes.slice(at))).toEqual([]);
  });

  it('a never-failing service with a one-minute burst of 5 % errors: the minutes back at 0 % score below the onset', () => {
    const at = 2 * 1440;
    const minutes = run(at + 40, (m, t) => {
      const p = flatPoint(t);
      if (m === at) p.errors_5xx = 500;
      return p;
    });
    expect(minutes[at]?.scores.error_rate).toBeGreaterThanOrEqual(WARNING); // 5 % after only 0 %: a real change
    const after = minutes.slice(at + 1, at + 32).map((x) => x.scores.error_rate as number);
    // Was 0.9912 for the 30 minutes after the return.
    expect(Math.max(...after)).toBeLessThan(ONSET_SCORE);
  });
});

describe('a series that never moved needs a meaningful change (finding 6)', () => {
  it('50 -> 50.0001 -> 50.0003 -> 50.0005 on a custom series: low scores, no alert', () => {
    const at = 2 * 1440;
    const level = (m: number) => (m < at ? 50 : m < at + 60 ? 50.0001 : m < at + 120 ? 50.0003 : 50.0005);
    const minutes = run(
      at + 180,
      (_m, t) => flatPoint(t),
      (m) => ({ gauge: level(m) }),
    );
    // Was 0.999 (no floor on the record ratio: any change of a series that never moved was a record).
    expect(maxScore(minutes.slice(at), 'gauge')).toBeLessThan(0.5);
    expect(alerted(minutes)).toEqual([]);
  });

  it('error rate 0 -> 0.01 % (1 request in 10,000) and staying: no alert', () => {
    const at = 2 * 1440;
    const minutes = run(at + 60, (m, t) => {
      const p = flatPoint(t);
      if (m >= at) p.errors_5xx = 1;
      return p;
    });
    expect(maxScore(minutes.slice(at), 'error_rate')).toBeLessThan(0.5);
    expect(alerted(minutes)).toEqual([]);
  });

  it('error rate 0 -> 5 % and staying: alerted within the pending time (the floor hides no real change)', () => {
    const at = 2 * 1440;
    const minutes = run(at + 60, (m, t) => {
      const p = flatPoint(t);
      if (m >= at) p.errors_5xx = 500;
      return p;
    });
    const first = alerted(minutes).find(([, s]) => s === 'error_rate')?.[0];
    expect(first).toBeDefined();
    expect((first as number) - at).toBeLessThanOrEqual(4);
    expect(minutes[at]?.scores.error_rate).toBeGreaterThanOrEqual(WARNING);
  });
});
