// A prediction fires only when the trend carries the value toward or further past a level: a series
// already past the level and recovering is the plain rule's business (outside review, issue 17: cpu
// above 80 % and falling read "predicted to reach 80 in 0 min"). Exact lines on an injected clock, so
// the oracle is arithmetic: the Theil–Sen fit of a line is the line (level = last value, slope = step).

import { describe, expect, it } from 'vitest';
import { AlertSystem } from '../../src/alerts/engine.js';
import { predictRules } from '../../src/alerts/predict-rules.js';
import { parseRules } from '../../src/alerts/rules.js';
import { Analytics, type AnalyticsObservation, type PredictRule } from '../../src/analytics/analytics.js';
import { forecast } from '../../src/analytics/predict.js';
import { SeriesBuffer } from '../../src/analytics/series-buffer.js';
import { theilSen, timeToReach } from '../../src/analytics/trend.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';

const MIN = 60_000;

/** Free memory percent (100 − used): a level rule whose alarm is a fall, as a '<' rule reads it. */
const freeMemory: PredictRule = {
  rule: 'free_memory',
  component: 'memory',
  label: 'Free memory',
  warning: 20,
  critical: 10,
  horizonMs: 30 * MIN,
  pendingMs: 0,
  direction: 'below',
  read: (s) => [['', 100 - s.memory.used_percent]],
};

/**
 * Feeds minute m = 0..40 of `value(m)` as cpu percent (and 100 − it as free memory), one sample a
 * minute on an injected clock, and returns the last minute's predict observation of `rule`.
 */
function observe(value: (m: number) => number, rule: 'cpu' | 'free_memory'): AnalyticsObservation {
  const rules = parseRules({ cpu: { warning: 80, critical: 95, predict: '30m' } });
  const a = new Analytics({
    anomaly: rules.anomaly,
    diskFull: rules.disk_full_in,
    memoryLeak: { ...rules.memory_leak, enabled: false },
    predict: rule === 'cpu' ? predictRules(rules) : [freeMemory],
  });
  const clock = testClock();
  let s = makeSnapshot();
  for (let m = 0; m <= 40; m++) {
    s = makeSnapshot({ cpu: { current_percent: value(m) }, memory: { used_percent: 100 - value(m) } });
    a.sample(s, clock.now());
    clock.advance(MIN);
  }
  const obs = a.observations(s).filter((o) => o.rule === rule && o.key === 'predict');
  expect(obs).toHaveLength(1);
  return obs[0] as AnalyticsObservation;
}

const flags = (o: AnalyticsObservation) => ({
  warning: o.breachWarning,
  critical: o.breachCritical,
  clear: o.clear,
});

describe("predict on an 'above' rule (cpu: warning 80, critical 95, predict 30 min)", () => {
  it('past the warning and falling (94 → 86 %, −12/h): no prediction at either level', () => {
    const o = observe((m) => 94 - 0.2 * m, 'cpu');
    expect(o.value).toBe(86);
    expect(flags(o)).toEqual({ warning: false, critical: false, clear: true });
  });

  it('past the critical level and falling (100 → 96 %, −6/h): no prediction at either level', () => {
    const o = observe((m) => 100 - 0.1 * m, 'cpu');
    expect(o.value).toBe(96);
    expect(flags(o)).toEqual({ warning: false, critical: false, clear: true });
  });

  it('past the warning and still rising (82 → 86 %, +6/h): warning now; critical (95) is 90 min away', () => {
    const o = observe((m) => 82 + 0.1 * m, 'cpu');
    expect(flags(o)).toEqual({ warning: true, critical: false, clear: false });
    expect(o.message('warning')).toBe('CPU usage is already at or above 80 and still rising (now 86, +6/h)');
  });

  it('rising toward both (70 → 90 %, +30/h): warning passed, critical in (95 − 90) / 0.5 = 10 min', () => {
    const o = observe((m) => 70 + 0.5 * m, 'cpu');
    expect(flags(o)).toEqual({ warning: true, critical: true, clear: false });
    expect(o.message('critical')).toBe('CPU usage predicted to reach 95 in 10 min (now 90, +30/h)');
  });

  it('raises no predictive alert through the engine while a series above 80 % falls', () => {
    const rules = parseRules({ cpu: { warning: 80, critical: 95, predict: '30m' } });
    const a = new Analytics({
      anomaly: rules.anomaly,
      diskFull: rules.disk_full_in,
      memoryLeak: { ...rules.memory_leak, enabled: false },
      predict: predictRules(rules),
    });
    const clock = testClock();
    const alerts = new AlertSystem({ clock, rules, onAlert: () => {} });
    alerts.addObservationSource((s) => a.observations(s) as never);
    const keys = new Set<string>();
    for (let m = 0; m <= 60; m++) {
      const s = makeSnapshot({ cpu: { current_percent: 99 - 0.2 * m } }); // 99 → 87 %
      a.sample(s, clock.now());
      alerts.checkThresholds(s);
      for (const e of alerts.exportActive()) keys.add(e.key);
      clock.advance(MIN);
    }
    // the plain rule fires (the value is past 80 and 95); the prediction never does
    expect([...keys].sort()).toEqual(['cpu\u0000']);
  });
});

