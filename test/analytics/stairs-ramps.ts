// Test helper: the staircases with ramped steps of predict-stairs-ramps*.test.ts (one file each describe's share,
// so that the CPU-bound cases run two files at a time), the oracle's crossings, the runs through the analytics
// and alert engine (engineEvents) or through a monitor (monitorEvents), the expectations the files share, and the
// jittered long ramps' case (its oracle: predict-stairs-ramps-jittered.test.ts). The other cases: the test files.

import { expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { metricRuleSource, parseMetricRules } from '../../src/alerts/metric-rules.js';
import { metricPredictRules } from '../../src/alerts/predict-rules.js';
import { parseRules } from '../../src/alerts/rules.js';
import { snapshotShape } from '../../src/alerts/snapshot-shape.js';
import { Analytics } from '../../src/analytics/analytics.js';
import { createMonitor } from '../../src/monitor.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

export const MIN = 60_000;
export const T0 = Date.UTC(2026, 11, 5);
export const HORIZON = 180;
export const TOLERANCE = 2;
const PREDICT = /predicted to|already at or/;

export type Used = (m: number) => number;
/** A predict alert's event: the minute (from the first reading), its type and the alert's id. */
export type PredictEvent = { min: number; type: string; id: string };

/** +5 an hour from 40 (or −5 from 100), each step written over `w` minutes from the hour (m may be fractional). */
export const fromHour =
  (w: number, sign: 1 | -1): Used =>
  (m) =>
    (sign > 0 ? 40 : 100) + sign * (5 * Math.floor(m / 60) + (Math.min(m % 60, w) * 5) / w);
/** The same steps landing on the hour: written over the `w` minutes up to it. */
export const toHour =
  (w: number, sign: 1 | -1): Used =>
  (m) =>
    (sign > 0 ? 40 : 100) + sign * (5 * Math.floor(m / 60) + (Math.max(0, (m % 60) - 60 + w) * 5) / w);

/** The minute the readings first reach `level` (one a minute). */
export function crossing(f: Used, level: number, below: boolean): number {
  let m = 0;
  while (below ? f(m) > level : f(m) < level) m++;
  return m;
}

/** The predict alert's events (minute, type, id) through a monitor sampled once a minute. */
export async function monitorEvents(used: Used, minutes: number, below: boolean) {
  const clock = { t: T0, now: () => clock.t };
  const events: PredictEvent[] = [];
  const monitor = createMonitor({
    ...NO_HOST_FILES,
    sampleIntervalMs: 0,
    clock,
    logger: { warn() {}, error() {} },
    alerts: { rules: [rule(below, 'custom.level')] as never },
    onAlert: (e: AlertEvent) => {
      if (PREDICT.test(e.alert.message))
        events.push({ min: (clock.t - T0) / MIN, type: e.type, id: e.alert.id });
    },
  });
  const g = monitor.gauge('level', { help: 'level' });
  for (let m = 0; m <= minutes; m++) {
    clock.t = T0 + m * MIN;
    g.set(used(m));
    await monitor.sample();
  }
  await monitor.close();
  return events;
}

/** The same through the analytics and the alert engine, a sample every `everyMs` from `offsetMs` past minute 0. */
export function engineEvents(used: Used, minutes: number, below: boolean, everyMs: number, offsetMs: number) {
  const builtIn = parseRules({});
  const rules = parseMetricRules(
    [rule(below, 'memory.used_percent')],
    snapshotShape([], Object.keys(builtIn)),
  );
  const off = Object.fromEntries(Object.keys(builtIn).map((k) => [k, { enabled: false }]));
  const analytics = new Analytics({ ...parseRulesOff(off), predict: metricPredictRules(rules) });
  const clock = testClock();
  const start = clock.now();
  const events: PredictEvent[] = [];
  const alerts = new AlertSystem({
    clock,
    rules: parseRules(off),
    onAlert: (e) => {
      if (PREDICT.test(e.alert.message))
        events.push({ min: (clock.now() - start) / MIN, type: e.type, id: e.alert.id });
    },
  });
  alerts.addObservationSource(metricRuleSource(rules));
  alerts.addObservationSource((s) => analytics.observations(s) as never);
  clock.advance(offsetMs);
  for (let k = 0; k <= (minutes * MIN) / everyMs; k++) {
    const s = makeSnapshot({ memory: { used_percent: used((clock.now() - start) / MIN) } });
    analytics.sample(s, clock.now());
    alerts.checkThresholds(s);
    clock.advance(everyMs);
  }
  return events;
}

/** One alert, raised within TOLERANCE minutes of its due minute (HORIZON before `cross`), never cleared. */
export function expectRaisedWhenDue(events: readonly PredictEvent[], cross: number): void {
  expect(events.map((e) => e.type)).toEqual(['raised']);
  expect(Math.abs((events[0] as PredictEvent).min - (cross - HORIZON))).toBeLessThanOrEqual(TOLERANCE);
}

/** From minute `third` (the third step) expectRaisedWhenDue; before it, every alert raised was cleared. */
export function expectFromThirdStep(events: readonly PredictEvent[], third: number, cross: number): void {
  expectRaisedWhenDue(
    events.filter((e) => e.min >= third),
    cross,
  );
  expect(events.filter((e) => e.min < third).length % 2).toBe(0);
}

function parseRulesOff(off: Record<string, unknown>) {
  const r = parseRules(off);
  return { anomaly: r.anomaly, diskFull: r.disk_full_in, memoryLeak: r.memory_leak };
}

function rule(below: boolean, metric: string) {
  return below
    ? { name: 'lvl', metric, warning: 45, direction: 'below', predict: '3h' }
    : { name: 'lvl', metric, warning: 95, predict: '3h' };
}

export const cases: Array<[string, Used, boolean]> = [];
for (const w of [1, 2, 3, 4, 5]) {
  cases.push([`+5 an hour written over ${w} min from the hour`, fromHour(w, 1), false]);
  cases.push([`−5 an hour written over ${w} min from the hour`, fromHour(w, -1), true]);
}
for (const w of [3, 5]) {
  cases.push([`+5 an hour written over ${w} min landing on the hour`, toHour(w, 1), false]);
  cases.push([`−5 an hour written over ${w} min landing on the hour`, toHour(w, -1), true]);
}

const JITTER = 0.12;
export const jitter = (() => {
  let seed = 20261213;
  return Array.from({ length: 2000 }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * JITTER;
  });
})();
/** A fixed-seed symmetric jitter in [−SYMMETRIC, +SYMMETRIC] (outside review 15, F4: peak-to-peak 0.24). */
export const SYMMETRIC = 0.12;
export const symmetric = (() => {
  let seed = 20261206;
  return Array.from({ length: 2000 }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (2 * (seed / 2147483648) - 1) * SYMMETRIC;
  });
})();
/** `used` with the fixed-seed jitter of its minute, toward the level (`sign`). */
export const jittered =
  (used: Used, sign: 1 | -1): Used =>
  (m) =>
    used(m) + sign * (jitter[Math.floor(m)] as number);
