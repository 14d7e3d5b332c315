// Outside review rtF, F4: the engine's other elapsed-time decisions, on an AlertSystem with an injected wall clock and
// monotonic clock, the wall clock stepped forward and back (NTP, a VM resume): a prediction's clear on hold
// (`clearHoldMs`), a restored alert's wait for a judged reading (RT46-11), the windowed rules' hold after a takeover
// (window-hold.ts), a restored alert's duration_seconds, and the severity hold (its change's time, severitySince,
// stays a wall timestamp: persisted for a takeover). Each counted wall time: a +20 min step ended a 15 min wait at
// once, a −10 min step kept a 45 s hold from starting. Oracle: the injected monotonic clock's elapsed time against the
// stated wait (the first evaluation at which it has passed); timestamps from the injected wall clock.

import { describe, expect, it } from 'vitest';
import { severityStartOf } from '../../src/alerts/active-alert.js';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import type { AlertObservation } from '../../src/alerts/observations.js';
import { DEFAULT_RESTORED_HOLD_MS, type PersistedAlert } from '../../src/alerts/restored.js';
import type { MetricsSnapshot } from '../../src/types.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const MIN = 60_000;
const STEP_MS = 5_000;
const silent = { warn: () => {}, error: () => {}, info: () => {} };
const STEPS = [20 * MIN, 2 * 60 * MIN, -20 * MIN, -2 * 60 * MIN];
const label = (step: number) => `${step > 0 ? '+' : '−'}${Math.abs(step) / MIN} min`;

/** One reading of a rule `backlog` (typed as a built-in name: the engine takes any rule name from a source). */
function reading(o: Partial<AlertObservation>): AlertObservation {
  return {
    rule: 'backlog' as AlertObservation['rule'],
    key: '',
    component: 'custom',
    pendingMs: 0,
    value: 1,
    breachWarning: false,
    breachCritical: false,
    clear: false,
    deescalate: false,
    warningLevel: 1,
    criticalLevel: 2,
    message: (s) => `backlog ${s}`,
    ...o,
  };
}

/** An AlertSystem on an injected wall clock and monotonic clock; its one source gives `next` at each evaluation. */
function setup() {
  const c = { wall: T0, mono: 7_000 };
  const events: Array<{ type: AlertEvent['type']; mono: number; duration: number }> = [];
  const system = new AlertSystem({
    clock: { now: () => c.wall },
    monotonicClock: { now: () => c.mono },
    logger: silent,
    onAlert: (e) => void events.push({ type: e.type, mono: c.mono, duration: e.alert.duration_seconds }),
  });
  const src = { next: [] as AlertObservation[] };
  system.addObservationSource(() => src.next);
  /** `ms` of real time, an evaluation every 5 s with `o`; the monotonic times of the evaluations. */
  const pass = (ms: number, o: AlertObservation[]): number[] => {
    const at: number[] = [];
    for (let i = 0; i < ms; i += STEP_MS) {
      c.wall += STEP_MS;
      c.mono += STEP_MS;
      src.next = o;
      system.checkThresholds({} as MetricsSnapshot);
      at.push(c.mono);
    }
    return at;
  };
  return { c, events, system, pass };
}

const firstAfter = (samples: number[], from: number, ms: number) =>
  samples.find((t) => t - from >= ms) ?? null;

/** A saved alert of rule `backlog` raised `agoMs` before `wall`, as a store or a ledger gives it back. */
const saved = (wall: number, agoMs: number): PersistedAlert => ({
  key: 'backlog\u0000',
  alert: {
    id: 'a-1',
    rule: 'backlog',
    component: 'custom',
    severity: 'warning',
    message: 'backlog warning',
    timestamp: new Date(wall - agoMs).toISOString(),
    duration_seconds: 0,
    value: 5,
    threshold: 1,
    state: 'active',
    cleared_at: null,
    raisedAt: wall - agoMs,
  },
});

