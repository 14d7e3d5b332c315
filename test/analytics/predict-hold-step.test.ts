// A critical prediction whose trend goes from a warning-only forecast to not significant: its held clear
// (`clearOnHold`, a hold of the rule's severityHoldMs) came one minute after its fall back to warning. The fall
// back's hold started at the warning-only reading, the clear's at the first not significant one a minute later,
// so the alert stepped down to warning at the first not significant reading a hold on, then cleared: two
// notifications for one end, the warning one backed by a single minute of warning forecasts. A reading that
// clears on hold forecasts neither level: the alert now stays critical until its held clear (README "No
// flapping": the severity is not lowered before the hold is over, and only on a reading that reads the lower one).
//
// Real Analytics and AlertSystem on an injected clock, a CPU reading every 10 s (`cpu: { warning: 80,
// critical: 95, predict: '30m' }`); the oracle is each reading's flags (asserted, so that the scenario is the one
// described) and the README's rules, the calls written out by hand. Then crafted observations through the real
// AlertSystem for the rules themselves, the legitimate fall backs included.

import { describe, expect, it } from 'vitest';
import { AlertSystem } from '../../src/alerts/engine.js';
import type { AlertObservation } from '../../src/alerts/observations.js';
import { parseRules } from '../../src/alerts/rules.js';
import { silentLogger } from '../../src/logger.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import { predictRun, STEP, showCalls } from './predict-run.js';

/** CPU `cpu(m)` in minute m, read every STEP for `mins` minutes: the prediction's calls and each minute's flags. */
function runMinutes(cpu: (m: number) => number, mins: number, hold?: number) {
  const r = predictRun((min) => cpu(Math.floor(min)), mins * 6, hold);
  return { calls: showCalls(r.calls), minute: r.minute };
}

/**
 * The clear's oracle from the README's hold semantics: a held prediction clears once every reading for the hold
 * was not significant (`---DU`; `----U` when the warning forecast, past its level, is not significant at the
 * family-wise level while the critical one still is at 90 %), so at the start of the last such run (minute by
 * minute) plus the hold.
 */
function heldClearAt(r: ReturnType<typeof runMinutes>, clearMin: number, holdMs: number) {
  let from = clearMin;
  while (r.minute(from - 1).every((f) => f === '---DU' || f === '----U')) from--;
  return from * 60 + holdMs / 1000;
}

/** The first `cleared` call's second. */
const clearedAt = (calls: readonly string[]) =>
  Number(calls.find((c) => c.includes('cleared'))?.split(' ')[0]);

describe('a held critical prediction clears from critical, not via warning a reading before', () => {
  // +0.5 % a minute from 60 % with a ±2 % jitter to minute 45 (82.5 %), then flat at 82.5 % with the same jitter
  const STOP = 45;
  const stops = (m: number) => (m < STOP ? 60 + 0.5 * m : 82.5) + (m % 2 ? -2 : 2);

  it('a jittered ramp that stops: critical at 2400 s, cleared from critical a hold after its trend went not significant', () => {
    for (const hold of [60_000, 120_000, 180_000]) {
      const r = runMinutes(stops, 80, hold);
      // One notification for one end: cleared from critical, never lowered to warning at the stop (before
      // steady-departure: critical forecasts to minute 48 and the clear a hold after minute 50; the whole window's
      // trend now holds the alert while the recent fit stays within its jitter of that line).
      const at = clearedAt(r.calls);
      // Due at 600 s (80 % 30 min ahead) and 2400 s (95 %); the raise waits for the slope's 98 % interval, which
      // an alternating ±2 % keeps across zero to minute 12 (README Predictive alerts; was 600 s), and, by default
      // (`predictConfidence: 'high'`), for a slope noise alone could not show: minute 18 (docs/predictive.md).
      expect(r.calls, `hold ${hold}`).toEqual([
        '1080 raised warning',
        '2400 escalated critical',
        `${at} cleared critical`,
      ]);
      // README: a hold after the first reading of the not-significant run it ends, within 15 min of the stop
      expect(at, `hold ${hold}`).toBe(heldClearAt(r, at / 60, hold));
      expect(at / 60 - STOP, `hold ${hold}`).toBeGreaterThan(0);
      expect(at / 60 - STOP, `hold ${hold}`).toBeLessThanOrEqual(15);
    }
  });

  it('a steady ramp that turns to a slow fall: cleared from critical, a hold after its trend went not significant', () => {
    // +0.5 % a minute from 60 % to minute 52 (86 %), then −0.2 % a minute (was lowered at 3540 s, cleared at 3600 s)
    const r = runMinutes((m) => (m < 52 ? 60 + 0.5 * m : 86 - 0.2 * (m - 52)), 80);
    const at = clearedAt(r.calls);
    expect(r.calls).toEqual(['600 raised warning', '2400 escalated critical', `${at} cleared critical`]);
    expect(at).toBe(heldClearAt(r, at / 60, 60_000));
    expect(at / 60).toBeGreaterThan(52);
  });
});

