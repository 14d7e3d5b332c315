// Outside review rtF, F4 and F4b: a rule's pending time (`for`), its severity hold and an alert's duration_seconds were
// measured on the wall clock. With `for: 180000`, a 35 s breach across a +5 min step (NTP, a VM resume) raised an
// alert; a 475 s breach across a −10 min step was never raised; a 35 s alert across a +2 h step cleared with
// duration_seconds 7235; a critical alert fell back after 10 s of real time under critical (hold 60 s) across a
// +2 min step. Every elapsed-time decision now counts the monitor's monotonic clock; the timestamps shown stay wall
// time. Oracle: the injected monotonic clock's elapsed time (the pending wait, the hold, the duration computed from
// the sample times, not from the engine's output); the wall timestamps from the injected wall clock.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent, AlertRecord } from '../../src/alerts/alert.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const SAMPLE_MS = 5_000;
const MIN = 60_000;
const OFF = { enabled: false };

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

interface Seen {
  type: AlertEvent['type'];
  severity: string;
  /** The monotonic clock at the event (the oracle's time line). */
  mono: number;
  wall: number;
  timestamp: string;
  cleared_at: string | null;
  duration_seconds: number;
}

/** A monitor with one rule on a custom gauge, on an injected wall clock and monotonic clock, sampled by hand. */
function setup(rule: { for?: number; critical?: number; severityHoldMs?: number }) {
  const c = { wall: T0, mono: 1_000, depth: 0 };
  const events: Seen[] = [];
  const m = createMonitor({
    ...NO_HOST_FILES,
    logger: silentLogger,
    sampleIntervalMs: 0,
    clock: { now: () => c.wall },
    monotonicClock: () => c.mono,
    alerts: {
      cpu: OFF,
      memory: OFF,
      disk: OFF,
      disk_full_in: OFF,
      memory_leak: OFF,
      event_loop_delay: OFF,
      rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: 1000, ...rule }],
    },
    onAlert: (e) => {
      if (e.alert.rule !== 'backlog') return;
      const { severity, timestamp, cleared_at, duration_seconds } = e.alert;
      events.push({
        type: e.type,
        severity,
        mono: c.mono,
        wall: c.wall,
        timestamp,
        cleared_at,
        duration_seconds,
      });
    },
  });
  monitors.push(m);
  m.gauge('queue_depth', { help: 'q', collect: () => c.depth });
  /** `s` seconds of real time, a sample every 5 s; returns the monotonic times of the samples. */
  const pass = async (s: number): Promise<number[]> => {
    const at: number[] = [];
    for (let i = 0; i < s * 1000; i += SAMPLE_MS) {
      c.wall += SAMPLE_MS;
      c.mono += SAMPLE_MS;
      await m.sample();
      at.push(c.mono);
    }
    return at;
  };
  return { c, events, m, pass };
}

/** The first sample time at which a breach first seen at `from` has lasted `ms` (the oracle's raise), or null. */
function firstAfter(samples: number[], from: number, ms: number): number | null {
  return samples.find((t) => t - from >= ms) ?? null;
}

const STEPS = [5 * MIN, 2 * 60 * MIN, -10 * MIN, -2 * 60 * MIN];
const label = (step: number) => (step === 0 ? 'no' : `${step > 0 ? '+' : '−'}${Math.abs(step) / MIN} min`);

