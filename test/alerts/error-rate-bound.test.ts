// Outside review F7: below minRequests the errors status is judged on the lower end of the 95 % Wilson score
// interval of failed ÷ requests, with at least 5 failures; from minRequests on, on the error rate as before. The
// oracle is the closed formula computed here from the raw counts and the rule as the README states it.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { componentStatuses } from '../../src/alerts/health.js';
import { errorRateVerdict, wilsonLowerPercent } from '../../src/alerts/status.js';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import { makeSnapshot, testClock } from './snapshot.js';

/** The lower end of the 95 % Wilson score interval, percent, two decimals (closed formula, z = 1.96). */
function wilson(failed: number, n: number): number {
  const z = 1.96;
  const p = failed / n;
  const lower =
    (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return Math.round(lower * 10_000) / 100 + 0; // + 0: 0 of n is exactly 0, not -0 from rounding noise
}

type Levels = { warning: number; critical: number };

/** The documented rule from the raw counts. */
function expected(n: number, failed: number, levels: Levels, minRequests: number): string {
  const judge = (v: number) =>
    v >= levels.critical ? 'critical' : v >= levels.warning ? 'warning' : 'healthy';
  if (n >= minRequests) return judge(Math.round((failed / n) * 10_000) / 100);
  if (n === 0 || failed < 5) return 'unknown';
  const s = judge(wilson(failed, n));
  return s === 'healthy' ? 'unknown' : s;
}

describe('the Wilson lower bound', () => {
  it('matches the closed formula for every count up to 60 requests, and 19 of 19 is n / (n + z²)', () => {
    for (let n = 1; n <= 60; n++) {
      for (let f = 0; f <= n; f++) expect(wilsonLowerPercent(f, n)).toBe(wilson(f, n));
    }
    expect(wilsonLowerPercent(19, 19)).toBe(Math.round((19 / (19 + 1.96 ** 2)) * 10_000) / 100); // 83.18
    expect(wilsonLowerPercent(0, 10)).toBe(0);
    expect(wilsonLowerPercent(0, 0)).toBeNull();
  });
});

describe('errorRateVerdict at its boundaries', () => {
  const levels = DEFAULT_LEVELS.error_rate;

  it('every mix below and above the default minimum (20) follows the rule, the bound shown below it', () => {
    for (let n = 0; n <= 45; n++) {
      for (let f = 0; f <= n; f++) {
        const v = errorRateVerdict(n, f, levels, 20);
        expect(v.status, `${f} of ${n}`).toBe(expected(n, f, levels, 20));
        expect(v.lowerPercent).toBe(n > 0 && n < 20 ? wilson(f, n) : undefined);
        expect(typeof v.reason === 'string').toBe(v.status === 'unknown');
      }
    }
  });

  it('with a larger minimum and other levels the bound reaches warning too (1 % / 50 %, minRequests 200)', () => {
    const custom = { warning: 1, critical: 50 };
    const seen = new Set<string>();
    for (let n = 0; n < 200; n += 3) {
      for (let f = 0; f <= n; f++) {
        const status = errorRateVerdict(n, f, custom, 200).status;
        expect(status, `${f} of ${n}`).toBe(expected(n, f, custom, 200));
        seen.add(status);
      }
    }
    expect([...seen].sort()).toEqual(['critical', 'unknown', 'warning']); // never healthy below the minimum
  });

  it('the edges: 4 of 19 not judged, 5 of 19 critical; 19 of 19 critical, 20 of 20 on the rate; 1 of 2 not judged', () => {
    expect(errorRateVerdict(19, 4, levels, 20)).toMatchObject({
      status: 'unknown',
      lowerPercent: wilson(4, 19),
    });
    expect(errorRateVerdict(19, 4, levels, 20).reason).toBe(
      `19 requests in the window, fewer than minRequests (20), and 4 failed, fewer than 5: the error rate is not judged`,
    );
    expect(errorRateVerdict(19, 5, levels, 20)).toEqual({ status: 'critical', lowerPercent: wilson(5, 19) });
    expect(errorRateVerdict(19, 19, levels, 20)).toEqual({ status: 'critical', lowerPercent: 83.18 });
    expect(errorRateVerdict(20, 20, levels, 20)).toEqual({ status: 'critical' });
    expect(errorRateVerdict(20, 1, levels, 20)).toEqual({ status: 'warning' }); // 5 %: unchanged at the minimum
    expect(errorRateVerdict(2, 1, levels, 20).status).toBe('unknown'); // the bound alone, 9.45 %, is a warning
    expect(errorRateVerdict(0, 0, levels, 20)).toEqual({
      status: 'unknown',
      reason: '0 requests in the window, fewer than minRequests (20): the error rate is not judged',
    });
    // minRequests 0 (and anything up to 5): the bound never decides, the rate does as before.
    expect(errorRateVerdict(4, 4, levels, 0)).toEqual({ status: 'critical' });
  });
});

describe('health and the error_rate rule read a verdict judged on the bound', () => {
  const onBound = (perMinute: number, lower: number | undefined, status: 'critical' | 'unknown') =>
    makeSnapshot({
      requests: { per_minute: perMinute },
      errors: {
        status,
        error_rate_percent: 100,
        count_5xx: perMinute,
        ...(lower === undefined ? {} : { error_rate_lower_percent: lower }),
        ...(status === 'unknown' ? { reason: 'not judged' } : {}),
      },
    });

  it('health keeps a status judged on the bound below the guard, and still drops one without the bound', () => {
    expect(componentStatuses(onBound(19, 83.18, 'critical')).errors).toBe('critical');
    expect(componentStatuses(onBound(19, undefined, 'critical')).errors).toBe('unknown');
  });

  it('the rule fires once on the bound (its value), holds while judged, clears when the window is no longer judged', () => {
    const events: AlertEvent[] = [];
    const system = new AlertSystem({ clock: testClock(), onAlert: (e) => void events.push(e) });
    expect(system.checkThresholds(onBound(19, 83.18, 'critical'))).toMatchObject([
      {
        rule: 'error_rate',
        severity: 'critical',
        value: 83.18,
        threshold: DEFAULT_LEVELS.error_rate.critical,
      },
    ]);
    system.checkThresholds(onBound(19, 83.18, 'critical'));
    system.checkThresholds(onBound(3, 43.85, 'unknown'));
    expect(events.map((e) => [e.type, e.alert.rule, e.alert.severity])).toEqual([
      ['raised', 'error_rate', 'critical'],
      ['cleared', 'error_rate', 'critical'],
    ]);
  });
});