describe('the README rules on crafted prediction readings (real AlertSystem, hold 60 s, a reading every 10 s)', () => {
  type Reading = 'C' | 'W' | 'U';
  /** C: critical forecast; W: warning only (de-escalation band); U: no significant trend (clears on hold). */
  const observation = (r: Reading): AlertObservation => ({
    rule: 'cpu',
    key: 'predict',
    component: 'cpu',
    pendingMs: 0,
    value: 85,
    breachWarning: r !== 'U',
    breachCritical: r === 'C',
    clear: false,
    clearOnHold: r === 'U',
    deescalate: r !== 'C',
    warningLevel: 80,
    criticalLevel: 95,
    severityHoldMs: 60_000,
    message: (sev) => `CPU usage predicted to reach ${sev === 'critical' ? 95 : 80}`,
  });

  /** The calls (`seconds type severity`) of `readings`, one every STEP from 0. */
  function drive(readings: string): string[] {
    const clock = testClock();
    const t0 = clock.now();
    const calls: string[] = [];
    const system = new AlertSystem({
      clock,
      logger: silentLogger,
      rules: parseRules({ cpu: { enabled: false } }),
      onAlert: (e) => void calls.push(`${(clock.now() - t0) / 1000} ${e.type} ${e.alert.severity}`),
    });
    let i = 0;
    system.addObservationSource(() => [observation(readings[i] as Reading)]);
    for (i = 0; i < readings.length; i++) {
      system.checkThresholds(makeSnapshot());
      clock.advance(STEP);
    }
    system.close();
    return calls;
  }

  it('one warning reading, then no trend: cleared from critical a hold after the first no-trend reading', () => {
    // C at 0; W at 10 s (the fall back's hold from 10 s); U from 20 s (the clear's hold from 20 s)
    expect(drive(`CW${'U'.repeat(10)}`)).toEqual(['0 raised critical', '80 cleared critical']);
  });

  it('a hold of warning readings still falls back (at the reading that ends it), then clears a hold after', () => {
    expect(drive(`C${'W'.repeat(7)}${'U'.repeat(8)}`)).toEqual([
      '0 raised critical',
      '70 deescalated warning',
      '140 cleared warning',
    ]);
  });

  it('no trend, then a warning reading once the hold is over: falls back at that reading (its hold held)', () => {
    // U from 10 to 50 s (5 readings: not yet a hold), W at 60 s and 70 s: every reading since 10 s under the
    // de-escalation level, the hold over at 70 s, on a reading that forecasts warning
    expect(drive(`C${'U'.repeat(5)}WW`)).toEqual(['0 raised critical', '70 deescalated warning']);
  });

  it('a critical reading in between starts both holds again', () => {
    // C again at 40 s: the clear's hold from 50 s
    expect(drive(`CWUUCUUUUUUUU`)).toEqual(['0 raised critical', '110 cleared critical']);
  });
});