describe('a rule’s pending time (`for`) counts monotonic time across wall clock steps (rtF F4)', () => {
  for (const step of [0, ...STEPS]) {
    it(`a 35 s breach with for: 180 s and a ${label(step)} step is never raised`, async () => {
      const { c, events, pass } = setup({ for: 180_000 });
      await pass(30);
      c.depth = 5000;
      await pass(10);
      c.wall += step;
      await pass(25);
      c.depth = 0;
      await pass(30);
      expect(events).toEqual([]);
    });

    it(`a 475 s breach with for: 180 s and a ${label(step)} step is raised 180 s into it, lasting what it lasted`, async () => {
      const { c, events, pass } = setup({ for: 180_000 });
      await pass(30);
      c.depth = 5000;
      const during = await pass(170);
      c.wall += step;
      during.push(...(await pass(305)));
      c.depth = 0;
      const after = await pass(30);
      const raisedAt = firstAfter(during, during[0]!, 180_000);
      const clearedAt = after[0]!;
      expect(events.map((e) => [e.type, e.mono])).toEqual([
        ['raised', raisedAt],
        ['cleared', clearedAt],
      ]);
      const [raised, cleared] = events;
      expect(cleared!.duration_seconds).toBe(Math.round((clearedAt - raisedAt!) / 1000));
      // The timestamps shown are the wall clock's (the step included).
      expect(raised!.timestamp).toBe(new Date(raised!.wall).toISOString());
      expect(cleared!.timestamp).toBe(raised!.timestamp);
      expect(cleared!.cleared_at).toBe(new Date(cleared!.wall).toISOString());
    });
  }
});

describe('duration_seconds is the monotonic time the alert lasted (rtF F4)', () => {
  for (const step of STEPS) {
    it(`a 35 s alert across a ${label(step)} step: 35 s, in getAlerts() and at its clear`, async () => {
      const { c, events, m, pass } = setup({ for: 0 });
      await pass(30);
      c.depth = 5000;
      const first = (await pass(10))[0]!;
      c.wall += step;
      const mid = (await pass(5))[0]!;
      const active = (await m.getAlerts()).filter((a) => a.rule === 'backlog');
      expect(active.map((a) => a.duration_seconds)).toEqual([Math.round((mid - first) / 1000)]);
      await pass(20);
      c.depth = 0;
      const clearedAt = (await pass(30))[0]!;
      expect(events.map((e) => [e.type, e.mono, e.duration_seconds])).toEqual([
        ['raised', first, 0],
        ['cleared', clearedAt, Math.round((clearedAt - first) / 1000)],
      ]);
      // What the history keeps of the clear says the same.
      const records = (await m.getAlerts({ history: true })) as AlertRecord[];
      const history = records.filter((r) => r.rule === 'backlog' && r.event === 'cleared');
      expect(history.map((r) => r.duration_seconds)).toEqual([(clearedAt - first) / 1000]);
    });
  }
});

describe('the severity hold counts monotonic time across wall clock steps (rtF F4b)', () => {
  for (const step of [0, 2 * MIN, 2 * 60 * MIN, -2 * MIN, -2 * 60 * MIN]) {
    it(`a critical alert under critical falls back after 60 s of real time, the wall stepped ${label(step)}`, async () => {
      const { c, events, pass } = setup({ critical: 5000, severityHoldMs: 60_000 });
      c.depth = 9000;
      await pass(10);
      c.depth = 2000;
      const under = await pass(5);
      c.wall += step;
      under.push(...(await pass(90)));
      const fellBack = firstAfter(under, under[0]!, 60_000);
      expect(events.map((e) => [e.type, e.severity, e.mono])).toEqual([
        ['raised', 'critical', SAMPLE_MS + 1_000],
        ['deescalated', 'warning', fellBack],
      ]);
    });

    it(`one that fell back escalates again only after the hold of real time, the wall stepped ${label(step)}`, async () => {
      const { c, events, pass } = setup({ critical: 5000, severityHoldMs: 60_000 });
      c.depth = 9000;
      await pass(5);
      c.depth = 2000;
      await pass(65);
      expect(events.map((e) => e.type)).toEqual(['raised', 'deescalated']);
      c.depth = 9000;
      const again = await pass(5);
      c.wall += step;
      again.push(...(await pass(90)));
      expect(events.slice(2).map((e) => [e.type, e.mono])).toEqual([
        ['escalated', firstAfter(again, again[0]!, 60_000)],
      ]);
    });
  }
});