describe("predict on a 'below' rule (free memory: warning 20, critical 10)", () => {
  it('falling toward both (41 → 25 %, −24/h): warning in 12.5 min, critical in 37.5 min (> 30)', () => {
    const o = observe((m) => 41 - 0.4 * m, 'free_memory');
    expect(o.value).toBe(25);
    expect(flags(o)).toEqual({ warning: true, critical: false, clear: false });
    expect(o.message('warning')).toBe('Free memory predicted to fall to 20 in 13 min (now 25, -24/h)');
  });

  it('past the warning and recovering (5 → 13 %, +12/h): no prediction', () => {
    const o = observe((m) => 5 + 0.2 * m, 'free_memory');
    expect(flags(o)).toEqual({ warning: false, critical: false, clear: true });
  });

  it('past the warning and still falling (34 → 14 %): warning now, critical in (14 − 10) / 0.5 = 8 min', () => {
    const o = observe((m) => 34 - 0.5 * m, 'free_memory');
    expect(flags(o)).toEqual({ warning: true, critical: true, clear: false });
    expect(o.message('warning')).toBe(
      'Free memory is already at or below 20 and still falling (now 14, -30/h)',
    );
    expect(o.message('critical')).toBe('Free memory predicted to fall to 10 in 8 min (now 14, -30/h)');
  });
});

describe('time to a level from a trend: only when the trend leads there', () => {
  const rising = theilSen([0, 1000, 2000, 3000], [10, 20, 30, 40]) as NonNullable<
    ReturnType<typeof theilSen>
  >;
  const falling = theilSen([0, 1000, 2000, 3000], [40, 30, 20, 10]) as NonNullable<
    ReturnType<typeof theilSen>
  >;

  it('past the limit: 0 while the slope keeps it there or carries it further, Infinity when it recovers', () => {
    expect(timeToReach(rising, 30, 'up')).toBe(0); // 40, rising past 30
    expect(timeToReach(falling, 5, 'up')).toBe(Number.POSITIVE_INFINITY); // 10, past 5 and falling back: recovering
    expect(timeToReach(falling, 20, 'down')).toBe(0); // 10, falling further below 20
    expect(timeToReach(rising, 50, 'down')).toBe(Number.POSITIVE_INFINITY); // 40 below 50, rising back
    expect(timeToReach(falling, 50, 'down')).toBe(0); // 10 below 50 and falling
    expect(timeToReach(rising, 40, 'up', 0)).toBe(0); // there and flat: there
  });

  it('a disk over its limit and shrinking gives no time to full (forecast not trusted, never)', () => {
    // df counts reserved blocks: a filesystem can read 100 % and more; here 104 → 101 %, freed 2 points/h
    const b = new SeriesBuffer(6 * 3_600_000);
    for (let m = 0; m <= 90; m++) b.push(m * MIN, 104 - m / 30);
    const f = forecast(b, 100, 'up', { minPoints: 10, minSpanMs: 3_600_000 }) as NonNullable<
      ReturnType<typeof forecast>
    >;
    expect(f.level).toBeCloseTo(101, 9);
    expect(f.etaMs).toBe(Number.POSITIVE_INFINITY);
    expect(f.trusted).toBe(false);
  });

  it('a disk over its limit and still growing is full now (0), trusted', () => {
    const b = new SeriesBuffer(6 * 3_600_000);
    for (let m = 0; m <= 90; m++) b.push(m * MIN, 98 + m / 30);
    const f = forecast(b, 100, 'up', { minPoints: 10, minSpanMs: 3_600_000 }) as NonNullable<
      ReturnType<typeof forecast>
    >;
    expect(f.etaMs).toBe(0);
    expect(f.trusted).toBe(true);
  });
});
