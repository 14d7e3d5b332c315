// A staircase whose steps take several samples to land (outside review 12, F2): a backup written over
// five minutes adds its +5 as +1 a minute. Each move of such a ramp was under the riser size (1/25 of the
// window's range), so the window read as a staircase only some minutes: `predict: '3h'` raised, cleared
// while the forecast was 1–2.5 h inside the horizon, and raised again with a new id, six times, before
// and after the crossing (2-minute steps: raised 423, cleared 481, raised 483). Oracle, exact arithmetic
// on the raw samples: a staircase is forecast on the line through its landings (the first point of each
// step at its new level), whose rate is the average rate (+5 an hour) and which meets the level where the
// readings first reach it (95 is a step's level); the forecast is due HORIZON minutes before that minute.
// Two forms of each ramp: written from the hour (the review's: the readings reach 95 at minute 600 + w) and
// landing on the hour (the instant staircase's landings: 95 at minute 660, due at 480, as the line).
// Expected: one predict alert, raised within TOLERANCE minutes of the due minute, never cleared while the
// run lasts (an hour past the crossing, where the level rule has its own alert). Each case a sample a
// minute and every 5 s, through the real analytics and alert engine on a snapshot's memory.used_percent
// (through the monitor, its host collection made a 5 s run 9,600 snapshots of this machine); the
// review's own probe (5-minute steps, a custom gauge) through the monitor.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { metricRuleSource, parseMetricRules } from '../../src/alerts/metric-rules.js';
import { metricPredictRules } from '../../src/alerts/predict-rules.js';
import { parseRules } from '../../src/alerts/rules.js';
import { snapshotShape } from '../../src/alerts/snapshot-shape.js';
import { Analytics } from '../../src/analytics/analytics.js';
import { windowShape } from '../../src/analytics/envelope.js';
import { createMonitor } from '../../src/monitor.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5);
const HORIZON = 180;
const TOLERANCE = 2;
const PREDICT = /predicted to|already at or/;

type Used = (m: number) => number;

/** +5 an hour from 40 (or −5 from 100), each step written over `w` minutes from the hour (m may be fractional). */
const fromHour =
  (w: number, sign: 1 | -1): Used =>
  (m) =>
    (sign > 0 ? 40 : 100) + sign * (5 * Math.floor(m / 60) + (Math.min(m % 60, w) * 5) / w);
/** The same steps landing on the hour: written over the `w` minutes up to it. */
const toHour =
  (w: number, sign: 1 | -1): Used =>
  (m) =>
    (sign > 0 ? 40 : 100) + sign * (5 * Math.floor(m / 60) + (Math.max(0, (m % 60) - 60 + w) * 5) / w);

/** The minute the readings first reach `level` (one a minute). */
function crossing(f: Used, level: number, below: boolean): number {
  let m = 0;
  while (below ? f(m) > level : f(m) < level) m++;
  return m;
}

