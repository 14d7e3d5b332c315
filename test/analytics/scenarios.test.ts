// Product scenarios for the anomaly rule on an injected clock: a seeded noisy week with a daily cycle
// teaches the detectors, then each incident must raise an `anomaly` alert on its series within the
// stated minutes, and a second normal week must raise none.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { Analytics } from '../../src/analytics/analytics.js';
import { parseMemoryLeakRule } from '../../src/analytics/rule-options.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import {
  anomalyAlerts,
  anomalyAnalytics,
  anomalyOnlyRules,
  DAY,
  MIN,
  minutePoint,
  normalFigures,
  START,
} from '../helpers/anomaly-minutes.js';
import { prng } from '../helpers/random.js';

type Incident = (m: number, p: HistoryPoint) => void;

/** One minute of a normal service: busy by day, quiet at night, with noise. */
function normalPoint(t: number, r: ReturnType<typeof prng>): HistoryPoint {
  return minutePoint(t, normalFigures(t, r));
}

/** A week of learning, done once; each scenario starts from a copy of the learned state. */
const learned = (() => {
  const a = anomalyAnalytics();
  const r = prng(42);
  for (let m = 0; m < 7 * 1440; m++) a.scorePoint(normalPoint(START + m * MIN, r));
  return a.exportState();
})();

/**
 * Runs day 8 from midnight (where the learning ended) for `offset` + `minutes` minutes, with the
 * incident from minute `offset` + `at` on; returns the anomaly alerts raised as [minute after the
 * incident started, series].
 */
function run(minutes: number, offset: number, at: number, incident?: Incident): Array<[number, string]> {
  const a = anomalyAnalytics();
  expect(a.importState(learned)).toBe(6);
  const clock = testClock(START + 7 * DAY);
  const begin = offset / MIN + at;
  const alerts = anomalyAlerts(clock, a);
  const r = prng(7);
  const raised: Array<[number, string]> = [];
  for (let m = 0; m < offset / MIN + minutes; m++) {
    const p = normalPoint(clock.now(), r);
    if (incident && m >= begin) incident(m - begin, p);
    a.scorePoint(p);
    clock.advance(MIN);
    for (const component of alerts.check()) raised.push([m - begin, component]);
  }
  return raised;
}

/** The minute (after the incident began) the first anomaly alert on `series` was raised. */
function detectedAfter(raised: Array<[number, string]>, series: string): number | undefined {
  return raised.find(([m, s]) => s === series && m >= 0)?.[0];
}

describe('anomaly rule scenarios (seeded, injected clock)', () => {
  it('a normal noisy week with a daily cycle raises no anomaly alert', () => {
    expect(run(7 * 1440, 0, Number.POSITIVE_INFINITY)).toEqual([]);
  });

  it('latency p95 doubling at 3 a.m. after a deploy: detected within 6 minutes', () => {
    const raised = run(120, 3 * 60 * MIN, 30, (_m, p) => {
      p.latency_p95_ms = (p.latency_p95_ms ?? 0) * 2;
    });
    expect(detectedAfter(raised, 'latency_p95')).toBeLessThanOrEqual(6);
    expect(raised.filter(([m]) => m < 0)).toEqual([]); // nothing before the deploy
  });

  it('traffic dropping to zero at noon: detected within 6 minutes', () => {
    const raised = run(120, 12 * 60 * MIN, 30, (_m, p) => {
      p.requests = 0;
      p.errors_5xx = 0;
    });
    expect(detectedAfter(raised, 'request_rate')).toBeLessThanOrEqual(6);
  });

  it('an error burst (10 % of requests failing for 15 minutes): detected within 5 minutes', () => {
    const raised = run(120, 15 * 60 * MIN, 30, (m, p) => {
      if (m < 15) p.errors_5xx = Math.round(p.requests * 0.1);
    });
    expect(detectedAfter(raised, 'error_rate')).toBeLessThanOrEqual(5);
  });

  it('an error burst 20 minutes after a noise onset is still detected (the hold-off does not cap a second incident)', () => {
    // A one-minute blip (4x the usual errors) starts the detector's 30-minute hold-off without an alert
    // (it does not last the pending time); the real burst comes inside that hold-off. The outside
    // review saw such a burst capped at 0.98: neither alerted nor shaded.
    const raised = run(120, 15 * 60 * MIN, 30, (m, p) => {
      if (m === 0) p.errors_5xx = Math.max(4, (p.errors_5xx ?? 0) * 4);
      if (m >= 20 && m < 35) p.errors_5xx = Math.round(p.requests * 0.1);
    });
    expect(raised.filter(([m, s]) => s === 'error_rate' && m < 20)).toEqual([]); // the blip alone: no alert
    const at = raised.find(([m, s]) => s === 'error_rate' && m >= 20)?.[0];
    expect(at).toBeDefined();
    expect((at as number) - 20).toBeLessThanOrEqual(5);
  });

  it('a slow memory leak: the anomaly score adapts to a slow ramp, the memory_leak rule catches it within 2 h', () => {
    // +3 points an hour is a drift the one-minute anomaly score follows (it is built to adapt); the
    // leak is the memory_leak rule's: heap +6 MB/h under a GC sawtooth whose floor keeps rising.
    const a = new Analytics({ ...anomalyOnlyRules(), memoryLeak: parseMemoryLeakRule({}) });
    const clock = testClock(START);
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({
      clock,
      rules: { anomaly: { enabled: false } },
      onAlert: (e) => void events.push(e),
      logger: { warn: () => {}, error: () => {} },
    });
    alerts.addObservationSource((s) => a.observations(s) as never);
    const r = prng(11);
    let raisedAt: number | undefined;
    for (let m = 0; m <= 180 && raisedAt === undefined; m++) {
      const heap = 150 + (6 * m) / 60 + (m % 7) * 0.8 + r.u() * 0.3;
      const snapshot = makeSnapshot({ process: { heap_used_mb: heap, rss_mb: 300 + r.n() * 2 } });
      a.sample(snapshot, clock.now());
      alerts.checkThresholds(snapshot);
      const e = events.find((x) => x.type === 'raised' && x.alert.rule === 'memory_leak');
      if (e) {
        raisedAt = m;
        expect(e.alert.component).toBe('process');
        expect(e.alert.message).toMatch(/heap: \+6(\.\d+)? MB\/h in the post-GC floor/);
        expect(e.alert.value).toBeCloseTo(6, 0);
      }
      clock.advance(MIN);
    }
    expect(raisedAt).toBeGreaterThanOrEqual(108); // 90 % of the 2 h window must be covered first
    expect(raisedAt).toBeLessThanOrEqual(120);
    // RSS was flat noise: no leak reported for it.
    expect(events.filter((x) => x.alert.rule === 'memory_leak' && x.alert.message.includes('RSS'))).toEqual(
      [],
    );
  });

  it('CPU saturated on a plateau (97-100 %) at 2 p.m.: detected within 6 minutes', () => {
    const raised = run(120, 14 * 60 * MIN, 30, (_m, p) => {
      p.cpu_avg_percent = 97 + ((p.cpu_avg_percent ?? 0) % 3);
    });
    expect(detectedAfter(raised, 'cpu')).toBeLessThanOrEqual(6);
  });
});