/** `used` from `base` rather than 40 (or 100 going down). */
export const from =
  (used: Used, base: number, sign: 1 | -1): Used =>
  (m) =>
    used(m) - (sign > 0 ? 40 : 100) + base;

export type Long = [name: string, used: Used, sign: 1 | -1, start: number];
export const long: Long[] = [];
for (const w of [8, 12, 16, 20]) {
  for (const sign of [1, -1] as const) {
    const way = sign > 0 ? '+5' : '−5';
    const start = sign > 0 ? 0 : 140;
    long.push([
      `${way} an hour from ${start} written over ${w} min from the hour`,
      fromHour(w, sign),
      sign,
      start,
    ]);
    long.push([
      `${way} an hour from ${start} written over ${w} min landing on the hour`,
      toHour(w, sign),
      sign,
      start,
    ]);
  }
}

/**
 * The jittered long ramps `some` at a cadence (a sample every `everyMs` from `offsetMs` past minute 0), a test
 * each: the readings jittered toward the level, from the third step one alert at its due minute, never cleared.
 */
export function itJitteredRamps(cadence: string, everyMs: number, offsetMs: number, some: readonly Long[]) {
  for (const [name, steps, sign, start] of some) {
    it(`${name}, ${cadence}: from the third step one alert, raised within ${TOLERANCE} min of the due minute, never cleared`, () => {
      const used = jittered(from(steps, start, sign), sign);
      const below = sign < 0;
      const cross = crossing(used, below ? 45 : 95, below);
      const third = crossing(used, start + sign * 15, below);
      expectFromThirdStep(engineEvents(used, cross + 60, below, everyMs, offsetMs), third, cross);
    });
  }
}
