// An accelerating rise (a backlog blowing up) through a predicting rule (outside review 34, RT34-4). Noise-free
// closed-form series, one reading a minute on an injected clock, so the oracle is arithmetic: 20 + e^(i/12) crosses
// 80 at minute ceil(12 ln 60) = 50 and 95 at ceil(12 ln 75) = 52; 20 + e^(i/20) crosses 80 at 82; 20 + 0.01 i² at
// 78; the mirror 100 − e^(i/12) (`direction: 'below'`) falls to 40 at minute 50 and to 10 at 54.
// Before: the time to the level was measured from the regime's fitted line, far below an accelerating reading, so
// at minute 52 (reading 96.2) the alert said "predicted to reach 80 in 24 min", and it was raised only after the
// crossing (minute 52 for a crossing at 50).

import { describe, expect, it } from 'vitest';
import type { AnalyticsObservation, PredictRule } from '../../src/analytics/predict-observations.js';
import { predictObservations, predictWindow } from '../../src/analytics/predict-observations.js';
import { SeriesBuffer } from '../../src/analytics/series-buffer.js';
import { createMonitor } from '../../src/index.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

const MIN = 60_000;

const up = (i: number) => 20 + Math.exp(i / 12);
const down = (i: number) => 100 - Math.exp(i / 12);

function rule(direction: 'above' | 'below'): PredictRule {
  const below = direction === 'below';
  return {
    rule: 'lvl',
    component: 'custom',
    label: 'lvl: custom.v',
    warning: below ? 40 : 80,
    critical: below ? 10 : 95,
    horizonMs: 30 * MIN,
    pendingMs: 0,
    direction,
    read: () => [],
  };
}

/** The prediction's observation at each minute 0..last of `f` (its own trend buffer, as the analytics keep it). */
function observe(r: PredictRule, f: (i: number) => number, last: number): AnalyticsObservation[] {
  const b = new SeriesBuffer(predictWindow(r.horizonMs));
  const buffers = new Map([[`${r.rule}\u0000`, b]]);
  const out: AnalyticsObservation[] = [];
  for (let i = 0; i <= last; i++) {
    b.push(i * MIN, f(i));
    const obs: AnalyticsObservation[] = [];
    predictObservations([r], buffers, obs);
    out.push(obs[0] as AnalyticsObservation);
  }
  return out;
}

/** The first whole minute the closed-form series reaches `level` (going `up`, or down). */
function crossing(f: (i: number) => number, level: number, rising: boolean): number {
  for (let i = 0; i < 1000; i++) if (rising ? f(i) >= level : f(i) <= level) return i;
  return -1;
}

describe('an accelerating rise past the level: no time to a level already crossed', () => {
  for (const [name, f, dir] of [
    ['20 + e^(i/12), above 80 / 95', up, 'above'],
    ['100 − e^(i/12), below 40 / 10', down, 'below'],
  ] as const) {
    it(name, () => {
      const r = rule(dir);
      const rising = dir === 'above';
      const obs = observe(r, f, 70);
      const said: string[] = [];
      for (const sev of ['warning', 'critical'] as const) {
        const level = sev === 'critical' ? r.critical : r.warning;
        const from = crossing(f, level, rising);
        expect(from).toBeGreaterThan(20);
        for (let i = from; i <= 70; i++) {
          const o = obs[i] as AnalyticsObservation;
          // Past the level the value is the last reading, and the message never gives a time to it.
          expect(o.value).toBeCloseTo(f(i), 3);
          const m = o.message(sev);
          said.push(`${i} ${m}`);
          expect(m).not.toMatch(/predicted to/);
          expect(m).not.toMatch(/ in \d+ min/);
          // The series is noise-free and still moving further past: the trend is significant.
          expect(m).toContain(
            `is already at or ${rising ? 'above' : 'below'} ${level} and still ${rising ? 'rising' : 'falling'}`,
          );
        }
      }
      expect(said.length).toBeGreaterThan(0);
    });
  }
});

/** Through the monitor (createMonitor, a gauge, `alerts.rules`): each prediction event's minute and text. */
async function events(f: (i: number) => number, dir: 'above' | 'below', minutes: number) {
  let t = Date.UTC(2026, 11, 6, 12, 0, 0);
  let mono = 1e6;
  const T0 = t;
  const out: Array<{ minute: number; type: string; severity: string; message: string; value: number }> = [];
  const below = dir === 'below';
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock: () => t,
    monotonicClock: () => mono,
    logger: { warn() {}, error() {} },
    // The oracle is a custom gauge's forecast: no host group read (no /proc per sample, no real 250 ms CPU window
    // waited on the frozen clock by the first sample; test/helpers/hostless.ts).
    ...NO_HOST_FILES,
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      rules: [
        below
          ? { name: 'lvl', metric: 'custom.v', warning: 40, critical: 10, direction: 'below', predict: '30m' }
          : { name: 'lvl', metric: 'custom.v', warning: 80, critical: 95, predict: '30m' },
      ],
    },
    onAlert: (e: { type: string; alert: { message: string; severity: string; value?: unknown } }) => {
      if (/predict/.test(e.alert.message) || /still (rising|falling)/.test(e.alert.message))
        out.push({
          minute: Math.round((t - T0) / MIN),
          type: e.type,
          severity: e.alert.severity,
          message: e.alert.message,
          value: e.alert.value as number,
        });
    },
    // biome-ignore lint/suspicious/noExplicitAny: the options' clock fields are internal to the test surface
  } as any);
  const g = m.gauge('v', { help: 'h' });
  for (let i = 0; i <= minutes; i++) {
    g.set(f(i));
    await m.sample();
    t += MIN;
    mono += MIN;
  }
  await m.close();
  return out;
}

describe('an accelerating rise is raised before it crosses, and no alert states a time past the level', () => {
  // The least lead each must keep (before: −2, 12, 18 and −2 minutes; now 12, 15, 23 and 12).
  for (const [name, f, dir, level, lead] of [
    ['20 + e^(i/12) (crosses 80 at minute 50)', up, 'above', 80, 10],
    ['20 + e^(i/20) (crosses 80 at minute 82)', (i: number) => 20 + Math.exp(i / 20), 'above', 80, 14],
    ['20 + 0.01 i² (crosses 80 at minute 78)', (i: number) => 20 + 0.01 * i * i, 'above', 80, 20],
    ['100 − e^(i/12), below (falls to 40 at minute 50)', down, 'below', 40, 10],
  ] as const) {
    it(name, async () => {
      const rising = dir === 'above';
      const cross = crossing(f, level, rising);
      const ev = await events(f, dir, cross + 20);
      const first = ev.find((e) => e.type === 'raised');
      expect(first).toBeDefined();
      expect(cross - (first?.minute ?? Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(lead);
      // Never before the series is within the horizon of the level.
      expect(first?.minute ?? 0).toBeGreaterThanOrEqual(crossing((i) => f(i + 30), level, rising));
      for (const e of ev) {
        const m = /predicted to (?:reach|fall to) (\d+) in/.exec(e.message);
        if (!m) continue;
        const to = Number(m[1]);
        // A time to a level is stated only while the reading (the alert's value) is short of it.
        expect(rising ? f(e.minute) < to : f(e.minute) > to, `${e.minute}: ${e.message}`).toBe(true);
        expect(e.value).toBeCloseTo(f(e.minute), 2);
      }
    });
  }
});