describe('elapsed-time decisions of the alert engine on monotonic time (rtF F4)', () => {
  for (const step of STEPS) {
    it(`a clear on hold (clearHoldMs 120 s) clears after 120 s of real time, the wall stepped ${label(step)}`, () => {
      const { c, events, pass } = setup();
      pass(STEP_MS, [reading({ breachWarning: true })]);
      const unsure = [reading({ clearOnHold: true, clearHoldMs: 120_000 })];
      const held = pass(10_000, unsure);
      c.wall += step;
      held.push(...pass(150_000, unsure));
      expect(events.map((e) => [e.type, e.mono])).toEqual([
        ['raised', 7_000 + STEP_MS],
        ['cleared', firstAfter(held, held[0]!, 120_000)],
      ]);
    });

    it(`a restored alert waits 15 min of real time for a judged reading, the wall stepped ${label(step)}`, () => {
      const { c, events, system, pass } = setup();
      expect(system.restoreActive([saved(c.wall, 60_000)])).toBe(1);
      const restoredAt = c.mono;
      const unjudged = [reading({ clear: true, unjudged: true })];
      const seen = pass(10_000, unjudged);
      c.wall += step;
      seen.push(...pass(DEFAULT_RESTORED_HOLD_MS + 30_000, unjudged));
      expect(events.map((e) => [e.type, e.mono])).toEqual([
        ['cleared', firstAfter(seen, restoredAt, DEFAULT_RESTORED_HOLD_MS)],
      ]);
    });

    it(`the windowed rules' takeover hold lasts 45 s of real time, the wall stepped ${label(step)}`, () => {
      const { c, events, system, pass } = setup();
      system.holdWindowedRules(45_000);
      const heldFrom = c.mono;
      const breach = [reading({ breachWarning: true, windowed: true })];
      const seen = pass(5_000, breach);
      c.wall += step;
      seen.push(...pass(60_000, breach));
      // Held (no reading) until 45 s of real time passed, then raised at the first reading after (pendingMs 0).
      expect(events.map((e) => [e.type, e.mono])).toEqual([['raised', firstAfter(seen, heldFrom, 45_000)]]);
    });

    it(`a restored alert's duration_seconds: its wall age at the restore, then real time, the wall stepped ${label(step)}`, () => {
      const { c, system, pass } = setup();
      system.restoreActive([saved(c.wall, 100_000)]);
      const restoredAt = c.mono;
      const breach = [reading({ breachWarning: true })];
      pass(10_000, breach);
      c.wall += step;
      const seen = pass(20_000, breach);
      const [alert] = system.getActiveAlerts();
      expect(alert?.duration_seconds).toBe(Math.round((100_000 + seen.at(-1)! - restoredAt) / 1000));
      // Shown and persisted as it was raised: wall time.
      expect(alert?.timestamp).toBe(new Date(T0 - 100_000).toISOString());
      expect(system.exportActive()).toEqual([
        { key: 'backlog\u0000', alert: expect.objectContaining({ raisedAt: T0 - 100_000 }) },
      ]);
      expect(Object.keys(system.exportActive()[0]!.alert).sort()).toEqual(
        Object.keys(saved(T0, 0).alert).sort(),
      );
    });

    it(`a de-escalation waits its 60 s hold in real time, its time (severitySince) the wall reading, the wall stepped ${label(step)}`, () => {
      const { c, events, system, pass } = setup();
      const hold = { severityHoldMs: 60_000 };
      pass(STEP_MS, [reading({ breachWarning: true, ...hold })]);
      pass(STEP_MS, [reading({ breachWarning: true, breachCritical: true, ...hold })]);
      // Escalated at the second evaluation: when the critical severity began is that wall reading (persisted).
      expect(system.exportActive()[0]?.alert.severitySince).toBe(T0 + 2 * STEP_MS);
      const below = [reading({ breachWarning: true, deescalate: true, ...hold })];
      const seen = pass(10_000, below);
      c.wall += step;
      seen.push(...pass(90_000, below));
      const fell = firstAfter(seen, seen[0]!, 60_000)!;
      expect(events.map((e) => [e.type, e.mono])).toEqual([
        ['raised', 7_000 + STEP_MS],
        ['escalated', 7_000 + 2 * STEP_MS],
        ['deescalated', fell],
      ]);
      // The warning's start: the wall clock at that evaluation (its step included), shown beside the public alert too.
      const wallAtFall = T0 + (fell - 7_000) + step;
      expect(system.exportActive()[0]?.alert.severitySince).toBe(wallAtFall);
      expect(severityStartOf(system.getActiveAlerts()[0]!)).toBe(wallAtFall);
    });
  }

  it('the monotonicClock option is checked at setup', () => {
    expect(() => new AlertSystem({ monotonicClock: 5 as never, logger: silent })).toThrow(
      /`monotonicClock` must be an object with a now\(\) method/,
    );
  });
});