/** The predict alert's events (minute, type, id) through a monitor sampled once a minute. */
async function monitorEvents(used: Used, minutes: number, below: boolean) {
  const clock = { t: T0, now: () => clock.t };
  const events: Array<{ min: number; type: string; id: string }> = [];
  const monitor = createMonitor({
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
function engineEvents(used: Used, minutes: number, below: boolean, everyMs: number, offsetMs: number) {
  const builtIn = parseRules({});
  const rules = parseMetricRules(
    [rule(below, 'memory.used_percent')],
    snapshotShape([], Object.keys(builtIn)),
  );
  const off = Object.fromEntries(Object.keys(builtIn).map((k) => [k, { enabled: false }]));
  const analytics = new Analytics({ ...parseRulesOff(off), predict: metricPredictRules(rules) });
  const clock = testClock();
  const start = clock.now();
  const events: Array<{ min: number; type: string; id: string }> = [];
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

function parseRulesOff(off: Record<string, unknown>) {
  const r = parseRules(off);
  return { anomaly: r.anomaly, diskFull: r.disk_full_in, memoryLeak: r.memory_leak };
}

function rule(below: boolean, metric: string) {
  return below
    ? { name: 'lvl', metric, warning: 45, direction: 'below', predict: '3h' }
    : { name: 'lvl', metric, warning: 95, predict: '3h' };
}

const cases: Array<[string, Used, boolean]> = [];
for (const w of [1, 2, 3, 4, 5]) {
  cases.push([`+5 an hour written over ${w} min from the hour`, fromHour(w, 1), false]);
  cases.push([`−5 an hour written over ${w} min from the hour`, fromHour(w, -1), true]);
}
for (const w of [3, 5]) {
  cases.push([`+5 an hour written over ${w} min landing on the hour`, toHour(w, 1), false]);
  cases.push([`−5 an hour written over ${w} min landing on the hour`, toHour(w, -1), true]);
}

describe("predict: '3h' on a staircase whose steps take minutes to land", () => {
  // Every case a sample a minute; at 5 s (12 times the samples: most of the file's time) the shortest and longest
  // ramps from the hour and the longest landing on it, both ways.
  const at5s = new Set([2, 3, 8, 9, 12, 13]);
  const cadences: Array<[string, number, number, typeof cases]> = [
    ['a sample a minute', MIN, 0, cases],
    ['a sample every 5 s, 2.5 s past the minute', 5000, 2500, cases.filter((_, i) => at5s.has(i))],
  ];
  for (const [cadence, everyMs, offsetMs, some] of cadences) {
    for (const [name, used, below] of some) {
      it(`${name}, ${cadence}: one alert, raised within ${TOLERANCE} min of its due minute, never cleared`, () => {
        const cross = crossing(used, below ? 45 : 95, below);
        const events = engineEvents(used, cross + 60, below, everyMs, offsetMs);
        expect(events.map((e) => e.type)).toEqual(['raised']);
        expect(Math.abs((events[0] as { min: number }).min - (cross - HORIZON))).toBeLessThanOrEqual(
          TOLERANCE,
        );
      });
    }
  }

  // The review's probe itself: a custom gauge through the monitor, one sample a minute.
  for (const [name, used, below] of [cases[8], cases[9]] as Array<[string, Used, boolean]>) {
    it(`${name}, through the monitor: one alert, raised at its due minute, never cleared`, async () => {
      const cross = crossing(used, below ? 45 : 95, below);
      const events = await monitorEvents(used, cross + 60, below);
      expect(events.map((e) => e.type)).toEqual(['raised']);
      expect(Math.abs((events[0] as { min: number }).min - (cross - HORIZON))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('the due minutes are those of the landings line: 420 + w written from the hour, 480 landing on it', () => {
    expect(crossing(fromHour(5, 1), 95, false) - HORIZON).toBe(425);
    expect(crossing(fromHour(2, -1), 45, true) - HORIZON).toBe(422);
    expect(crossing(toHour(5, 1), 95, false) - HORIZON).toBe(480);
  });
});

describe('a ramped step is one riser', () => {
  it('a step written over five minutes lands at the ramp’s last point', () => {
    const v = Array.from({ length: 361 }, (_, m) => fromHour(5, 1)(m));
    expect(windowShape(v, 'up')).toEqual({ kind: 'stairs', turns: [5, 65, 125, 185, 245, 305] });
  });

  it('a line is not a staircase, nor a ramp that gives its step back (a sawtooth of ramps)', () => {
    expect(
      windowShape(
        Array.from({ length: 361 }, (_, m) => 40 + m / 12),
        'up',
      ).kind,
    ).toBe('plain');
    const saw = Array.from({ length: 361 }, (_, m) => 40 + Math.min(m % 60, 5) - (m % 60 >= 30 ? 5 : 0));
    expect(windowShape(saw, 'up').kind).not.toBe('stairs');
  });
});
