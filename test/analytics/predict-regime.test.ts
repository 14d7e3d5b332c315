// predict: forecasts the current regime, not a rise that has stopped (outside review A1). p95 rises
// 20 ms a minute and then stays flat; the oracle is the piecewise-linear input itself: the exact time
// the line crosses 2000, and, once flat, no crossing at all. Injected clock, one sample a minute,
// through the real AlertSystem.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { parseRules } from '../../src/alerts/rules.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import { analyticsOf } from './analytics-of.js';

const MIN = 60_000;

/** Runs p95(m) for `minutes` minutes; returns the predict events with their minute. */
function run(p95: (m: number) => number, minutes: number) {
  const rules = parseRules({
    api_response_time: { warning: 2000, critical: 5000, predict: '30m' },
    memory_leak: { enabled: false },
  });
  const a = analyticsOf(rules);
  const clock = testClock();
  const events: Array<{ m: number; e: AlertEvent }> = [];
  let minute = 0;
  const alerts = new AlertSystem({ clock, rules, onAlert: (e) => void events.push({ m: minute, e }) });
  alerts.addObservationSource((s) => a.observations(s) as never);
  for (minute = 0; minute < minutes; minute++) {
    const s = makeSnapshot({ latency: { p95_ms: p95(minute) } } as never);
    a.sample(s, clock.now());
    alerts.checkThresholds(s);
    clock.advance(MIN);
  }
  // A prediction's messages: a forecast, or (a raised one whose clear is held) no significant trend at that reading.
  return events.filter(
    ({ e }) =>
      e.alert.rule === 'api_response_time' &&
      (e.alert.message.includes('predicted') || e.alert.message.includes('no significant trend')),
  );
}

describe('predict: the current regime', () => {
  it('a rise that stopped before 2000 was within 30 min never alerts (stops at 15: 1300, at 18: 1360)', () => {
    for (const stop of [15, 18]) {
      const top = 1000 + 20 * stop;
      // oracle: at the stop 2000 is (2000 - top) / 20 = 35 / 32 min away, then never
      expect((2000 - top) / 20).toBeGreaterThan(30);
      expect(run((m) => Math.min(top, 1000 + 20 * m), 140)).toEqual([]);
    }
  });

  it('a rise that stops clears within 10 min of the stop, quoting the value read, never the line', () => {
    // 1000 + 20/min reaches 2000 at minute 50: exactly 30 min ahead at minute 20. It stops at 1700 (minute 35).
    const p95 = (m: number) => Math.min(1700, 1000 + 20 * m);
    const events = run(p95, 100);
    const raised = events.filter(({ e }) => e.type === 'raised');
    expect(raised.map(({ m }) => m)).toEqual([20]);
    expect(raised[0]!.e.alert.message).toContain('in 30 min (now 1400, +1200/h)');
    const cleared = events.filter(({ e }) => e.type === 'cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.m).toBeGreaterThan(35);
    expect(cleared[0]!.m).toBeLessThanOrEqual(45);
    // every value and "now" quoted is a reading (≤ 1700), none the extrapolated line
    for (const { m, e } of events) {
      expect(e.alert.value).toBe(p95(m));
      expect(e.alert.message).toContain(`now ${p95(m)},`);
    }
  });
});
